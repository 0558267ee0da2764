"""MNIST on disk: the IDX file format, the four standard files, and where to find them.

The IDX format (Yann LeCun's MNIST page) is tiny:

    byte 0, 1   always 0
    byte 2      element type code (0x08 = unsigned byte, ...)
    byte 3      number of dimensions d
    d x uint32  size of each dimension, big-endian
    ...         the elements, big-endian, row-major (C order)

`read_idx` reads one such file (raw or gzip-compressed) and checks every one of these
fields; `load_mnist` reads the four MNIST files of a folder into a `MnistData`.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import platformdirs

__all__ = [
    "ENV_VAR",
    "FILES",
    "IdxError",
    "MnistData",
    "default_cache_dir",
    "find_mnist_file",
    "load_mnist",
    "locate_data_dir",
    "read_idx",
    "write_idx",
]

#: Environment variable naming the folder that holds the MNIST files.
ENV_VAR = "LENET_DATA_DIR"

#: The four standard MNIST files, keyed by the matching `MnistData` field.
#: In a folder each may be present either as `<name>.gz` or uncompressed as `<name>`.
FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

IMAGE_SIZE = 28  # MNIST images are 28 x 28 pixels
NUM_CLASSES = 10  # digits 0..9

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


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file, raw or gzip-compressed (detected by its magic bytes).

    Returns an array in native byte order with the shape stored in the file, e.g.
    uint8 (60000, 28, 28) for the MNIST training images or uint8 (60000,) for its labels.
    The array owns its memory and is writable.

    Raises `IdxError` for anything malformed (bad magic number, unknown type code,
    truncated or over-long data, corrupt gzip stream), `FileNotFoundError` if the file
    does not exist.
    """
    path = Path(path)
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            return _parse_idx(raw, path)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                return _parse_idx(stream, path)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise IdxError(f"{path}: corrupt or truncated gzip stream ({exc})") from exc


def _parse_idx(stream: BinaryIO, path: Path) -> np.ndarray:
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
    """Write `array` (1 to 4 dims, a dtype IDX knows) as an IDX file; gzip it if `path` ends in .gz.

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


# --------------------------------------------------------------------------- the dataset


@dataclass(frozen=True, eq=False, repr=False)
class MnistData:
    """The MNIST training and test sets, checked for consistency on construction.

    train_images: uint8 (N, 28, 28), pixel values 0..255 (0 = background)
    train_labels: uint8 (N,), digits 0..9
    test_images:  uint8 (M, 28, 28)
    test_labels:  uint8 (M,)
    sources: where each array came from (used in error messages), keyed like `FILES`.

    Inconsistent arrays raise `IdxError` naming the offending file.
    (`eq=False`: comparing numpy arrays with `==` is not a plain bool.)
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    sources: Mapping[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            self._check_split(split)

    def __repr__(self) -> str:  # the default would print every array
        return f"MnistData(train={len(self.train_labels)}, test={len(self.test_labels)})"

    def _where(self, key: str) -> str:
        return str(self.sources.get(key, key))

    def _check_split(self, split: str) -> None:
        images_key, labels_key = f"{split}_images", f"{split}_labels"
        images, labels = getattr(self, images_key), getattr(self, labels_key)
        size = IMAGE_SIZE
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (size, size):
            raise IdxError(
                f"{self._where(images_key)}: expected uint8 images of shape (N, {size}, {size}), "
                f"got {images.dtype} {images.shape}"
            )
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise IdxError(
                f"{self._where(labels_key)}: expected uint8 labels of shape (N,), "
                f"got {labels.dtype} {labels.shape}"
            )
        if len(images) != len(labels):
            raise IdxError(
                f"{self._where(labels_key)}: {len(labels)} labels but "
                f"{self._where(images_key)} holds {len(images)} images"
            )
        bad = np.flatnonzero(labels >= NUM_CLASSES)
        if bad.size:
            raise IdxError(
                f"{self._where(labels_key)}: labels must be 0..{NUM_CLASSES - 1}, found "
                f"{int(labels[bad[0]])} at index {int(bad[0])} ({bad.size} bad labels)"
            )


# --------------------------------------------------------------------------- finding the files


def default_cache_dir() -> Path:
    """The per-user cache folder where `lenet download` puts MNIST (platform dependent)."""
    return Path(platformdirs.user_cache_dir("lenet-digits")) / "mnist"


def locate_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The folder to read MNIST from: `explicit` (e.g. `--data-dir`), else the
    `LENET_DATA_DIR` environment variable, else `default_cache_dir()`.

    The folder is not required to exist; `load_mnist` reports a missing one.
    """
    if explicit is not None and str(explicit) != "":
        return Path(explicit).expanduser()
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return default_cache_dir()


def _how_to_get_it() -> str:
    return (
        f"Run `lenet download` to fetch MNIST into {default_cache_dir()}, or point "
        f"`--data-dir` or the {ENV_VAR} environment variable at a folder holding the four "
        f"MNIST files ({', '.join(FILES.values())}, each raw or .gz)."
    )


def find_mnist_file(data_dir: str | os.PathLike[str], name: str) -> Path:
    """Path of the standard file `name` in `data_dir`: `<name>.gz` if present, else `<name>`.

    Raises `FileNotFoundError` (saying where it looked and how to get MNIST) if neither exists.
    """
    data_dir = Path(data_dir)
    for candidate in (data_dir / f"{name}.gz", data_dir / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"MNIST file {name}(.gz) is missing: looked for {data_dir / name}.gz and "
        f"{data_dir / name}. {_how_to_get_it()}"
    )


def load_mnist(data_dir: str | os.PathLike[str] | None = None) -> MnistData:
    """Read and check the four MNIST files in `data_dir` (None: `locate_data_dir()`).

    Raises `FileNotFoundError` for a missing folder or file, `IdxError` for a bad file.
    """
    folder = locate_data_dir(data_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"MNIST folder {folder} does not exist. {_how_to_get_it()}")
    paths = {key: find_mnist_file(folder, name) for key, name in FILES.items()}
    arrays = {key: read_idx(path) for key, path in paths.items()}
    return MnistData(**arrays, sources=paths)
