"""Reference outputs of every chapter, the baseline that nbval compares against.

``python -m scripts.make_references`` executes each chapter of ``_toc.yml`` and writes
``tests/references/<chapter>.ipynb``: the chapter's cells with their outputs, image data
dropped (nbval ignores images) and the SHA-256 of the chapter's source recorded, so a
test can tell when a reference has gone stale against its chapter.
"""

import hashlib
from pathlib import Path

import jupytext
import nbformat

from scripts.toc import toc_files

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "tests" / "references"
SVG_STUB = "<svg></svg>"


def executable_chapters() -> list[Path]:
    """Return the chapters that are notebooks (have a kernelspec), in book order."""
    return [
        p for p in toc_files() if "kernelspec:" in p.read_text().split("\n---", 1)[0]
    ]


def chapter_digest(chapter: Path) -> str:
    """Return the SHA-256 of a chapter's source."""
    return hashlib.sha256(chapter.read_bytes()).hexdigest()


def reference_path(chapter: Path) -> Path:
    """Return where the reference notebook of a chapter is stored."""
    return REFERENCE_DIR / f"{chapter.stem}.ipynb"


def read_chapter(chapter: Path) -> nbformat.NotebookNode:
    """Read a MyST Markdown chapter as a notebook."""
    return jupytext.read(chapter, fmt="md:myst")


def strip_images(nb: nbformat.NotebookNode) -> None:
    """Drop PNG data and stub out SVG: neither is compared, both bloat the repo."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            data.pop("image/png", None)
            if "image/svg+xml" in data:
                data["image/svg+xml"] = SVG_STUB
            output.get("metadata", {}).pop("image/png", None)
        cell.get("metadata", {}).pop("execution", None)


def make_reference(chapter: Path, timeout: int = 600) -> Path:
    """Execute one chapter and write its reference notebook; return the path."""
    from nbclient import NotebookClient

    nb = read_chapter(chapter)
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(chapter.parent)}},
    ).execute()
    strip_images(nb)
    nb.metadata["d2l_reference"] = {
        "chapter": str(chapter.relative_to(ROOT)),
        "sha256": chapter_digest(chapter),
    }
    REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
    out = reference_path(chapter)
    nbformat.write(nb, out)
    return out
