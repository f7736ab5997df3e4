"""Reading IDX files (the format of MNIST and Fashion-MNIST), gzip-compressed or not."""

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import IDXFormatError

_UBYTE = 0x08


def gunzip_file(path: Path) -> bytes:
    """Return the decompressed bytes of a gzip file, or raise IDXFormatError naming it."""
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
        raise IDXFormatError(
            f"{path} is not a complete gzip file ({err}). It is probably truncated or "
            "corrupt: delete it and provide the data set again (see the data section of "
            "README.md)."
        ) from err


def parse_idx(content: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse uncompressed IDX content into a uint8 array of the shape its header declares."""
    if len(content) < 4:
        raise IDXFormatError(f"{name}: only {len(content)} bytes, too short for an IDX header.")
    zero, dtype_code, ndim = struct.unpack(">HBB", content[:4])
    if zero != 0 or dtype_code != _UBYTE or not 1 <= ndim <= 4:
        raise IDXFormatError(
            f"{name}: wrong IDX magic number {content[:4].hex()} (expected 000008 "
            "followed by 1 to 4 dimensions): this is not an unsigned-byte IDX file."
        )
    header_len = 4 + 4 * ndim
    if len(content) < header_len:
        raise IDXFormatError(f"{name}: header declares {ndim} dimensions but is cut short.")
    shape = struct.unpack(f">{ndim}I", content[4:header_len])
    expected = int(np.prod(shape, dtype=np.int64))
    payload = len(content) - header_len
    if payload != expected:
        raise IDXFormatError(
            f"{name}: header declares shape {shape} ({expected} bytes of data) but the "
            f"file holds {payload} bytes: the file is truncated or not what it claims."
        )
    return np.frombuffer(content, dtype=np.uint8, offset=header_len).reshape(shape)


def encode_idx(array: np.ndarray) -> bytes:
    """Return the IDX encoding of a uint8 array (the inverse of parse_idx)."""
    header = struct.pack(">HBB", 0, _UBYTE, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
