"""The learner notebooks: ``python -m scripts.learner_notebooks`` (``make notebooks``).

sphinx-tojupyter (``-b jupyter``, the book's own configuration and execution cache)
writes each chapter from its resolved document tree: glued numbers as values,
cross-references as links, no ``remove-cell`` cells; ``_ext/learner_doctree.py`` turns
exercises, solutions, admonitions and figure captions into Markdown and HTML that
Jupyter renders. tojupyter drops the outputs, so this copies them from the chapters'
executions in the execution cache (``_build/.jupyter_cache``; MyST-NB 1.4 writes the
chapters it takes from the cache to ``_build/jupyter_execute`` without outputs),
matching code cells by their source,
checks that no MyST markup and no test code is left, and writes one notebook per
chapter to ``_build/notebooks``. Then it makes the course bundle (``scripts.bundle``).
"""

import re
import subprocess
import sys
from collections import defaultdict, deque
from pathlib import Path

import nbformat
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
# tojupyter builds in a folder of its own: MyST-NB rewrites <output>/jupyter_execute
# (without outputs) in every build, and the HTML build's copy there must stay intact.
TOJUPYTER_BUILD = BUILD / "learner"
TOJUPYTER_OUT = TOJUPYTER_BUILD / "_build" / "jupyter" / "chapters"
EXECUTED = BUILD / "jupyter_execute" / "chapters"  # which pages are notebooks
CACHE = BUILD / ".jupyter_cache"
NOTEBOOKS = BUILD / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
RAW_MYST = re.compile(
    r"\{(glue(:text|:any)?|ref|numref|eq|doc|cite(:p|:t)?|term)\}`"
    r"|^(```|:::)\{|^:tags:",
    re.MULTILINE,
)
LINK = re.compile(r"\[([^\]]*)\]\(([\w-]+)\.ipynb(#[^)]*)?\)")
TEST_CODE = re.compile(r"\bmyst_nb\b|\bglue\(|^\s*assert\b", re.MULTILINE)


class LearnerNotebookError(RuntimeError):
    """A learner notebook could not be made clean and complete."""


def build_with_tojupyter(root: Path = ROOT) -> None:
    """Write every page as a notebook with sphinx-tojupyter (``_build/jupyter``)."""
    command = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(root),
        "--path-output",
        str(TOJUPYTER_BUILD),
        "--builder",
        "custom",
        "--custom-builder",
        "jupyter",
        "--keep-going",
    ]
    subprocess.run(command, check=True)


def executions(name: str) -> list[nbformat.NotebookNode]:
    """Return the cached executions of a chapter, the newest first."""
    cache = get_cache(str(CACHE))
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


def unlink_other_pages(notebook: nbformat.NotebookNode, chapters: set[str]) -> None:
    """Keep only the text of links to pages that are no learner notebook (the API,
    the bibliography): the bundle holds the chapters alone."""

    def keep_chapter_links(match: re.Match) -> str:
        return match.group(0) if match.group(2) in chapters else match.group(1)

    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = LINK.sub(keep_chapter_links, cell.source)


def problems(notebook: nbformat.NotebookNode) -> list[str]:
    """Return what is left of MyST markup or test code in a learner notebook."""
    found = []
    for index, cell in enumerate(notebook.cells):
        pattern = TEST_CODE if cell.cell_type == "code" else RAW_MYST
        match = pattern.search(cell.source)
        if match:
            found.append(f"cell {index} ({cell.cell_type}): {match.group(0)!r}")
    return found


def learner_notebook(name: str, chapters: set[str]) -> nbformat.NotebookNode:
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
    learner.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python", "version": "3.11"},
    }
    nbformat.validate(learner)
    return learner


def write_learner_notebooks(target: Path = NOTEBOOKS) -> list[Path]:
    """Write one learner notebook per executed chapter into target; return the paths.

    Raises LearnerNotebookError, after writing them all, when any is not clean.
    """
    target.mkdir(parents=True, exist_ok=True)
    written, unclean = [], []
    executed_chapters = sorted(EXECUTED.glob("*.ipynb"))
    chapters = {path.stem for path in executed_chapters}
    for executed in executed_chapters:
        notebook = learner_notebook(executed.stem, chapters)
        unclean += [f"{executed.stem}: {problem}" for problem in problems(notebook)]
        written.append(target / executed.name)
        nbformat.write(notebook, written[-1])
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
    print(f"course bundle: {publish(notebooks).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
