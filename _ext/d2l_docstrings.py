"""Fit the docstrings that d2l_helpers re-exports from ``d2l`` for this book.

d2l's docstrings end with "Defined in :numref:`sec_...`", a reference to a section of
*Dive into Deep Learning* that this book does not have (a broken reference under
``-n``). The line is replaced by a citation of that book.
"""

import re
from typing import Any

from sphinx.application import Sphinx

D2L_SECTION_REF = re.compile(r"^\s*Defined in :numref:`[^`]+`\s*$")
CREDIT = "Reused unchanged from the ``d2l`` package of :cite:t:`zhang2023dive`."


def credit_d2l(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Replace d2l's section references in a docstring by a citation of the D2L book."""
    lines[:] = [CREDIT if D2L_SECTION_REF.match(line) else line for line in lines]


def setup(app: Sphinx) -> dict:
    """Register the hook with autodoc."""
    app.connect("autodoc-process-docstring", credit_d2l)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
