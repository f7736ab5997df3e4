"""The learner notebooks as a learner opens them: the lesson first, answers hidden.

Read from ``_build/notebooks`` and the course bundle (``make book``), never rebuilt:

- each opens with its title, then the setup cell collapsed to one line (JupyterLab's
  hidden input, Colab's form view), and holds no anchor-only cell;
- each solution sits under a "Solution to Exercise N" heading of its own, collapsed in
  JupyterLab (``jp-MarkdownHeadingCollapsed``) and Colab (``collapsed_sections``),
  as many as the chapter has solutions, hiding no exercise;
- the bundle holds a practice copy of every chapter (``practice/``), the same cells
  with the code outputs cleared, and its README says which to open when;
- no output shows warning text, a kernel temp path or a traceback, and every
  Markdown table renders as a table (also tests/test_clean_outputs.py).

The unit tests at the end check the notebook-shaping functions on small notebooks.
"""

import re
import zipfile
from pathlib import Path

import nbformat
import pytest

import course_bundle as bundle
import learner_checks as checks
from scripts import bundle as learner_bundle
from scripts import learner_notebooks as shaping
from scripts.layout import CHAPTERS
from scripts.learner_rules import learner_problems

BUILT = bundle.built_notebooks()
SOLUTIONS_IN_SOURCE = re.compile(r"^`{3,}\{solution(-start)?\}", re.MULTILINE)


