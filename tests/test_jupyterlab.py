"""A chapter of the course bundle in a real JupyterLab, as a learner runs it.

JupyterLab, installed in the bundle's fresh venv from its own requirements.txt, is
started headless from the unzipped bundle; headless Chromium (Selenium) opens a
chapter notebook, clears its outputs and runs every cell from the Run menu. The page
must then show numbers rather than MyST roles in its prose, new outputs with a figure,
and no error. A screenshot goes to _build/artifacts/jupyterlab/.
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
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

import course_bundle as bundle
from browser import DIRECT, chromium
from course_bundle import Bundle

CHAPTER = "softmax_concise.ipynb"  # trains a model and draws its learning curves
SCREENSHOTS = bundle.ARTIFACTS / "jupyterlab"
START_TIMEOUT_S = 180
RUN_TIMEOUT_S = 900
UI_TIMEOUT_S = 60
POLL_S = 2.0
STALLED_S = 20.0  # idle this long with cells left unrun: Run All stopped at an error
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
MENU_ITEMS_JS = """
return [...document.querySelectorAll(".lm-Menu-item")]
  .map(el => `${el.dataset.command}: ${el.innerText.split("\\n")[0]}`);
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


def _click_menu(driver: Chrome, menu: str, command: str) -> None:
    """Open a menu of JupyterLab's menu bar and click the item that runs a command."""
    wait = WebDriverWait(driver, UI_TIMEOUT_S)
    wait.until(
        expected_conditions.element_to_be_clickable(
            (
                By.XPATH,
                f"//li[contains(@class, 'lm-MenuBar-item')][.//div["
                f"contains(@class, 'lm-MenuBar-itemLabel') and text()='{menu}']]",
            )
        )
    ).click()
    try:
        wait.until(
            expected_conditions.element_to_be_clickable(
                (By.CSS_SELECTOR, f'li.lm-Menu-item[data-command="{command}"]')
            )
        ).click()
    except TimeoutException:  # say what the menu offers instead
        items = driver.execute_script(MENU_ITEMS_JS)
        pytest.fail(f"The {menu} menu has no item for {command}: {items}")


def _state(driver: Chrome) -> dict:
    """Return the open notebook's state (prompts, prose, outputs, figures, errors)."""
    state = driver.execute_script(NOTEBOOK_STATE_JS)
    if state is None:
        pytest.fail("JupyterLab shows no open notebook.")
    return state


def _run_all(driver: Chrome) -> dict:
    """Run every cell from the Run menu; return the notebook's state once it stops.

    It has stopped when no cell is queued or running ("[*]") any more after some was:
    with every cell numbered, or after STALLED_S with cells left (an error stopped it).
    """
    _click_menu(driver, "Run", "runmenu:run-all")  # notebook:run-all-cells
    deadline, started, busy_at = (
        time.monotonic() + RUN_TIMEOUT_S,
        False,
        time.monotonic(),
    )
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        state = _state(driver)
        if any("*" in prompt for prompt in state["prompts"]):
            started, busy_at = True, time.monotonic()
        elif started and all(COUNT_PROMPT.match(p) for p in state["prompts"]):
            return state
        elif started and time.monotonic() - busy_at > STALLED_S:
            return state  # Run All stopped before the end: the checks say why
        elif not started and time.monotonic() - busy_at > UI_TIMEOUT_S:
            pytest.fail(
                f"Run All started no cell in {UI_TIMEOUT_S} s (a dialog in the way? "
                f"see the screenshot): {state['prompts']}"
            )
    pytest.fail(
        f"Run All did not finish in {RUN_TIMEOUT_S} s: {_state(driver)['prompts']}"
    )


def _screenshot(driver: Chrome, name: str) -> Path:
    """Save a screenshot with the first figure in view; return its path."""
    driver.execute_script(
        "const fig = document.querySelector('.jp-OutputArea-output img, "
        ".jp-OutputArea-output svg'); if (fig) fig.scrollIntoView({block: 'center'});"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{Path(name).stem}.png"
    driver.save_screenshot(str(path))
    return path


def _open_and_run_all(driver: Chrome, lab: Lab) -> dict:
    """Open the chapter, clear its outputs, Run All; return its state once it stops."""
    driver.set_window_size(1400, 1000)
    driver.get(f"{lab.url}lab/tree/{CHAPTER}?token={lab.token}")
    WebDriverWait(driver, START_TIMEOUT_S).until(  # Run All before: "Select Kernel"
        lambda d: d.execute_script(NOTEBOOK_STATE_JS) and _state(d)["kernelIdle"]
    )
    _click_menu(driver, "Edit", "editmenu:clear-all")
    WebDriverWait(driver, UI_TIMEOUT_S).until(lambda d: _state(d)["outputs"] == 0)
    return _run_all(driver)


@pytest.mark.book
@pytest.mark.slow
def test_chapter_runs_in_jupyterlab(
    lab: Lab, driver: Chrome, capsys: pytest.CaptureFixture
) -> None:
    assert (lab.folder / CHAPTER).is_file(), f"The bundle has no {CHAPTER}."
    start = time.perf_counter()
    try:
        state = _open_and_run_all(driver, lab)
    finally:
        shot = _screenshot(driver, CHAPTER)  # also of what went wrong
    seconds = time.perf_counter() - start
    with capsys.disabled():
        bundle.record_timing(f"JupyterLab: open {CHAPTER}, Run All", seconds)
        print(f"  screenshot: {shot}")
    assert not state["errors"], (
        f"{CHAPTER} shows errors in JupyterLab (see {shot}):\n"
        + "\n---\n".join(state["errors"])
    )
    unrun = [i for i, p in enumerate(state["prompts"]) if not COUNT_PROMPT.match(p)]
    assert not unrun, (
        f"Run All left code cells {unrun} of {CHAPTER} unexecuted "
        f"(prompts {state['prompts']}); see {shot} and {lab.log}"
    )
    counts = [int(COUNT_PROMPT.match(p).group(1)) for p in state["prompts"]]
    assert counts == sorted(counts) and len(set(counts)) == len(counts), (
        f"Execution counts out of order, not one fresh Run All: {counts}"
    )
    roles = sorted({m.group(0) for m in ROLE_TEXT.finditer(state["markdown"])})
    assert not roles, f"The rendered prose of {CHAPTER} shows raw MyST: {roles}"
    assert NUMBER.search(state["markdown"]), (
        f"The rendered prose of {CHAPTER} shows no number (glued values lost?)"
    )
    assert state["outputs"] > 0 and state["figures"] > 0, (
        f"After Run All {CHAPTER} shows {state['outputs']} outputs and "
        f"{state['figures']} figures (expected both > 0); see {shot}"
    )
