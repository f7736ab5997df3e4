"""The learner notebooks: ``python -m scripts.learner_notebooks`` (``make notebooks``).

sphinx-tojupyter (``-b jupyter``, the book's own configuration and execution cache)
writes each chapter from its resolved document tree: glued numbers as values,
cross-references as links, no ``remove-cell`` cells; ``_ext/learner_doctree.py`` turns
exercises, solutions, admonitions and figure captions into Markdown and HTML that
Jupyter renders. tojupyter drops the outputs, so this copies them from the chapters'
executions in the execution cache (``_build/.jupyter_cache``; MyST-NB 1.4 writes the
chapters it takes from the cache to ``_build/jupyter_execute`` without outputs),
matching code cells by their source. Then it shapes the notebook for a learner:

- the title comes first: anchor-only cells are merged into the cell they label, and
  the setup cell (``course/setup_cell.py`` with the repository URL filled in, one
  definition for every notebook) follows the title cell, collapsed to its first line
  (JupyterLab's ``jupyter.source_hidden``, Colab's form view ``cellView: form``);
- answers stay hidden: each "Solution to Exercise N" heading gets a cell of its own,
  collapsed (JupyterLab's ``jp-MarkdownHeadingCollapsed``, Colab's
  ``collapsed_sections``), which hides the solution's cells up to the next exercise;
- every cell gets a fixed id (nbformat 4.5).

It checks that no MyST markup and no test code is left, writes one notebook per
chapter to ``_build/notebooks`` and a practice copy of each, its code outputs cleared,
to ``_build/practice``. Then it makes the course bundle (``scripts.bundle``).
"""

import copy
import re
import subprocess
import sys
from collections import defaultdict, deque
from pathlib import Path

import nbformat
import yaml
from jupyter_cache import get_cache

from _ext.course_setup import book_setup_cell
from scripts.layout import (
    CHAPTERS,
    CONFIG,
    EXECUTED,
    JUPYTER_CACHE,
    NOTEBOOKS,
    PRACTICE,
    ROOT,
    TOJUPYTER,
    build_folder,
)
from scripts.learner_rules import learner_problems

# tojupyter builds in a folder of its own: MyST-NB rewrites <output>/jupyter_execute
# (without outputs) in every build, and the HTML build's copy there must stay intact.
TOJUPYTER_OUT = build_folder(TOJUPYTER) / "jupyter" / CHAPTERS.name
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
LINK = re.compile(r"\[([^\]]*)\]\(([\w-]+)\.ipynb(#[^)]*)?\)")
ANCHOR = re.compile(r"""<a id=["'][^"']+["']></a>""")
TITLE = re.compile(r"^# \S", re.MULTILINE)
SOLUTION_HEADING = re.compile(r"^#{2,6} Solution to Exercise\b.*$", re.MULTILINE)
SETUP_TAG = "course-setup"
SOLUTION_TAG = "solution"


class LearnerNotebookError(RuntimeError):
    """A learner notebook could not be made clean and complete."""


def build_with_tojupyter(root: Path = ROOT) -> None:
    """Write every page as a notebook with sphinx-tojupyter (``TOJUPYTER_OUT``)."""
    command = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(root),
        "--path-output",
        str(TOJUPYTER),
        "--builder",
        "custom",
        "--custom-builder",
        "jupyter",
        "--keep-going",
    ]
    subprocess.run(command, check=True)


def executions(name: str) -> list[nbformat.NotebookNode]:
    """Return the cached executions of a chapter, the newest first."""
    cache = get_cache(str(JUPYTER_CACHE))
    records = [r for r in cache.list_cache_records() if Path(r.uri).stem == name]
    records.sort(key=lambda record: record.created, reverse=True)
    return [cache.get_cache_bundle(record.pk).nb for record in records]


