"""Accessibility of the built book, in headless Chromium.

- axe-core on every page of _toc.yml, in light and in dark mode: no violation of impact
  serious or critical. The full axe reports are kept in _build/artifacts/axe/.
- Structure: one h1, no heading level skipped, alt texts that describe (not a file
  name), internal link texts that say where they go.
- Keyboard: the download menu (and the launch menu when the book has launch buttons)
  is reached with Tab, opened with Enter and with Space, and its entries take focus.
- Reading width: at a 1280-px-wide window, code and outputs of 88 characters a line
  fit without a horizontal scrollbar; figures keep a white background in dark mode.
- Self-check quizzes (a one-page book built with the book's CSS, showing a quiz from a
  temporary quiz file): Tab reaches a numeric field and a choice, a number is typed
  and checked with Enter, Space and Enter pick a choice, each answer shows its
  feedback; axe finds no serious or critical violation in light and dark mode, with
  feedback of right and wrong answers on the page.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.keys import Keys

from browser import (
    COLOR_MODES,
    COLOR_RULES,
    QUIZ_BOOK_KEY,
    QUIZ_BOOK_QUESTIONS,
    answer,
    axe_audit,
    blocking_violations,
    build_quiz_book,
    chromium,
    expected_feedback,
    launch_buttons_configured,
    open_settled,
    quiz_state,
    right_and_wrong,
    set_color_mode,
    structure_problems,
    violations_by_impact,
    wait_for_quiz,
)
from http_server import serving
from scripts.layout import ARTIFACTS, HTML, ROOT
from scripts.toc import executable_chapters, toc_pages

pytestmark = [
    pytest.mark.book,
    pytest.mark.slow,
    pytest.mark.xdist_group("accessibility"),
]

AXE_REPORTS = ARTIFACTS / "axe"
PAGES = toc_pages(ROOT)
MAX_TABS = 80  # Tab presses allowed to reach a header control from the page top
LINE_CHARS = 88  # code lines the book allows (ruff's line length)
SCROLL_TOLERANCE_PX = 2


@pytest.fixture(scope="module")
def driver() -> Iterator[Chrome]:
    """One headless Chromium (1280x900) for the pages of this module."""
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The base URL of the built book served on 127.0.0.1; fails when there is none."""
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML} holds no built book: run `make book` first.")
    with serving(HTML) as server:
        yield server.url


def open_page(driver: Chrome, site: str, page: str) -> None:
    """Open a page of the built book; fail clearly when it is listed but not built."""
    assert (HTML / page).is_file(), (
        f"{page} is in _toc.yml but not built: run `make book`"
    )
    open_settled(driver, site + page)


def report_name(page: str, mode: str) -> str:
    """Return the artefact name of a page's axe report: <page>-<mode>.json."""
    return f"{Path(page).with_suffix('').as_posix().replace('/', '-')}-{mode}.json"


@pytest.mark.parametrize("mode", COLOR_MODES)
@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_no_serious_violation(
    driver: Chrome, site: str, page: str, mode: str
) -> None:
    open_page(driver, site, page)
    set_color_mode(driver, mode)
    results = axe_audit(driver, rules=() if mode == COLOR_MODES[0] else COLOR_RULES)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / report_name(page, mode)).write_text(json.dumps(results, indent=1))
    assert results["passes"], "axe checked nothing: did it run on the page?"
    assert not blocking_violations(results), (
        f"{page} ({mode}), {violations_by_impact(results)}:\n"
        + "\n".join(blocking_violations(results))
    )


@pytest.mark.parametrize("page", PAGES)
def test_headings_alt_texts_and_link_texts(
    driver: Chrome, site: str, page: str
) -> None:
    open_page(driver, site, page)
    problems = structure_problems(driver)
    assert not problems, f"{page}:\n" + "\n".join(problems)


def tab_to(driver: Chrome, selector: str) -> bool:
    """Press Tab from the page's top until an element matching selector has focus."""
    # No click first: a click would move the start of sequential focus navigation to
    # wherever it lands (mid-article on a long page). A page just opened starts at its
    # top.
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    for _ in range(MAX_TABS):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        if driver.execute_script(
            "return document.activeElement.matches(arguments[0])", selector
        ):
            return True
    return False


