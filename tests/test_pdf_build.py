"""The checks of scripts/pdf_build.py on real XeLaTeX runs of small broken documents."""

import subprocess
from pathlib import Path

import pytest

from scripts import pdf_build
from scripts.layout import ROOT, latex_folder

CLEAN = r"""\documentclass{article}
\usepackage{fontspec}
\setmainfont{FreeSerif}
\begin{document}
\section{Softmax}\label{sec}
Section~\ref{sec} typesets \(\hat{y}_j = \exp(o_j) / \sum_k \exp(o_k)\), 3 × 4 − 1.
\end{document}
"""
# Each fault that pdf_build must report, as the line of LaTeX that makes it.
FAULTS = {
    "undefined reference": r"See Section~\ref{nowhere}.",
    "missing glyph": "A smile \U0001f642 that FreeSerif lacks.",
    "too wide": r"\noindent\texttt{" + "x" * 120 + "}",
    "LaTeX error": r"\undefinedcommand",
}


def xelatex(folder: Path, body: str) -> Path:
    """Typeset a document twice (references settle) in folder; return its folder."""
    if missing := pdf_build.missing_tools():
        pytest.fail(f"{missing} not installed: run `make data` as root (TeX Live).")
    tex = folder / f"{pdf_build.PDF_NAME}.tex"
    tex.write_text(body)
    for _ in range(2):
        subprocess.run(
            ["xelatex", "-interaction=nonstopmode", tex.name],
            cwd=folder,
            capture_output=True,
            timeout=120,
        )
    return folder


def with_fault(line: str) -> str:
    """Return the clean document with one more line in its body."""
    return CLEAN.replace(r"\end{document}", f"{line}\n\\end{{document}}")


@pytest.mark.slow
def test_clean_document_has_no_problem(tmp_path: Path):
    report = pdf_build.check(xelatex(tmp_path, CLEAN))
    assert report.problems == []
    assert report.pages == 1


@pytest.mark.slow
@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_is_reported(tmp_path: Path, fault: str):
    report = pdf_build.check(xelatex(tmp_path, with_fault(FAULTS[fault])))
    assert any(fault in problem for problem in report.problems), report.problems


@pytest.mark.slow
def test_unresolved_reference_shows_in_the_text(tmp_path: Path):
    folder = xelatex(tmp_path, with_fault(FAULTS["undefined reference"]))
    text = pdf_build.pdf_text(folder / f"{pdf_build.PDF_NAME}.pdf")
    assert any("??" in problem for problem in pdf_build.text_problems(text))


def test_missing_build_is_a_problem(tmp_path: Path):
    report = pdf_build.check(tmp_path)
    assert report.pages == 0
    assert "LaTeX did not run" in report.problems[0]


def test_raw_markup_in_the_text_is_reported():
    text = "Fine text.\nSee $$x$$ and {glue:text}`test_acc` here.\n"
    problems = pdf_build.text_problems(text)
    assert [p.split("`")[1] for p in problems] == ["$$", "{glue"]
    assert "text line 2" in problems[0]


def test_overfull_tolerance():
    log = (
        "Overfull \\hbox (2.5pt too wide) in paragraph at lines 3--4\n[]\\TU/x a\n"
        "Overfull \\hbox (12.0pt too wide) in paragraph at lines 9--9\n[]\\TU/x b\n"
    )
    assert len(pdf_build.overfull_lines(log)) == 1
    assert len(pdf_build.overfull_lines(log, tolerance_pt=1.0)) == 2


# --- Solutions and quiz answers gathered at the end of a chapter (_ext/learner_doctree)

