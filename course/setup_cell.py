# @title Course setup: checks Python, installs the course's packages where missing
# The learner notebooks start with this cell, collapsed to the line above (JupyterLab's
# hidden input, Colab's form view). It checks the Python version and the platform and
# installs the course's packages only where they are missing (Colab, a bare Jupyter).
# Running it again is harmless.
import importlib.util
import platform
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

REPOSITORY = "@REPOSITORY_URL@"  # empty: the book was built without a public URL
BRANCH = "@BRANCH@"
ROUTES = (
    "Binder (the rocket button of the book), a Python 3.11 virtual environment "
    "made from the course bundle (see its README.md), or the repository's dev "
    "container (VS Code, Codespaces)"
)
if tuple(sys.version_info[:2]) != (3, 11):
    raise RuntimeError(
        "This course needs Python 3.11 (MXNet 1.9.1 and NumPy 1.23.5 do not install "
        "on 3.12 or later; the pinned packages need 3.11, and 3.10 is past its end of "
        "life), not "
        f"{sys.version_info[0]}.{sys.version_info[1]}. On Colab, "
        "choose Runtime -> Change runtime type -> Runtime version '2025.07' (Python "
        f"3.11), then run this cell again. Elsewhere use {ROUTES}."
    )
MACHINE = platform.machine().lower()
WHEELS = (sys.platform.startswith("linux") and MACHINE in ("x86_64", "aarch64")) or (
    sys.platform == "darwin" and MACHINE == "x86_64"
)
if importlib.util.find_spec("mxnet") is None and not WHEELS:
    raise RuntimeError(
        f"MXNet 1.9.1 has no wheel for {platform.system()} on {MACHINE}: only Linux "
        "x86_64, Linux aarch64 and macOS x86_64 have one. Use an x86_64 Python under "
        f"Rosetta (Apple Silicon), WSL2 (Windows), Colab, or {ROUTES}."
    )
# The course bundle: its helpers and pins sit beside the notebook, or one folder up for
# the practice copies (practice/<chapter>.ipynb).
BUNDLE = next(
    (p for p in (Path.cwd(), Path.cwd().parent) if (p / "d2l_helpers").is_dir()), None
)
if BUNDLE is not None and BUNDLE != Path.cwd() and str(BUNDLE) not in sys.path:
    sys.path.insert(0, str(BUNDLE))
NEEDED = ("mxnet", "d2l", "d2l_helpers", "matplotlib", "sklearn", "pandas", "filelock")
if any(importlib.util.find_spec(name) is None for name in NEEDED):
    if BUNDLE is not None and (BUNDLE / "requirements.txt").is_file():
        install = ["-r", str(BUNDLE / "requirements.txt")]
    elif REPOSITORY:
        install = [
            "-r",
            f"{REPOSITORY}/raw/{BRANCH}/course/requirements.txt",
            f"d2l_helpers @ git+{REPOSITORY}@{BRANCH}",
        ]
    else:
        raise RuntimeError(
            "The course's packages are missing and this notebook knows no repository "
            "to install them from. Download the course bundle (.zip) from the book's "
            "download menu, unzip it, and follow its README.md."
        )
    print("Installing the course's packages (once; a few minutes)...")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *install], check=True)
    importlib.invalidate_caches()
    provision = [sys.executable, "-m", "d2l_helpers.provision"]
    if subprocess.run(provision, check=False).returncode:
        print("The data sets are not ready yet; the loaders will say what to do.")
    print("Installed. If Colab asks to restart the session, restart and run again.")
print(
    f"Setup: Python {sys.version_info[0]}.{sys.version_info[1]}, "
    f"MXNet {version('mxnet')}; the course's packages are installed."
)
