"""The nbval references: fresh, made in another numeric environment, no float exact.

``tests/references/<chapter>.ipynb`` holds each chapter executed by `make references`
in ``REFERENCE_ENV`` (one OpenMP thread, MKL-DNN off); nbval compares the learner
notebooks, executed in the bundle's fresh venv in the default environment, with them
(``test_bundle.py``; the pages left out of the bundle are compared here). A float
differs by CPU, so none may reach nbval's exact comparison: ``nbval_sanitize.cfg``
masks them, and these tests prove that it does and that the masking leaves everything
else compared.
"""

import json
import os
import re
from pathlib import Path

import nbformat
import pytest

import course_bundle as bundle
import notebooks
from scripts.bundle import NOT_IN_BUNDLE, PRACTICE_DIR
from scripts.references import (
    NUMERIC_VARIABLES,
    REFERENCE_ENV,
    chapter_digest,
    read_chapter,
    reference_path,
    visible_code_cells,
    with_reference_outputs,
)
from scripts.toc import executable_chapters

CHAPTERS = executable_chapters()
IDS = [c.stem for c in CHAPTERS]
# The failures of issue 16 (committed references made on an AMD EPYC, nbval run on an
# Intel Xeon): stored and computed outputs of the same cell.
ISSUE_16_PAIRS = [
    ("0.36067454427083334", "0.36067457682291665"),
    ("2.384185791015625e-07", "4.76837158203125e-07"),
    ("13.029298832846289", "13.029329128713151"),
]
# What must still differ after sanitizing: counts, shapes, labels, text.
NOT_FLOATS = [
    ("(10, 784)", "(10, 785)"),
    ("errors: 1523", "errors: 1524"),
    ("['T-shirt/top', 'Trouser']", "['T-shirt/top', 'Pullover']"),
    ("dtype('float32')", "dtype('float64')"),
    ("mxnet 1.9.1", "mxnet 1.9.0"),
]


def sanitize(text: str, patterns: list[tuple[str, str]]) -> str:
    """Return a stream's text as nbval compares it."""
    output = {"output_type": "stream", "name": "stdout", "text": text}
    return notebooks.compared_texts(output, patterns)[0][1]


def exact_floats(reference: nbformat.NotebookNode, patterns) -> list[str]:
    """Return the floats that nbval would still compare exactly in a reference."""
    found = []
    code = [cell for cell in reference.cells if cell.cell_type == "code"]
    for cell in visible_code_cells(reference):
        if not notebooks.nbval_checks_output(cell):
            continue
        for output in cell.outputs:
            for key, text in notebooks.compared_texts(output, patterns):
                floats = notebooks.float_literals(text)
                if floats:
                    found.append(
                        f"code cell {code.index(cell)} ({key}): {floats[:5]} in "
                        f"{text[:200]!r}"
                    )
    return found


def test_every_toc_chapter_is_covered():
    assert {c.stem for c in CHAPTERS} >= {"fashion_mnist", "softmax_concise"}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_reference_is_fresh(chapter):
    path = reference_path(chapter)
    assert path.is_file(), f"{path} is missing: run `make references`"
    reference = nbformat.read(path, as_version=4)
    stale = (
        f"{path.name} is stale against {chapter.name}: run `make references` and "
        "commit it"
    )
    assert reference.metadata["d2l_reference"]["sha256"] == chapter_digest(chapter), (
        stale
    )
    sources = [c.source for c in read_chapter(chapter).cells]
    assert [c.source for c in reference.cells] == sources, stale


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_reference_was_made_in_the_other_numeric_environment(chapter):
    # The build and the tests execute in the default environment (the variables
    # unset): a reference made there would prove nothing about another machine.
    assert all(REFERENCE_ENV[name] is not None for name in NUMERIC_VARIABLES)
    meta = nbformat.read(reference_path(chapter), as_version=4).metadata[
        "d2l_reference"
    ]
    made_in = meta.get("environment")
    assert made_in == REFERENCE_ENV, (
        f"{reference_path(chapter).name} was made with {made_in}, not in the "
        "references' "
        f"environment {REFERENCE_ENV}: regenerate it with `make references` (not by "
        "copying an executed notebook)."
    )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_no_float_is_compared_exactly(chapter):
    reference = nbformat.read(reference_path(chapter), as_version=4)
    found = exact_floats(reference, notebooks.sanitize_patterns())
    assert not found, (
        f"{reference_path(chapter).name}: nbval would compare these floats exactly, "
        "and a float differs by CPU. Print it in a form nbval_sanitize.cfg masks, tag "
        "the cell nbval-ignore-output, and check the value in tests/chapters/ with a "
        "tolerance (glue it):\n" + "\n".join(found)
    )


def test_every_sanitize_rule_is_read_by_nbval():
    text = notebooks.SANITIZE.read_text()
    rules = re.findall(r"^regex: ", text, re.MULTILINE)
    # A `replace:` line nbval cannot pair (e.g. its value's trailing space lost) drops
    # the rule without a word.
    assert len(notebooks.sanitize_patterns()) == len(rules)
    assert any(
        replacement == "<FLOAT>" for _, replacement in notebooks.sanitize_patterns()
    )


