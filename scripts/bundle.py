"""The course bundle and the published learner files, inside the HTML output.

``publish(notebooks)`` lays out, in ``_build/html``:

- ``notebooks/``: the learner notebooks with, beside them, the ``d2l_helpers``
  package, the runtime ``requirements.txt`` (``course/requirements.txt``) and the
  bundle's ``README.md`` (``course/README.md``): the folder that a chapter's download
  entry, Colab and Binder open (``notebooks/<chapter>.ipynb``); and ``practice/``, a
  practice copy of each chapter with its code outputs cleared (``PRACTICE_DIR``), to
  predict before running (fastbook's "clean" notebooks);
- ``binder/``: the Binder environment of the published site (the runtime pins,
  Python 3.11, the Fashion-MNIST Debian package, data provisioning): the repository's
  ``binder/`` files (its ``postBuild`` serves both), with ``course/requirements.txt``;
- ``_downloads/softmax-regression-course.zip``: the same folder as one zip, under a
  top folder ``softmax-regression-course/``, less the pages about the repository's
  build (``NOT_IN_BUNDLE``: the status page lists the repository's chapter paths).

The publishing workflow deploys ``_build/html`` to the branch that the launch buttons
name (``course_published_branch``, gh-pages).
"""

import shutil
import zipfile
from pathlib import Path

from scripts.layout import (
    BINDER,
    COURSE,
    DOWNLOADS,
    PACKAGE,
    PUBLISHED_BINDER,
    PUBLISHED_NOTEBOOKS,
    ROOT,
)

BUNDLE_NAME = "softmax-regression-course"
BUNDLE = DOWNLOADS / f"{BUNDLE_NAME}.zip"
PRACTICE_DIR = "practice"  # the practice copies, inside the bundle's folder
NOT_IN_BUNDLE = ("status.ipynb", f"{PRACTICE_DIR}/status.ipynb")
# The repository's Binder files the published site shares (requirements.txt differs:
# the site's pins are the runtime ones, course/requirements.txt).
BINDER_FILES = ("runtime.txt", "apt.txt", "postBuild")


def bundle_files(
    notebooks: list[Path], practice: list[Path] | None = None
) -> dict[str, Path]:
    """Return the bundle's files: name inside the bundle -> file on disk.

    The learner notebooks come first, then their practice copies (practice/).
    """
    files = {path.name: path for path in notebooks}
    files |= {f"{PRACTICE_DIR}/{path.name}": path for path in practice or []}
    files["requirements.txt"] = COURSE / "requirements.txt"
    files["README.md"] = COURSE / "README.md"
    for source in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.json")]):
        files[source.relative_to(ROOT).as_posix()] = source
    return files


def write_folder(files: dict[str, Path], folder: Path) -> None:
    """Copy the files into a fresh folder under their bundle names."""
    shutil.rmtree(folder, ignore_errors=True)
    for name, source in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / name)


def write_zip(files: dict[str, Path], target: Path) -> None:
    """Write the files into a zip under the top folder BUNDLE_NAME."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for name, source in files.items():
            bundle.write(source, f"{BUNDLE_NAME}/{name}")


def write_binder(folder: Path = PUBLISHED_BINDER) -> None:
    """Write the published site's Binder environment (runtime pins only)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copyfile(COURSE / "requirements.txt", folder / "requirements.txt")
    for name in BINDER_FILES:
        shutil.copy(BINDER / name, folder / name)  # with its mode: postBuild runs


def publish(notebooks: list[Path], practice: list[Path] | None = None) -> Path:
    """Lay out the learner files and the bundle in the HTML output; return the zip."""
    files = bundle_files(notebooks, practice)
    write_folder(files, PUBLISHED_NOTEBOOKS)
    write_binder()
    write_zip({k: v for k, v in files.items() if k not in NOT_IN_BUNDLE}, BUNDLE)
    return BUNDLE
