"""The rule of a learner notebook: no MyST left, no code that only the build needs.

One definition for the build (``scripts/learner_notebooks.py`` refuses to write an
unclean notebook) and the tests (``tests/test_bundle.py`` checks the bundle's and the
built notebooks). A learner opens the notebook in Jupyter, which shows raw MyST as
text and runs every cell: the hidden glue cells and the checks stay in the book.
"""

import re

import nbformat

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
# MyST that would also be left in a code cell (a code-cell directive's remains).
RAW_MYST_IN_CODE = (
    "a {glue} role or directive",
    "a directive option line (:tags:, :label:, ...)",
)
# Code that only the build's checks need.
TEST_CODE = {
    "an assert statement": re.compile(r"^\s*assert\b", re.MULTILINE),
    "a glue(...) call": re.compile(r"\bglue\("),
    "an import of myst_nb": re.compile(r"\bmyst_nb\b"),
}
# The book hides these cells; a learner notebook leaves them out.
HIDDEN_TAG = "remove-cell"


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Return the notebook's code cells, in order."""
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def excerpt(text: str, match: re.Match) -> str:
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
                    f"{where} cell {index} has {what}: {excerpt(cell.source, match)!r}"
                )
    return problems


def raw_myst(nb: nbformat.NotebookNode) -> list[str]:
    """Return the raw MyST (roles, directives, targets) left in any cell."""
    markdown = [cell for cell in nb.cells if cell.cell_type != "code"]
    in_code = {what: RAW_MYST[what] for what in RAW_MYST_IN_CODE}
    return _find(RAW_MYST, markdown, "markdown") + _find(
        in_code, code_cells(nb), "code"
    )


def build_only_code(nb: nbformat.NotebookNode) -> list[str]:
    """Return the code only the build's checks need (asserts, glue), not a learner."""
    problems = _find(TEST_CODE, code_cells(nb), "code")
    for index, cell in enumerate(nb.cells):
        if HIDDEN_TAG in cell.get("metadata", {}).get("tags", []):
            problems.append(
                f"cell {index} is tagged {HIDDEN_TAG} (the book hides it; leave it out)"
            )
    return problems


def learner_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Return everything a learner notebook must not hold: raw MyST, build-only code."""
    return raw_myst(nb) + build_only_code(nb)
