"""The learners' course bundle as a learner meets it: unzipped, in a new venv, run.

``bundle_zip`` says where the built bundle is (``BUNDLE``, or ``D2L_BUNDLE_ZIP``).
``prepare`` unzips it, makes a fresh ``python3.11 -m venv`` beside it, installs the
bundle's ``requirements.txt`` there and registers a kernel spec for that interpreter;
it does so once per test run, even with pytest-xdist (a file lock, shared folder).
``run_against_reference`` runs a notebook with nbval in that kernel, the data found
offline, its stored outputs replaced by the chapter's reference outputs
(``tests/references/``): one execution that is both the fresh-venv check and the
regression check of the outputs.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import filelock
import nbformat
import pytest

import notebooks
from scripts import bundle as learner_bundle
from scripts.bundle import PRACTICE_DIR
from scripts.layout import ARTIFACTS, NOTEBOOKS
from scripts.references import reference_path, with_reference_outputs

# Where `make book` writes the bundle and the learner notebooks (scripts/ says it once);
# D2L_BUNDLE_ZIP and D2L_NOTEBOOKS_DIR name others (e.g. those of a private build).
BUNDLE = learner_bundle.BUNDLE
NOTEBOOKS_DIR = Path(os.environ.get("D2L_NOTEBOOKS_DIR") or NOTEBOOKS)
TIMINGS = ARTIFACTS / "bundle" / "timings.json"
PYTHON = shutil.which("python3.11") or "python3.11"
KERNEL_NAME = "course-bundle"
NBVAL_SUFFIX = ".nbval.ipynb"  # a bundle notebook with the reference outputs, for nbval
INSTALL_TIMEOUT_S = 1800
PROBE = "import sys, d2l_helpers\nprint(repr((d2l_helpers.__file__, sys.executable)))"


def bundle_zip() -> Path:
    """Return the path of the course bundle's zip (``D2L_BUNDLE_ZIP`` or the book's)."""
    return Path(os.environ.get("D2L_BUNDLE_ZIP") or BUNDLE)


def require_zip() -> Path:
    """Return the bundle's zip; fail with what to do when it is not built."""
    path = bundle_zip()
    if not path.is_file():
        pytest.fail(
            f"The course bundle {path} is missing: run `make book` (it builds "
            "the bundle), or name one with D2L_BUNDLE_ZIP."
        )
    return path


def zip_notebooks() -> list[str]:
    """Return the chapter notebooks' names in the bundle's zip (not practice copies)."""
    path = bundle_zip()
    if not path.is_file():
        return []
    with zipfile.ZipFile(path) as archive:
        return sorted(
            Path(name).name
            for name in archive.namelist()
            if name.endswith(".ipynb")
            and ".ipynb_checkpoints" not in name
            and PRACTICE_DIR not in Path(name).parts
        )


def built_notebooks() -> list[Path]:
    """Return the learner notebooks of the repository's `make` target, when built."""
    return sorted(NOTEBOOKS_DIR.rglob("*.ipynb")) if NOTEBOOKS_DIR.is_dir() else []


@dataclass
class Bundle:
    """An unzipped bundle and the fresh venv its requirements were installed into."""

    folder: Path  # the folder holding requirements.txt, README and the notebooks
    venv: Path
    install_s: float  # seconds to make the venv and `pip install -r requirements.txt`

    @property
    def python(self) -> Path:
        """The venv's interpreter."""
        return self.venv / "bin" / "python"

    @property
    def kernels(self) -> Path:
        """The folder of the kernel spec that runs the venv's interpreter."""
        return self.venv.parent / "kernel" / "share" / "jupyter" / "kernels"

    def notebooks(self) -> list[Path]:
        """Return the bundle's chapter notebooks (not the practice or nbval copies)."""
        return sorted(
            p
            for p in self.folder.rglob("*.ipynb")
            if ".ipynb_checkpoints" not in p.parts
            and PRACTICE_DIR not in p.relative_to(self.folder).parts
            and not p.name.endswith(NBVAL_SUFFIX)
        )


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a temporary folder of this run, shared by all its xdist workers."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _bundle_folder(unzipped: Path) -> Path:
    """Return the folder of an unzipped bundle that holds its requirements.txt."""
    found = sorted(unzipped.rglob("requirements.txt"), key=lambda p: len(p.parts))
    if not found:
        pytest.fail(
            f"The course bundle has no requirements.txt (unzipped in {unzipped}): "
            "the bundle builder must put the runtime pins there."
        )
    return found[0].parent


