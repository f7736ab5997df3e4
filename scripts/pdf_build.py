"""Build the PDF edition (`make pdf`) and fail on LaTeX errors, unresolved references,
missing glyphs and code that runs off the page.

Jupyter Book's LaTeX route writes `_build/latex/softmax-regression.tex` from the
executed chapters (the execution cache of the HTML build: nothing runs twice), then
Sphinx's Makefile runs latexmk with XeLaTeX. latexmk stops on a LaTeX error but
tolerates the rest, so this script reads what it left behind, the LaTeX log and the
PDF's text (`pdftotext`), and exits non-zero with what went wrong and where.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.layout import DOWNLOADS, LATEX, ROOT, build_folder

PDF_NAME = "softmax-regression"  # latex.latex_documents.targetname in _config.yml
# Where `make book` publishes the PDF in the HTML output (the download menu links it:
# course_download_entries in _config.yml; the landing page too).
PUBLISHED_PDF = DOWNLOADS / f"{PDF_NAME}.pdf"
# The programs the build and its checks run (Debian: TeX Live, latexmk, poppler-utils).
TOOLS = ("xelatex", "latexmk", "pdftotext", "pdfinfo")
# Overfull boxes narrower than this do not show in print (TeX's `\hfuzz` is 0.1pt).
OVERFULL_TOLERANCE_PT = 3.0
# Text that means LaTeX markup or MyST syntax reached the page instead of being typeset.
RAW_MARKUP = (
    r"\begin",
    r"\end{",
    r"\section",
    r"\chapter",
    "$$",
    "{glue",
    "{numref",
    "{ref}",
    "{eq}",
    "{cite",
)


@dataclass
class PdfReport:
    """What a finished PDF build left: its file, page count and the problems found."""

    pdf: Path
    pages: int
    problems: list[str]


def latex_errors(log: str) -> list[str]:
    """Return each LaTeX error of a log (a line starting with `!`), with its source."""
    problems = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("! "):
            where = next((x for x in lines[i + 1 : i + 12] if x.startswith("l.")), "")
            problems.append(f"LaTeX error: {line[2:]} {where}".strip())
    return problems


def unresolved_references(log: str) -> list[str]:
    """Return the references and citations LaTeX could not resolve."""
    # TeX wraps its log at 79 columns: a warning may span lines.
    undefined = r"(?:[Rr]eference|Citation) `([^']+)'\s+on\s+page\s+(\d+)\s+undefined"
    found = re.findall(undefined, log)
    problems = [
        f"undefined reference `{''.join(name.split())}` on page {page}"
        for name, page in found
    ]
    if "There were undefined references" in log and not problems:
        problems.append("LaTeX reports undefined references (see the log)")
    return problems


def missing_glyphs(log: str) -> list[str]:
    """Return the characters no font could draw (they vanish from the PDF)."""
    found = re.findall(r"Missing character: There is no (\S+)(?: \((U\+\w+)\))?", log)
    return sorted({f"missing glyph {char} {code}".strip() for char, code in found})


def overfull_lines(log: str, tolerance_pt: float = OVERFULL_TOLERANCE_PT) -> list[str]:
    """Return the lines that stick out into the margin by more than `tolerance_pt`."""
    found = re.findall(r"Overfull \\hbox \((\d+\.?\d*)pt too wide\) (.+?)\n(.*)", log)
    return [
        f"line {width}pt too wide {where}: {text.strip()[:80]}"
        for width, where, text in found
        if float(width) > tolerance_pt
    ]


def log_problems(log: str) -> list[str]:
    """Return every problem a LaTeX log records, errors first."""
    return (
        latex_errors(log)
        + unresolved_references(log)
        + missing_glyphs(log)
        + overfull_lines(log)
    )


def text_problems(text: str) -> list[str]:
    """Return the problems visible in the PDF's text: `??` and raw markup."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if "??" in line:
            problems.append(f"`??` (unresolved reference), text line {number}: {line}")
        problems += [
            f"raw markup `{mark}` in text line {number}: {line}"
            for mark in RAW_MARKUP
            if mark in line
        ]
    return problems


