"""The status page shows the package versions the build really ran with: the pins."""

import pytest

from scripts.toc import ROOT

pytestmark = pytest.mark.book


def test_versions_shown_are_the_pinned_ones(glued):
    versions = glued("status")["versions"]
    lines = (ROOT / "requirements.txt").read_text().split()
    lines += (ROOT / "course" / "requirements.txt").read_text().split()
    pins = dict(line.lower().split("==") for line in lines if "==" in line)
    assert len(versions) == 10
    assert {name: pins[name] for name in versions} == versions
