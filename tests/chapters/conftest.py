"""Fixtures of the chapters' checks: each test file checks one chapter's numbers."""

import pytest


@pytest.fixture(scope="module")
def values(request: pytest.FixtureRequest, glued) -> dict:
    """Return the values glued by the chapter a ``test_<chapter>.py`` file checks."""
    return glued(request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_"))
