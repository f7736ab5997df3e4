"""The built book in a real browser: every page of _toc.yml loads cleanly in Chromium.

Each page must log no console error, show every image, have its equations typeset by
MathJax, show no cell error, and link only to files and anchors that exist. A
screenshot of every page goes to _build/screenshots/. The last test builds a small
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

from browser import PageChecker, chromium, serve, toc_pages
from references import executable_chapters

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
PAGES = toc_pages(ROOT)
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
# (equations, figures) at least on these pages: the checks of math and images bite.
EXPECTED_CONTENT = {"chapters/fashion_mnist.html": (3, 1), "chapters/softmax_concise.html": (6, 2)}
# Colab: .../blob/<branch>/<path>; Binder: ...?urlpath=lab/tree/<path>
LAUNCH_LINK = re.compile(
    r'href="https://(colab[^"]*/blob/[^/"]+|mybinder[^"]*urlpath=lab/tree)/([^"]+)"')


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
    with serve(html) as base_url:
        yield PageChecker(driver, base_url)


@pytest.mark.parametrize("page", PAGES)
def test_page_shows_no_problem(book: PageChecker, page: str) -> None:
    assert (HTML / page).is_file(), f"{page} is in _toc.yml but not built: run `make book`"
    report = book.check(page, screenshot=SCREENSHOTS / Path(page).with_suffix(".png"))
    assert not report.problems, f"{page}:\n" + "\n".join(report.problems)
    assert report.internal_links > 0, f"{page} has no navigation links: not a book page?"
    equations, figures = EXPECTED_CONTENT.get(page, (0, 0))
    assert report.equations >= equations and report.figures >= figures, report


def test_launch_buttons_open_the_chapter_notebooks(html: Path) -> None:
    # Colab and Binder get the chapter as a notebook file that exists in the repository.
    for chapter in executable_chapters():
        page = (html / chapter.relative_to(ROOT)).with_suffix(".html").read_text()
        launched = {match.group(2) for match in LAUNCH_LINK.finditer(page)}
        assert launched == {f"tests/references/{chapter.stem}.ipynb"}, (chapter.name, launched)
        assert (ROOT / launched.pop()).is_file()


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
    """Write and build (warnings and cell errors allowed) the broken book; return its HTML."""
    for name, text in BROKEN_BOOK.items():
        (folder / name).write_text(textwrap.dedent(text))
    result = subprocess.run([str(JUPYTER_BOOK), "build", str(folder), "--path-output",
                             str(folder)], capture_output=True, text=True, timeout=300)
    html = folder / "_build" / "html"
    assert (html / "notebook.html").is_file(), result.stdout + result.stderr
    return html


def test_checks_catch_a_broken_book(driver: Chrome, tmp_path: Path) -> None:
    html = build_broken_book(tmp_path)
    with serve(html) as base_url:
        checker = PageChecker(driver, base_url)
        index, notebook = (checker.check(page) for page in toc_pages(tmp_path))

    def found(report, *words: str) -> bool:
        return any(all(word in problem for word in words) for problem in report.problems)

    assert found(index, "broken link", "notebook.html#results", "no element with id"), index
    assert found(index, "broken link", "nowhere.html", "HTTP 404"), index
    assert found(index, "broken image", "missing.png"), index
    assert found(index, "console error", "missing-mathjax.js"), index
    assert found(index, "MathJax did not load"), index
    assert found(notebook, "cell shows an error output", "ValueError"), notebook
    assert found(notebook, "Traceback"), notebook
