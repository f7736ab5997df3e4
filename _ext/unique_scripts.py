"""Write each <script> of a page once.

With Sphinx 7.4, an inline script that an extension adds once the HTML builder has
started (sphinx-thebe's ``const THEBE_JS_URL = ...``, sphinx-togglebutton's selector) is
written into every page twice, and the second ``const`` declaration is a SyntaxError in
the reader's browser console.
"""

from typing import Any

from sphinx.application import Sphinx


def script_key(script: Any) -> tuple:
    """Return what makes a script distinct: its file (or none), priority, attributes."""
    return (
        script.filename or "",
        script.priority,
        tuple(sorted(script.attributes.items())),
    )


def drop_repeated_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Keep one of each set of equal scripts, at the place of the first."""
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = {script_key(script): script for script in scripts}.values()


def setup(app: Sphinx) -> dict:
    """Register the hook, after other extensions have added their page scripts."""
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
