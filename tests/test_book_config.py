"""The book's one repository URL (_config.yml) is the one every chapter installs from."""

import re
from pathlib import Path

import pytest
import yaml
from references import executable_chapters, read_chapter

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY_URL = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
REPO_LINE = re.compile(r'^REPO = "([^"]*)"', re.MULTILINE)
CHAPTERS = executable_chapters()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_setup_cell_uses_the_configured_repository(chapter: Path) -> None:
    setup = next(cell for cell in read_chapter(chapter).cells if cell.cell_type == "code")
    assert "remove-cell" in setup.metadata.get("tags", []), \
        f"{chapter.name}: the first code cell must be the hidden (remove-cell) setup cell"
    match = REPO_LINE.search(setup.source)
    assert match, f'{chapter.name}: the setup cell has no line REPO = "..."'
    assert match.group(1) == REPOSITORY_URL, (
        f"{chapter.name} installs from {match.group(1)}, but _config.yml has repository.url "
        f"{REPOSITORY_URL}: make the REPO line of every chapter equal to it")
