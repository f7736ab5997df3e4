"""The GitHub Actions workflows: valid, pinned, least privilege, no injection.

They cannot run here, so they are linted: a YAML and schema check, actionlint (types,
expressions, shell), zizmor in its strictest persona (pinning, permissions, injection,
credentials; a finding accepted on purpose carries a `zizmor: ignore[...]` comment
that says why), and the project's own rules. A deliberately bad workflow proves the
linters bite.
"""

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from _ext.course_downloads import PUBLISHED_BRANCH
from scripts.layout import HTML, JUPYTER_CACHE, ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
UNTRUSTED = re.compile(r"\$\{\{\s*github\.(event|head_ref)")
BAD_WORKFLOW = """\
    name: bad
    on: pull_request_target
    jobs:
      greet:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - run: echo "${{ github.event.pull_request.title }}"
    """


def tool(name: str) -> str:
    """Return the path of a linter beside this Python (the venv), or on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(
        name
    )
    if found is None:
        pytest.fail(
            f"{name} is not installed: run `make test` (it installs requirements.txt)."
        )
    return found


def run(*command: str) -> subprocess.CompletedProcess:
    """Run a linter from the repository root and return what it said."""
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def zizmor(folder: Path) -> list[dict]:
    """Return zizmor's findings on a workflow folder (offline, strictest persona)."""
    result = run(
        tool("zizmor"), "--offline", "--persona=pedantic", "--format=json", str(folder)
    )
    assert result.returncode in (0, 10, 11, 12, 13, 14), result.stderr
    return json.loads(result.stdout)


def steps(workflow: dict) -> list[dict]:
    """Return every step of every job of a workflow."""
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


@pytest.fixture(scope="module")
def workflows() -> dict[str, dict]:
    """The workflows, parsed (YAML's `on:` key reads as True, kept as "on")."""
    assert {path.name for path in WORKFLOW_FILES} == {"test.yml", "publish.yml"}
    parsed = {path.name: yaml.safe_load(path.read_text()) for path in WORKFLOW_FILES}
    for workflow in parsed.values():
        workflow["on"] = workflow.pop(True)
    return parsed


def test_workflows_match_github_schema() -> None:
    result = run(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        *map(str, WORKFLOW_FILES),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_nothing() -> None:
    result = run(tool("actionlint"), "-no-color", "-oneline", *map(str, WORKFLOW_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing() -> None:
    findings = zizmor(WORKFLOWS)
    assert not findings, "\n".join(f"{f['ident']}: {f['desc']}" for f in findings)


def test_the_linters_catch_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(textwrap.dedent(BAD_WORKFLOW))
    found = {finding["ident"] for finding in zizmor(bad.parent)}
    assert {
        "unpinned-uses",
        "template-injection",
        "artipacked",
        "excessive-permissions",
        "dangerous-triggers",
    } <= found, found
    actionlint = run(tool("actionlint"), "-no-color", "-oneline", str(bad))
    assert (
        actionlint.returncode == 1
        and "github.event.pull_request.title" in actionlint.stdout
    )


def test_pull_requests_run_the_readme_test_command(workflows: dict) -> None:
    test = workflows["test.yml"]
    assert "pull_request" in test["on"] and "pull_request_target" not in test["on"]
    assert [step["run"] for step in steps(test) if "run" in step] == ["bash .ci/run"]
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith("make test")


def test_pull_requests_test_on_x86_64_and_arm64(workflows: dict) -> None:
    job = workflows["test.yml"]["jobs"]["test"]
    runners = {
        entry["arch"]: entry["runner"] for entry in job["strategy"]["matrix"]["include"]
    }
    assert runners == {"x86_64": "ubuntu-24.04", "arm64": "ubuntu-24.04-arm"}
    assert job["runs-on"] == "${{ matrix.runner }}"
    assert job["strategy"]["fail-fast"] is False, (
        "one CPU's failure must not hide the other's"
    )
    # The Debian image is multi-arch: the same container on both runners.
    assert job["container"]["image"].startswith("python:3.11-bookworm")
    # Each architecture keeps its own execution cache (the build's executions are this
    # CPU's own) and its own artefacts.
    cache = next(
        s for s in job["steps"] if s.get("uses", "").startswith("actions/cache@")
    )
    assert cache["with"]["key"].startswith("book-${{ matrix.arch }}-")
    assert cache["with"]["restore-keys"] == "book-${{ matrix.arch }}-"
    upload = next(s for s in job["steps"] if "upload-artifact" in s.get("uses", ""))
    assert "${{ matrix.arch }}" in upload["with"]["name"]


def test_main_publishes_the_site_on_gh_pages_with_the_execution_cache(
    workflows: dict,
) -> None:
    publish = workflows["publish.yml"]
    assert publish["on"]["push"]["branches"] == ["main"]
    build, deploy = publish["jobs"]["build"], publish["jobs"]["deploy"]
    cache = next(
        s for s in build["steps"] if s.get("uses", "").startswith("actions/cache@")
    )
    assert JUPYTER_CACHE.relative_to(ROOT).as_posix() in cache["with"]["path"]
    assert "chapters/**" in cache["with"]["key"]
    assert "bash .ci/run" in [step.get("run") for step in build["steps"]]
    upload = next(s for s in build["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == HTML.relative_to(ROOT).as_posix()
    # The launch buttons open notebooks/ from the branch the book names (gh-pages).
    branch = PUBLISHED_BRANCH
    push = deploy["steps"][-1]["run"]
    assert f"git init -q -b {branch}" in push and push.rstrip().endswith(branch)
    assert ".nojekyll" in push
    assert deploy["needs"] == "build" and deploy["permissions"] == {"contents": "write"}


@pytest.mark.parametrize("name", [path.name for path in WORKFLOW_FILES])
def test_workflow_is_pinned_and_least_privilege(workflows: dict, name: str) -> None:
    workflow = workflows[name]
    assert workflow["permissions"] == {}, "the workflow grants nothing by default"
    for job_name, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {job_name} states its permissions"
        assert "write" not in job["permissions"].values() or job_name == "deploy"
    for step in steps(workflow):
        if "uses" in step:
            assert PINNED.match(step["uses"]), (
                f"not pinned by commit SHA: {step['uses']}"
            )
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
        assert not UNTRUSTED.search(step.get("run", "")), (
            f"untrusted input in run: {step}"
        )
    text = (WORKFLOWS / name).read_text()
    for line in text.splitlines():
        if "uses:" in line and "@" in line:
            assert re.search(r"@[0-9a-f]{40} # v\d", line), (
                f"no version comment: {line}"
            )


def test_make_lint_covers_every_python_file() -> None:
    makefile = (ROOT / "Makefile").read_text()
    linted = re.search(r"^LINTED := (.+)$", makefile, re.MULTILINE).group(1).split()
    assert "ruff check $(RUFF_SKIP) $(LINTED)" in makefile
    assert "ruff format --check $(RUFF_SKIP) $(LINTED)" in makefile
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked, "git lists no Python file"
    unlinted = [path for path in tracked if path.split("/")[0] not in linted]
    assert not unlinted, f"make lint (LINTED in the Makefile) skips {unlinted}"
