"""A chapter of the course bundle in a real JupyterLab, as a learner opens and runs it.

JupyterLab, installed in the bundle's fresh venv from its own requirements.txt, is
started headless from the unzipped bundle; headless Chromium (Selenium) opens the
concise chapter (CHAPTER). Its first screen must show the title, then the setup cell
collapsed to its one "# @title" line, and its solutions must be collapsed under their
headings (a screenshot of the first screen goes to _build/artifacts/first-screen/).
Then, as a learner would, it runs the first cells one by one (the setup cell, the
imports, the data) and the self-check's quiz cell, not the whole chapter: issue 16
allows each chapter two executions per `make test` (the build and the bundle's fresh
venv). Before the quiz cell runs, its stored output (an untrusted notebook runs no
script) says to run the cell; after, one question is answered wrongly and then rightly
by keyboard, and the feedback shows (screenshot in _build/artifacts/jupyterlab/).
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver import ActionChains, Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

import course_bundle as bundle
import learner_checks as checks
from browser import (
    DIRECT,
    axe_audit,
    blocking_violations,
    chromium,
    expected_feedback,
    right_and_wrong,
)
from course_bundle import Bundle
from d2l_helpers import quiz

CHAPTER = "softmax_concise.ipynb"  # its self-check quiz is the one on main
FIRST_CELLS = 5  # the title, the setup cell, the imports, a paragraph, the data
QUIZ_CALL = 'd2l.show_quiz("softmax_concise")'
FIRST_SCREENS = bundle.ARTIFACTS / "first-screen"
SCREENSHOTS = bundle.ARTIFACTS / "jupyterlab"
START_TIMEOUT_S = 180
RUN_TIMEOUT_S = 900
UI_TIMEOUT_S = 60
POLL_S = 2.0
# User settings of the test's JupyterLab: every cell in the DOM (no virtual scrolling),
# no news or update checks (no network).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none"
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
# The state of the open notebook, as a learner sees it.
NOTEBOOK_STATE_JS = """
const panel = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
if (!panel) return null;
const text = el => el.innerText || el.textContent || "";
const outputs = [...panel.querySelectorAll(".jp-OutputArea-output")];
return {
  kernelIdle: [...document.querySelectorAll(".jp-StatusBar-Widget")]
    .some(el => /\\bIdle\\b/.test(text(el))),
  prompts: [...panel.querySelectorAll(".jp-CodeCell .jp-InputPrompt")]
    .map(el => text(el).trim()),
  markdown: [...panel.querySelectorAll(".jp-MarkdownCell .jp-RenderedMarkdown")]
    .map(text).join("\\n"),
  outputs: outputs.length,
  figures: panel.querySelectorAll(
    ".jp-OutputArea-output img, .jp-OutputArea-output svg").length,
  errors: outputs.filter(el => el.matches(
      '[data-mime-type="application/vnd.jupyter.stderr"], '
      + ':has(> [data-mime-type="application/vnd.jupyter.stderr"])'))
    .map(text).filter(t => /Traceback|\\w+Error\\b/.test(t))
    .map(t => t.slice(0, 600)),
};
"""
ROLE_TEXT = re.compile(
    r"\{(glue|numref|ref|doc|eq|cite|download|term)[^}]*\}|:::\{|```\{|^\([\w.:-]+\)=",
    re.MULTILINE,
)
NUMBER = re.compile(r"\d+\.\d+")
COUNT_PROMPT = re.compile(r"^\[(\d+)\]:$")


def _free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab: its URL, token, folder and log."""

    url: str
    token: str
    folder: Path
    log: Path


def _write_settings(settings_dir: Path) -> None:
    """Write the test's JupyterLab user settings."""
    for name, values in LAB_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _wait_until_serving(lab: Lab, server: subprocess.Popen) -> None:
    """Wait for the server's API to answer; fail with its log when it does not."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"JupyterLab exited ({server.returncode}):\n"
                + lab.log.read_text()[-3000:]
            )
        try:
            with DIRECT.open(f"{lab.url}api/status?token={lab.token}", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    pytest.fail(
        f"JupyterLab did not answer in {START_TIMEOUT_S} s:\n"
        + lab.log.read_text()[-3000:]
    )


@pytest.fixture(scope="module")
def lab(
    course: Bundle, mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Lab]:
    """JupyterLab from the bundle venv, serving a copy of the bundle; stopped after."""
    home = tmp_path_factory.mktemp("jupyterlab")
    folder = home / "course"
    shutil.copytree(course.folder, folder)
    env = bundle.kernel_env(course, mnist_dir.parent, home / "cache")
    for variable in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
    ):
        env[variable] = str(home / variable.lower())
    _write_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    port, token = _free_port(), secrets.token_hex(16)
    lab = Lab(f"http://127.0.0.1:{port}/", token, folder, home / "jupyterlab.log")
    command = [
        str(course.venv / "bin/jupyter"),
        "lab",
        "--no-browser",
        f"--IdentityProvider.token={token}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={folder}",
    ] + ["--allow-root"] * (os.geteuid() == 0)  # CI runs as root
    with lab.log.open("w") as log:
        server = subprocess.Popen(
            command,
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_serving(lab, server)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def driver() -> Iterator[Chrome]:
    """One headless Chromium for this module."""
    with chromium() as browser:
        yield browser


def _state(driver: Chrome) -> dict:
    """Return the open notebook's state (prompts, prose, outputs, figures, errors)."""
    state = driver.execute_script(NOTEBOOK_STATE_JS)
    if state is None:
        pytest.fail("JupyterLab shows no open notebook.")
    return state


