"""Executed chapters: the values a chapter glued, and nbval runs against references.

The build writes them to ``_build/jupyter_execute/chapters/<chapter>.glue.json`` (the
notebook beside it lacks outputs when the chapter came from the execution cache); a
notebook executed by other means (``D2L_EXECUTED_DIR``) is read from its outputs.
"""

import ast
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from scripts.layout import EXECUTED, TESTS


def executed_dir() -> Path:
    """Return the folder of executed chapters (``D2L_EXECUTED_DIR`` overrides it)."""
    return Path(os.environ.get("D2L_EXECUTED_DIR") or EXECUTED)


def _value(text: str) -> Any:
    """Turn a glued value's ``text/plain`` repr back into a Python value."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _text_value(output: dict, scrapbook: dict) -> Any:
    """Return the value of a glue output from its plain-text form (prefixed or not)."""
    data = output.get("data", {})
    prefix = scrapbook.get("mime_prefix", "")
    return _value(data.get(prefix + "text/plain", data.get("text/plain", "")))


def glued_values(notebook: Path) -> dict[str, Any]:
    """Return every value glued in an executed notebook (or its build's glue file)."""
    glue_file = notebook.with_suffix(".glue.json")
    if glue_file.is_file():
        outputs = json.loads(glue_file.read_text())
        return {
            name: _value(out["data"].get("text/plain", ""))
            for name, out in outputs.items()
        }
    nb = nbformat.read(notebook, as_version=4)
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            scrapbook = output.get("metadata", {}).get("scrapbook", {})
            if "name" in scrapbook:
                values[scrapbook["name"]] = _text_value(output, scrapbook)
    return values


# --- nbval: a fresh execution compared with the reference outputs -------------------

SANITIZE = TESTS / "nbval_sanitize.cfg"
CELL_TIMEOUT_S = 600
RUN_TIMEOUT_S = 1800
# nbval's own comparison: keys never compared, and data keys compared unsanitized.
NBVAL_SKIP_COMPARE = {
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
}
NBVAL_NOT_SANITIZED = {"text/latex"}


@dataclass
class NbvalRun:
    """An nbval run of one notebook: the cells that failed and what was computed."""

    notebook: nbformat.NotebookNode  # the notebook run, with the computed outputs
    failures: list[str]  # nbval's report of each failed cell
    seconds: float
    log: str  # the tail of pytest's own output


def run_nbval(
    notebook: Path,
    kernel: list[str],
    env: dict[str, str],
    timeout_s: float = RUN_TIMEOUT_S,
) -> NbvalRun:
    """Run nbval on a notebook in a pytest of its own; return what it found.

    ``kernel`` is nbval's kernel option (``["--nbval-kernel-name", name]`` or
    ``["--nbval-current-env"]``); the kernel inherits ``env`` and runs in the
    notebook's folder. Every cell is executed in order; a cell fails when it raises or
    when its outputs, sanitized by ``tests/nbval_sanitize.cfg``, differ from the
    stored ones (cells without an execution count or tagged ``nbval-ignore-output``
    are executed and not compared).
    """
    record = notebook.with_name(notebook.name + ".record.json")
    record.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(notebook),
        "-c",
        os.devnull,
        "--rootdir",
        str(notebook.parent),
        "--noconftest",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "-p",
        "nbval_record",
        "--nbval-record",
        str(record),
        "--nbval",
        *kernel,
        f"--nbval-sanitize-with={SANITIZE}",
        f"--nbval-cell-timeout={CELL_TIMEOUT_S}",
        "-q",
        "--color=no",
    ]
    start = time.perf_counter()
    # From tests/, so that `-p nbval_record` imports; the kernel runs in the notebook's
    # folder and does not see this one (no PYTHONPATH).
    result = subprocess.run(
        command,
        cwd=Path(__file__).parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    seconds = time.perf_counter() - start
    log = (result.stdout + result.stderr)[-6000:]
    if not record.is_file():
        raise RuntimeError(
            f"nbval did not run {notebook.name} (exit {result.returncode}):\n{log}"
        )
    cells = json.loads(record.read_text())
    executed = nbformat.read(notebook, as_version=4)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    failures = []
    for entry in cells:
        if entry["cell"] is not None and entry["when"] == "call":
            code[entry["cell"]].outputs = [
                nbformat.from_dict(o) for o in entry["outputs"]
            ]
        if entry["outcome"] == "failed":
            failures.append(entry["report"])
    if result.returncode not in (0, 1) or (result.returncode == 1 and not failures):
        failures.append(f"pytest exited with {result.returncode}:\n{log}")
    return NbvalRun(executed, failures, seconds, log)


def sanitize_patterns(config: Path = SANITIZE) -> list[tuple[str, str]]:
    """Return the (regex, replacement) pairs of an nbval sanitize file (as nbval)."""
    from nbval.plugin import get_sanitize_patterns

    return get_sanitize_patterns(config.read_text())


def compared_texts(
    output: dict, patterns: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Return (key, text) of what nbval compares of one output, after sanitizing.

    Follows nbval 0.11: the keys of ``NBVAL_SKIP_COMPARE`` are left out, every other
    key (a stream's text, each MIME type of ``data``) is compared, sanitized unless it
    is one of ``NBVAL_NOT_SANITIZED``; a value that is no string is compared as is.
    """
    items = []
    for key, value in output.items():
        if key in NBVAL_SKIP_COMPARE:
            continue
        if key == "data":
            items += [(k, v) for k, v in value.items() if k not in NBVAL_SKIP_COMPARE]
        else:
            items.append((output.get("name", key) if key == "text" else key, value))
    texts = []
    for key, value in items:
        if not isinstance(value, str):
            texts.append((key, json.dumps(value)))
            continue
        if key not in NBVAL_NOT_SANITIZED:
            for regex, replacement in patterns:
                value = re.sub(regex, replacement, value)
        texts.append((key, value))
    return texts


def nbval_checks_output(cell: nbformat.NotebookNode) -> bool:
    """Return whether nbval compares a stored cell's outputs (tags, comment markers)."""
    from nbval.plugin import find_comment_markers, find_metadata_tags

    options = dict(find_metadata_tags(cell.get("metadata", {})))
    options.update(find_comment_markers(cell.source))
    if options.get("skip") or options.get("check", True) is False:
        return False
    return cell.get("execution_count") is not None


def float_literals(text: str) -> list[str]:
    """Return the words of a text that read as a float (not an integer, nan or inf).

    An oracle independent of the sanitize file's regular expression: the text is cut
    at every character that cannot be part of a number, and each piece that Python's
    ``float()`` accepts and ``int()`` refuses is a float (``0.25``, ``1e-07``, ``3.``).
    """
    found = []
    for word in re.split(r"[^\w.+-]+", text):
        if not word or word.lower().lstrip("+-") in {"nan", "inf", "infinity"}:
            continue
        try:
            float(word)
        except ValueError:
            continue
        try:
            int(word)
        except ValueError:
            found.append(word)
    return found
