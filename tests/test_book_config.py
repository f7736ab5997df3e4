"""The book's one repository URL: where it comes from, and the buttons made from it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from _ext.course_setup import URL_VARIABLE, resolve_repository_url
from scripts.layout import CHAPTERS, CONFIG, ROOT

PLACEHOLDER = "github.com/example"
LAUNCH = {
    "binderhub_url": "https://mybinder.org",
    "colab_url": "https://colab.research.google.com",
}
# Sphinx runs from the repository root (as the build: the root is on sys.path), so
# the extensions import as the book names them.
CONF = f"""
extensions = ["myst_nb", "_ext.course_setup", "_ext.course_downloads"]
html_theme = "sphinx_book_theme"
html_theme_options = {{"repository_url": "", "repository_branch": "main",
                       "launch_buttons": {LAUNCH!r}}}
course_download_entries = [{{"text": "Course bundle (.zip)",
                            "url": "_downloads/c.zip"}}]
nb_execution_mode = "off"
"""
CHAPTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---
# A chapter

```{code-cell} ipython3
print(1)
```
"""


def test_no_placeholder_url_anywhere() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    assert config["repository"]["url"] == "", (
        "no public URL: repository.url stays empty"
    )
    for path in [CONFIG, ROOT / "README.md", *CHAPTERS.glob("*.md")]:
        assert PLACEHOLDER not in path.read_text(), (
            f"{path.name} still names {PLACEHOLDER}"
        )


def test_variable_wins_over_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(URL_VARIABLE, "https://github.com/org/from-variable.git")
    assert (
        resolve_repository_url("https://github.com/org/set", tmp_path)
        == "https://github.com/org/from-variable"
    )
    monkeypatch.delenv(URL_VARIABLE)
    assert (
        resolve_repository_url("https://github.com/org/set/", tmp_path)
        == "https://github.com/org/set"
    )


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://github.com/org/book.git", "https://github.com/org/book"),
        ("git@github.com:org/book.git", ""),  # not a public https URL
        ("https://gitlab.example.org/org/book", ""),
    ],
)
def test_origin_remote_only_when_public_github(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, origin: str, expected: str
) -> None:
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "remote", "add", "origin", origin], check=True
    )
    assert resolve_repository_url("", tmp_path) == expected


def build_page(tmp_path: Path, url: str | None) -> tuple[str, str]:
    """Build a one-chapter book with the extensions; return its HTML, and the setup
    cell the learner notebooks get under the same environment."""
    (tmp_path / "conf.py").write_text(CONF)
    (tmp_path / "index.md").write_text(CHAPTER)
    env = {k: v for k, v in os.environ.items() if k != URL_VARIABLE}
    if url:
        env[URL_VARIABLE] = url
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-q",
            "-b",
            "html",
            str(tmp_path),
            str(tmp_path / "html"),
        ],
        cwd=ROOT,  # the extensions import from the root, as in the build
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    setup_cell = subprocess.run(
        [
            sys.executable,
            "-c",
            "from scripts.learner_notebooks import setup_cell_source as s; print(s())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return (tmp_path / "html" / "index.html").read_text(), setup_cell


@pytest.mark.slow
def test_no_url_no_repository_or_launch_buttons(tmp_path: Path) -> None:
    html, setup_cell = build_page(tmp_path, None)
    assert "colab.research.google.com" not in html and "mybinder.org" not in html
    assert "Source repository" not in html and "Open an issue" not in html
    assert "Course bundle (.zip)" in html and "_downloads/c.zip" in html
    assert 'href="notebooks/index.ipynb"' in html, "the learner notebook in the menu"
    assert 'REPOSITORY = ""' in setup_cell


@pytest.mark.slow
def test_url_from_variable_gives_buttons(tmp_path: Path) -> None:
    html, setup_cell = build_page(tmp_path, "https://github.com/org/book")
    assert (
        "https://colab.research.google.com/github/org/book/blob/gh-pages/"
        "notebooks/index.ipynb"
    ) in html
    assert (
        "https://mybinder.org/v2/gh/org/book/gh-pages?urlpath=lab/tree/notebooks/"
        "index.ipynb" in html
    )
    assert 'href="https://github.com/org/book"' in html, "the repository button"
    assert "https://github.com/org/book/issues" in html, "the issue button"
    assert 'REPOSITORY = "https://github.com/org/book"' in setup_cell
    assert "tests/references" not in html