def chapter_source(path: Path) -> str:
    """Return the MyST source of the chapter a learner notebook was made from."""
    return (CHAPTERS / f"{path.stem}.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def setup_source() -> str:
    """The setup cell the notebooks must start with (the book's URL filled in)."""
    return shaping.setup_cell_source()


def zip_members() -> dict[str, bytes]:
    """Return the bundle's members under their names inside the bundle's folder."""
    with zipfile.ZipFile(bundle.require_zip()) as archive:
        return {
            name.split("/", 1)[1]: archive.read(name)
            for name in archive.namelist()
            if "/" in name and not name.endswith("/")
        }


def test_notebooks_are_built() -> None:
    assert BUILT, f"No learner notebook in {bundle.NOTEBOOKS_DIR}: run `make book`."


@pytest.mark.book
@pytest.mark.parametrize("path", BUILT, ids=lambda p: p.name)
def test_title_first_then_the_collapsed_setup_cell(
    path: Path, setup_source: str
) -> None:
    problems = checks.opening_problems(checks.read(path), setup_source)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.book
@pytest.mark.parametrize("path", BUILT, ids=lambda p: p.name)
def test_solutions_hidden_until_opened(path: Path) -> None:
    nb = checks.read(path)
    problems = checks.solution_problems(nb)
    headings = [c for c in nb.cells if checks.SOLUTION_HEADING.search(c.source)]
    expected = len(SOLUTIONS_IN_SOURCE.findall(chapter_source(path)))
    if len(headings) != expected:
        problems.append(
            f"{len(headings)} solution headings, but the chapter has {expected} "
            "solutions"
        )
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
    print(f"\n{path.name}: {len(headings)} solutions hidden under collapsed headings")


@pytest.mark.book
@pytest.mark.parametrize("path", BUILT, ids=lambda p: p.name)
def test_no_noise_and_tables_render(path: Path) -> None:
    nb = checks.read(path)
    problems = checks.noise_in_outputs(nb) + checks.notebook_table_problems(nb)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.book
def test_bundle_holds_a_practice_copy_of_every_chapter() -> None:
    members = zip_members()
    chapters = sorted(n for n in members if n.endswith(".ipynb") and "/" not in n)
    assert chapters, "the bundle holds no chapter notebook"
    practice = learner_bundle.PRACTICE_DIR
    missing = [n for n in chapters if f"{practice}/{n}" not in members]
    assert not missing, f"no practice copy ({practice}/) of {missing}"
    for name in chapters:
        learner = nbformat.reads(members[name].decode(), as_version=4)
        copy = nbformat.reads(members[f"{practice}/{name}"].decode(), as_version=4)
        assert [c.source for c in copy.cells] == [c.source for c in learner.cells], (
            f"{practice}/{name} does not hold the cells of {name}"
        )
        ran = [i for i, c in enumerate(checks.code_cells(copy)) if c.outputs]
        assert not ran, f"{practice}/{name}: code cells {ran} keep their outputs"
        assert any(c.outputs for c in checks.code_cells(learner)), name


@pytest.mark.book
def test_bundle_readme_says_which_notebook_to_open_when() -> None:
    readme = zip_members()["README.md"].decode()
    assert f"{learner_bundle.PRACTICE_DIR}/" in readme
    assert re.search(r"predict", readme, re.IGNORECASE), readme
    assert re.search(r"collapsed|hidden", readme, re.IGNORECASE), (
        "the README does not say where the solutions are"
    )


@pytest.mark.book
def test_fresh_venv_runs_no_practice_copy() -> None:
    # Issue 16: each chapter executes at most twice per `make test` (the build and the
    # bundle's fresh venv). The practice copies are the same chapters: the fresh-venv
    # run must skip them (tests/course_bundle.py lists what it runs).
    listed = bundle.zip_notebooks()
    assert len(listed) == len(set(listed)), (
        "tests/course_bundle.py's zip_notebooks() lists the practice copies "
        f"({learner_bundle.PRACTICE_DIR}/) beside the chapters: each chapter would run "
        "twice in the fresh venv; it must skip names under "
        f"{learner_bundle.PRACTICE_DIR}/"
    )


# --- The notebook-shaping functions on small notebooks ------------------------------


def notebook(*sources: str) -> nbformat.NotebookNode:
    """Return a notebook of markdown cells ("code:" starts a code cell)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(s.removeprefix("code:"))
        if s.startswith("code:")
        else nbformat.v4.new_markdown_cell(s)
        for s in sources
    ]
    return nb


def test_anchor_cells_merge_into_the_cell_they_label() -> None:
    nb = notebook('\n<a id="chap-x"></a>', "# Title\n\nIntro.", "code:x = 1")
    shaping.merge_anchor_cells(nb)
    assert [c.source for c in nb.cells] == [
        '<a id="chap-x"></a>\n# Title\n\nIntro.',
        "x = 1",
    ]


def test_setup_cell_follows_the_title(setup_source: str) -> None:
    nb = notebook('<a id="chap-x"></a>\n# Title\n\nIntro.', "code:x = 1")
    shaping.insert_setup_cell(nb, setup_source, "x")
    assert not checks.opening_problems(nb, setup_source)
    assert nb.cells[1].source.splitlines()[0].startswith("# @title Course setup")
    with pytest.raises(shaping.LearnerNotebookError, match="no cell holds the chapter"):
        shaping.insert_setup_cell(notebook("## Not a title"), setup_source, "x")


def test_solution_heading_collapsed_alone_and_hides_only_the_solution() -> None:
    nb = notebook(
        "# Title",
        "## Exercises",
        "### Exercise 1.1 (One)\n\nDo it.",
        '### Solution to Exercise 1.1 (One)\n\n<a id="x-solution-1"></a>\n\nWe do it.',
        "code:print(1)",
        "The answer is 1.",
        "### Exercise 1.2 (Two)\n\nDo more.",
        "### Solution to Exercise 1.2 (Two)\n\nProse only.",
        "## Summary",
    )
    collapsed = shaping.hide_solutions(nb)
    shaping.number_cells(nb, "x", collapsed)
    assert len(collapsed) == 2
    assert (
        collapsed[0].source
        == '### Solution to Exercise 1.1 (One)\n<a id="x-solution-1"></a>'
    )
    assert not checks.solution_problems(nb)
    hidden = checks.hidden_by_collapsed_headings(nb)
    shown = [
        c.source.splitlines()[0] for i, c in enumerate(nb.cells) if i not in hidden
    ]
    assert shown == [
        "# Title",
        "## Exercises",
        "### Exercise 1.1 (One)",
        "### Solution to Exercise 1.1 (One)",
        "### Exercise 1.2 (Two)",
        "### Solution to Exercise 1.2 (Two)",
        "## Summary",
    ]
    assert nb.metadata["colab"]["collapsed_sections"] == [c.id for c in collapsed]
    nbformat.validate(nb)


def test_checks_catch_an_open_solution() -> None:
    nb = notebook(
        "### Exercise 1.1\n\nDo it.", "### Solution to Exercise 1.1\n\nIt is 1."
    )
    problems = checks.solution_problems(nb)
    assert any("shares its cell" in p for p in problems), problems
    assert any("not collapsed" in p for p in problems), problems


def test_practice_copy_clears_code_outputs_only() -> None:
    nb = notebook("# Title", "code:print(1)")
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells[1].execution_count = 1
    practice = shaping.practice_copy(nb)
    assert practice.cells[1].outputs == [] and practice.cells[1].execution_count is None
    assert nb.cells[1].outputs, "the learner notebook keeps its outputs"


@pytest.mark.parametrize(
    "table, problem",
    [
        ("| a | b |\n|:--|--:|\n| 1 | 2 |\n", None),
        ("[](x.ipynb)|a|b|\n|:--:|:--:|\n|1|2|\n", "has 3 cells, its delimiter row 2"),
        ("|a|b|\n|--|--|\n|1|2|\nThe next paragraph.", "text line read as a table row"),
        ("|a|b|\n|--|--|\n|1|2|3|\n", "has 3 cells, the header 2"),
        ("| a | b |\n| 1 | 2 |\n", "pipe row without a delimiter row"),
        ("| a \\| b | c |\n|--|--|\n", None),
    ],
)
def test_table_check(table: str, problem: str | None) -> None:
    found = checks.table_problems(table)
    if problem is None:
        assert not found
    else:
        assert any(problem in f for f in found), found


@pytest.mark.parametrize(
    "text, kind",
    [
        ("/tmp/ipykernel_18077/3346993256.py:12: UserWarning: All children", "warning"),
        ("DeprecationWarning: np.bool", "warning"),
        ("Traceback (most recent call last):\n  File ...", "traceback"),
        ("see /tmp/ipykernel_1/2.py", "temp path"),
        ("epoch 1, loss 0.51, train acc 0.83", None),
    ],
)
def test_noise_check(text: str, kind: str | None) -> None:
    found = checks.noise(text)
    assert (kind is None and not found) or any(kind in f for f in found), found


# --- The learner-notebook rule (scripts/learner_rules.py: the build's and the tests') -


@pytest.mark.parametrize(
    "source, kind",
    [
        ("Accuracy {glue:text}`concise_acc:.2f`.", "{glue}"),
        ("```{note}\nA note.\n```", "```{directive}"),
        (":::{tip}\nA tip.\n:::", ":::{directive}"),
        ("See {numref}`fig-x`.", "MyST role"),
        ("(sec-concise-loss)=\n# Loss", "(label)= target"),
        (":label: ex-concise-lr", "directive option"),
        ("code:assert abs(acc - 0.8) < 0.1", "assert statement"),
        ("code:glue('concise_acc', acc, display=False)", "glue(...) call"),
        ("code:from myst_nb import glue", "import of myst_nb"),
        ("code::tags: [remove-cell]", "directive option"),
        ("A dict such as {1: 2}; an assertion; `train_ch3` in code.", None),
        ("code:d2l.train_ch3(net, train_iter, test_iter, loss, 10, trainer)", None),
    ],
)
def test_learner_rule(source: str, kind: str | None) -> None:
    found = learner_problems(notebook(source))
    assert (kind is None and not found) or any(kind in f for f in found), found


def test_learner_rule_refuses_hidden_cells() -> None:
    nb = notebook("code:x = 1")
    nb.cells[0].metadata["tags"] = ["remove-cell"]
    assert any("remove-cell" in found for found in learner_problems(nb))
