"""The IDX file format (Yann LeCun's MNIST page), raw or gzip-compressed:

    byte 0, 1   always 0
    byte 2      element type code (0x08 = unsigned byte, ...)
    byte 3      number of dimensions d
    d x uint32  size of each dimension, big-endian
    ...         the elements, big-endian, row-major (C order)

`read_idx` reads one such file and checks every one of these fields; `write_idx` writes one.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = ["IdxError", "read_idx", "write_idx"]

# IDX element type codes -> big-endian numpy dtypes.
_IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),  # unsigned byte
    0x09: np.dtype(">i1"),  # signed byte
    0x0B: np.dtype(">i2"),  # short
    0x0C: np.dtype(">i4"),  # int
    0x0D: np.dtype(">f4"),  # float
    0x0E: np.dtype(">f8"),  # double
}
_MAX_DIMS = 4
_GZIP_MAGIC = b"\x1f\x8b"
# Payloads are read 1 MiB at a time, so a lying header cannot make us allocate more
# memory than the file really holds.
_READ_CHUNK = 1 << 20


class IdxError(ValueError):
    """A file is not a valid IDX / MNIST file. The message names the file and the problem."""


# --------------------------------------------------------------------------- reading IDX


def read_idx(path: str | os.PathLike[str], max_bytes: int | None = None) -> np.ndarray:
    """Read one IDX file, raw or gzip-compressed (detected by its magic bytes).

    Returns an array in native byte order with the shape stored in the file, e.g.
    uint8 (60000, 28, 28) for the MNIST training images or uint8 (60000,) for its labels.
    The array owns its memory and is writable.

    `max_bytes` bounds the uncompressed size (header + data): a header declaring more is
    refused before anything is allocated or inflated.

    Raises `IdxError` for anything malformed (bad magic number, unknown type code,
    truncated or over-long data, corrupt gzip stream, too large) or unreadable (a folder,
    no permission), `FileNotFoundError` if the file does not exist.
    """
    path = Path(path)
    if path.is_dir():
        raise IdxError(f"{path}: is a folder, not an IDX file")
    try:
        raw = open(path, "rb")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise IdxError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    with raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            return _parse_idx(raw, path, max_bytes)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                return _parse_idx(stream, path, max_bytes)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise IdxError(f"{path}: corrupt or truncated gzip data") from exc


def _parse_idx(stream: BinaryIO, path: Path, max_bytes: int | None) -> np.ndarray:
    """Parse the (already decompressed) IDX byte stream; see the module docstring."""
    header = stream.read(4)
    if len(header) == 0:
        raise IdxError(f"{path}: empty file (an IDX file starts with a 4-byte header)")
    if len(header) < 4:
        raise IdxError(f"{path}: too short for an IDX header (need 4 bytes, found {len(header)})")
    zero0, zero1, type_code, ndim = header
    if zero0 != 0 or zero1 != 0:
        raise IdxError(
            f"{path}: bad magic number 0x{header.hex()}: an IDX file starts with two zero "
            "bytes (is this really an MNIST/IDX file?)"
        )
    if type_code not in _IDX_DTYPES:
        known = ", ".join(f"0x{code:02X}" for code in _IDX_DTYPES)
        raise IdxError(f"{path}: unknown IDX element type code 0x{type_code:02X} (known: {known})")
    if not 1 <= ndim <= _MAX_DIMS:
        raise IdxError(f"{path}: unsupported number of dimensions {ndim} (expected 1..{_MAX_DIMS})")

    size_bytes = stream.read(4 * ndim)
    if len(size_bytes) < 4 * ndim:
        raise IdxError(
            f"{path}: header truncated: {ndim} dimensions need {4 * ndim} bytes of sizes, "
            f"found {len(size_bytes)}"
        )
    shape = tuple(int(s) for s in np.frombuffer(size_bytes, dtype=">u4"))
    if any(s == 0 for s in shape):
        raise IdxError(f"{path}: dimension sizes must be positive, got {shape}")

    dtype = _IDX_DTYPES[type_code]
    expected = math.prod(shape) * dtype.itemsize
    if max_bytes is not None and 4 + 4 * ndim + expected > max_bytes:
        raise IdxError(
            f"{path}: declares {shape} elements, larger than this file can be "
            f"({max_bytes} bytes)"
        )
    payload = _read_at_most(stream, expected + 1)  # one byte more reveals trailing garbage
    if len(payload) < expected:
        raise IdxError(
            f"{path}: truncated: expected {expected} bytes of data, found {len(payload)}"
        )
    if len(payload) > expected:
        extra = len(payload) - expected + _count_remaining(stream)
        raise IdxError(
            f"{path}: {extra} unexpected trailing bytes after the {expected} bytes of data "
            f"for shape {shape}"
        )
    array = np.frombuffer(payload, dtype=dtype).reshape(shape)  # bytearray: writable
    return array.astype(dtype.newbyteorder("="), copy=False)


def _read_at_most(stream: BinaryIO, limit: int) -> bytearray:
    """Read up to `limit` bytes, in chunks, stopping early at end of file."""
    buffer = bytearray()
    while len(buffer) < limit:
        chunk = stream.read(min(_READ_CHUNK, limit - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    return buffer


def _count_remaining(stream: BinaryIO) -> int:
    """Number of bytes left in the stream (read and discarded)."""
    count = 0
    while chunk := stream.read(_READ_CHUNK):
        count += len(chunk)
    return count


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write `array` (1 to 4 dims, a dtype IDX knows) as IDX; gzipped if `path` ends in .gz.

    Mostly for tests and small fixtures: `read_idx(write_idx(p, a))` equals `a`.
    """
    path = Path(path)
    array = np.asarray(array)
    by_dtype = {dtype.newbyteorder("="): code for code, dtype in _IDX_DTYPES.items()}
    code = by_dtype.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"IDX cannot store dtype {array.dtype}")
    if not 1 <= array.ndim <= _MAX_DIMS:
        raise ValueError(f"IDX stores 1..{_MAX_DIMS} dimensions, got shape {array.shape}")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    data = header + np.ascontiguousarray(array, dtype=_IDX_DTYPES[code]).tobytes()
    if path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path