def _screenshot(driver: Chrome, name: str) -> Path:
    """Save a screenshot of what the window shows; return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{Path(name).stem}.png"
    driver.save_screenshot(str(path))
    return path


CELLS_JS = """
const panel = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
if (!panel) return null;
const shown = el => el.offsetParent !== null && el.getBoundingClientRect().height > 0;
return [...panel.querySelectorAll(".jp-Notebook .jp-Cell")].map(cell => ({
  kind: cell.classList.contains("jp-CodeCell") ? "code" : "markdown",
  shown: shown(cell),
  h1: Boolean(cell.querySelector(".jp-RenderedMarkdown h1")),
  heading: (cell.querySelector(".jp-RenderedMarkdown h1, .jp-RenderedMarkdown h2,"
    + ".jp-RenderedMarkdown h3, .jp-RenderedMarkdown h4") || {}).innerText || "",
  collapsed: Boolean(cell.querySelector(".jp-collapseHeadingButton.jp-mod-collapsed")),
  placeholder: (cell.querySelector(".jp-InputPlaceholder") || {}).innerText || "",
  inputShown: Boolean(cell.querySelector(".jp-InputArea")) &&
    shown(cell.querySelector(".jp-InputArea")),
  prompt: ((cell.querySelector(".jp-InputPrompt") || {}).innerText || "").trim(),
  output: ((cell.querySelector(".jp-OutputArea") || {}).innerText || "").trim()
    .slice(0, 300),
  quiz: Boolean(cell.querySelector(".d2l-quiz .Quiz")),
}));
"""
# The questions of the quiz in the cell at index arguments[0] (the chapter has others).
QUIZ_JS = """
const cell = document.querySelectorAll(".jp-Notebook .jp-Cell")[arguments[0]];
const card = cell && cell.querySelector(".jp-OutputArea .d2l-quiz");
if (!card) return null;
return [...card.querySelectorAll(".Quiz")].map(q => {
  const fb = q.querySelector(".Feedback");
  return {numeric: Boolean(q.querySelector("input.Input-text")),
          feedback: fb ? fb.innerText.trim() : "",
          verdict: fb && fb.classList.contains("correct") ? "correct"
                   : fb && fb.classList.contains("incorrect") ? "incorrect" : ""};
});
"""


def _cells(driver: Chrome) -> list[dict]:
    """Return what each cell of the open notebook shows."""
    cells = driver.execute_script(CELLS_JS)
    if cells is None:
        pytest.fail("JupyterLab shows no open notebook.")
    return cells


def _with_quiz_cell(path: Path) -> tuple[int, bool]:
    """Return the index of the chapter's quiz cell, and whether the test added it.

    The chapters get their self-check sections from their authors; until the concise
    chapter has one, the test adds it where the course puts it: a section "Self-check"
    with the quiz cell, before the exercises (after them, a collapsed solution would
    hide it).
    """
    nb = checks.read(path)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and QUIZ_CALL in cell.source:
            return index, False
    exercises = next(
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown" and re.search(r"^## Exercises", c.source, re.M)
    )
    nb.cells[exercises:exercises] = [
        checks.nbformat.v4.new_markdown_cell("## Self-check"),
        checks.nbformat.v4.new_code_cell(QUIZ_CALL),
    ]
    checks.nbformat.write(nb, path)
    return exercises + 1, True


def _run_cell(driver: Chrome, index: int) -> dict:
    """Select a cell by its prompt, run it with Shift+Enter; return it once it ran."""
    cell = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[index]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    target = cell.find_elements(By.CSS_SELECTOR, ".jp-InputPrompt") or [cell]
    ActionChains(driver).move_to_element(target[0]).click().perform()
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(
        Keys.SHIFT
    ).perform()
    WebDriverWait(driver, RUN_TIMEOUT_S).until(
        lambda d: COUNT_PROMPT.match(_cells(d)[index]["prompt"]),
        f"cell {index} did not finish running",
    )
    return _cells(driver)[index]


def _answer(
    driver: Chrome, cell: int, number: int, question: dict, value: object
) -> dict:
    """Answer a question of the quiz output of a cell by keyboard; return its state."""
    quiz_cell = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[cell]
    wrapper = quiz_cell.find_elements(
        By.CSS_SELECTOR, ".jp-OutputArea .d2l-quiz .Quiz"
    )[number]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", wrapper)
    if question["type"] == "numeric":
        field = wrapper.find_element(By.CSS_SELECTOR, "input.Input-text")
        field.click()
        driver.switch_to.active_element.send_keys(f"{value:g}", Keys.ENTER)
    else:
        radio = wrapper.find_elements(By.CSS_SELECTOR, "input[type=radio]")[value]
        driver.execute_script("arguments[0].focus()", radio)
        driver.switch_to.active_element.send_keys(Keys.ENTER)
    time.sleep(1.0)  # the feedback's colour settles
    return driver.execute_script(QUIZ_JS, cell)[number]


@pytest.mark.book
@pytest.mark.slow
def test_chapter_opens_with_its_title_and_runs_its_quiz(
    lab: Lab, driver: Chrome, capsys: pytest.CaptureFixture
) -> None:
    path = lab.folder / CHAPTER
    assert path.is_file(), f"The bundle has no {CHAPTER}."
    quiz_index, added = _with_quiz_cell(path)
    questions = quiz.load_questions(
        "softmax_concise", folder=lab.folder / "d2l_helpers" / "quizzes"
    )
    start = time.perf_counter()
    driver.set_window_size(1400, 1000)
    driver.get(f"{lab.url}lab/tree/{CHAPTER}?token={lab.token}")
    WebDriverWait(driver, START_TIMEOUT_S).until(  # running before: "Select Kernel"
        lambda d: d.execute_script(NOTEBOOK_STATE_JS) and _state(d)["kernelIdle"]
    )
    # The first screen: the title, then the setup cell as one line.
    FIRST_SCREENS.mkdir(parents=True, exist_ok=True)
    first = FIRST_SCREENS / f"jupyterlab-{Path(CHAPTER).stem}.png"
    driver.save_screenshot(str(first))
    cells = _cells(driver)
    assert cells[0]["h1"] and cells[0]["shown"], (
        f"the first cell is no title: {cells[0]}"
    )
    setup = cells[1]
    assert setup["kind"] == "code" and not setup["inputShown"], (
        f"the setup cell is not collapsed (see {first}): {setup}"
    )
    assert setup["placeholder"].startswith("# @title Course setup"), setup
    # Solutions: collapsed headings, their cells hidden.
    solutions = [c for c in cells if c["heading"].startswith("Solution to Exercise")]
    assert solutions and all(c["collapsed"] for c in solutions), solutions
    hidden = [c for c in cells if not c["shown"]]
    assert len(hidden) >= len(solutions), f"no solution cell is hidden: {len(hidden)}"
    state = _state(driver)
    roles = sorted({m.group(0) for m in ROLE_TEXT.finditer(state["markdown"])})
    assert not roles, f"The rendered prose of {CHAPTER} shows raw MyST: {roles}"
    assert NUMBER.search(state["markdown"]), f"{CHAPTER}'s prose shows no number"
    # An untrusted notebook's quiz output runs no script: it says to run the cell.
    if not added:
        assert "Run this cell" in cells[quiz_index]["output"], cells[quiz_index]
    # Run the first cells, then the quiz cell: not the whole chapter.
    for index in range(FIRST_CELLS):
        if cells[index]["kind"] == "code":
            ran = _run_cell(driver, index)
            assert "Error" not in ran["output"], ran
    assert "Setup: Python 3.11" in _cells(driver)[1]["output"], _cells(driver)[1]
    ran = _run_cell(driver, quiz_index)
    try:
        WebDriverWait(driver, UI_TIMEOUT_S).until(
            lambda d: len(d.execute_script(QUIZ_JS, quiz_index) or []) == len(questions)
        )
    except TimeoutException:
        shown = driver.execute_script(QUIZ_JS, quiz_index)
        pytest.fail(
            f"the quiz cell showed {len(shown or [])} of {len(questions)} questions; "
            f"the cell: {ran}"
        )
    number = next(i for i, q in enumerate(questions) if q["type"] == "numeric")
    right, wrong = right_and_wrong(questions[number])
    try:
        for value, verdict in ((wrong, "incorrect"), (right, "correct")):
            state = _answer(driver, quiz_index, number, questions[number], value)
            assert state["verdict"] == verdict, (value, state)
            assert state["feedback"] == expected_feedback(questions[number], value)
        choice = next(i for i, q in enumerate(questions) if q["type"] != "numeric")
        right, _ = right_and_wrong(questions[choice])
        state = _answer(driver, quiz_index, choice, questions[choice], right)
        assert state["verdict"] == "correct", state
        # axe on the answered quiz, in JupyterLab's (light) theme and code styles.
        results = axe_audit(driver, ".jp-OutputArea .d2l-quiz")
        assert results["passes"], "axe checked nothing in the quiz"
        assert not blocking_violations(results), blocking_violations(results)
    finally:
        shot = _screenshot(driver, f"{Path(CHAPTER).stem}-quiz")
    with capsys.disabled():
        bundle.record_timing(
            f"JupyterLab: open {CHAPTER}, run {FIRST_CELLS} cells and the quiz",
            time.perf_counter() - start,
        )
        print(f"  screenshots: {first}, {shot}")
