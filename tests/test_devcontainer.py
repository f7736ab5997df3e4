"""The dev container (Codespaces, VS Code): valid, Python 3.11 on linux/amd64, the pins.

MXNet 1.9.1 has no wheel for Apple Silicon or Windows; the dev container gives those
learners a Linux x86_64 Python 3.11 with the course bundle's runtime requirements.
``.devcontainer/devcontainer.json`` is JSON with comments; it must validate against the
dev container JSON schema (draft 2019-09), found offline (see ``schema_path``).
"""

import os
import re
import shlex
import zipfile
from pathlib import Path

import json5
import jsonschema
import pytest

import course_bundle as bundle
from scripts.layout import ROOT, TESTS

CONFIG = ROOT / ".devcontainer" / "devcontainer.json"
# The spec's schema is not shipped by any PyPI or npm package; a copy may be put here
# (or named by DEVCONTAINER_SCHEMA) where its licence allows.
VENDORED_SCHEMA = TESTS / "schemas" / "devContainer.base.schema.json"
LIFECYCLE = (
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
)
PIN = re.compile(r"^\s*([A-Za-z0-9][\w.-]*)(\[[^\]]*\])?==")


@pytest.fixture(scope="module")
def config() -> dict:
    """The dev container configuration (JSON with comments and trailing commas)."""
    if not CONFIG.is_file():
        pytest.fail(f"{CONFIG.relative_to(ROOT)} is missing: add the dev container.")
    return json5.loads(CONFIG.read_text())


def schema_path() -> Path | None:
    """Return the dev container schema (DEVCONTAINER_SCHEMA, else vendored), if any."""
    named = os.environ.get("DEVCONTAINER_SCHEMA")
    path = Path(named) if named else VENDORED_SCHEMA
    return path if path.is_file() else None


def _dockerfile(config: dict) -> str:
    """Return the text of the Dockerfile the configuration builds, or ''."""
    name = config.get("build", {}).get("dockerfile") or config.get("dockerFile")
    return (CONFIG.parent / name).read_text() if name else ""


def _commands(config: dict) -> list[str]:
    """Return every lifecycle command of the configuration as one shell line each."""
    lines = []
    for key in LIFECYCLE:
        value = config.get(key)
        values = value.values() if isinstance(value, dict) else [value]
        for command in values:
            if isinstance(command, list):
                command = shlex.join(command)
            if command:
                lines.append(command)
    return lines


def _requirements_file(config: dict) -> Path:
    """Return the requirements file the dev container installs with `pip install -r`."""
    text = "\n".join(_commands(config)) + "\n" + _dockerfile(config)
    match = re.search(
        r"pip3?\s+install\b[^\n]*?\s(?:-r|--requirement)[\s=]+(\S+)", text
    )
    assert match, (
        "The dev container never runs `pip install -r <requirements>`: "
        f"add it to postCreateCommand (commands: {_commands(config)})."
    )
    name = match.group(1).strip("'\"").replace("${containerWorkspaceFolder}/", "")
    return ROOT / name


def _pinned_names(text: str) -> set[str]:
    """Return the package names pinned with == in a requirements text."""
    return {
        m.group(1).lower().replace("_", "-")
        for line in text.splitlines()
        if (m := PIN.match(line))
    }


def test_config_validates_against_the_dev_container_schema(config: dict) -> None:
    path = schema_path()
    if path is None:
        pytest.skip(
            "No dev container JSON schema offline (no PyPI/npm package ships "
            f"it): vendor it as {VENDORED_SCHEMA.relative_to(ROOT)} or name "
            "it with DEVCONTAINER_SCHEMA."
        )
    schema = json5.loads(path.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda error: error.path)
    assert not errors, (
        f"{CONFIG.name} does not follow the dev container schema:\n"
        + "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    )


def test_schema_check_catches_a_broken_config() -> None:
    # The check above can fail: an unknown type for a known property is an error.
    path = schema_path()
    if path is None:
        pytest.skip("No dev container JSON schema offline (see the test above).")
    schema = json5.loads(path.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert list(validator.iter_errors({"image": "python:3.11", "forwardPorts": "x"}))


def test_python_311_on_linux_amd64(config: dict) -> None:
    setup = " ".join(
        [
            str(config.get("image", "")),
            _dockerfile(config),
            str(config.get("features", {})),
        ]
    )
    assert re.search(r"(python\S*[:-]|version\W+)3\.11\b", setup, re.IGNORECASE), (
        "The dev container does not pin Python 3.11 (image tag, Dockerfile FROM or "
        f"the python feature's version): {setup[:300]!r}"
    )
    platform = " ".join(
        config.get("runArgs", []) + config.get("build", {}).get("options", [])
    ) + _dockerfile(config)
    assert "linux/amd64" in platform, (
        "The dev container does not ask for linux/amd64 (mxnet 1.9.1 has no wheel for "
        "arm64): add --platform=linux/amd64 to runArgs or build.options."
    )


def test_installs_the_runtime_requirements(config: dict) -> None:
    requirements = _requirements_file(config)
    assert requirements.is_file(), (
        f"The dev container installs {requirements}, which is not in the repository."
    )
    names = _pinned_names(requirements.read_text())
    assert {"mxnet", "numpy", "jupyterlab"} <= names, (
        f"{requirements.name} lacks runtime pins (mxnet, numpy, jupyterlab): {names}"
    )


@pytest.mark.book
def test_installs_the_same_pins_as_the_bundle(config: dict) -> None:
    with zipfile.ZipFile(bundle.require_zip()) as archive:
        member = next(n for n in archive.namelist() if n.endswith("requirements.txt"))
        in_bundle = archive.read(member).decode()
    in_container = _requirements_file(config).read_text()
    pins = {line.strip() for line in in_container.splitlines() if PIN.match(line)}
    bundled = {line.strip() for line in in_bundle.splitlines() if PIN.match(line)}
    assert pins == bundled, (
        "The dev container and the course bundle install different pins: "
        f"only in the container {sorted(pins - bundled)}, "
        f"only in the bundle {sorted(bundled - pins)}."
    )