def focused_entries(driver: Chrome, menu: str) -> list[str]:
    """Walk a menu's entries with the arrow keys; return each focused one's label."""
    labels = []
    for _ in range(
        driver.execute_script(
            "return document.querySelectorAll(arguments[0] + ' .dropdown-item').length",
            menu,
        )
    ):
        driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
        labels.append(
            driver.execute_script(
                "const el = document.activeElement;"
                "return el.matches(arguments[0] + ' .dropdown-item')"
                " ? (el.getAttribute('title') || el.textContent.trim()) : null;",
                menu,
            )
        )
    return labels


def operate_menu(driver: Chrome, menu: str, key: str) -> list[str]:
    """Tab to a header menu's button, open it with a key; return its focused entries."""
    toggle = f"{menu} button.dropdown-toggle"
    assert tab_to(driver, toggle), f"{toggle} not reached in {MAX_TABS} Tab presses"
    driver.switch_to.active_element.send_keys(key)
    expanded = driver.execute_script(
        "return document.querySelector(arguments[0]).getAttribute('aria-expanded')",
        toggle,
    )
    assert expanded == "true", f"{key!r} did not open {menu}"
    entries = focused_entries(driver, menu)
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    return entries


@pytest.fixture
def chapter_page(driver: Chrome, site: str) -> str:
    """Open the first chapter page with code; return its path."""
    page = executable_chapters()[0].relative_to(ROOT).with_suffix(".html").as_posix()
    open_page(driver, site, page)
    return page


@pytest.mark.parametrize("key", [Keys.ENTER, Keys.SPACE], ids=["Enter", "Space"])
def test_download_menu_works_by_keyboard(
    driver: Chrome, chapter_page: str, key: str
) -> None:
    entries = operate_menu(driver, ".dropdown-download-buttons", key)
    assert entries and None not in entries, f"entries not all focused: {entries}"
    assert any(".md" in entry or "source" in entry.lower() for entry in entries), (
        entries
    )


@pytest.mark.parametrize("key", [Keys.ENTER, Keys.SPACE], ids=["Enter", "Space"])
def test_launch_menu_by_keyboard_or_absent(
    driver: Chrome, chapter_page: str, key: str
) -> None:
    present = driver.execute_script(
        "return Boolean(document.querySelector('.dropdown-launch-buttons'))"
    )
    assert present == launch_buttons_configured(ROOT), (
        f"launch buttons {'shown' if present else 'missing'}, but _config.yml "
        f"{'configures' if launch_buttons_configured(ROOT) else 'does not configure'}"
        " them"
    )
    if present:
        entries = operate_menu(driver, ".dropdown-launch-buttons", key)
        assert entries and None not in entries, f"entries not all focused: {entries}"


def test_download_links_lead_to_files(
    driver: Chrome, site: str, chapter_page: str
) -> None:
    # Every link of the download menu (source, notebook, PDF, bundle): a served file.
    hrefs = driver.execute_script(
        "return [...document.querySelectorAll("
        "'.dropdown-download-buttons a.dropdown-item')]"
        ".map(a => a.getAttribute('href'))"
    )
    assert hrefs
    for href in hrefs:
        target = (HTML / chapter_page).parent / href.split("#")[0]
        assert target.resolve().is_file(), f"download entry {href} has no file {target}"


@pytest.mark.parametrize("page", [p for p in PAGES if "api" not in p])
def test_code_fits_at_1280px(driver: Chrome, site: str, page: str) -> None:
    open_page(driver, site, page)
    assert driver.execute_script("return window.innerWidth") == 1280
    too_wide = driver.execute_script(
        """
        const tolerance = arguments[0], chars = arguments[1];
        return [...document.querySelectorAll("main pre")]
          .filter(pre => pre.scrollWidth > pre.clientWidth + tolerance)
          .filter(pre => Math.max(
            ...pre.textContent.split("\\n").map(l => l.length)) <= chars)
          .map(pre => `${pre.scrollWidth} > ${pre.clientWidth} px: `
                      + pre.textContent.split("\\n")[0].slice(0, 60));
    """,
        SCROLL_TOLERANCE_PX,
        LINE_CHARS,
    )
    assert not too_wide, (
        f"{page}: code of at most {LINE_CHARS} chars scrolls:\n" + "\n".join(too_wide)
    )


