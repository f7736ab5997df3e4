"""The built book in a real browser: every page of _toc.yml loads cleanly in Chromium.

Each page must log no console error, show every image, have its equations typeset by
MathJax, show no cell error, and link only to files and anchors that exist; and it must
show exactly what its source holds: as many typeset equations, figures (each with a
numbered caption), code cells and exercises. A screenshot of every page goes to
_build/screenshots/. The last test builds a small broken book and checks that these
checks catch what is wrong with it.
"""

import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver import Chrome

from browser import (PageChecker, PageContent, chromium, expected_content,
                     launch_buttons_configured)
from http_server import serving
from scripts.references import executable_chapters
from scripts.toc import toc_pages

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
PAGES = toc_pages(ROOT)
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
# Pages whose HTML is not made from their own source alone: the API reference (autodoc
# of d2l_helpers) and the bibliography (references.bib). What they must show:
GENERATED_CONTENT = {"chapters/api.html": PageContent(), "chapters/bibliography.html": PageContent()}
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
    with serving(html) as server:
        yield PageChecker(driver, server.url)


@pytest.mark.book
@pytest.mark.parametrize("page", PAGES)
def test_page_shows_no_problem(book: PageChecker, page: str) -> None:
    assert (HTML / page).is_file(), f"{page} is in _toc.yml but not built: run `make book`"
    report = book.check(page, screenshot=SCREENSHOTS / Path(page).with_suffix(".png"))
    assert not report.problems, f"{page}:\n" + "\n".join(report.problems)
    assert report.internal_links > 0, f"{page} has no navigation links: not a book page?"
    expected = GENERATED_CONTENT.get(page) or expected_content(ROOT / Path(page).with_suffix(".md"))
    assert report.content == expected, f"{page}: shows {report.content}, its source holds {expected}"


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
    with serving(html) as server:
        checker = PageChecker(driver, server.url)
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
