"""The book's one repository URL, and the learner notebooks' setup cell made from it.

The URL is resolved once, at config time: the environment variable
``BOOK_REPOSITORY_URL``, else ``repository.url`` of ``_config.yml``, else the ``origin``
remote of the clone when that is a public https GitHub URL, else none. With a URL the
repository, issue and edit buttons are shown; without one they are left out.

The chapters hold no setup cell (a reader of the book needs no installer): the learner
notebooks get one (``scripts/learner_notebooks.py``), made by ``setup_cell_source``
from the committed template ``course/setup_cell.py`` with the same URL filled in.
"""

import os
import re
import subprocess
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

URL_VARIABLE = "BOOK_REPOSITORY_URL"
PUBLIC_GITHUB = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+?(\.git)?/?$")
SETUP_TEMPLATE = "course/setup_cell.py"
REPOSITORY_BUTTONS = (
    "use_repository_button",
    "use_issues_button",
    "use_edit_page_button",
)


def origin_url(folder: Path) -> str:
    """Return the ``origin`` URL when it is a public https GitHub URL, else ''."""
    try:
        result = subprocess.run(
            ["git", "remote", "get-url", "origin"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    url = result.stdout.strip()
    return url if result.returncode == 0 and PUBLIC_GITHUB.match(url) else ""


def resolve_repository_url(configured: str, folder: Path) -> str:
    """Return the book's repository URL (variable, setting, origin remote) or ''."""
    url = os.environ.get(URL_VARIABLE, "").strip() or (configured or "").strip()
    url = url or origin_url(folder)
    return url.removesuffix("/").removesuffix(".git")


def setup_cell_source(template: str, url: str, branch: str) -> str:
    """Return the setup cell's code: the template with the URL and branch filled in."""
    return template.replace("@REPOSITORY_URL@", url).replace("@BRANCH@", branch)


def book_setup_cell(folder: Path, configured_url: str = "", branch: str = "") -> str:
    """Return the learner notebooks' setup cell of the book in folder.

    The URL is resolved as the build resolves it (variable, setting, origin remote).
    """
    template = (folder / SETUP_TEMPLATE).read_text(encoding="utf-8")
    url = resolve_repository_url(configured_url, folder)
    return setup_cell_source(template, url, branch or "main")


def apply_repository_url(app: Sphinx, config: Config) -> None:
    """Resolve the URL once; show or hide the buttons made from it."""
    options = config.html_theme_options
    url = resolve_repository_url(options.get("repository_url", ""), Path(app.confdir))
    options["repository_url"] = url
    for button in REPOSITORY_BUTTONS:
        options[button] = bool(url)
    config.course_repository_url = url
    # The theme's own launch buttons open the chapter's source; _ext/course_downloads.py
    # makes them from the URL instead (learner notebooks), so the theme gets none.
    config.course_launch_services = options.pop("launch_buttons", {}) or {}


def setup(app: Sphinx) -> dict:
    """Register the settings and resolve the URL before any page is read."""
    app.add_config_value("course_repository_url", "", "html")
    app.add_config_value("course_launch_services", {}, "html")
    app.connect("config-inited", apply_repository_url, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
