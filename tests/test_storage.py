"""Finding, verifying and downloading data files (d2l_helpers.storage), with real files."""

import dataclasses
import gzip
import http.server
import os
import threading
from pathlib import Path

import pytest

import d2l_helpers as d2l
from d2l_helpers import storage
from d2l_helpers.datasets import FASHION_MNIST, ROLES


def nowhere_spec():
    """Fashion-MNIST without its system folder, so only the tested route can find it."""
    return dataclasses.replace(FASHION_MNIST, system_dirs=())


def test_root_is_used_exactly(isolated_env, fashion_copy):
    paths = storage.find_files(FASHION_MNIST, root=fashion_copy)
    assert {p.parent for p in paths.values()} == {fashion_copy}
    train_iter, _ = d2l.load_data_fashion_mnist(256, root=fashion_copy)
    assert train_iter.num_examples == 60_000


def test_root_without_files_does_not_fall_back(isolated_env, tmp_path, fashion_copy):
    # The data exists elsewhere (fashion_copy, the system folder), but root= is honoured alone.
    (tmp_path / "empty").mkdir()
    with pytest.raises(d2l.DataNotFoundError, match="root=.*lacks train-images-idx3-ubyte.gz"):
        d2l.load_data_fashion_mnist(256, root=tmp_path / "empty")


def test_d2l_data_dir_with_several_entries(isolated_env, monkeypatch, tmp_path, fashion_copy):
    holder = tmp_path / "holder"
    holder.mkdir()
    fashion_copy.rename(holder / "fashion-mnist")
    monkeypatch.setenv("D2L_DATA_DIR", os.pathsep.join([str(tmp_path / "nothing"), str(holder)]))
    paths = storage.find_files(nowhere_spec())
    assert paths["train_images"] == holder / "fashion-mnist" / "train-images-idx3-ubyte.gz"


def test_cache_folder(isolated_env, fashion_copy):
    isolated_env.mkdir(parents=True)
    fashion_copy.rename(isolated_env / "fashion-mnist")
    paths = storage.find_files(nowhere_spec())
    assert paths["test_labels"].parent == isolated_env / "fashion-mnist"


def test_system_folder(isolated_env, fashion_copy):
    spec = dataclasses.replace(FASHION_MNIST, system_dirs=(str(fashion_copy),))
    assert storage.find_files(spec)["train_labels"].parent == fashion_copy


def test_checksum_failure_names_the_file(isolated_env, fashion_copy):
    labels = fashion_copy / "t10k-labels-idx1-ubyte.gz"
    content = bytearray(gzip.decompress(labels.read_bytes()))
    content[-1] = (content[-1] + 1) % 10  # one label changed, the header still valid
    labels.write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(d2l.ChecksumError, match=r"t10k-labels-idx1-ubyte.gz: the MD5 .*delete it"):
        d2l.load_data_fashion_mnist(256, root=fashion_copy)


def test_recompressed_data_loads(isolated_env, fashion_copy):
    images = fashion_copy / "t10k-images-idx3-ubyte.gz"
    images.write_bytes(gzip.compress(gzip.decompress(images.read_bytes()), compresslevel=1, mtime=12345))
    _, test_iter = d2l.load_data_fashion_mnist(256, root=fashion_copy)
    assert test_iter.num_examples == 10_000


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def mirror(fashion_copy):
    """A real HTTP server on 127.0.0.1 serving the real files, as a mirror would."""
    handler = lambda *a, **k: _Quiet(*a, directory=str(fashion_copy), **k)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_download_into_cache_when_nothing_is_local(isolated_env, monkeypatch, mirror):
    monkeypatch.setenv("D2L_DATA_MIRROR", mirror)
    paths = storage.find_files(nowhere_spec())
    assert {p.parent for p in paths.values()} == {isolated_env / "fashion-mnist"}
    leftovers = [p.name for p in (isolated_env / "fashion-mnist").iterdir()
                 if p.suffix == ".part"]
    assert leftovers == []
    storage.load_arrays(nowhere_spec())  # verified content


def test_nothing_anywhere_lists_places_and_remedies(isolated_env, monkeypatch):
    monkeypatch.setenv("D2L_DATA_MIRROR", "http://127.0.0.1:9/")  # nothing listens: refused at once
    with pytest.raises(d2l.DataNotFoundError) as info:
        storage.find_files(nowhere_spec())
    message = str(info.value)
    assert str(isolated_env / "fashion-mnist") in message
    assert "127.0.0.1:9" in message
    for remedy in ("apt-get install dataset-fashion-mnist", "D2L_DATA_DIR", "root="):
        assert remedy in message


def test_candidate_order(isolated_env, monkeypatch, tmp_path):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "a"))
    dirs = storage.candidate_dirs(FASHION_MNIST)
    assert dirs == [tmp_path / "a" / "fashion-mnist", isolated_env / "fashion-mnist",
                    Path("/usr/share/datasets/fashion-mnist")]
    assert storage.candidate_dirs(FASHION_MNIST, root=tmp_path) == [tmp_path]
    assert set(ROLES) == set(FASHION_MNIST.md5)