def pdf_text(pdf: Path) -> str:
    """Return the PDF's text as `pdftotext -layout` reads it."""
    return _run(["pdftotext", "-layout", str(pdf), "-"]).stdout


def page_count(pdf: Path) -> int:
    """Return the number of pages of a PDF (`pdfinfo`)."""
    info = _run(["pdfinfo", str(pdf)]).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def _run(command: list[str]) -> subprocess.CompletedProcess:
    """Run a command and return its captured text output."""
    return subprocess.run(command, check=True, capture_output=True, text=True)


def check(latex_dir: Path = LATEX, since: float = 0.0) -> PdfReport:
    """Check a LaTeX build whose log was written after `since` (a time): log and PDF."""
    pdf, log = latex_dir / f"{PDF_NAME}.pdf", latex_dir / f"{PDF_NAME}.log"
    if not pdf.is_file() or not log.is_file() or log.stat().st_mtime < since:
        return PdfReport(pdf, 0, [f"no new {pdf.name} and log: LaTeX did not run"])
    problems = log_problems(log.read_text(encoding="utf-8", errors="replace"))
    problems += text_problems(pdf_text(pdf))
    return PdfReport(pdf, page_count(pdf), problems)


def missing_tools() -> list[str]:
    """Return the programs of TOOLS that are not on the PATH."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def build(root: Path = ROOT) -> int:
    """Run Jupyter Book's LaTeX route (Sphinx, then latexmk); return its exit status."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [
        str(jupyter_book),
        "build",
        str(root),
        "--builder",
        "pdflatex",
        "--path-output",
        str(root),
        "-n",
        "--keep-going",
    ]
    wide_log = {**os.environ, "max_print_line": "1000"}  # TeX wraps its log at 79
    output = build_folder(root) / "pdf-build-output.txt"
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w") as out:  # Sphinx and LaTeX say thousands of lines
        status = subprocess.run(
            command, cwd=root, env=wide_log, stdout=out, stderr=subprocess.STDOUT
        ).returncode
    if status:
        tail = output.read_text(errors="replace").splitlines()[-40:]
        print("\n".join(tail + [f"(the whole output: {output})"]), file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    """Build (unless --check-only) and check the PDF; print its pages and build time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="check the PDF already in _build/latex, do not build",
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="copy the checked PDF into the HTML output",
    )
    args = parser.parse_args(argv)
    if missing := missing_tools():
        print(
            f"error: {', '.join(missing)} not installed, needed for the PDF edition; "
            "install the Debian packages: sudo bash scripts/system-packages.sh",
            file=sys.stderr,
        )
        return 1
    start, started_at = time.perf_counter(), time.time()
    status = 0 if args.check_only else build()
    seconds = time.perf_counter() - start
    # A failed build may have stopped before LaTeX: then the log is an older build's.
    report = check(since=started_at if status else 0.0)
    for problem in report.problems:
        print(f"PDF: {problem}", file=sys.stderr)
    if status or report.problems:
        print(
            f"error: the PDF edition is not fit to publish ({len(report.problems)} "
            f"problems, build exit status {status}); fix the chapters or the LaTeX "
            f"settings (_config.yml, _static/latex/) and run `make pdf` again. "
            f"Log: {LATEX / (PDF_NAME + '.log')}",
            file=sys.stderr,
        )
        return 1
    print(
        f"PDF: {report.pdf.relative_to(ROOT)}, {report.pages} pages"
        + ("" if args.check_only else f", built in {seconds:.0f} s")
    )
    if args.publish:
        PUBLISHED_PDF.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(report.pdf, PUBLISHED_PDF)
        print(f"PDF: published as {PUBLISHED_PDF.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