TOY_QUIZ = {
    "quiz": [
        {
            "question": "How many classes has Fashion-MNIST?",
            "type": "numeric",
            "answers": [
                {
                    "type": "range",
                    "range": [9.5, 10.5],
                    "correct": True,
                    "feedback": "Ten kinds of garment.",
                },
                {"type": "default", "feedback": "Count the labels."},
            ],
        },
        {
            "question": "Which loss takes logits?",
            "type": "multiple_choice",
            "answers": [
                {
                    "answer": "Cross-entropy with softmax",
                    "correct": True,
                    "feedback": "It applies the softmax itself.",
                },
                {"answer": "L2", "correct": False, "feedback": "A regression loss."},
            ],
        },
    ],
    "ex-toy-number": [
        {
            "question": "How many parameters?",
            "type": "numeric",
            "answers": [
                {
                    "type": "value",
                    "value": 7850,
                    "correct": True,
                    "feedback": "Weights and biases.",
                },
                {"type": "default", "feedback": "Count weights and biases."},
            ],
        },
    ],
}
TOY_CHAPTER = """\
---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

(chap-toy)=
# A toy chapter

Some text.

```{{code-cell}} ipython3
import d2l_helpers as d2l
```

## Self-check

```{{code-cell}} ipython3
d2l.show_quiz("toy", folder={folder!r})
```

## Exercises

```{{exercise-start}} A number (easy)
:label: ex-toy-number
```

How many parameters has the model?

```{{code-cell}} ipython3
d2l.show_quiz("toy", "ex-toy-number", folder={folder!r})
```

```{{exercise-end}}
```

```{{exercise}} A question (medium)
:label: ex-toy-question

Why does it work?
```

## Solutions

```{{solution-start}} ex-toy-number
:class: dropdown
```

It has 7850 parameters:

```{{code-cell}} ipython3
print(784 * 10 + 10)
```

```{{solution-end}}
```

```{{solution}} ex-toy-question
:class: dropdown

Because THEPROSESOLUTION.
```

## Summary

The end of the chapter.
"""
TOY_CONFIG = """\
title: A toy book
execute:
  execute_notebooks: force
latex:
  use_jupyterbook_latex: true
sphinx:
  extra_extensions: [sphinx_exercise]
  local_extensions:
    _ext.learner_doctree: {root}
  config:
    nb_render_markdown_format: myst
"""


def toy_book_tex(folder: Path) -> str:
    """Build the toy book's LaTeX (no PDF) with the book's doctree extension."""
    import json
    import sys

    quizzes = folder / "quizzes"
    quizzes.mkdir()
    (quizzes / "toy.json").write_text(json.dumps(TOY_QUIZ))
    (folder / "_config.yml").write_text(TOY_CONFIG.format(root=ROOT))
    (folder / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n  - file: toy\n"
    )
    (folder / "index.md").write_text("# A toy book\n\nThe landing page.\n")
    (folder / "toy.md").write_text(TOY_CHAPTER.format(folder=str(quizzes)))
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("jupyter-book")),
            "build",
            str(folder),
            "--builder",
            "latex",
            "--path-output",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    tex = next(latex_folder(folder).glob("*.tex"), None)
    assert tex is not None, result.stdout[-3000:] + result.stderr[-3000:]
    return tex.read_text()


@pytest.mark.slow
def test_solutions_and_quiz_answers_gathered_at_the_chapters_end(tmp_path: Path):
    tex = toy_book_tex(tmp_path)
    chapter = tex[tex.index(r"\chapter{A toy chapter}") :]
    solutions = chapter.index(r"\section{Solutions}")
    exercises = chapter.index(r"\section{Exercises}")
    summary = chapter.index(r"\section{Summary}")
    # The exercises refer to their solutions' pages; no solution among them.
    before = chapter[:solutions]
    assert before.count(r"Solution on page~\pageref*{d2l-solution-") == 2
    assert "Solution to Exercise" not in before and "THEPROSESOLUTION" not in before
    # The chapter's own "Solutions" section, emptied, is gone; the gathered one is last.
    assert chapter.count(r"\section{Solutions}") == 1
    assert exercises < summary < solutions
    after = chapter[solutions:]
    assert after.count("Solution to Exercise") == 2 and "THEPROSESOLUTION" in after
    # Quizzes: questions where they stand, without their code cell; answers at the end,
    # the exercise's self-check answered in its solution.
    assert "show\\PYGZus{}quiz" not in chapter and "show_quiz" not in chapter
    assert "How many classes has Fashion" in before
    assert before.count(r"Answers on page~\pageref*{d2l-quiz-answers-") == 2
    assert "Ten kinds of garment." not in before and "Ten kinds of garment." in after
    assert "Answers to the self\\sphinxhyphen{}check}" in after
    exercise_answers = after.index("Answers to the self\\sphinxhyphen{}check of this")
    assert exercise_answers < after.index("Weights and biases.")
    assert after.index("Solution to Exercise") < exercise_answers
