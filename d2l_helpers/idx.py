"""Reading IDX files (the format of MNIST and Fashion-MNIST), gzip-compressed or not.

Every failure is a DataError (IDXFormatError for bad content) whose message names the
file and says what is wrong with it; the caller (storage) adds what to do about it.
"""

import gzip
import math
import struct
import sys
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError, IDXFormatError

_UBYTE = 0x08
_GZIP_MAGIC = b"\x1f\x8b"


def gunzip_file(path: Path) -> bytes:
    """Return a gzip file's decompressed content, or raise a DataError naming it."""
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise DataError(f"{path} cannot be read: {err.strerror or err}.") from err
    return gunzip_bytes(raw, str(path))


def gunzip_bytes(raw: bytes, name: str = "<bytes>") -> bytes:
    """Decompress gzip data (one or more members), or raise IDXFormatError naming it."""
    if raw[:2] != _GZIP_MAGIC:
        raise IDXFormatError(f"{name} is not gzip-compressed: {_first_bytes(raw)}.")
    try:
        return gzip.decompress(raw)
    except EOFError as err:
        raise IDXFormatError(
            f"{name} is truncated: its gzip data ends early, after {len(raw)} bytes "
            "(an interrupted download or copy)."
        ) from err
    except (OSError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
        raise IDXFormatError(
            f"{name} is corrupt: its gzip data cannot be decompressed ({err})."
        ) from err


def _first_bytes(raw: bytes) -> str:
    """Describe what a file that is not gzip data holds instead."""
    if not raw:
        return "it is empty"
    if raw[:3] == b"\x00\x00\x08":
        return "it looks like an uncompressed IDX file (compress it with gzip)"
    if raw.lstrip()[:1] == b"<":
        return "it looks like a web page (HTML), not data"
    return (
        f"it starts with the bytes {raw[:8].hex(' ')}, "
        "not with the gzip signature 1f 8b"
    )


def parse_idx(content: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse uncompressed IDX content into a uint8 array of its header's shape."""
    if len(content) < 4:
        raise IDXFormatError(
            f"{name}: only {len(content)} bytes, too short for an IDX header."
        )
    zero, dtype_code, ndim = struct.unpack(">HBB", content[:4])
    if zero != 0 or dtype_code != _UBYTE or not 1 <= ndim <= 4:
        raise IDXFormatError(
            f"{name}: wrong IDX magic number {content[:4].hex()} (expected 000008 "
            "followed by 1 to 4 dimensions): this is not an unsigned-byte IDX file."
        )
    header_len = 4 + 4 * ndim
    if len(content) < header_len:
        raise IDXFormatError(
            f"{name}: header declares {ndim} dimensions but is cut short."
        )
    shape = struct.unpack(f">{ndim}I", content[4:header_len])
    if math.prod(d for d in shape if d) > sys.maxsize:  # NumPy cannot even describe it
        raise IDXFormatError(
            f"{name}: header declares the impossible shape {shape}: "
            "the file is corrupt or not an IDX file."
        )
    expected = math.prod(shape)  # exact: four 32-bit sizes can exceed int64
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
