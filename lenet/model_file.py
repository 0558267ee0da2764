"""The model file: an ``.npz`` of named float32 arrays plus a JSON metadata header.

Layout (a plain zip of ``.npy`` files, readable without this code):

    "__metadata__"   uint8 array holding UTF-8 JSON: format, version, architecture,
                     normalisation, training details, test accuracy, a SHA-256 over every
                     parameter's name, shape and bytes (`params_sha256`), and one over
                     those and the metadata that decides the output (`model_sha256`)
    "conv1.W", ...   the parameters, names as in ``Sequential.params()``
    "novelty.means", "novelty.whiten"
                     optional (format 3): the novelty statistics (`lenet.nn.class_gaussians`),
                     described by the metadata's "novelty" entry (layer, reference, what they
                     were fitted on) with their own SHA-256 (`novelty_digest`)

A model may have *second opinions* (`lenet.classifier`): other model files beside it named
``<name>.second-1.npz``, ``<name>.second-2.npz``, ...; `load_model` reads them too.

Files are written atomically (temporary file in the same folder, fsync, rename) and read with
no pickle: every ``.npy`` header is parsed here, each entry's size bounded before it is
read. Anything wrong — not a zip, truncated, a pickled object inside, another program's
``.npz``, a newer format, a wrong shape, a changed byte or setting — is refused with a
``ModelFileError`` that says what is wrong; no other exception leaves `load_model`.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from lenet.atomic import atomic_write
from lenet.classifier import MNIST_MEAN, MNIST_STD, Classifier
from lenet.nn.class_gaussians import ClassGaussians
from lenet.nn.layers import AvgPool2D, Tanh
from lenet.nn.model import Sequential, lenet5

FORMAT = "lenet-digits-model"
FORMAT_VERSION = 3
"""3: may carry novelty statistics (written as 2 when it does not, so that a file without
them stays readable by the programs that read 2).
2: `model_sha256` covers the parameters *and* the metadata that decides the output.
1: only `params_sha256` (still read, when its decisive metadata is the one it was written
with: LeNet5, relu, max pooling, MNIST's normalisation)."""
METADATA_KEY = "__metadata__"
BUNDLED_NAME = "lenet5.npz"
DECISIVE = ("architecture", "normalization", "calibration")
"""The metadata that changes predictions: covered by the checksum."""
ACTIVATIONS = ("relu", "tanh")
POOLINGS = ("max", "avg")
MAX_ENTRY_BYTES = 4 * 2**20
"""No entry of a model file is larger (LeNet-5's largest array is 192 KB): a bigger one is
refused before it is decompressed or allocated."""
MAX_ENTRIES = 64
NOVELTY_PREFIX = "novelty."
_NOVELTY_NAMES = (f"{NOVELTY_PREFIX}means", f"{NOVELTY_PREFIX}whiten")
_NAME = re.compile(r"^[A-Za-z0-9_.]{1,64}\.npy$")
_V1_DECISIVE = {
    "architecture": {"name": "LeNet5", "activation": "relu", "pooling": "max"},
    "normalization": {"mean": MNIST_MEAN, "std": MNIST_STD},
}


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


def model_digest(arrays: dict[str, np.ndarray], meta: dict) -> str:
    """SHA-256 over the parameters and the DECISIVE metadata (canonical JSON)."""
    decisive = json.dumps({k: meta.get(k) for k in DECISIVE}, sort_keys=True,
                          separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(f"{params_digest(arrays)}|{decisive}".encode()).hexdigest()


def novelty_digest(arrays: dict[str, np.ndarray], layer: str, reference: float) -> str:
    """SHA-256 over the novelty arrays (as `params_digest`), their layer and reference."""
    return hashlib.sha256(f"{params_digest(arrays)}|{layer}|{reference!r}".encode()).hexdigest()


def _novelty_arrays(novelty: ClassGaussians) -> dict[str, np.ndarray]:
    means, whiten = _NOVELTY_NAMES
    return {means: np.asarray(novelty.means, np.float32),
            whiten: np.asarray(novelty.whiten, np.float32)}


def _architecture(net: Sequential) -> dict:
    """The architecture entry of a LeNet-5 built by `lenet5`, read from its layers."""
    kinds = {type(layer) for layer in net.layers.values()}
    return {"name": "LeNet5", "activation": "tanh" if Tanh in kinds else "relu",
            "pooling": "avg" if AvgPool2D in kinds else "max"}


def save_model(classifier: Classifier, path: str | os.PathLike) -> Path:
    """Write the classifier to path atomically; returns the path."""
    path = Path(path)
    arrays = {k: np.asarray(v, dtype=np.float32) for k, v in classifier.net.params().items()}
    meta = dict(classifier.metadata)
    meta["architecture"] = _architecture(classifier.net)
    meta["normalization"] = {"mean": classifier.mean, "std": classifier.std}
    version = FORMAT_VERSION if classifier.novelty is not None else 2
    meta.update(format=FORMAT, format_version=version,
                params_sha256=params_digest(arrays), model_sha256=model_digest(arrays, meta))
    extra: dict[str, np.ndarray] = {}
    meta.pop("novelty", None)
    if classifier.novelty is not None:
        n = classifier.novelty
        extra = _novelty_arrays(n)
        facts = dict(classifier.metadata.get("novelty") or {})
        meta["novelty"] = {**facts, "layer": n.layer, "reference": float(n.reference),
                           "sha256": novelty_digest(extra, n.layer, float(n.reference))}
    header = np.frombuffer(json.dumps(meta, indent=1, sort_keys=True).encode(), dtype=np.uint8)
    with atomic_write(path) as f:
        np.savez(f, **{METADATA_KEY: header}, **arrays, **extra)
    return path


def _parse_npy(data: bytes, path: Path, name: str) -> np.ndarray:
    """One `.npy` entry → its array, or ModelFileError; nothing is unpickled."""
    f = io.BytesIO(data)
    version = npy_format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = npy_format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = npy_format.read_array_header_2_0(f)
    else:
        raise ModelFileError(f"{path}: {name} is stored in an unknown array format")
    if dtype.hasobject:
        raise ModelFileError(f"{path}: contains a pickled Python object; refused")
    body = data[f.tell():]
    count = math.prod(shape)
    if count * dtype.itemsize != len(body):
        raise ModelFileError(f"{path}: {name} is damaged (its size does not match its shape)")
    return np.frombuffer(body, dtype).reshape(shape, order="F" if fortran else "C").copy()


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file")
    if not path.is_file():
        raise ModelFileError(f"{path}: not a file (a folder or a device)")
    if not zipfile.is_zipfile(path):  # np.load would try to unpickle anything that isn't
        raise ModelFileError(f"{path}: not a model file, or truncated (not an .npz archive)")
    with zipfile.ZipFile(path) as zf:
        entries = zf.infolist()
        if len(entries) > MAX_ENTRIES:
            raise ModelFileError(f"{path}: {len(entries)} entries: not a LeNet Digits model")
        arrays: dict[str, np.ndarray] = {}
        for info in entries:
            name = info.filename
            if not _NAME.match(name) or name[:-4] in arrays:
                raise ModelFileError(f"{path}: unexpected entry {name!r}: not a model file")
            if info.file_size > MAX_ENTRY_BYTES:
                raise ModelFileError(f"{path}: {name} is far too large for a LeNet-5 model")
            with zf.open(info) as member:
                data = member.read(MAX_ENTRY_BYTES + 1)
            if len(data) > MAX_ENTRY_BYTES:
                raise ModelFileError(f"{path}: {name} is far too large for a LeNet-5 model")
            arrays[name[:-4]] = _parse_npy(data, path, name)
    return arrays


def _real(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _check_metadata(meta: object, path: Path) -> dict:
    """The metadata, checked: right format and version, known architecture, usable
    normalisation. Raises ModelFileError."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: metadata does not describe a {FORMAT} file")
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{path}: format version {version!r} is not one this program knows")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {version!r} is newer than this program reads "
            f"({FORMAT_VERSION}); update LeNet Digits"
        )
    arch = meta.get("architecture")
    if not isinstance(arch, dict) or arch.get("name") != "LeNet5":
        name = arch.get("name") if isinstance(arch, dict) else arch
        raise ModelFileError(f"{path}: unknown architecture {name!r}")
    if arch.get("activation") not in ACTIVATIONS or arch.get("pooling") not in POOLINGS:
        raise ModelFileError(f"{path}: unknown activation or pooling in {arch!r}")
    norm = meta.get("normalization")
    if not (isinstance(norm, dict) and _real(norm.get("mean")) and _real(norm.get("std"))
            and norm["std"] > 0):
        raise ModelFileError(f"{path}: the input normalisation {norm!r} is not usable")
    calibration = meta.get("calibration")
    if calibration is not None and not (
        isinstance(calibration, dict) and _real(calibration.get("temperature"))
        and 0.05 <= calibration["temperature"] <= 20.0
    ):
        raise ModelFileError(f"{path}: the calibration {calibration!r} is not usable")
    if not (_real(meta.get("test_accuracy")) and 0 <= meta["test_accuracy"] <= 1):
        meta.pop("test_accuracy", None)  # shown to the user only; a bad one is dropped
    return meta


def _novelty(arrays: dict[str, np.ndarray], meta: dict, path: Path) -> ClassGaussians | None:
    """The novelty statistics of a file (taken out of `arrays`), checked; None without."""
    extra = {k: arrays.pop(k) for k in [k for k in arrays if k.startswith(NOVELTY_PREFIX)]}
    facts = meta.get("novelty")
    if facts is None and not extra:
        return None
    if not isinstance(facts, dict) or set(extra) != set(_NOVELTY_NAMES):
        raise ModelFileError(f"{path}: its novelty statistics are incomplete")
    layer, reference = facts.get("layer"), facts.get("reference")
    if not (isinstance(layer, str) and _real(reference) and reference > 0):
        raise ModelFileError(f"{path}: its novelty statistics are not usable")
    if novelty_digest(extra, layer, reference) != facts.get("sha256"):
        raise ModelFileError(
            f"{path}: checksum mismatch: the novelty statistics were modified or damaged"
        )
    return ClassGaussians(layer, extra[_NOVELTY_NAMES[0]].astype(np.float64),
                          extra[_NOVELTY_NAMES[1]].astype(np.float64), float(reference))


def second_opinion_paths(path: str | os.PathLike) -> list[Path]:
    """The second opinions' files of the model file `path`: `<name>.second-1.npz`,
    `<name>.second-2.npz`, ... beside it (see `lenet.classifier`), in order."""
    path = Path(path)
    found = []
    while (candidate := path.with_name(f"{path.stem}.second-{len(found) + 1}.npz")).is_file():
        found.append(candidate)
    return found


def load_model(path: str | os.PathLike) -> Classifier:
    """Read and verify a model file, and its second opinions if it has any
    (`second_opinion_paths`); raises ModelFileError naming what is wrong."""
    path = Path(path)
    main = load_one_model(path)
    return main.with_second_opinions(tuple(load_one_model(p)
                                           for p in second_opinion_paths(path)))


def load_one_model(path: str | os.PathLike) -> Classifier:
    """Read and verify one model file (without its second opinions)."""
    path = Path(path)
    try:
        return _load(path)
    except ModelFileError:
        raise
    except MemoryError as e:
        raise ModelFileError(f"{path}: too large to be a LeNet-5 model") from e
    except OSError as e:
        raise ModelFileError(f"{path}: cannot read the file ({e.strerror or e})") from e
    except Exception as e:
        # zip, deflate and .npy headers of a damaged file fail in many ways (NotImplementedError,
        # TokenError, zlib.error, ...): every one of them is a damaged model file
        raise ModelFileError(f"{path}: the model file is damaged and cannot be read") from e


def _load(path: Path) -> Classifier:
    arrays = _read_arrays(path)
    if METADATA_KEY not in arrays:
        raise ModelFileError(f"{path}: no {METADATA_KEY} header: not a LeNet Digits model")
    try:
        meta = json.loads(arrays.pop(METADATA_KEY).tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ModelFileError(f"{path}: metadata header is not valid JSON ({e})") from e
    meta = _check_metadata(meta, path)
    for name, a in arrays.items():
        if a.dtype != np.float32:
            raise ModelFileError(f"{path}: {name} has dtype {a.dtype}, expected float32")
        if not np.isfinite(a).all():
            raise ModelFileError(f"{path}: {name} contains NaN or infinite values")
    novelty = _novelty(arrays, meta, path)
    if meta["format_version"] == 1:
        ok = params_digest(arrays) == meta.get("params_sha256") and all(
            meta.get(k) == v for k, v in _V1_DECISIVE.items()) and "calibration" not in meta
    else:
        ok = model_digest(arrays, meta) == meta.get("model_sha256")
    if not ok:
        raise ModelFileError(
            f"{path}: checksum mismatch: the file was modified or damaged after it was written"
        )
    arch = meta["architecture"]
    try:
        net = lenet5(activation=arch["activation"], pooling=arch["pooling"])
        net.load_params(arrays)
        return Classifier(net, meta).with_novelty(novelty)
    except ValueError as e:
        raise ModelFileError(f"{path}: {e}") from e


def check_writable(path: str | os.PathLike) -> Path:
    """Raise ModelFileError now if a model could not be saved at `path` later: it is a
    folder, a folder on its way is a file, or the folder cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path}: is a folder; give a file name such as {path / 'model.npz'}")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ModelFileError(f"{path}: cannot be created, {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ModelFileError(f"{path}: cannot be written, no permission to write in {folder}")
    return path


def bundled_model_path() -> Path:
    """The pretrained model shipped with the package (models/lenet5.npz in the source tree)."""
    try:
        candidate = Path(str(resources.files("lenet.bundled") / BUNDLED_NAME))
        if candidate.is_file():
            return candidate
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "models" / BUNDLED_NAME

