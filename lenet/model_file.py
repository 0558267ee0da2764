"""The model file: an ``.npz`` of named float32 arrays plus a JSON metadata header.

Layout (a plain zip of ``.npy`` files, readable without this code):

    "__metadata__"   uint8 array holding UTF-8 JSON: format, version, architecture,
                     normalisation, training details, test accuracy, and a SHA-256 over
                     every parameter's name, shape and bytes
    "conv1.W", ...   the parameters, names as in ``Sequential.params()``

Files are written atomically (temporary file in the same folder, fsync, rename) and read with
``allow_pickle=False``. Anything wrong — not a zip, truncated, a pickled object inside,
another program's ``.npz``, a newer format, a wrong shape, a changed byte — is refused with a
``ModelFileError`` that says what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np

from lenet.atomic import atomic_write
from lenet.classifier import Classifier
from lenet.nn.model import lenet5

FORMAT = "lenet-digits-model"
FORMAT_VERSION = 1
METADATA_KEY = "__metadata__"
BUNDLED_NAME = "lenet5.npz"


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the file and the problem."""


def params_digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the parameters' names, shapes, dtypes and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save_model(classifier: Classifier, path: str | os.PathLike) -> Path:
    """Write the classifier to path atomically; returns the path."""
    path = Path(path)
    arrays = {k: np.asarray(v, dtype=np.float32) for k, v in classifier.net.params().items()}
    meta = dict(classifier.metadata)
    meta.update(format=FORMAT, format_version=FORMAT_VERSION, params_sha256=params_digest(arrays))
    meta.setdefault("architecture", {"name": "LeNet5", "activation": "relu", "pooling": "max"})
    header = np.frombuffer(json.dumps(meta, indent=1, sort_keys=True).encode(), dtype=np.uint8)
    with atomic_write(path) as f:
        np.savez(f, **{METADATA_KEY: header}, **arrays)
    return path


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    if not zipfile.is_zipfile(path):  # np.load would try to unpickle anything that isn't
        raise ModelFileError(f"{path}: not a model file, or truncated (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except ValueError as e:
        if "pickle" in str(e):
            raise ModelFileError(f"{path}: contains a pickled Python object; refused") from e
        raise ModelFileError(f"{path}: unreadable array in the model file ({e})") from e
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise ModelFileError(f"{path}: not a model file, or truncated ({e})") from e


def load_model(path: str | os.PathLike) -> Classifier:
    """Read and verify a model file; raises ModelFileError naming what is wrong."""
    path = Path(path)
    arrays = _read_arrays(path)
    if METADATA_KEY not in arrays:
        raise ModelFileError(f"{path}: no {METADATA_KEY} header: not a LeNet Digits model")
    try:
        meta = json.loads(arrays.pop(METADATA_KEY).tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{path}: metadata header is not valid JSON ({e})") from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: metadata does not describe a {FORMAT} file")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {version!r} is newer than this program reads "
            f"({FORMAT_VERSION}); update LeNet Digits"
        )
    for name, a in arrays.items():
        if a.dtype != np.float32:
            raise ModelFileError(f"{path}: {name} has dtype {a.dtype}, expected float32")
        if not np.isfinite(a).all():
            raise ModelFileError(f"{path}: {name} contains NaN or infinite values")
    if params_digest(arrays) != meta.get("params_sha256"):
        raise ModelFileError(
            f"{path}: parameter checksum mismatch: the file was modified or "
            "damaged after it was written"
        )
    arch = meta.get("architecture", {})
    if arch.get("name") != "LeNet5":
        raise ModelFileError(f"{path}: unknown architecture {arch.get('name')!r}")
    try:
        net = lenet5(activation=arch.get("activation", "relu"), pooling=arch.get("pooling", "max"))
        net.load_params(arrays)
    except ValueError as e:
        raise ModelFileError(f"{path}: {e}") from e
    return Classifier(net, meta)


def bundled_model_path() -> Path:
    """The pretrained model shipped with the package (models/lenet5.npz in the source tree)."""
    try:
        candidate = Path(str(resources.files("lenet.bundled") / BUNDLED_NAME))
        if candidate.is_file():
            return candidate
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "models" / BUNDLED_NAME

