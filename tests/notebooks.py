"""Reading executed chapters: the values a chapter glued with ``myst_nb.glue``.

The build writes them to ``_build/jupyter_execute/chapters/<chapter>.glue.json`` (the
notebook beside it lacks outputs when the chapter came from the execution cache); a
notebook executed by other means (``D2L_EXECUTED_DIR``) is read from its outputs.
"""

import ast
import json
import os
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
EXECUTED_DIR = ROOT / "_build" / "jupyter_execute" / "chapters"


def executed_dir() -> Path:
    """Return the folder of executed chapters (``D2L_EXECUTED_DIR`` overrides it)."""
    return Path(os.environ.get("D2L_EXECUTED_DIR") or EXECUTED_DIR)


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
