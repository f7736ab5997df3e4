"""The built book in a real browser: every page of _toc.yml loads cleanly in Chromium.

Each page must log no console error, show every image, have its equations typeset by
MathJax, show no cell error, and link only to files and anchors that exist; and it must
show exactly what its source holds: as many typeset equations, figures (each with a
numbered caption), code cells and exercises. A screenshot of every page goes to
_build/screenshots/. The lesson first: nothing above a chapter's title (the first
screen of a chapter goes to _build/artifacts/first-screen/), no warning text, kernel
temp path or traceback in any output, every prose table set as a table; a quiz on a
page answered wrongly then rightly shows its feedback. The last test builds a small
broken book and checks that these checks catch what is wrong with it.
"""

import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver import Chrome

import learner_checks as checks
from browser import (
    PageChecker,
    PageContent,
    above_title,
    answer,
    chromium,
    expected_content,
    expected_feedback,
    first_screen,
    launch_buttons_configured,
    right_and_wrong,
    wait_for_quiz,
    wait_for_verdict,
)
from d2l_helpers import quiz
from http_server import serving
from scripts.layout import ARTIFACTS, HTML, ROOT, SCREENSHOTS, html_folder
from scripts.toc import executable_chapters, toc_pages

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

PAGES = toc_pages(ROOT)
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
# Pages whose HTML is not made from their own source alone: the API reference (autodoc
# of d2l_helpers) and the bibliography (references.bib). What they must show:
GENERATED_CONTENT = {
    "chapters/api.html": PageContent(),
    "chapters/bibliography.html": PageContent(),
}
CHAPTER_PAGES = [
    chapter.relative_to(ROOT).with_suffix(".html").as_posix()
    for chapter in executable_chapters()
]
FIRST_SCREENS = ARTIFACTS / "first-screen"
FIRST_SCREEN_PAGE = "chapters/softmax_concise.html"
QUIZ_KEY = re.compile(r'class="d2l-quiz" data-quiz="([\w-]+):([\w-]+)"')
PROSE_TABLE = re.compile(r"^\|.*\n\|\s*:?-+", re.MULTILINE)


def quizzes_on_pages() -> dict[str, list[str]]:
    """Return the quiz keys (chapter:set) every built chapter page shows, by page."""
    return {
        page: [f"{chapter}:{name}" for chapter, name in keys]
        for page in CHAPTER_PAGES
        if (HTML / page).is_file()
        and (keys := QUIZ_KEY.findall((HTML / page).read_text()))
    }


# Colab: .../blob/<branch>/<path>; Binder: ...?urlpath=lab/tree/<path>
LAUNCH_LINK = re.compile(
    r'href="https://(colab[^"]*/blob/[^/"]+|mybinder[^"]*urlpath=lab/tree)/([^"]+)"'
)


@pytest.fixture(scope="module")
def driver() -> Iterator[Chrome]:
    """One headless Chromium for all the pages of this module."""
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def html() -> Path:
    """The built book's HTML folder; fails, not skips, when there is no built book."""
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML} holds no built book: run `make book` first.")
    return HTML


@pytest.fixture(scope="module")
def book(driver: Chrome, html: Path) -> Iterator[PageChecker]:
    """A checker of the built book, served on 127.0.0.1."""
    with serving(html) as server:
        yield PageChecker(driver, server.url)


@pytest.mark.book
@pytest.mark.parametrize("page", PAGES)
def test_page_shows_no_problem(book: PageChecker, page: str) -> None:
    assert (HTML / page).is_file(), (
        f"{page} is in _toc.yml but not built: run `make book`"
    )
    report = book.check(page, screenshot=SCREENSHOTS / Path(page).with_suffix(".png"))
    assert not report.problems, f"{page}:\n" + "\n".join(report.problems)
    assert report.internal_links > 0, (
        f"{page} has no navigation links: not a book page?"
    )
    expected = GENERATED_CONTENT.get(page) or expected_content(
        ROOT / Path(page).with_suffix(".md")
    )
    assert report.content == expected, (
        f"{page}: shows {report.content}, its source holds {expected}"
    )


@pytest.mark.book
def test_launch_buttons_open_the_learner_notebooks(html: Path) -> None:
    # Colab and Binder open the chapter's learner notebook (notebooks/<chapter>.ipynb on
    # the published branch), which the build lays out; no launch link without a URL.
    for chapter in executable_chapters():
        page = (html / chapter.relative_to(ROOT)).with_suffix(".html").read_text()
        launched = {match.group(2) for match in LAUNCH_LINK.finditer(page)}
        if not launch_buttons_configured(ROOT):
            assert not launched, (chapter.name, launched)
            continue
        assert launched == {f"notebooks/{chapter.stem}.ipynb"}, (chapter.name, launched)
        assert (html / launched.pop()).is_file()


