"""MNIST on disk: the four standard files, and where to find them.

`load_mnist` reads the four IDX files (`lenet.data.idx`) of a folder into a `MnistData`;
the folder is `--data-dir`, else `$LENET_DATA_DIR`, else the user cache folder.
"""

from __future__ import annotations

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
