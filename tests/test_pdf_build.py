"""The checks of scripts/pdf_build.py on real XeLaTeX runs of small broken documents."""

import subprocess
from pathlib import Path

import pytest

from scripts import pdf_build

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
