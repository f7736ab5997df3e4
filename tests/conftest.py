"""Shared fixtures: an isolated data environment, real data files, small iterators."""

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

ROOT = Path(__file__).resolve().parents[1]


def data_source(spec: DatasetSpec = FASHION_MNIST) -> Path:
    """Return a folder holding a data set's real files, as the loader would find them."""
    for folder in candidate_dirs(spec):
        if not missing_files(spec, folder):
            return folder
    pytest.fail(f"{spec.name} is not installed: run `make data` first.")


def fashion_mnist_source() -> Path:
    """Return a folder holding the real Fashion-MNIST files, as the loader would find them."""
    return data_source(FASHION_MNIST)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """A folder holding the real MNIST files (found before any test changes the environment)."""
    return data_source(MNIST)


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Empty D2L_DATA_DIR, a fresh cache and downloads disabled; return the cache path."""
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
    """Start local HTTP servers: http_server(folder, misbehave={name: mode}, delay=s)."""
    servers: list[LocalServer] = []

    def start(folder: Path, misbehave: dict[str, str] | None = None,
              delay: float = 0.0) -> LocalServer:
        servers.append(LocalServer(folder, misbehave, delay).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def blackhole() -> Iterator[str]:
    """The base URL of a socket on 127.0.0.1 that accepts connections and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as server:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/"


@pytest.fixture(scope="session")
def fashion_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The real Fashion-MNIST arrays (train images, labels, test images, labels)."""
    train_iter, test_iter = d2l.load_data_fashion_mnist(256)
    return train_iter.images, train_iter.labels, test_iter.images, test_iter.labels


@pytest.fixture
def small_iters(fashion_arrays):
    """Iterators over 2,048 real training and 1,000 real test images, for fast training."""
    X_train, y_train, X_test, y_test = fashion_arrays
    train_iter = d2l.ArrayDataIter(X_train[:2048], y_train[:2048], 128, shuffle=True)
    test_iter = d2l.ArrayDataIter(X_test[:1000], y_test[:1000], 128, shuffle=False)
    return train_iter, test_iter


@pytest.fixture(scope="session")
def glued():
    """Return a function: chapter name -> the values its executed notebook glued."""
    from notebooks import executed_dir, glued_values

    def read(chapter: str) -> dict:
        path = executed_dir() / f"{chapter}.ipynb"
        if not path.is_file() and not path.with_suffix(".glue.json").is_file():
            pytest.fail(f"{path} is missing: run `make book` first (it executes the chapters).")
        return glued_values(path)

    return read


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark nbval's cells (a chapter re-executed against its reference) as slow."""
    for item in items:
        if item.nodeid.startswith("tests/references/"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def values(request: pytest.FixtureRequest, glued) -> dict:
    """Return the values glued by the chapter a ``tests/chapters/test_<chapter>.py`` checks."""
    return glued(request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_"))


@pytest.fixture(scope="session")
def course(tmp_path_factory: pytest.TempPathFactory):
    """The unzipped course bundle with its requirements in a fresh venv (once a run)."""
    import course_bundle

    return course_bundle.prepare(tmp_path_factory)
