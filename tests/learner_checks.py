"""What a learner notebook must not contain, and what it must: checks list problems.

A learner notebook (bundle, download button, Colab, Binder) reads cleanly in Jupyter: no
raw MyST left for Jupyter to show as text, no cell that only the build's checks need,
the setup cell first, and the outputs of the executed chapter (figures included).
"""

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
# MyST that Jupyter shows as plain text: roles, directives, targets, glue.
RAW_MYST = {
    "a {glue} role or directive": re.compile(r"\{glue"),
    "a ```{directive} block": re.compile(r"```\{"),
    "a :::{directive} block": re.compile(r":::\{"),
    "a MyST role ({name}`...`)": re.compile(r"\{[a-z][\w:-]*\}`"),
    "a (label)= target": re.compile(r"^\s*\([\w.:-]+\)=\s*$", re.MULTILINE),
    "a directive option line (:tags:, :label:, ...)": re.compile(
        r"^:(tags|load|label|class|name|caption|alt|figwidth):", re.MULTILINE
    ),
}
# Cells that only the build's checks need.
TEST_CODE = {
    "an assert statement": re.compile(r"^\s*assert\b", re.MULTILINE),
    "a glue(...) call": re.compile(r"\bglue\("),
    "an import of myst_nb": re.compile(r"\bmyst_nb\b"),
}
IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")
# URLs and in-page anchors (ids, #fragment links) name no file a learner must have.
NOT_PATHS = re.compile(r"https?://\S+|\bid=\"[^\"]*\"|href=\"#[^\"]*\"|\]\(#[^)]*\)")
FIGURE_METADATA = re.compile(r"^mystnb:\s*\n(\s+.*\n)*?\s+figure:", re.MULTILINE)


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook (format 4)."""
    return nbformat.read(path, as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Return the notebook's code cells, in order."""
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _excerpt(text: str, match: re.Match) -> str:
    """Return the line of a match, shortened."""
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    return text[start : end if end >= 0 else None].strip()[:120]


def _find(patterns: dict[str, re.Pattern], cells: list, where: str) -> list[str]:
    """Return one problem per pattern found in a list of cells' sources."""
    problems = []
    for index, cell in enumerate(cells):
        for what, pattern in patterns.items():
            match = pattern.search(cell.source)
            if match:
                problems.append(
                    f"{where} cell {index} has {what}: {_excerpt(cell.source, match)!r}"
                )
    return problems


def raw_myst(nb: nbformat.NotebookNode) -> list[str]:
    """Return the raw MyST (roles, directives, targets) left in any cell."""
    markdown = [cell for cell in nb.cells if cell.cell_type != "code"]
    problems = _find(RAW_MYST, markdown, "markdown")
    directive_options = {
        key: RAW_MYST[key]
        for key in (
            "a {glue} role or directive",
            "a directive option line (:tags:, :label:, ...)",
        )
    }
    return problems + _find(directive_options, code_cells(nb), "code")


def build_only_code(nb: nbformat.NotebookNode) -> list[str]:
    """Return the code only the build's checks need (asserts, glue), not a learner."""
    problems = _find(TEST_CODE, code_cells(nb), "code")
    for index, cell in enumerate(nb.cells):
        if "remove-cell" in cell.get("metadata", {}).get("tags", []):
            problems.append(
                f"cell {index} is tagged remove-cell (the book hides it; leave it out)"
            )
    return problems


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
    source = ROOT / "chapters" / f"{Path(name).stem}.md"
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
        _excerpt(text, match) for marker in markers for match in marker.finditer(text)
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
