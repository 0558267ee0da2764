"""MNIST on disk: the four standard files, and where to find them.

`load_mnist` reads the four IDX files (`lenet.data.idx`) of a folder into a `MnistData`;
the folder is `--data-dir`, else `$LENET_DATA_DIR`, else the user cache folder.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import platformdirs

from lenet.data.idx import IdxError, read_idx

__all__ = [
    "ENV_VAR",
    "FILES",
    "MnistData",
    "default_cache_dir",
    "find_mnist_file",
    "load_mnist",
    "locate_data_dir",
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

#: SHA-256 of the uncompressed IDX bytes of each standard file.
SHA256: dict[str, str] = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

#: Size in bytes of each standard file, uncompressed (header + data). No file read as one of
#: these may be larger: a lying header or a gzip bomb is refused before it is inflated.
SIZES: dict[str, int] = {
    "train-images-idx3-ubyte": 16 + 60_000 * 28 * 28,
    "train-labels-idx1-ubyte": 8 + 60_000,
    "t10k-images-idx3-ubyte": 16 + 10_000 * 28 * 28,
    "t10k-labels-idx1-ubyte": 8 + 10_000,
}

IMAGE_SIZE = 28  # MNIST images are 28 x 28 pixels
NUM_CLASSES = 10  # digits 0..9


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
    for candidate in (data_dir / f"{name}.gz", data_dir / name):
        if candidate.exists():
            raise IdxError(f"{candidate}: is a folder or a device, not an MNIST file")
    raise FileNotFoundError(
        f"MNIST file {name}(.gz) is missing: looked for {data_dir / name}.gz and "
        f"{data_dir / name}. {_how_to_get_it()}"
    )


def load_mnist(
    data_dir: str | os.PathLike[str] | None = None, splits: tuple[str, ...] = ("train", "test")
) -> MnistData:
    """Read and check the four MNIST files in `data_dir` (None: `locate_data_dir()`).

    `splits=("test",)` reads only the two test files (the training arrays are then empty):
    all that `lenet evaluate` needs.

    Raises `FileNotFoundError` for a missing folder or file, `IdxError` for a bad,
    unreadable or oversized file.
    """
    folder = locate_data_dir(data_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"MNIST folder {folder} does not exist. {_how_to_get_it()}")
    keys = [key for key in FILES if key.split("_")[0] in splits]
    paths = {key: find_mnist_file(folder, FILES[key]) for key in keys}
    arrays = {key: _read_standard(paths[key], FILES[key]) for key in keys}
    for key in FILES.keys() - set(keys):
        arrays[key] = np.zeros((0, IMAGE_SIZE, IMAGE_SIZE) if key.endswith("images") else 0,
                               np.uint8)
    return MnistData(**arrays, sources=paths)


def _read_standard(path: Path, name: str) -> np.ndarray:
    """One of the four files, at most its standard size. A raw (uncompressed) file of
    exactly the standard size must be the standard file: gzip has a CRC, raw files have
    nothing else to catch a flipped byte."""
    array = read_idx(path, max_bytes=SIZES[name])
    header = 4 + 4 * array.ndim
    if header + array.nbytes == SIZES[name] and not _is_gzip(path):
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != SHA256[name]:
            raise IdxError(
                f"{path}: has the size of MNIST's {name} but not its content: the file is "
                "damaged; download it again (`lenet download`)"
            )
    return array


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"