def copy_outputs(
    learner: nbformat.NotebookNode, executed: nbformat.NotebookNode, name: str
) -> None:
    """Give each learner code cell the outputs of the executed cell with its source."""
    by_source: dict[str, deque] = defaultdict(deque)
    for cell in executed.cells:
        if cell.cell_type == "code":
            by_source[cell.source.strip()].append(cell)
    for cell in learner.cells:
        if cell.cell_type != "code":
            continue
        matches = by_source.get(cell.source.strip())
        if not matches:
            raise LearnerNotebookError(
                f"{name}: no executed cell has the source of this learner cell "
                f"(run `make book` first):\n{cell.source[:300]}"
            )
        ran = matches.popleft()
        cell.outputs = ran.outputs
        cell.execution_count = ran.get("execution_count")


def setup_cell_source(root: Path = ROOT) -> str:
    """Return the setup cell: course/setup_cell.py with the book's URL filled in.

    The URL is resolved as the book's build resolves it (_ext/course_setup.py).
    """
    config = (root / CONFIG.name).read_text()
    repository = yaml.safe_load(config).get("repository") or {}
    return book_setup_cell(
        root, repository.get("url") or "", repository.get("branch") or ""
    ).strip()


def setup_cell(source: str) -> nbformat.NotebookNode:
    """Return the setup code cell, collapsed to its first line, not yet run."""
    return nbformat.v4.new_code_cell(
        source,
        metadata={
            "cellView": "form",  # Colab: the "# @title" line as a form, code hidden
            "jupyter": {"source_hidden": True},  # JupyterLab: the first line shown
            "tags": [SETUP_TAG],
        },
    )


def is_anchor_only(cell: nbformat.NotebookNode) -> bool:
    """Tell whether a cell holds nothing but anchors (<a id=...></a>)."""
    return cell.cell_type == "markdown" and not ANCHOR.sub("", cell.source).strip()


def merge_anchor_cells(notebook: nbformat.NotebookNode) -> None:
    """Move the anchors of anchor-only cells into the cell they label (the next)."""
    cells, pending = [], []
    for cell in notebook.cells:
        if is_anchor_only(cell):
            pending += ANCHOR.findall(cell.source)
            continue
        if pending and cell.cell_type == "markdown":
            cell.source = "\n".join(pending) + "\n" + cell.source.lstrip("\n")
            pending = []
        elif pending and cells and cells[-1].cell_type == "markdown":
            cells[-1].source = (
                cells[-1].source.rstrip("\n") + "\n\n" + "\n".join(pending)
            )
            pending = []
        cells.append(cell)
    if pending and cells:
        cells[-1].source = cells[-1].source.rstrip("\n") + "\n\n" + "\n".join(pending)
    notebook.cells = cells


def insert_setup_cell(notebook: nbformat.NotebookNode, source: str, name: str) -> None:
    """Put the setup cell right after the title cell (the first with a # title)."""
    title = next(
        (
            index
            for index, cell in enumerate(notebook.cells)
            if cell.cell_type == "markdown" and TITLE.search(cell.source)
        ),
        None,
    )
    if title is None:
        raise LearnerNotebookError(f"{name}: no cell holds the chapter's title (# ...)")
    notebook.cells.insert(title + 1, setup_cell(source))


def hide_solutions(notebook: nbformat.NotebookNode) -> list[str]:
    """Give each solution heading a collapsed cell of its own; return their ids.

    The heading (with its anchors) stays; what followed it in its cell moves to a
    new cell below, hidden with the rest of the solution while the heading is
    collapsed.
    """
    cells, collapsed = [], []
    for cell in notebook.cells:
        match = (
            SOLUTION_HEADING.search(cell.source)
            if cell.cell_type == "markdown"
            else None
        )
        if match is None:
            cells.append(cell)
            continue
        before = cell.source[: match.start()]
        after = cell.source[match.end() :]
        anchors = ANCHOR.findall(before + after)
        rest = ANCHOR.sub("", after).strip("\n")
        if ANCHOR.sub("", before).strip():
            cells.append(nbformat.v4.new_markdown_cell(before.rstrip("\n")))
            anchors = ANCHOR.findall(after)
        heading = nbformat.v4.new_markdown_cell(
            "\n".join([match.group(0), *anchors]),
            metadata={"jp-MarkdownHeadingCollapsed": True, "tags": [SOLUTION_TAG]},
        )
        cells.append(heading)
        collapsed.append(heading)
        if rest:
            cells.append(nbformat.v4.new_markdown_cell(rest))
    notebook.cells = cells
    return collapsed


