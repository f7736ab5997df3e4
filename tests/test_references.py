"""The nbval reference notebooks are up to date with their chapters."""

import pytest
from scripts.references import chapter_digest, executable_chapters, read_chapter, reference_path

import nbformat

CHAPTERS = executable_chapters()


def test_every_toc_chapter_is_covered():
    assert {c.stem for c in CHAPTERS} >= {"fashion_mnist", "softmax_concise"}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_reference_is_fresh(chapter):
    path = reference_path(chapter)
    assert path.is_file(), f"{path} is missing: run `make references`"
    reference = nbformat.read(path, as_version=4)
    stale = f"{path.name} is stale against {chapter.name}: run `make references` and commit it"
    assert reference.metadata["d2l_reference"]["sha256"] == chapter_digest(chapter), stale
    sources = [c.source for c in read_chapter(chapter).cells]
    assert [c.source for c in reference.cells] == sources, stale
