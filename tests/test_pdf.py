"""The PDF edition as built by `make pdf` / `make book`: read, never rebuilt here.

Every chapter is in it, numbered, in the order of _toc.yml; the numbers the chapters
glue into their prose are printed; it has as many pictures and figure captions as the
HTML book has captioned figures; no reference is left as `??` and no markup reached the
page. Three pages are rendered to PNG in _build/artifacts/pdf/ for a human look.
"""

import re
import subprocess
from pathlib import Path

import pytest
from myst_nb.core.variables import format_plain_text

from notebooks import executed_dir, glued_values
from scripts.pdf_build import LATEX_DIR, PDF_NAME, PUBLISHED_PDF, page_count
from scripts.toc import toc_entries

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
PDF = LATEX_DIR / f"{PDF_NAME}.pdf"
HTML = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "_build" / "artifacts" / "pdf"
# A chapter takes at least its opening page and one more (chapters open on odd pages);
# the longest chapter of the book runs to about 15 pages: 30 leaves room to grow.
PAGES_PER_CHAPTER = (2, 30)
FRONT_AND_BACK_PAGES = 12  # title, contents, landing page, part pages, index
GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([\w-]+)(?::([^`]*))?`")


def one_line(text: str) -> str:
    """Return text with every run of whitespace made one space (lines joined)."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def pdf() -> Path:
    """The built PDF (fails with what to run when it is missing)."""
    if not PDF.is_file():
        pytest.fail(f"{PDF} is missing: run `make pdf` (or `make book`) first.")
    return PDF


@pytest.fixture(scope="module")
def pages(pdf: Path) -> list[str]:
    """The text of every page of the PDF (`pdftotext -layout`), first page first."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


@pytest.fixture(scope="module")
def text(pages: list[str]) -> str:
    """The whole text of the PDF, whitespace made single spaces."""
    return one_line(" ".join(pages))


def chapter_names() -> list[str]:
    """Return the chapters of _toc.yml in order (the landing page is front matter)."""
    return toc_entries()[1:]


def chapter_title(name: str) -> str:
    """Return a chapter's title: its H1, without Markdown markup."""
    source = ROOT / f"{name}.md"
    if not source.is_file():
        pytest.fail(f"_toc.yml lists {name}, but {source} does not exist.")
    for line in source.read_text().splitlines():
        if line.startswith("# "):
            return re.sub(r"[`*]", "", line[2:]).strip()
    pytest.fail(f"{source} has no H1 title.")


def test_every_chapter_numbered_in_toc_order(text: str):
    """The contents list `N Title` for every chapter of _toc.yml, N = 1, 2, ..."""
    position, contents = 0, text.lower()
    for number, name in enumerate(chapter_names(), 1):
        entry = f"{number} {one_line(chapter_title(name))}".lower()
        found = contents.find(entry, position)
        assert found >= 0, f"no `{entry}` after the previous chapter's entry"
        position = found + len(entry)


def test_every_chapter_opens_with_its_title_in_toc_order(pages: list[str]):
    """Each chapter's title opens a page, the chapters' pages in _toc.yml's order."""
    opening_pages = []
    for name in chapter_names():
        title = one_line(chapter_title(name)).lower()
        found = [
            i
            for i, page in enumerate(pages)
            if "chapter" in page[:600].lower() and title in one_line(page).lower()
        ]
        assert found, f"no page opens chapter `{title}`"
        opening_pages.append(found[0])
    assert opening_pages == sorted(opening_pages), "chapters out of _toc.yml order"


def glued_numbers() -> list[tuple[str, str]]:
    """Return (chapter, text) for every glued value a chapter's prose prints."""
    printed = []
    for name in chapter_names():
        notebook = executed_dir() / f"{Path(name).name}.ipynb"
        source = (ROOT / f"{name}.md").read_text()
        roles = GLUE_ROLE.findall(source)
        if not roles:
            continue
        if not notebook.is_file():
            pytest.fail(f"{notebook} is missing: run `make book` first.")
        values = glued_values(notebook)
        for key, spec in roles:
            printed.append((name, format_plain_text(repr(values[key]), spec or "s")))
    return printed


def test_headline_numbers_printed(text: str, glued):
    """The concise chapter's test accuracy, and every other glued number, is printed."""
    accuracy = glued("softmax_concise")["test_acc"]
    shown = [n for n in (f"{accuracy:.1f}", f"{100 * accuracy:.1f}") if n in text]
    assert shown, f"the concise chapter's test accuracy {accuracy} is not in the PDF"
    missing = [
        (chapter, number) for chapter, number in glued_numbers() if number not in text
    ]
    assert not missing, f"glued numbers not printed in the PDF: {missing}"


def test_page_count_fits_the_chapters(pdf: Path):
    """Between 2 and 30 pages per chapter, plus the front and back matter."""
    chapters = len(chapter_names())
    low, high = (n * chapters for n in PAGES_PER_CHAPTER)
    assert low <= page_count(pdf) <= high + FRONT_AND_BACK_PAGES


def html_figures() -> int:
    """Return how many figures (an image and a caption) the HTML chapters hold."""
    from bs4 import BeautifulSoup

    count = 0
    for name in toc_entries():
        page = HTML / f"{name}.html"
        if not page.is_file():
            pytest.fail(f"{page} is missing: run `make book` first.")
        soup = BeautifulSoup(page.read_text(), "html.parser")
        count += sum(
            bool(f.find("img") and f.find("figcaption"))
            for f in soup.find_all("figure")
        )
    return count


def test_figures_match_the_html(pdf: Path, pages: list[str]):
    """As many pictures and `Fig. N.M:` captions as the HTML has captioned figures."""
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    images = sum(row.split()[2] == "image" for row in listing)  # not the alpha masks
    captions = {
        m for p in pages for m in re.findall(r"^\s*Fig\. (\d+\.\d+): ", p, re.MULTILINE)
    }
    expected = html_figures()
    assert expected > 0, "the HTML book has no captioned figure: is it built?"
    assert (images, len(captions)) == (expected, expected)


def test_no_unresolved_reference_nor_markup(text: str):
    """No `??` (a reference LaTeX could not resolve), no LaTeX or MyST source."""
    assert "??" not in text
    for markup in (r"\begin", r"\section", r"\ref", "$$", "{glue", "{numref", "{eq}"):
        assert markup not in text, f"raw markup {markup} in the PDF's text"


def test_pdf_published_and_linked_from_the_html(pdf: Path):
    """`make book` copies the PDF into the HTML output; the landing page links it."""
    assert PUBLISHED_PDF.read_bytes() == pdf.read_bytes()
    landing = HTML / f"{toc_entries()[0]}.html"
    links = re.findall(r'href="([^"]+\.pdf)"', landing.read_text())
    targets = {(landing.parent / link).resolve() for link in links}
    assert PUBLISHED_PDF.resolve() in targets, f"{landing} does not link the PDF"


def page_with(pages: list[str], pattern: str) -> int:
    """Return the 1-based number of the first page whose text matches a pattern."""
    for number, page in enumerate(pages, 1):
        if re.search(pattern, page, re.MULTILINE):
            return number
    pytest.fail(f"no page of the PDF matches {pattern!r}")


def test_pages_rendered_for_a_human_look(pdf: Path, pages: list[str]):
    """The title page, a page with a figure and a page with code, as PNG artefacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chosen = {
        "title": 1,
        "figure": page_with(pages, r"^\s*Fig\. \d+\.\d+: "),
        "code": page_with(pages, r"^\s*import d2l_helpers as d2l"),
    }
    for what, number in chosen.items():
        stem = ARTIFACTS / f"page-{number:03d}-{what}"
        for old in ARTIFACTS.glob(f"page-*-{what}.png"):
            old.unlink()
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-f",
                str(number),
                "-l",
                str(number),
                "-png",
                "-singlefile",
                str(pdf),
                str(stem),
            ],
            check=True,
        )
        png = stem.with_suffix(".png")
        assert png.stat().st_size > 5_000, f"{png} looks blank"
