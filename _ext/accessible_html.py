"""ARIA roles that assistive technology knows, in the HTML of every page.

Docutils marks a citation as ``role="doc-biblioentry"`` inside a ``role="list"``: the
DPUB-ARIA role is deprecated (DPUB-ARIA 1.1) and is no list item, so a screen reader
meets an empty list and axe-core reports a critical violation (aria-required-children).
Each citation becomes a ``listitem`` of its list instead.
"""

from typing import Any

from sphinx.application import Sphinx

DEPRECATED_ROLES = {'role="doc-biblioentry"': 'role="listitem"'}


def replace_deprecated_roles(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Replace deprecated ARIA roles in the page body by the roles that replace them."""
    body = context.get("body", "")
    for old, new in DEPRECATED_ROLES.items():
        body = body.replace(old, new)
    context["body"] = body


def setup(app: Sphinx) -> dict:
    """Register the hook on every HTML page."""
    app.connect("html-page-context", replace_deprecated_roles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