def _run(command: list[str], what: str, timeout_s: float = INSTALL_TIMEOUT_S) -> None:
    """Run a command; fail with its output and what to do when it fails."""
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout_s, env=_clean_env()
    )
    if result.returncode != 0:
        pytest.fail(
            f"{what} failed (exit {result.returncode}): {' '.join(command)}\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )


def _clean_env() -> dict[str, str]:
    """Return this process's environment without what ties Python to the repository."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH"}
    }
    repo_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep) if part != repo_bin
    )
    return env


FONT_CACHE_WARMUP = (
    "import matplotlib; matplotlib.use('Agg'); "
    "from matplotlib import font_manager; font_manager.findfont('DejaVu Sans')"
)


def matplotlib_dir(venv: Path) -> Path:
    """Return the matplotlib config and cache folder of the bundle venv's kernels."""
    return venv.parent / "matplotlib"


def _build(zip_path: Path, root: Path) -> Bundle:
    """Unzip the bundle, make its venv, install its requirements, add its kernel."""
    unzipped = root / "unzipped"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(unzipped)
    folder = _bundle_folder(unzipped)
    venv = root / "venv"
    start = time.perf_counter()
    _run([PYTHON, "-m", "venv", str(venv)], "Creating the venv (python3.11 -m venv)")
    _run(
        [
            str(venv / "bin/python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            str(folder / "requirements.txt"),
        ],
        "Installing the bundle's requirements.txt into a fresh venv (fix the pins)",
    )
    install_s = time.perf_counter() - start
    # The kernels' own matplotlib cache, built once now: a cache shared with other
    # venvs may name fonts of a venv since deleted, and its rebuild, when slow, prints
    # "Matplotlib is building the font cache" into the first figure's output.
    subprocess.run(
        [str(venv / "bin/python"), "-c", FONT_CACHE_WARMUP],
        check=True,
        env=_clean_env() | {"MPLCONFIGDIR": str(matplotlib_dir(venv))},
    )
    _run(
        [
            str(venv / "bin/python"),
            "-m",
            "ipykernel",
            "install",
            "--prefix",  # not the venv's own: JupyterLab there sees python3 only
            str(venv.parent / "kernel"),
            "--name",
            KERNEL_NAME,
            "--display-name",
            "Course bundle",
        ],
        "Registering the venv's kernel (ipykernel must be in requirements.txt)",
    )
    return Bundle(folder, venv, install_s)


def prepare(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """Return the unzipped bundle with its venv, building both once per test run."""
    zip_path = require_zip()
    stamp = f"{zip_path.stat().st_size}-{int(zip_path.stat().st_mtime)}"
    root = _shared_root(tmp_path_factory) / f"course-bundle-{stamp}"
    root.mkdir(parents=True, exist_ok=True)
    done = root / "bundle.json"
    with filelock.FileLock(str(root / ".lock")):
        if not done.is_file():
            bundle = _build(zip_path, root)
            done.write_text(json.dumps({k: str(v) for k, v in asdict(bundle).items()}))
    saved = json.loads(done.read_text())
    return Bundle(Path(saved["folder"]), Path(saved["venv"]), float(saved["install_s"]))


def kernel_env(bundle: Bundle, data_dir: Path | None, cache: Path) -> dict[str, str]:
    """Return a learner kernel's environment: the venv first, data offline only."""
    env = _clean_env()
    env["PATH"] = os.pathsep.join([str(bundle.venv / "bin"), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(bundle.venv)
    env["D2L_DATA_MIRROR"] = ""  # no downloads: every data set is found offline
    env["D2L_CACHE_DIR"] = str(cache)
    env["MPLCONFIGDIR"] = str(matplotlib_dir(bundle.venv))
    if data_dir is not None:
        env["D2L_DATA_DIR"] = str(data_dir)
    return env


def record_timing(what: str, seconds: float) -> None:
    """Print a measured time and keep it in TIMINGS (under xdist prints are lost)."""
    print(f"\n  {what}: {seconds:.1f} s")
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(f"{TIMINGS}.lock"):
        times = json.loads(TIMINGS.read_text()) if TIMINGS.is_file() else {}
        times[what] = round(seconds, 1)
        TIMINGS.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")


@dataclass
class Checked:
    """A learner notebook run by nbval in the bundle's kernel against its reference."""

    run: notebooks.NbvalRun  # the cells that failed, the outputs computed
    unmatched: list[str]  # reference cells that no cell of the notebook matched
    helpers_file: Path
    kernel_python: Path


def run_against_reference(bundle: Bundle, path: Path, env: dict[str, str]) -> Checked:
    """Run a bundle notebook with nbval in the bundle's kernel against its reference.

    The notebook's code cells take the outputs of the reference cells with the same
    source (``with_reference_outputs``); a probe cell appended at the end says where
    the kernel found the helpers. The notebook is written beside the bundle's own (so
    the kernel runs in the bundle's folder, as a learner's does), under another name.
    """
    learner = nbformat.read(path, as_version=4)
    reference = nbformat.read(reference_path(path), as_version=4)
    merged, unmatched = with_reference_outputs(learner, reference)
    merged.cells.append(nbformat.v4.new_code_cell(PROBE))
    target = path.with_name(path.stem + NBVAL_SUFFIX)
    nbformat.write(merged, target)
    jupyter_path = str(bundle.kernels.parent)  # where the kernel spec is found
    run = notebooks.run_nbval(
        target,
        ["--nbval-kernel-name", KERNEL_NAME],
        env | {"JUPYTER_PATH": jupyter_path},
    )
    probe = run.notebook.cells.pop()
    text = "".join(
        out.get("text", "") for out in probe.outputs if out.output_type == "stream"
    )
    match = re.search(r"\('(.+)', '(.+)'\)", text)
    if match is None:
        pytest.fail(
            f"{path.name}: the import probe printed no paths: {probe.outputs}\n"
            + "\n".join(run.failures)
        )
    return Checked(run, unmatched, Path(match.group(1)), Path(match.group(2)))