def number_cells(notebook: nbformat.NotebookNode, name: str, collapsed: list) -> None:
    """Give every cell a fixed id (nbformat 4.5); list the collapsed ones for Colab."""
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:40]
    for index, cell in enumerate(notebook.cells):
        cell.id = f"{slug}-{index:03d}"
    for cell in collapsed:
        cell.metadata["id"] = cell.id  # Colab names cells by metadata.id
    notebook.metadata["colab"] = {
        "provenance": [],
        "toc_visible": True,
        "collapsed_sections": [cell.id for cell in collapsed],
    }


def practice_copy(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy with every code output cleared (predict, then run)."""
    practice = copy.deepcopy(notebook)
    for cell in practice.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return practice


def unlink_other_pages(notebook: nbformat.NotebookNode, chapters: set[str]) -> None:
    """Keep only the text of links to pages that are no learner notebook (the API,
    the bibliography): the bundle holds the chapters alone."""

    def keep_chapter_links(match: re.Match) -> str:
        return match.group(0) if match.group(2) in chapters else match.group(1)

    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = LINK.sub(keep_chapter_links, cell.source)


def learner_notebook(
    name: str, chapters: set[str], setup: str | None = None
) -> nbformat.NotebookNode:
    """Return the learner notebook of one chapter, with the build's outputs."""
    learner = nbformat.read(TOJUPYTER_OUT / f"{name}.ipynb", as_version=4)
    for executed in executions(name):
        try:
            copy_outputs(learner, executed, name)
            break
        except LearnerNotebookError:
            continue  # an older execution, before the chapter's code changed
    else:
        copy_outputs(learner, nbformat.v4.new_notebook(), name)  # raises: none matches
    unlink_other_pages(learner, chapters)
    merge_anchor_cells(learner)
    insert_setup_cell(learner, setup or setup_cell_source(), name)
    collapsed = hide_solutions(learner)
    learner.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python", "version": "3.11"},
    }
    number_cells(learner, name, collapsed)
    nbformat.validate(learner)
    return learner


def write_learner_notebooks(
    target: Path = NOTEBOOKS, practice: Path = PRACTICE
) -> list[Path]:
    """Write one learner notebook per executed chapter into target, and its practice
    copy into practice; return the learner notebooks' paths.

    Raises LearnerNotebookError, after writing them all, when any is not clean.
    """
    target.mkdir(parents=True, exist_ok=True)
    practice.mkdir(parents=True, exist_ok=True)
    written, unclean = [], []
    executed_chapters = sorted(EXECUTED.glob("*.ipynb"))
    chapters = {path.stem for path in executed_chapters}
    setup = setup_cell_source()
    for executed in executed_chapters:
        notebook = learner_notebook(executed.stem, chapters, setup)
        unclean += [
            f"{executed.stem}: {problem}" for problem in learner_problems(notebook)
        ]
        written.append(target / executed.name)
        nbformat.write(notebook, written[-1])
        nbformat.write(practice_copy(notebook), practice / executed.name)
    if unclean:
        raise LearnerNotebookError(
            "MyST markup or test code left in learner notebooks (move test code into "
            "remove-cell cells):\n  " + "\n  ".join(unclean)
        )
    return written


def main() -> int:
    """Build the learner notebooks, then the course bundle inside the HTML output."""
    from scripts.bundle import publish  # noqa: PLC0415 (keeps the two steps apart)

    build_with_tojupyter()
    try:
        notebooks = write_learner_notebooks()
    except LearnerNotebookError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{len(notebooks)} learner notebooks in {NOTEBOOKS.relative_to(ROOT)}")
    practice = [PRACTICE / path.name for path in notebooks]
    print(f"{len(practice)} practice copies in {PRACTICE.relative_to(ROOT)}")
    print(f"course bundle: {publish(notebooks, practice).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
