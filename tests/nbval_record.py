"""A pytest plugin for the nbval runs of ``notebooks.run_nbval``: what each cell did.

``--nbval-record FILE`` writes, once the run ends, a JSON list with one entry per
notebook cell that nbval ran: the cell's number among the code cells, its outcome
(passed, failed, skipped), nbval's report when it failed (the differing outputs, or the
traceback), and the outputs the kernel computed (``test_outputs``, kept by nbval), so
that the test that started the run can check them too.
"""

import json
from pathlib import Path

import pytest

_RECORDS: list[dict] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--nbval-record", help="write what every notebook cell did to this JSON file"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call" or report.outcome != "passed":
        _RECORDS.append(
            {
                "cell": getattr(item, "cell_num", None),
                "when": report.when,
                "outcome": report.outcome,
                "report": report.longreprtext if report.failed else "",
                "outputs": [
                    dict(out) for out in getattr(item, "test_outputs", None) or []
                ],
            }
        )
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.getoption("--nbval-record")
    if target:
        Path(target).write_text(json.dumps(_RECORDS, indent=1, default=str))
