"""What a learner notebook must not contain, and what it must: checks list problems.

A learner notebook (bundle, download button, Colab, Binder) reads cleanly in Jupyter: no
raw MyST left for Jupyter to show as text, no cell that only the build's checks need
(that rule is the build's own: ``scripts/learner_rules.py``), the setup cell first, and
the outputs of the executed chapter (figures included).
"""

import re
from pathlib import Path

import nbformat

from scripts.layout import CHAPTERS, ROOT
from scripts.learner_rules import code_cells, excerpt

IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")
# URLs and in-page anchors (ids, #fragment links) name no file a learner must have.
NOT_PATHS = re.compile(r"https?://\S+|\bid=\"[^\"]*\"|href=\"#[^\"]*\"|\]\(#[^)]*\)")
FIGURE_METADATA = re.compile(r"^mystnb:\s*\n(\s+.*\n)*?\s+figure:", re.MULTILINE)


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook (format 4)."""
    return nbformat.read(path, as_version=4)


def _images(cell: nbformat.NotebookNode) -> int:
    """Return how many image outputs a code cell has."""
    return sum(
        1
        for out in cell.get("outputs", [])
        for mime in out.get("data", {})
        if mime in IMAGE_TYPES
    )


def draws_figures(name: str, nb: nbformat.NotebookNode) -> bool:
    """Return whether a chapter draws figures: its source gives a cell figure metadata.

    Without the source (a notebook not made from a chapter), switching to SVG display
    says so.
    """
    source = CHAPTERS / f"{Path(name).stem}.md"
    if source.is_file():
        return bool(FIGURE_METADATA.search(source.read_text(encoding="utf-8")))
    return any("use_svg_display()" in cell.source for cell in code_cells(nb))


def output_problems(name: str, nb: nbformat.NotebookNode) -> list[str]:
    """Return what is missing from an executed chapter: outputs, figures, clean runs."""
    cells = code_cells(nb)
    problems = []
    if not any(cell.get("outputs") for cell in cells):
        problems.append("no code cell has an output: the notebook was not executed")
    if draws_figures(name, nb) and not any(_images(cell) for cell in cells):
        problems.append("the chapter draws figures but no cell has an image output")
    problems += [
        f"code cell {index} shows an error: {out.get('ename')}: {out.get('evalue')}"
        for index, cell in enumerate(cells)
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]
    return problems


def make_targets() -> set[str]:
    """Return the targets of the repository's Makefile (a learner has no Makefile)."""
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", text, re.MULTILINE))


def repository_references(text: str) -> list[str]:
    """Return the repository paths and commands a text refers to (URLs aside)."""
    text = NOT_PATHS.sub("", text)
    markers = [
        re.compile(r"\btests/"),
        re.compile(r"_build\b"),
        re.compile(r"\bchapters/"),
        re.compile(r"\bmake (%s)\b" % "|".join(sorted(make_targets()))),
    ]
    return [
        excerpt(text, match) for marker in markers for match in marker.finditer(text)
    ]


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """Return what a learner reads in a notebook: every source and every text output."""
    parts = [cell.source for cell in nb.cells]
    for cell in code_cells(nb):
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(str(out.get("data", {}).get("text/plain", "")))
            parts += out.get("traceback", [])
    return "\n".join(parts)


# --- What a learner notebook must look like: title first, answers hidden --------------

HEADING = re.compile(r"^(#{1,6}) (.+)$", re.MULTILINE)
ANCHOR = re.compile(r"""<a id=["'][^"']+["']></a>""")
SOLUTION_HEADING = re.compile(r"^#{2,6} Solution to Exercise\b", re.MULTILINE)
EXERCISE_HEADING = re.compile(r"^#{2,6} Exercise \d", re.MULTILINE)
SETUP_TAG = "course-setup"


def heading_level(cell: nbformat.NotebookNode) -> int | None:
    """Return the level of a markdown cell's first heading, as JupyterLab finds it."""
    if cell.cell_type != "markdown":
        return None
    match = HEADING.search(cell.source)
    return len(match.group(1)) if match else None


def hidden_by_collapsed_headings(nb: nbformat.NotebookNode) -> set[int]:
    """Return the indices of the cells that JupyterLab hides when it opens nb.

    A heading cell with ``jp-MarkdownHeadingCollapsed`` hides the cells after it up to
    the next heading of its level or above (JupyterLab 4's rule).
    """
    hidden: set[int] = set()
    for index, cell in enumerate(nb.cells):
        level = heading_level(cell)
        if level is None or not cell.metadata.get("jp-MarkdownHeadingCollapsed"):
            continue
        for after in range(index + 1, len(nb.cells)):
            other = heading_level(nb.cells[after])
            if other is not None and other <= level:
                break
            hidden.add(after)
    return hidden


