"""Make the Colab and Binder buttons of a chapter open the chapter as a notebook.

sphinx-book-theme links the launch buttons of a MyST Markdown chapter to its ``.md``
file, which Colab cannot open and Binder opens in a text editor. The repository also
keeps every chapter as a notebook, ``tests/references/<chapter>.ipynb`` (the same cells,
checked by the tests to match the chapter), so the buttons are pointed there.
"""

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

LAUNCH_GROUP = "launch-buttons"


def repository_path(app: Sphinx, path_in_book: str) -> str:
    """Return a path inside the book as a path inside the repository."""
    book = app.config.html_theme_options.get("path_to_docs", "").strip("/")
    return f"{book}/{path_in_book}" if book else path_in_book


def retarget_launch_buttons(app: Sphinx, pagename: str, templatename: str,
                            context: dict[str, Any], doctree: Any) -> None:
    """Replace the chapter's source path by its notebook's in every launch-button URL."""
    notebook = f"{app.config.launch_notebook_dir}/{Path(pagename).name}.ipynb"
    if not (Path(app.srcdir) / notebook).is_file():
        return
    source = repository_path(app, pagename + Path(app.env.doc2path(pagename)).suffix)
    for group in context.get("header_buttons", []):
        if group.get("label") == LAUNCH_GROUP:
            for button in group["buttons"]:
                if "url" in button:
                    button["url"] = button["url"].replace(source, repository_path(app, notebook))


def setup(app: Sphinx) -> dict:
    """Register the option and the hook (after the theme has made its buttons)."""
    app.add_config_value("launch_notebook_dir", "tests/references", "html")
    app.connect("html-page-context", retarget_launch_buttons, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