def test_a_line_of_88_characters_fits(
    driver: Chrome, site: str, chapter_page: str
) -> None:
    # The rule above only bites if code blocks can hold 88 characters: measure it.
    width = driver.execute_script(
        """
        const pre = document.querySelector("main div.cell pre");
        const probe = document.createElement("span");
        probe.textContent = "x".repeat(arguments[0]);
        pre.appendChild(probe);
        const fits = probe.getBoundingClientRect().width <= pre.clientWidth;
        probe.remove();
        return fits;
    """,
        LINE_CHARS,
    )
    assert width, (
        f"a code block of the chapter cannot show {LINE_CHARS} characters at 1280 px"
    )


def test_figures_keep_a_white_background_in_dark_mode(
    driver: Chrome, site: str
) -> None:
    page = next(p for p in PAGES if "softmax_concise" in p)
    open_page(driver, site, page)
    set_color_mode(driver, "dark")
    styles = driver.execute_script("""
        return [...document.querySelectorAll("main .cell_output img")].map(img => {
          const style = getComputedStyle(img);
          return [style.backgroundColor, style.filter];
        });
    """)
    assert styles, f"{page} shows no figure"
    for background, image_filter in styles:
        assert background == "rgb(255, 255, 255)" and image_filter == "none", styles


# --- Self-check quizzes ---------------------------------------------------------------

QUIZ = QUIZ_BOOK_QUESTIONS["quiz"]


@pytest.fixture(scope="module")
def quiz_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a one-page book showing a quiz, served on 127.0.0.1."""
    html = build_quiz_book(tmp_path_factory.mktemp("quiz-book"))
    with serving(html) as server:
        yield server.url + "index.html"


def open_quiz(driver: Chrome, url: str) -> None:
    """Open the quiz page and wait for the quiz to be drawn."""
    open_settled(driver, url)
    wait_for_quiz(driver, QUIZ_BOOK_KEY, len(QUIZ))


def test_quiz_works_by_keyboard(driver: Chrome, quiz_page: str) -> None:
    open_quiz(driver, quiz_page)
    right, wrong = right_and_wrong(QUIZ[0])
    for value, verdict in ((wrong, "incorrect"), (right, "correct")):
        assert tab_to(driver, ".d2l-quiz input.Input-text"), (
            "Tab does not reach the field"
        )
        driver.switch_to.active_element.send_keys(f"{value:g}", Keys.ENTER)
        state = quiz_state(driver, QUIZ_BOOK_KEY)[0]
        assert (state["verdict"], state["feedback"]) == (
            verdict,
            expected_feedback(QUIZ[0], value),
        ), state
    for number, key in ((1, Keys.SPACE), (2, Keys.ENTER)):
        choice, _ = right_and_wrong(QUIZ[number])
        radio = f".d2l-quiz .Quiz:nth-child({number + 1}) input[type=radio]"
        assert tab_to(driver, radio), f"Tab does not reach question {number + 1}"
        for _ in range(choice):  # arrows move within a radio group
            driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
        driver.switch_to.active_element.send_keys(key)
        state = quiz_state(driver, QUIZ_BOOK_KEY)[number]
        assert state["verdict"] == "correct", (key, state)
        assert state["feedback"].startswith(expected_feedback(QUIZ[number], choice))


@pytest.mark.parametrize("mode", COLOR_MODES)
def test_quiz_passes_axe(driver: Chrome, quiz_page: str, mode: str) -> None:
    open_quiz(driver, quiz_page)
    set_color_mode(driver, mode)
    wait_for_quiz(driver, QUIZ_BOOK_KEY, len(QUIZ))
    for number, question in enumerate(QUIZ):  # feedback of both kinds on the page
        right, wrong = right_and_wrong(question)
        answer(driver, QUIZ_BOOK_KEY, number, question, wrong if number % 2 else right)
    results = axe_audit(driver)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"quiz-{mode}.json").write_text(json.dumps(results, indent=1))
    assert results["passes"], "axe checked nothing: did it run on the page?"
    assert not blocking_violations(results), (
        f"the quiz ({mode}), {violations_by_impact(results)}:\n"
        + "\n".join(blocking_violations(results))
    )