def opening_problems(nb: nbformat.NotebookNode, setup_source: str) -> list[str]:
    """Return what is wrong with a notebook's opening: title, then the setup cell."""
    problems = []
    cells = nb.cells
    if not cells or heading_level(cells[0]) != 1:
        problems.append("the first cell is not the chapter's title (# ...)")
    if len(cells) < 2 or cells[1].cell_type != "code":
        return problems + ["the second cell is not the setup cell"]
    setup = cells[1]
    if setup.source.strip() != setup_source.strip():
        problems.append("the second cell is not the course's setup cell")
    first_line = setup.source.splitlines()[0] if setup.source else ""
    if not first_line.startswith("# @title "):
        problems.append(f"the setup cell's first line is no '# @title': {first_line!r}")
    if setup.metadata.get("jupyter", {}).get("source_hidden") is not True:
        problems.append("the setup cell is not collapsed (jupyter.source_hidden)")
    if setup.metadata.get("cellView") != "form":
        problems.append("the setup cell is not in Colab's form view (cellView: form)")
    anchor_only = [
        index
        for index, cell in enumerate(cells)
        if cell.cell_type == "markdown" and not ANCHOR.sub("", cell.source).strip()
    ]
    if anchor_only:
        problems.append(f"cells {anchor_only} hold nothing but an anchor")
    return problems


def solution_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Return what is wrong with how a notebook hides its solutions.

    Each solution: a heading cell of its own, collapsed in JupyterLab and Colab, that
    hides some cells; no exercise hidden by a solution; no solution text outside.
    """
    problems = []
    hidden = hidden_by_collapsed_headings(nb)
    colab = set(nb.metadata.get("colab", {}).get("collapsed_sections", []))
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown" or not SOLUTION_HEADING.search(cell.source):
            continue
        rest = ANCHOR.sub("", SOLUTION_HEADING.split(cell.source, 1)[1]).strip()
        if "\n" in rest:
            problems.append(f"cell {index}: the solution heading shares its cell")
        if not cell.metadata.get("jp-MarkdownHeadingCollapsed"):
            problems.append(f"cell {index}: the solution heading is not collapsed")
        if cell.metadata.get("id") not in colab:
            problems.append(f"cell {index}: not in Colab's collapsed_sections")
        if index + 1 not in hidden:
            problems.append(f"cell {index}: its solution hides no cell")
    for index in sorted(hidden):
        if EXERCISE_HEADING.search(nb.cells[index].source):
            problems.append(f"cell {index}: an exercise is hidden by a solution")
    return problems


# --- Noise in outputs, and tables ------------------------------------------------

NOISE = {
    "warning text": re.compile(r"\b\w*Warning\b"),
    "a kernel temp path": re.compile(r"/tmp/ipykernel_"),
    "a traceback": re.compile(r"Traceback \(most recent call last\)"),
}
# Cells that show an error on purpose (the lesson is about it).
ON_PURPOSE = "raises-exception"
TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def noise(text: str) -> list[str]:
    """Return the kinds of noise a text shows, each with its line."""
    return [
        f"{what}: {excerpt(text, match)!r}"
        for what, pattern in NOISE.items()
        if (match := pattern.search(text))
    ]


def output_text(cell: nbformat.NotebookNode) -> str:
    """Return the text a code cell's outputs show (streams, text, errors)."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts += [str(data.get(mime, "")) for mime in ("text/plain", "text/markdown")]
        parts += out.get("traceback", [])
    return "\n".join(parts)


def noise_in_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """Return the noise in a notebook's outputs: warnings, temp paths, tracebacks."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if ON_PURPOSE in cell.get("metadata", {}).get("tags", []):
            continue
        problems += [f"cell {index}: {found}" for found in noise(output_text(cell))]
    return problems


def table_cells(row: str) -> int:
    """Return the number of cells of a Markdown table row (escaped pipes kept)."""
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return len(re.split(r"(?<!\\)\|", inner))


def table_problems(markdown: str) -> list[str]:
    """Return the Markdown tables of a text that would not render as tables.

    A table is a header row, a delimiter row with as many cells, rows with as many,
    and ends at a blank line (a following text line would be read as one more row).
    """
    problems = []
    lines = markdown.splitlines()
    for index, line in enumerate(lines):
        if not TABLE_DELIMITER.match(line) or "-" not in line or index == 0:
            continue
        header, columns = lines[index - 1], table_cells(line)
        if table_cells(header) != columns:
            problems.append(
                f"table header {header.strip()[:80]!r} has "
                f"{table_cells(header)} cells, "
                f"its delimiter row {columns}"
            )
        for row in lines[index + 1 :]:
            if not row.strip():
                break
            if "|" not in row:
                problems.append(f"text line read as a table row: {row.strip()[:80]!r}")
                break
            if table_cells(row) != columns:
                problems.append(
                    f"table row {row.strip()[:80]!r} has {table_cells(row)} cells, "
                    f"the header {columns}"
                )
    for line in lines:
        if line.lstrip().startswith("|") and not any(
            TABLE_DELIMITER.match(other) for other in lines
        ):
            problems.append(f"pipe row without a delimiter row: {line.strip()[:80]!r}")
            break
    return problems


def notebook_table_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Return the tables of a notebook's markdown cells that would not render."""
    return [
        f"cell {index}: {problem}"
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "markdown"
        for problem in table_problems(cell.source)
    ]