def test_floats_are_masked_and_everything_else_is_compared():
    patterns = notebooks.sanitize_patterns()
    for stored, computed in ISSUE_16_PAIRS:
        assert sanitize(stored, patterns) == sanitize(computed, patterns)
        assert notebooks.float_literals(stored) and not notebooks.float_literals(
            sanitize(stored, patterns)
        )
    # Column alignment moves with the digits; a sign may flip on another machine.
    assert sanitize("[ 0.1234 -0.5678]", patterns) == sanitize(
        "[-0.1234  0.5678]", patterns
    )
    table = "      loss    acc\n0.1   0.4500  0.83\n"
    assert sanitize(table, patterns) == sanitize(
        table.replace("0.4500", "10.45"), patterns
    )
    # pprint wraps a dict where its floats' digits make the line too long.
    wrapped = "{'weight decay': 0.0999999,\n 'momentum (two steps)': 0.9000001}\n"
    assert sanitize(wrapped, patterns) == sanitize(
        wrapped.replace(",\n", ", "), patterns
    )
    for one, other in NOT_FLOATS:
        assert sanitize(one, patterns) != sanitize(other, patterns), (one, other)


def test_the_float_check_finds_floats_when_they_are_not_masked():
    # Without the float rule the committed references carry floats in compared cells
    # (the check of test_no_float_is_compared_exactly is not vacuous).
    patterns = [p for p in notebooks.sanitize_patterns() if p[1] != "<FLOAT>"]
    found = {
        chapter.stem: exact_floats(
            nbformat.read(reference_path(chapter), as_version=4), patterns
        )
        for chapter in CHAPTERS
    }
    assert sum(len(cells) for cells in found.values()) >= 5, found
    # text/latex is compared by nbval without sanitizing: a float there is caught too.
    latex = nbformat.v4.new_code_cell("x", execution_count=1)
    latex.outputs = [
        nbformat.v4.new_output("display_data", data={"text/latex": "$0.25$"})
    ]
    notebook = nbformat.v4.new_notebook(cells=[latex])
    assert exact_floats(notebook, notebooks.sanitize_patterns())


# --- nbval itself, end to end ---------------------------------------------------------

TINY_CELLS = [  # (source, stored stdout, expected outcome)
    ("print(0.1 + 0.2, [0.5, -1e-07])", "0.3 [0.5000001, 2e-07]\n", "passed"),
    ("print('shape', (10, 784), 3 / 4)", "shape (10, 784) 0.75\n", "passed"),
    ("print(len('four'))", "5\n", "failed"),
    ("1 / 0", "", "failed"),
]


@pytest.mark.slow
def test_nbval_masks_floats_and_catches_the_rest(tmp_path: Path):
    cells = []
    for number, (source, stdout, _) in enumerate(TINY_CELLS, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=number)
        if stdout:
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=stdout)
            ]
        cells.append(cell)
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    run = notebooks.run_nbval(path, ["--nbval-current-env"], dict(os.environ))
    record = json.loads(path.with_name(path.name + ".record.json").read_text())
    outcomes = [entry["outcome"] for entry in record]
    assert outcomes == [expected for _, _, expected in TINY_CELLS], run.log
    assert (
        "Cell outputs differ" in run.failures[0]
        and "ZeroDivisionError" in run.failures[1]
    )
    assert run.notebook.cells[2].outputs[0]["text"] == "4\n"  # what the kernel computed


# --- The pages that are not in the course bundle (build status) -----------------

# A practice copy has no outputs to compare: its chapter's page is the one checked.
BUILD_ONLY = [
    name
    for name in NOT_IN_BUNDLE
    if PRACTICE_DIR not in Path(name).parts and reference_path(name).is_file()
]


@pytest.mark.book
@pytest.mark.slow
@pytest.mark.parametrize("name", BUILD_ONLY)
def test_build_only_page_matches_its_reference(name: str, tmp_path: Path):
    # The status page lists the build's packages: it runs in the repository's venv.
    learner = bundle.NOTEBOOKS_DIR / name
    assert learner.is_file(), f"{learner} is missing: run `make book`"
    merged, unmatched = with_reference_outputs(
        nbformat.read(learner, as_version=4),
        nbformat.read(reference_path(name), as_version=4),
    )
    assert not unmatched, f"{name}: reference cells in no learner cell: {unmatched}"
    path = tmp_path / name
    nbformat.write(merged, path)
    run = notebooks.run_nbval(
        path, ["--nbval-current-env"], dict(os.environ, D2L_DATA_MIRROR="")
    )
    if run.failures:
        pytest.fail(
            f"{name}, run by nbval, differs from tests/references/{name}:\n\n"
            + "\n\n".join(run.failures),
            pytrace=False,
        )
