"""The download menu and launch buttons: learner notebooks and the course bundle.

Every page's download menu offers the course bundle and the entries of
``course_download_entries`` (paths inside the HTML output); a chapter's menu offers its
learner notebook (``<course_notebook_dir>/<chapter>.ipynb``, made by ``make notebooks``
after the HTML build) instead of the executed MyST notebook. With a repository URL
(``_ext/course_setup.py``), a chapter's rocket button opens that learner notebook on
Colab and Binder from the published site: branch ``course_published_branch`` of the
repository, which holds the HTML output (notebooks/ and binder/ at its root).
"""

from pathlib import PurePosixPath
from typing import Any

from sphinx.application import Sphinx
from sphinx_book_theme.header_buttons.launch import _is_notebook

from scripts.layout import HTML, PUBLISHED_NOTEBOOKS

DOWNLOAD_GROUP = "download-buttons"
NOTEBOOK_LABEL = "download-notebook-button"
SOURCE_LABEL = "download-source-button"
# The defaults of the settings: the learner notebooks' folder in the HTML output, and
# the branch the publishing workflow deploys the HTML output to.
NOTEBOOK_DIR = PUBLISHED_NOTEBOOKS.relative_to(HTML).as_posix()
PUBLISHED_BRANCH = "gh-pages"


def learner_notebook(app: Sphinx, pagename: str) -> str:
    """Return the path, inside the HTML output, of a chapter's learner notebook."""
    return f"{app.config.course_notebook_dir}/{PurePosixPath(pagename).name}.ipynb"


def notebook_button(app: Sphinx, pagename: str, context: dict[str, Any]) -> dict:
    """Return the download entry of a chapter's learner notebook."""
    return {
        "type": "link",
        "url": context["pathto"](learner_notebook(app, pagename), 1),
        "text": ".ipynb",
        "icon": "fas fa-code",
        "label": NOTEBOOK_LABEL,
        "tooltip": "Download this chapter as a notebook, with its outputs",
    }


def extra_buttons(app: Sphinx, context: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the entries of ``course_download_entries`` (bundle, PDF...) as buttons."""
    return [
        {
            "type": "link",
            "icon": "fas fa-file-archive",
            **entry,
            "url": context["pathto"](entry["url"], 1),
        }
        for entry in app.config.course_download_entries
    ]


def launch_buttons(app: Sphinx, pagename: str) -> list[dict[str, Any]]:
    """Return the Colab and Binder buttons that open the published learner notebook."""
    url = app.config.course_repository_url
    services = app.config.course_launch_services
    if not url.startswith("https://github.com/"):
        return []
    org_repo = url.removeprefix("https://github.com/")
    branch = app.config.course_published_branch
    path = learner_notebook(app, pagename)
    buttons = []
    if services.get("binderhub_url"):
        binder = services["binderhub_url"].rstrip("/")
        buttons.append(
            {
                "type": "link",
                "text": "Binder",
                "tooltip": "Launch on Binder",
                "icon": "_static/images/logo_binder.svg",
                "url": f"{binder}/v2/gh/{org_repo}/{branch}?urlpath=lab/tree/{path}",
            }
        )
    if services.get("colab_url"):
        colab = services["colab_url"].rstrip("/")
        buttons.append(
            {
                "type": "link",
                "text": "Colab",
                "tooltip": "Launch on Colab",
                "icon": "_static/images/logo_colab.png",
                "url": f"{colab}/github/{org_repo}/blob/{branch}/{path}",
            }
        )
    return buttons


def update_header_buttons(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Point the download menu and the launch buttons at the learner files."""
    notebook = "header_buttons" in context and _is_notebook(app, context)
    for group in context.get("header_buttons", []):
        if group.get("label") != DOWNLOAD_GROUP:
            continue
        kept = [b for b in group["buttons"] if b.get("label") != NOTEBOOK_LABEL]
        after_source = next(
            (i + 1 for i, b in enumerate(kept) if b.get("label") == SOURCE_LABEL),
            len(kept),
        )
        first = [notebook_button(app, pagename, context)] if notebook else []
        group["buttons"] = (
            first
            + kept[:after_source]
            + extra_buttons(app, context)
            + kept[after_source:]
        )
    launch = launch_buttons(app, pagename) if notebook else []
    if launch:
        context["header_buttons"].append(
            {
                "type": "group",
                "tooltip": "Launch interactive content",
                "icon": "fas fa-rocket",
                "buttons": launch,
                "label": "launch-buttons",
            }
        )


def setup(app: Sphinx) -> dict:
    """Register the settings and the hook (after the theme has made its buttons)."""
    app.add_config_value("course_notebook_dir", NOTEBOOK_DIR, "html")
    app.add_config_value("course_published_branch", PUBLISHED_BRANCH, "html")
    app.add_config_value("course_download_entries", [], "html")
    app.connect("html-page-context", update_header_buttons, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
