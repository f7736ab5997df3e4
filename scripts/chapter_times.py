"""Time each chapter as a learner runs it (``make chapter-times``): the time budget.

The course bundle built by ``make book`` is unzipped into a temporary folder, a fresh
``python3.11 -m venv`` gets its ``requirements.txt`` (as its README says), and every
chapter notebook is executed there from top to bottom, one after another, each in a
new kernel (what "Restart and Run All" costs a learner, kernel start included), with
the data found offline. Prints a Markdown table of seconds per chapter and the total
against the course's budget: no chapter over ``CHAPTER_BUDGET_S``, the whole course
within ``COURSE_BUDGET_S``; exits 1 when a budget is exceeded. Run it on a quiet
machine: other programs on the same cores inflate the times.
"""

import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from scripts.bundle import BUNDLE, PRACTICE_DIR

CHAPTER_BUDGET_S = 40.0
COURSE_BUDGET_S = 240.0
PYTHON = shutil.which("python3.11") or "python3.11"


def unzip_bundle(folder: Path) -> Path:
    """Unzip the course bundle into folder; return the bundle's own folder."""
    if not BUNDLE.is_file():
        sys.exit(f"{BUNDLE} is missing: run `make book` first.")
    with zipfile.ZipFile(BUNDLE) as archive:
        archive.extractall(folder)
    return next(p.parent for p in folder.rglob("requirements.txt"))


def make_venv(bundle: Path) -> Path:
    """Make the bundle's venv with its requirements; return its interpreter."""
    venv = bundle / ".venv"
    subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "-q", "-r", "requirements.txt"]
    subprocess.run(install, cwd=bundle, check=True)
    return python


def run_notebook(python: Path, notebook: Path) -> float:
    """Execute a notebook top to bottom in a new kernel; return the seconds it took."""
    command = [
        str(python), "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
        "--ExecutePreprocessor.timeout=600", "--output-dir", tempfile.gettempdir(),
        "--output", f"timed-{notebook.name}", str(notebook),
    ]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, cwd=notebook.parent, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    """Time every chapter of the bundle; print the table; return 1 over budget."""
    with tempfile.TemporaryDirectory(prefix="chapter-times-") as folder:
        bundle = unzip_bundle(Path(folder))
        python = make_venv(bundle)
        notebooks = sorted(
            p for p in bundle.glob("*.ipynb") if p.parent.name != PRACTICE_DIR
        )
        times = {nb.stem: run_notebook(python, nb) for nb in notebooks}
    total = sum(times.values())
    print(f"| chapter | seconds (budget {CHAPTER_BUDGET_S:.0f}) |\n|---|---:|")
    for chapter, seconds in times.items():
        print(f"| `{chapter}` | {seconds:.1f} |")
    budget = f"(budget {COURSE_BUDGET_S:.0f})"
    print(f"| **all {len(times)} chapters** | **{total:.1f}** {budget} |")
    over = [c for c, s in times.items() if s > CHAPTER_BUDGET_S]
    if over or total > COURSE_BUDGET_S:
        print(f"over budget: {over or 'the whole course'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
