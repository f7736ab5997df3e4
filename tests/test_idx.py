"""The IDX reader (d2l_helpers.idx): round trips, clear errors, and property tests.

The property tests feed random headers, random bytes and randomly damaged gzip members
to the reader: it must return an array of the declared shape or raise the package's own
error, never anything else.
"""

import gzip
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from d2l_helpers import storage
from d2l_helpers.datasets import FASHION_MNIST, ROLES
from d2l_helpers.errors import ChecksumError, DataError, IDXFormatError
from d2l_helpers.idx import encode_idx, gunzip_bytes, gunzip_file, parse_idx

# Examples reuse tmp_path, rewriting the same file: fine.
SAME_TMP_PATH = HealthCheck.function_scoped_fixture
# Sizes near the 32-bit and 64-bit limits, where a careless size computation overflows.
DIMS = st.one_of(st.integers(0, 6), st.sampled_from([2**16, 2**31, 2**32 - 1]))


@given(
    shape=st.lists(st.integers(0, 5), min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_round_trip(shape, seed):
    array = np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)
    decoded = parse_idx(encode_idx(array))
    assert decoded.dtype == np.uint8 and np.array_equal(decoded, array)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x00\x00", "only 2 bytes, too short"),
        (
            b"\x00\x00\x0d\x01" + struct.pack(">I", 1) + b"\x00\x00\x00\x00",
            "wrong IDX magic",
        ),
        (b"\x08\x03\x00\x00", "wrong IDX magic"),
        (
            b"\x00\x00\x08\x05" + struct.pack(">5I", 1, 1, 1, 1, 1) + b"\x00",
            "wrong IDX magic",
        ),
        (b"\x00\x00\x08\x03" + struct.pack(">3I", 2, 28, 28) + bytes(100), "truncated"),
        (b"\x00\x00\x08\x02" + struct.pack(">I", 5), "cut short"),
        # 2**64 bytes declared: 0 in int64 arithmetic; an empty payload must fail
        (b"\x00\x00\x08\x04" + struct.pack(">4I", *[2**16] * 4), "impossible shape"),
        # 0 bytes declared, but NumPy cannot represent the other dimensions together
        (
            b"\x00\x00\x08\x03" + struct.pack(">3I", 2**32 - 1, 2**32 - 1, 0),
            "impossible shape",
        ),
    ],
)
def test_bad_headers(content, message):
    with pytest.raises(IDXFormatError, match=rf"^some-file: .*{message}"):
        parse_idx(content, "some-file")


LABELS = encode_idx(np.arange(100, dtype=np.uint8))


def flip_byte(raw: bytes, at: int) -> bytes:
    """Return raw with the byte at index ``at`` inverted."""
    data = bytearray(raw)
    data[at] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize(
    "raw, message",
    [
        (LABELS, "is not gzip-compressed: it looks like an uncompressed IDX file"),
        (
            b"<html><body>Not Found</body></html>",
            "is not gzip-compressed: it looks like a web page",
        ),
        (b"", "is not gzip-compressed: it is empty"),
        (
            b"PK\x03\x04zipped",
            "is not gzip-compressed: it starts with the bytes 50 4b 03 04",
        ),
        (
            gzip.compress(LABELS, mtime=0)[:30],
            "is truncated: its gzip data ends early, after 30 bytes",
        ),
        (
            flip_byte(gzip.compress(LABELS, mtime=0), -8),
            "is corrupt: .*CRC check failed",
        ),
        (
            flip_byte(gzip.compress(LABELS, mtime=0), 12),
            "is corrupt: .*invalid distance too far back",
        ),
        (
            gzip.compress(LABELS, mtime=0) + b"garbage",
            "is corrupt: .*Not a gzipped file",
        ),
    ],
)
def test_gunzip_errors_name_the_file(tmp_path, raw, message):
    path = tmp_path / "some.gz"
    path.write_bytes(raw)
    with pytest.raises(IDXFormatError, match=rf"^{path} {message}"):
        gunzip_file(path)


def test_unreadable_paths_are_data_errors(tmp_path):
    with pytest.raises(
        DataError, match=rf"^{tmp_path / 'none.gz'} cannot be read: No such file"
    ):
        gunzip_file(tmp_path / "none.gz")
    with pytest.raises(DataError, match=rf"^{tmp_path} cannot be read: Is a directory"):
        gunzip_file(tmp_path)


def check_declared_shape(content: bytes, array: np.ndarray) -> None:
    """Assert that an array is what the IDX header of content declares."""
    assert array.dtype == np.uint8
    assert array.ndim == content[3]
    assert array.shape == struct.unpack(
        f">{array.ndim}I", content[4 : 4 + 4 * array.ndim]
    )


