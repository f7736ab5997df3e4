"""The PDF edition as built by `make pdf` / `make book`: read, never rebuilt here.

Every chapter is in it, numbered, in the order of _toc.yml; the numbers the chapters
glue into their prose are printed; it has as many pictures and figure captions as the
HTML book has captioned figures; no reference is left as `??` and no markup reached the
page. The lesson first: no setup output, no near-empty page but the title and part
pages, no warning text, kernel temp path or traceback in the text, and tables set as
tables. Answers as a printed textbook gives them: each chapter's solutions (and its
self-check's answers) gathered in a section "Solutions" at its end, each exercise (and
quiz) pointing to the page of its answer. Pages are rendered to PNG in
_build/artifacts/pdf/ for a human look, and a chapter's first page to
_build/artifacts/first-screen/.
"""

import re
import subprocess
from collections import Counter
from pathlib import Path

import jupytext

import pytest
from myst_nb.core.variables import format_plain_text

from notebooks import executed_dir, glued_values
from scripts.layout import ARTIFACTS, HTML, LATEX, ROOT
from scripts.pdf_build import PDF_NAME, PUBLISHED_PDF, page_count
from scripts.toc import toc_entries

pytestmark = pytest.mark.book

PDF = LATEX / f"{PDF_NAME}.pdf"
PDF_ARTIFACTS = ARTIFACTS / "pdf"
# A chapter takes at least its opening page and one more (chapters open on odd pages);
# the longest chapter of the book runs to about 15 pages: 30 leaves room to grow.
PAGES_PER_CHAPTER = (2, 30)
FRONT_AND_BACK_PAGES = 12  # title, contents, landing page, part pages, index
GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([\w-]+)(?::([^`]*))?`")
MIN_LINES = 5  # text lines of a page (running head and page number included)
PART_PAGE = re.compile(r"^\s*Part [IVXLC]+\s*$", re.MULTILINE)
# The first line of a page that opens a chapter or an index of the back matter.
DIVISION_OPENINGS = {"CHAPTER", "PYTHON MODULE INDEX", "INDEX"}
HEAD_AND_FOOT_LINES = 2  # the running head and the line with the page number
FIRST_SCREENS = ARTIFACTS / "first-screen"
FIRST_SCREEN_CHAPTER = "chapters/softmax_concise"
SOLUTIONS = re.compile(r"^`{3,}\{solution(-start)?\}", re.MULTILINE)
NOISE = {
    "warning text": re.compile(r"\b\w+Warning:"),
    "a kernel temp path": re.compile(r"/tmp/ipykernel_"),
    "a traceback": re.compile(r"Traceback \(most recent call last\)"),
}


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
    PDF_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chosen = {
        "title": 1,
        "figure": page_with(pages, r"^\s*Fig\. \d+\.\d+: "),
        "code": page_with(pages, r"^\s*import d2l_helpers as d2l"),
    }
    for what, number in chosen.items():
        stem = PDF_ARTIFACTS / f"page-{number:03d}-{what}"
        for old in PDF_ARTIFACTS.glob(f"page-*-{what}.png"):
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


# --- The lesson first: no setup output, no stray pages, no noise ---------------------


def test_no_setup_output(pages: list[str]):
    """The setup cell belongs to the learner notebooks: its line is nowhere."""
    found = [n for n, page in enumerate(pages, 1) if "Setup: Python" in page]
    assert not found, f"the setup cell's output is printed on pages {found}"


def _starts_a_division(page: str) -> bool:
    """Whether a page opens a part, a chapter or the back matter's indexes."""
    first = next((line.strip() for line in page.splitlines() if line.strip()), "")
    return bool(PART_PAGE.search(page)) or first in DIVISION_OPENINGS


def test_no_near_empty_page(pages: list[str]):
    """Every page but the title page and the part pages carries text.

    A page with fewer than MIN_LINES lines is a stray page (like the setup line alone
    on a page, or a blank page after it), unless it is the short last page of a
    chapter, the front matter or the bibliography: text continued from the page
    before (more than the running head and page number), followed by a new part,
    chapter or index, or by nothing.
    """
    short = []
    for number, page in enumerate(pages, 1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if number == 1 or PART_PAGE.search(page) or len(lines) >= MIN_LINES:
            continue
        ends_a_division = number == len(pages) or _starts_a_division(pages[number])
        if ends_a_division and len(lines) > HEAD_AND_FOOT_LINES:
            continue
        short.append(f"page {number}: {lines}")
    assert not short, f"pages with fewer than {MIN_LINES} lines of text:\n" + "\n".join(
        short
    )


def test_no_noise_in_the_text(text: str):
    """No warning, kernel temp path or traceback reached the page."""
    found = [
        f"{what}: ...{text[max(0, m.start() - 80) : m.end() + 80]}..."
        for what, pattern in NOISE.items()
        for m in pattern.finditer(text)
    ]
    assert not found, "\n".join(found[:10])


def prose_tables(name: str) -> list[list[str]]:
    """Return the header cells of every Markdown table in a chapter's prose."""
    notebook = jupytext.read(ROOT / f"{name}.md", fmt="md:myst")
    tables = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        for index, line in enumerate(lines[1:], 1):
            if re.fullmatch(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*", line):
                header = lines[index - 1].strip().strip("|")
                tables.append([c.strip() for c in header.split("|")])
    return tables


def test_tables_are_set_as_tables(pages: list[str]):
    """A prose table's header cells share a line of the PDF; no raw pipes printed."""
    lines = [line for page in pages for line in page.splitlines()]
    raw = [line for line in lines if re.search(r"\|\s*:?-{3,}", line)]
    assert not raw, f"raw Markdown table rows in the PDF: {raw[:5]}"
    for name in chapter_names():
        for header in prose_tables(name):
            words = [
                re.sub(r"\{[^}]+\}`[^`]*`|[`*]", "", c).split()[:1] for c in header
            ]
            words = [w[0] for w in words if w]
            assert any(all(w in line for w in words) for line in lines), (
                f"{name}: the table with header {header} is not set as a table "
                f"(its header words {words} share no line of the PDF)"
            )


# --- Answers at the end of each chapter, referenced by page -------------------------


def plain(text: str) -> str:
    """Return text on one line, lower case, with LaTeX's non-breaking hyphens as -."""
    return one_line(text).lower().replace("\u2011", "-").replace("\u2010", "-")


def heading(page: str) -> str:
    """Return the first lines of a page: a chapter's heading, title included."""
    return " ".join([line for line in page.splitlines() if line.strip()][:5])


def chapter_pages(pages: list[str]) -> dict[str, tuple[int, int]]:
    """Return each chapter's first and last page (0-based, last excluded).

    A chapter opens on a page that starts with "CHAPTER" (the heading's style).
    """
    starts = []
    for name in chapter_names():
        title = plain(chapter_title(name))
        found = next(
            i
            for i, page in enumerate(pages)
            if page.lstrip().startswith("CHAPTER") and title in plain(heading(page))
        )
        starts.append((name, found))
    bounds = {}
    for (name, start), (_, end) in zip(starts, [*starts[1:], ("", len(pages))]):
        bounds[name] = (start, end)
    return bounds


FOOT = re.compile(
    r"^\s*(\d+)\s*$"  # a chapter's or part's first page: the number alone
    r"|^\s*(\d+)\s{3,}(Chapter \d+\.|Bibliography|Index|Python Module Index)"
    r"|^\s*\d+(\.\d+)*\.?\s.*\S\s{3,}(\d+)\s*$"  # "4.7. Self-check      39"
)


def printed_numbers(pages: list[str]) -> dict[int, int]:
    """Return the page a printed page number names (0-based index in pages).

    The number is in a page's running foot: alone, before the chapter's name, or after
    the section's (pdftotext may mix the foot into the page's last lines). Pages are
    numbered in sequence from the landing page on, so the offset between index and
    number that most feet agree on holds for every page.
    """
    offsets = Counter()
    for index, page in enumerate(pages):
        for line in reversed(page.splitlines()):
            match = FOOT.match(line)
            if match:
                number = match.group(1) or match.group(2) or match.group(5)
                offsets[index - int(number)] += 1
                break
    offset = offsets.most_common(1)[0][0]
    return {index - offset: index for index in range(offset + 1, len(pages))}


def test_solutions_gathered_at_each_chapters_end(pages: list[str]):
    """Each exercise says "Solution on page N"; page N, in the chapter's Solutions
    section, holds the solution; no solution is printed among the exercises."""
    for name, (start, end) in chapter_pages(pages).items():
        expected = len(SOLUTIONS.findall((ROOT / f"{name}.md").read_text()))
        chapter = "\f".join(pages[start:end])
        references = [int(n) for n in re.findall(r"Solution on page (\d+)\.", chapter)]
        assert len(references) == expected, (
            f"{name}: {len(references)} 'Solution on page N' for {expected} solutions"
        )
        if not expected:
            continue
        heading = re.search(r"^\s*\d+\.\d+ Solutions\s*$", chapter, re.MULTILINE)
        assert heading, f"{name}: no section 'Solutions'"
        before, after = chapter[: heading.start()], chapter[heading.end() :]
        assert "Solution to Exercise" not in before, (
            f"{name}: a solution is printed before the chapter's Solutions section"
        )
        assert after.count("Solution to Exercise") == expected
        solutions_page = start + before.count("\f")
        numbers = printed_numbers(pages)
        for page in references:
            index = numbers.get(page)
            assert index is not None and solutions_page <= index < end, (
                f"{name}: 'Solution on page {page}' is not a page of its Solutions"
            )
            assert "Solution to Exercise" in pages[index] + pages[index + 1][:800], (
                f"{name}: page {page} holds no solution"
            )


def test_quiz_answers_referenced_by_page(pages: list[str]):
    """A printed quiz says "Answers on page N"; page N holds its answers."""
    text = "\f".join(pages)
    references = [int(n) for n in re.findall(r"Answers on page (\d+)\.", text)]
    numbers = printed_numbers(pages)
    for page in references:
        index = numbers.get(page)
        assert index is not None, f"'Answers on page {page}': no such page"
        assert "Answers to the self-check" in pages[index], page
    print(f"\n{len(references)} quizzes printed, answers at the chapters' ends")


def test_first_page_of_a_chapter_rendered(pdf: Path, pages: list[str]):
    """The first page of a chapter, as a PNG in _build/artifacts/first-screen/."""
    start, _ = chapter_pages(pages)[FIRST_SCREEN_CHAPTER]
    FIRST_SCREENS.mkdir(parents=True, exist_ok=True)
    stem = FIRST_SCREENS / f"pdf-{Path(FIRST_SCREEN_CHAPTER).name}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "80",
            "-f",
            str(start + 1),
            "-l",
            str(start + 1),
            "-png",
            "-singlefile",
            str(pdf),
            str(stem),
        ],
        check=True,
    )
    title = chapter_title(FIRST_SCREEN_CHAPTER)
    assert title.lower() in one_line(pages[start]).lower()
    assert stem.with_suffix(".png").stat().st_size > 5_000
