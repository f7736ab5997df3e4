"""Lint the chapters' code with ruff: ``python -m scripts.lint_chapters`` (make lint).

Each chapter of ``_toc.yml`` that is a notebook is converted by jupytext to an
``.ipynb`` in a temporary folder, and ruff checks those notebooks cell by cell (its
notebook support), with the project's configuration: ``ruff check`` and
``ruff format --check``. Findings name the chapter.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import jupytext

from scripts.layout import CHAPTERS, ROOT
from scripts.toc import executable_chapters

RUFF = Path(sys.executable).with_name("ruff")


def ruff(*args: str, folder: Path) -> int:
    """Run ruff with the project's configuration on a folder; return its exit status."""
    cmd = [str(RUFF), *args, "--config", str(ROOT / "pyproject.toml"), str(folder)]
    return subprocess.run(cmd, check=False).returncode


def main() -> int:
    """Convert every chapter to a notebook and run ruff check and format --check."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / CHAPTERS.name
        folder.mkdir()
        for chapter in executable_chapters():
            notebook = jupytext.read(chapter, fmt="md:myst")
            jupytext.write(notebook, folder / f"{chapter.stem}.ipynb")
        status = ruff("check", "--output-format", "concise", folder=folder)
        status |= ruff("format", "--check", folder=folder)
    if status:
        print(
            "Chapter code fails ruff (the .ipynb names are the chapters in "
            "chapters/*.md): fix the cells named above.",
            file=sys.stderr,
        )
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
