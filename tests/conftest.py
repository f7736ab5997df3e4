"""Shared fixtures: an isolated data environment, real data files, small iterators."""

import json
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import d2l_helpers as d2l
from d2l_helpers.datasets import FASHION_MNIST, MNIST, ROLES, DatasetSpec
from d2l_helpers.storage import candidate_dirs, missing_files
from http_server import LocalServer


def data_source(spec: DatasetSpec = FASHION_MNIST) -> Path:
    """Return a folder holding a data set's real files, as the loader finds them."""
    for folder in candidate_dirs(spec):
        if not missing_files(spec, folder):
            return folder
    pytest.fail(f"{spec.name} is not installed: run `make data` first.")


def fashion_mnist_source() -> Path:
    """Return a folder of the real Fashion-MNIST files, as the loader finds them."""
    return data_source(FASHION_MNIST)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The real MNIST files' folder, found before a test changes the environment."""
    return data_source(MNIST)


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Empty D2L_DATA_DIR, a fresh cache, downloads disabled; return the cache path."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("D2L_CACHE_DIR", str(cache))
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    monkeypatch.setenv("D2L_DATA_MIRROR", "")
    return cache


@pytest.fixture
def fashion_links(tmp_path: Path) -> Path:
    """The real Fashion-MNIST files in a fresh folder, cheap to make and to load.

    The label files and the test images are copies, safe to damage; the big training
    images are a symlink to the real file (so its decoded array is shared through the
    loader's memo): never write to it, replace it (unlink first) to damage it.
    """
    source, target = fashion_mnist_source(), tmp_path / "links"
    target.mkdir()
    for role in ROLES:
        name = FASHION_MNIST.file_name(role)
        if role == "train_images":
            (target / name).symlink_to(source / name)
        else:
            shutil.copyfile(source / name, target / name)
    return target


@pytest.fixture
def http_server() -> Iterator[Callable[..., LocalServer]]:
    """Start local HTTP servers: http_server(folder, misbehave={name: mode}, delay=)."""
    servers: list[LocalServer] = []

    def start(
        folder: Path, misbehave: dict[str, str] | None = None, delay: float = 0.0
    ) -> LocalServer:
        servers.append(LocalServer(folder, misbehave, delay).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def blackhole() -> Iterator[str]:
    """The base URL of a socket on 127.0.0.1 that accepts connections, never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as server:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/"


@pytest.fixture(scope="session")
def fashion_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The real Fashion-MNIST arrays (train images, labels, test images, labels)."""
    train_iter, test_iter = d2l.load_data_fashion_mnist(256)
    return train_iter.images, train_iter.labels, test_iter.images, test_iter.labels


@pytest.fixture
def small_iters(fashion_arrays):
    """Iterators over 2,048 real training and 1,000 real test images (fast training)."""
    X_train, y_train, X_test, y_test = fashion_arrays
    train_iter = d2l.ArrayDataIter(X_train[:2048], y_train[:2048], 128, shuffle=True)
    test_iter = d2l.ArrayDataIter(X_test[:1000], y_test[:1000], 128, shuffle=False)
    return train_iter, test_iter


@pytest.fixture(scope="session")
def glued():
    """Return a function: chapter name -> the values the build's execution glued."""
    from notebooks import executed_dir, glued_values

    def read(chapter: str) -> dict:
        path = executed_dir() / f"{chapter}.ipynb"
        if not path.is_file() and not path.with_suffix(".glue.json").is_file():
            pytest.fail(
                f"{path} is missing: run `make book` first (it executes the chapters)."
            )
        return glued_values(path)

    return read


def reference_glue(chapter: str) -> dict:
    """Return the values a chapter glued in its reference (``make references``)."""
    from notebooks import glued_values
    from scripts.references import reference_path

    path = reference_path(chapter)
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make references`.")
    return glued_values(path)


# The chapter checks run on two executions made in different numeric environments:
# the build's (default: every core, MKL-DNN on) and the reference's (one thread,
# MKL-DNN off, perhaps on another machine); both must pass.
EXECUTIONS = ["build", "reference"]


@pytest.fixture(scope="module", params=EXECUTIONS)
def values(request: pytest.FixtureRequest, glued) -> dict:
    """Return the values glued by the chapter a ``tests/chapters/test_<chapter>.py``
    checks: from the build's execution, then from the reference's."""
    chapter = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    return glued(chapter) if request.param == "build" else reference_glue(chapter)


@pytest.fixture(scope="session")
def course(tmp_path_factory: pytest.TempPathFactory):
    """The unzipped course bundle with its requirements in a fresh venv (once a run)."""
    import course_bundle

    return course_bundle.prepare(tmp_path_factory)


def pytest_report_header() -> str:
    """Say in which numeric environments this run's executions and references ran."""
    import os

    from scripts.references import REFERENCE_ENV

    def show(env) -> str:
        return ", ".join(f"{name}={env.get(name) or 'unset'}" for name in REFERENCE_ENV)

    same = all(os.environ.get(name) == value for name, value in REFERENCE_ENV.items())
    return (
        f"numeric environment of this run's executions: {show(os.environ)}; of "
        f"tests/references/: {show(REFERENCE_ENV)}"
        + (" (the same: this run does not compare across environments)" if same else "")
    )


# --- Keeping both cores busy (pytest-xdist: -n auto --dist loadgroup) ---------------

VENV_GROUP = "course-bundle-venv"


def _unit_of(item: pytest.Item) -> str:
    """Return the unit of work an item belongs to: its file, or its own notebook run."""
    if item.get_closest_marker("notebook_run"):
        return f"notebook:{item.callspec.params['name']}"
    if item.get_closest_marker("makes_course_venv"):
        return VENV_GROUP
    return item.nodeid.split("::")[0]


def _last_run_seconds() -> dict[str, float]:
    """Return the seconds each notebook's run took in the last run (none at first)."""
    from course_bundle import TIMINGS

    try:
        times = json.loads(TIMINGS.read_text())
    except (OSError, ValueError):
        return {}
    return {
        key.removeprefix("nbval run of "): seconds
        for key, seconds in times.items()
        if key.startswith("nbval run of ")
    }


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every item an xdist group and put the units of work in a good order.

    A test file is one unit (as with --dist loadfile: its module fixtures are made
    once), but each notebook executed in the course bundle's venv is a unit of its
    own, so that both cores run them. Order (xdist hands units out in this order, with
    --no-loadscope-reorder): the bundle's venv first (minutes; every notebook waits
    for it), the other slow files (they keep the other core busy meanwhile), the
    notebooks longest first (by the last run's timings), the quick files last, to fill
    the gaps at the end.
    """
    seconds = _last_run_seconds()

    def rank(item: pytest.Item) -> tuple:
        unit = _unit_of(item)
        if unit == VENV_GROUP:
            return (0, 0.0)
        if unit.startswith("notebook:"):
            return (2, -seconds.get(unit.removeprefix("notebook:"), 0.0))
        return (1 if item.get_closest_marker("slow") else 3, 0.0)

    for item in items:
        item.add_marker(pytest.mark.xdist_group(_unit_of(item)))
    # Units keep their items together, in collection order: rank each unit by its
    # first item's rank (a unit is slow when any of its items is).
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        units.setdefault(_unit_of(item), []).append(item)
    ranked = sorted(units.values(), key=lambda unit: min(rank(item) for item in unit))
    items[:] = [item for unit in ranked for item in unit]
