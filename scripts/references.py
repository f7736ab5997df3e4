"""Reference outputs of every chapter, the baseline that nbval compares against.

``python -m scripts.make_references`` executes each chapter of ``_toc.yml`` and writes
``tests/references/<chapter>.ipynb``: the chapter's cells with their outputs (the
hidden glue cells included: the chapter checks of ``tests/chapters/`` read them too),
image data dropped and the SHA-256 of the chapter's source recorded, so a test can tell
when a reference has gone stale against its chapter.

The references are made in a deliberately different numeric environment than the
build (``REFERENCE_ENV``: one OpenMP thread, MXNet's MKL-DNN code path off), and the
environment the kernel really ran in is recorded in the notebook's metadata. Every
``make test`` then compares executions in the default environment (all cores, MKL-DNN
on) with references made in the other one: a float compared exactly, or a tolerance
too tight for another CPU, fails on this machine already.

``with_reference_outputs`` gives a learner notebook the reference outputs, cell by cell
(matched by source), for nbval to compare a fresh execution against.
"""

import copy
import hashlib
import json
import os
import platform
from collections import defaultdict, deque
from pathlib import Path

import jupytext
import nbformat

from scripts.layout import REFERENCES, ROOT

SVG_STUB = "<svg></svg>"
# The variables that change how MXNet's CPU kernels round (libmxnet 1.9.1 reads both).
NUMERIC_VARIABLES = ("OMP_NUM_THREADS", "MXNET_MKLDNN_ENABLED")
# The references' environment; the build and the tests run in the default one (unset).
# With MKL-DNN off, this MKL-DNN build of libmxnet says "Storage type fallback
# detected" on stderr at each operator's first call (a cell output); the last variable
# silences that message and changes no number.
REFERENCE_ENV = {
    "OMP_NUM_THREADS": "1",
    "MXNET_MKLDNN_ENABLED": "0",
    "MXNET_STORAGE_FALLBACK_LOG_VERBOSE": "0",
}
# Tags of a chapter cell that tell nbval how to treat it (the learner notebook drops
# cell tags, so they come from the reference).
NBVAL_TAGS = ("nbval-ignore-output", "nbval-skip", "raises-exception")
# Run last in the reference's kernel: what the kernel saw, popped before writing.
ENVIRONMENT_PROBE = (
    "import json as _json, os as _os\n"
    f"_names = {tuple(REFERENCE_ENV)!r}\n"
    "print(_json.dumps({_name: _os.environ.get(_name) for _name in _names}))"
)


def chapter_digest(chapter: Path) -> str:
    """Return the SHA-256 of a chapter's source."""
    return hashlib.sha256(chapter.read_bytes()).hexdigest()


def reference_path(chapter: Path | str) -> Path:
    """Return where the reference notebook of a chapter (a path or a stem) is stored."""
    return REFERENCES / f"{Path(chapter).stem}.ipynb"


def read_chapter(chapter: Path) -> nbformat.NotebookNode:
    """Read a MyST Markdown chapter as a notebook."""
    return jupytext.read(chapter, fmt="md:myst")


def cpu_model() -> str:
    """Return the CPU's model name (Linux), else what the platform module says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


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


def _probed_environment(probe: nbformat.NotebookNode) -> dict:
    """Return the numeric environment the probe cell printed in the kernel."""
    text = "".join(
        out.get("text", "") for out in probe.outputs if out.output_type == "stream"
    )
    return json.loads(text)


def make_reference(chapter: Path, timeout: int = 600) -> Path:
    """Execute one chapter in REFERENCE_ENV and write its reference; return the path."""
    from nbclient import NotebookClient

    nb = read_chapter(chapter)
    nb.cells.append(nbformat.v4.new_code_cell(ENVIRONMENT_PROBE))
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(chapter.parent)}},
    ).execute(env=os.environ | REFERENCE_ENV)
    environment = _probed_environment(nb.cells.pop())
    strip_images(nb)
    nb.metadata["d2l_reference"] = {
        "chapter": str(chapter.relative_to(ROOT)),
        "sha256": chapter_digest(chapter),
        "environment": environment,
        "machine": {"arch": platform.machine(), "cpu": cpu_model()},
    }
    REFERENCES.mkdir(parents=True, exist_ok=True)
    out = reference_path(chapter)
    nbformat.write(nb, out)
    return out


def _is_hidden(cell: nbformat.NotebookNode) -> bool:
    """Return whether a chapter cell is left out of the learner notebook."""
    return "remove-cell" in cell.get("metadata", {}).get("tags", [])


def visible_code_cells(reference: nbformat.NotebookNode) -> list:
    """Return a reference's code cells that a learner notebook holds (source given)."""
    return [
        cell
        for cell in reference.cells
        if cell.cell_type == "code" and cell.source.strip() and not _is_hidden(cell)
    ]


def with_reference_outputs(
    learner: nbformat.NotebookNode, reference: nbformat.NotebookNode
) -> tuple[nbformat.NotebookNode, list[str]]:
    """Return a learner notebook whose code cells carry the reference's outputs.

    Each code cell takes the outputs, execution count and nbval tags of the visible
    reference cell with the same source (in order, for repeated sources). A cell with
    no counterpart (the setup cell the notebook builder puts first) gets no outputs and
    no execution count: nbval executes it and compares nothing. The hidden cells of the
    reference (glue) never take part. Also returns the sources of the visible reference
    cells that no learner cell matched (which nbval would then not check).
    """
    pool: dict[str, deque] = defaultdict(deque)
    for cell in visible_code_cells(reference):
        pool[cell.source.strip()].append(cell)
    merged = copy.deepcopy(learner)
    for cell in merged.cells:
        if cell.cell_type != "code":
            continue
        matches = pool.get(cell.source.strip())
        tags = [t for t in cell.metadata.get("tags", []) if t not in NBVAL_TAGS]
        if matches:
            ref = matches.popleft()
            cell.outputs = copy.deepcopy(ref.outputs)
            cell.execution_count = ref.get("execution_count")
            tags += [t for t in ref.metadata.get("tags", []) if t in NBVAL_TAGS]
        else:
            cell.outputs = []
            cell.execution_count = None
        cell.metadata["tags"] = tags
    unmatched = [cell.source for cells in pool.values() for cell in cells]
    return merged, unmatched
