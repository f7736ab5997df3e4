"""Shared fixtures: an isolated data environment and small real-data iterators."""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import d2l_helpers as d2l
from d2l_helpers.datasets import FASHION_MNIST, ROLES
from d2l_helpers.storage import candidate_dirs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def fashion_mnist_source() -> Path:
    """Return a folder holding the real Fashion-MNIST files, as the loader would find them."""
    for folder in candidate_dirs(FASHION_MNIST):
        if all((folder / FASHION_MNIST.file_name(r)).is_file() for r in ROLES):
            return folder
    pytest.fail("Fashion-MNIST is not installed: run `make data` first.")


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Empty D2L_DATA_DIR, a fresh cache and downloads disabled; return the cache path."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("D2L_CACHE_DIR", str(cache))
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    monkeypatch.setenv("D2L_DATA_MIRROR", "")
    return cache


@pytest.fixture
def fashion_copy(tmp_path: Path) -> Path:
    """A private copy of the four real Fashion-MNIST files, safe to damage."""
    target = tmp_path / "copy"
    shutil.copytree(fashion_mnist_source(), target,
                    ignore=lambda d, names: [n for n in names if not n.endswith(".gz")])
    return target


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