BROKEN_BOOK = {
    "_config.yml": """\
        title: A broken book
        execute:
          execute_notebooks: force
          allow_errors: true          # keep building so that the HTML exists
        sphinx:
          config:
            mathjax_path: missing-mathjax.js
        """,
    "_toc.yml": """\
        format: jb-book
        root: index
        chapters:
          - file: notebook
        """,
    "index.md": """\
        # Broken links

        The [results](notebook.md#results) have no such section, and
        <a href="nowhere.html">this page</a> does not exist.
        ![a missing figure](missing.png)
        The softmax $\\hat{y}_j = \\exp(o_j) / \\sum_k \\exp(o_k)$ needs MathJax.
        """,
    "notebook.md": """\
        ---
        jupytext:
          text_representation:
            format_name: myst
        kernelspec:
          display_name: Python 3
          language: python
          name: python3
        ---

        # A cell that raises

        ```{code-cell} ipython3
        raise ValueError("this cell fails")
        ```
        """,
}


def build_broken_book(folder: Path) -> Path:
    """Build the broken book (warnings, cell errors allowed); return its HTML folder."""
    for name, text in BROKEN_BOOK.items():
        (folder / name).write_text(textwrap.dedent(text))
    result = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(folder), "--path-output", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    html = html_folder(folder)
    assert (html / "notebook.html").is_file(), result.stdout + result.stderr
    return html


def test_checks_catch_a_broken_book(driver: Chrome, tmp_path: Path) -> None:
    html = build_broken_book(tmp_path)
    with serving(html) as server:
        checker = PageChecker(driver, server.url)
        index, notebook = (checker.check(page) for page in toc_pages(tmp_path))

    def found(report, *words: str) -> bool:
        return any(
            all(word in problem for word in words) for problem in report.problems
        )

    assert found(index, "broken link", "notebook.html#results", "no element with id"), (
        index
    )
    assert found(index, "broken link", "nowhere.html", "HTTP 404"), index
    assert found(index, "broken image", "missing.png"), index
    assert found(index, "console error", "missing-mathjax.js"), index
    assert found(index, "MathJax did not load"), index
    assert found(notebook, "cell shows an error output", "ValueError"), notebook
    assert found(notebook, "Traceback"), notebook


# --- The lesson first -----------------------------------------------------------------


@pytest.mark.book
@pytest.mark.parametrize("page", CHAPTER_PAGES)
def test_nothing_above_the_title(book: PageChecker, page: str) -> None:
    book.check(page)
    found = above_title(book.driver)
    assert not found, f"{page} shows this above its title:\n" + "\n".join(found)


@pytest.mark.book
def test_first_screen_of_a_chapter(book: PageChecker) -> None:
    book.check(FIRST_SCREEN_PAGE)
    path = FIRST_SCREENS / f"html-{Path(FIRST_SCREEN_PAGE).stem}.png"
    first_screen(book.driver, path)
    title_top = book.driver.execute_script(
        "return document.querySelector('main article h1').getBoundingClientRect().top"
    )
    assert 0 <= title_top < 300, (
        f"the title is not on the first screen ({title_top} px)"
    )
    assert path.stat().st_size > 10_000, f"{path} looks blank"


@pytest.mark.book
@pytest.mark.parametrize("page", CHAPTER_PAGES)
def test_outputs_clean_and_tables_set(html: Path, page: str) -> None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((html / page).read_text(), "html.parser")
    problems = []
    for output in soup.select(".cell_output"):
        if output.find_parent(class_="tag_raises-exception"):
            continue
        problems += checks.noise(output.get_text("\n"))
    main = soup.select_one("main") or soup
    prose = "\n".join(
        el.get_text() for el in main.select("p, li") if not el.find_parent("table")
    )
    problems += [
        f"raw table row: {line}"
        for line in prose.splitlines()
        if re.match(r"\s*\|.*\|\s*$", line)
    ]
    source = (ROOT / page).with_suffix(".md").read_text()
    tables, expected = (
        len(main.select("article table")),
        len(PROSE_TABLE.findall(source)),
    )
    if tables < expected:
        problems.append(
            f"{expected} tables in the source, {tables} <table> on the page"
        )
    assert not problems, f"{page}:\n" + "\n".join(problems)


QUIZ_PAGES = quizzes_on_pages()


@pytest.mark.book
@pytest.mark.parametrize("page", sorted(QUIZ_PAGES))
def test_every_quiz_answered_wrongly_then_rightly(book: PageChecker, page: str) -> None:
    # One load of the page serves all its quizzes: the first two questions of each
    # are answered wrongly, then rightly, and their feedback read.
    book.check(page)
    for key in QUIZ_PAGES[page]:
        chapter, name = key.split(":")
        questions = quiz.load_questions(chapter, name)
        wait_for_quiz(book.driver, key, len(questions))
        for number, question in enumerate(questions[:2]):
            right, wrong = right_and_wrong(question)
            for value, verdict in ((wrong, "incorrect"), (right, "correct")):
                answer(book.driver, key, number, question, value, settle=False)
                state = wait_for_verdict(book.driver, key, number, verdict)
                assert state["verdict"] == verdict, (page, key, number, value, state)
                assert state["feedback"].startswith(
                    expected_feedback(question, value)
                ), (page, key, number, state)
