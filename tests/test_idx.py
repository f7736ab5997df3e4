"""The IDX parser (d2l_helpers.idx): round trips, clear errors, and a property test."""

import gzip
import os
import struct

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from d2l_helpers.errors import IDXFormatError
from d2l_helpers.idx import encode_idx, gunzip_file, parse_idx


def test_round_trip():
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(parse_idx(encode_idx(array)), array)


@pytest.mark.parametrize("content, message", [
    (b"\x00\x00", "too short"),
    (b"\x00\x00\x0d\x01" + struct.pack(">I", 1) + b"\x00\x00\x00\x00", "wrong IDX magic"),
    (b"\x08\x03\x00\x00", "wrong IDX magic"),
    (b"\x00\x00\x08\x03" + struct.pack(">3I", 2, 28, 28) + bytes(100), "truncated"),
    (b"\x00\x00\x08\x02" + struct.pack(">I", 5), "cut short"),
])
def test_bad_headers(content, message):
    with pytest.raises(IDXFormatError, match=message):
        parse_idx(content, "some-file")


def test_gunzip_errors_name_the_file(tmp_path):
    not_gzip = tmp_path / "plain.gz"
    not_gzip.write_bytes(encode_idx(np.zeros(10, dtype=np.uint8)))
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(gzip.compress(os.urandom(10_000))[:200])
    for path in (not_gzip, truncated):
        with pytest.raises(IDXFormatError, match=str(path)):
            gunzip_file(path)


@settings(max_examples=300, deadline=None)
@given(ndim=st.integers(0, 6), dims=st.lists(st.integers(0, 6), max_size=6),
       dtype=st.sampled_from([0x08, 0x08, 0x09, 0x0D]), zero=st.sampled_from([0, 0, 1]),
       payload=st.binary(max_size=400), cut=st.integers(0, 40))
def test_parser_returns_declared_shape_or_its_own_error(ndim, dims, dtype, zero, payload, cut):
    header = struct.pack(">HBB", zero, dtype, ndim) + struct.pack(f">{len(dims)}I", *dims)
    content = (header + payload)[: max(0, len(header) + len(payload) - cut)]
    try:
        array = parse_idx(content)
    except IDXFormatError:
        return
    assert array.dtype == np.uint8
    assert array.shape == struct.unpack(f">{array.ndim}I", content[4:4 + 4 * array.ndim])
    assert array.ndim == content[3]