def idx_by_the_spec(content: bytes) -> np.ndarray | None:
    """Decode IDX content as the format's description reads; None where it is invalid.

    Written from the format (magic 0x0000 0x08 ndim, big-endian 32-bit sizes, then
    exactly prod(sizes) bytes), not from the reader, as the oracle of the property test.
    """
    if (
        len(content) < 4
        or content[:3] != b"\x00\x00\x08"
        or content[3] not in (1, 2, 3, 4)
    ):
        return None
    sizes = content[4 : 4 + 4 * content[3]]
    if len(sizes) < 4 * content[3]:
        return None
    shape = tuple(
        int.from_bytes(sizes[i : i + 4], "big") for i in range(0, len(sizes), 4)
    )
    data = content[4 + len(sizes) :]
    count = 1
    for size in shape:
        count *= size
    if len(data) != count:
        return None
    try:
        return np.frombuffer(data, dtype=np.uint8).reshape(shape)
    except ValueError:  # NumPy cannot describe the shape: not a loadable file
        return None


@settings(max_examples=300, deadline=None)
@given(
    ndim=st.integers(0, 6),
    dims=st.lists(DIMS, max_size=6),
    dtype=st.sampled_from([0x08, 0x08, 0x09, 0x0D]),
    zero=st.sampled_from([0, 0, 1]),
    payload=st.binary(max_size=400),
    cut=st.integers(0, 40),
)
@example(ndim=4, dims=[2**16] * 4, dtype=0x08, zero=0, payload=b"", cut=0)
@example(ndim=3, dims=[2**32 - 1, 2**32 - 1, 0], dtype=0x08, zero=0, payload=b"", cut=0)
@example(ndim=2, dims=[3, 2], dtype=0x08, zero=0, payload=bytes(range(6)), cut=0)
def test_parser_agrees_with_the_format(ndim, dims, dtype, zero, payload, cut):
    header = struct.pack(">HBB", zero, dtype, ndim) + struct.pack(
        f">{len(dims)}I", *dims
    )
    content = (header + payload)[: max(0, len(header) + len(payload) - cut)]
    expected = idx_by_the_spec(content)
    if expected is None:
        with pytest.raises(IDXFormatError):
            parse_idx(content)
        return
    array = parse_idx(content)
    check_declared_shape(content, array)
    assert np.array_equal(array, expected)


@settings(max_examples=300, deadline=None)
@given(
    raw=st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=300).map(lambda b: b"\x1f\x8b" + b),
        st.binary(max_size=300).map(gzip.compress),
    )
)
def test_gunzip_returns_what_gzip_decompresses_or_its_own_error(raw):
    try:
        expected = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else None
    except (EOFError, OSError, zlib.error):
        expected = None
    if expected is None:
        with pytest.raises(IDXFormatError):
            gunzip_bytes(raw)
    else:
        assert gunzip_bytes(raw) == expected


@st.composite
def damaged_gzip(draw: st.DrawFn) -> tuple[bytes, bytes, bool]:
    """Draw (IDX content, gzip file bytes, whether the bytes were damaged)."""
    shape = draw(st.lists(st.integers(0, 12), min_size=1, max_size=3))
    seed = draw(st.integers(0, 2**32 - 1))
    content = encode_idx(
        np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    )
    split = draw(st.integers(0, len(content)))
    members = [content[:split], content[split:]] if draw(st.booleans()) else [content]
    raw = b"".join(
        gzip.compress(
            m,
            compresslevel=draw(st.integers(0, 9)),
            mtime=draw(st.integers(0, 2**32 - 1)),
        )
        for m in members
    )
    damage = draw(st.sampled_from(["none", "cut", "flip", "append"]))
    if damage == "cut":
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif damage == "flip":
        at = draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1 :]
    elif damage == "append":
        raw += draw(st.binary(min_size=1, max_size=20))
    return content, raw, damage != "none"


@settings(max_examples=300, deadline=None, suppress_health_check=[SAME_TMP_PATH])
@given(case=damaged_gzip())
def test_random_gzip_files_load_intact_or_raise_its_own_error(tmp_path, case):
    content, raw, damaged = case
    path = tmp_path / "random.gz"
    path.write_bytes(raw)
    try:
        array = parse_idx(gunzip_file(path), str(path))
    except IDXFormatError as err:
        assert damaged and str(err).startswith(str(path))
        return
    check_declared_shape(content, array)
    if not damaged:
        assert encode_idx(array) == content


@settings(max_examples=100, deadline=None, suppress_health_check=[SAME_TMP_PATH])
@given(
    role=st.sampled_from(ROLES), seed=st.integers(0, 2**32 - 1), count=st.integers(0, 3)
)
def test_no_random_file_passes_verification(tmp_path, role, seed, count):
    # Right header and size for the role (labels in full, images cut to the first rows):
    # only the published content may load.
    shape = FASHION_MNIST.expected_shape(role)
    if role.endswith("images"):
        shape = (count, *shape[1:])
    array = np.random.default_rng(seed).integers(0, 10, shape, dtype=np.uint8)
    path = tmp_path / FASHION_MNIST.file_name(role)
    path.write_bytes(gzip.compress(encode_idx(array), compresslevel=1))
    with pytest.raises((ChecksumError, IDXFormatError), match=rf"^{path}"):
        storage.load_verified(FASHION_MNIST, role, path)
