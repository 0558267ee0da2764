"""Damaged, hostile and tampered model files: always a ModelFileError, never another
exception, never a silently different model (issue: every bad input gets a clear error)."""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lenet.classifier import Classifier
from lenet.model_file import (
    MAX_ENTRY_BYTES,
    ModelFileError,
    bundled_model_path,
    load_model,
    params_digest,
    save_model,
)
from lenet.nn.model import lenet5

BUNDLED = bundled_model_path()


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _write(path: Path, entries: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _meta(entries: dict[str, bytes]) -> dict:
    return json.loads(np.load(io.BytesIO(entries["__metadata__.npy"])).tobytes())


def _with_meta(entries: dict[str, bytes], meta: dict) -> dict[str, bytes]:
    out = dict(entries)
    out["__metadata__.npy"] = _npy(np.frombuffer(json.dumps(meta).encode(), np.uint8))
    return out


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return save_model(Classifier(lenet5(rng=np.random.default_rng(0))), tmp_path / "m.npz")


def _refused(path: Path, match: str | None = None) -> str:
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(path)
    assert str(path) in str(info.value)
    return str(info.value)


# ------------------------------------------------------------------ metadata of the wrong type


@pytest.mark.parametrize("architecture", ["LeNet5", ["LeNet5"], 5, None,
                                          {"name": "LeNet5", "activation": "gelu"},
                                          {"name": "LeNet5", "activation": "relu", "pooling": 3}])
def test_architecture_of_the_wrong_type_or_value(saved, tmp_path, architecture):
    entries = _entries(saved)
    meta = _meta(entries)
    meta["architecture"] = architecture
    _refused(_write(tmp_path / "bad.npz", _with_meta(entries, meta)),
             "unknown architecture|unknown activation")


@pytest.mark.parametrize("meta", [[], "text", 3, {"format": ["x"]}])
def test_metadata_that_is_not_an_object(saved, tmp_path, meta):
    _refused(_write(tmp_path / "bad.npz", _with_meta(_entries(saved), meta)),
             "does not describe")


@pytest.mark.parametrize("version", ["1", 1.5, True, 0, -3, None])
def test_format_version_of_the_wrong_type(saved, tmp_path, version):
    entries = _entries(saved)
    meta = _meta(entries)
    meta["format_version"] = version
    _refused(_write(tmp_path / "bad.npz", _with_meta(entries, meta)), "format version")


def test_deeply_nested_metadata(saved, tmp_path):
    entries = dict(_entries(saved))
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    entries["__metadata__.npy"] = _npy(np.frombuffer(deep, np.uint8))
    _refused(_write(tmp_path / "bad.npz", entries), "not valid JSON")


# ------------------------------------------------------------------ the checksum covers the output


@pytest.mark.parametrize("edit", [
    {"calibration": {"temperature": 0.0}},
    {"calibration": {"temperature": float("nan")}},
    {"calibration": {"temperature": "1.3"}},
    {"calibration": 1.3},
])
def test_unusable_calibration_is_refused(saved, tmp_path, edit):
    entries = _entries(saved)
    _refused(_write(tmp_path / "bad.npz", _with_meta(entries, {**_meta(entries), **edit})),
             "calibration")


@pytest.mark.parametrize("edit", [
    {"normalization": {"mean": 0.1307, "std": float("nan")}},
    {"normalization": {"mean": 0.1307, "std": 0.0}},
    {"normalization": {"mean": 0.1307, "std": -1.0}},
    {"normalization": {"mean": "0.1", "std": 0.3}},
    {"normalization": None},
])
def test_unusable_normalisation_is_refused(saved, tmp_path, edit):
    entries = _entries(saved)
    meta = {**_meta(entries), **edit}
    _refused(_write(tmp_path / "bad.npz", _with_meta(entries, meta)), "normalisation")


@pytest.mark.parametrize("edit", [
    {"architecture": {"name": "LeNet5", "activation": "tanh", "pooling": "max"}},
    {"architecture": {"name": "LeNet5", "activation": "relu", "pooling": "avg"}},
    {"normalization": {"mean": 0.2, "std": 0.3081}},
    {"calibration": {"method": "temperature", "temperature": 3.0}},
])
def test_editing_what_decides_the_output_fails_the_checksum(saved, tmp_path, edit):
    """The edit is valid on its own and the parameter checksum still matches: only the
    model checksum, which covers the metadata too, can see it."""
    entries = _entries(saved)
    meta = {**_meta(entries), **edit}
    _refused(_write(tmp_path / "bad.npz", _with_meta(entries, meta)), "checksum mismatch")


def _format_1(entries: dict[str, bytes]) -> dict[str, bytes]:
    """The bundled model as format 1 wrote it: a parameter checksum only, no calibration."""
    meta = _meta(entries)
    for key in ("model_sha256", "calibration"):
        meta.pop(key, None)
    return _with_meta(entries, {**meta, "format_version": 1})


def test_a_format_1_file_still_loads(tmp_path):
    old = load_model(_write(tmp_path / "v1.npz", _format_1(_entries(BUNDLED))))
    assert old.temperature == 1.0
    assert params_digest(old.net.params()) == load_model(BUNDLED).metadata["params_sha256"]


@pytest.mark.parametrize("edit", [
    {"architecture": {"name": "LeNet5", "activation": "tanh", "pooling": "max"}},
    {"normalization": {"mean": 0.1307, "std": 0.5}},
    {"calibration": {"temperature": 5.0}},
])
def test_editing_an_old_format_file_is_refused_too(tmp_path, edit):
    """Format 1 files had only a parameter checksum; their decisive metadata must be what
    format 1 always wrote (and it wrote no calibration)."""
    entries = _format_1(_entries(BUNDLED))
    meta = _meta(entries)
    _refused(_write(tmp_path / "bad.npz", _with_meta(entries, {**meta, **edit})),
             "checksum mismatch")


def test_a_tanh_model_round_trips(tmp_path):
    net = lenet5(activation="tanh", pooling="avg", rng=np.random.default_rng(1))
    loaded = load_model(save_model(Classifier(net), tmp_path / "t.npz"))
    assert loaded.metadata["architecture"] == {"name": "LeNet5", "activation": "tanh",
                                               "pooling": "avg"}
    x = np.random.default_rng(2).random((2, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_proba(x), Classifier(net).predict_proba(x))


def test_a_bad_test_accuracy_is_dropped_not_shown(saved, tmp_path):
    entries = _entries(saved)
    meta = {**_meta(entries), "test_accuracy": "99 %"}
    loaded = load_model(_write(tmp_path / "m.npz", _with_meta(entries, meta)))
    assert loaded.test_accuracy is None


# ------------------------------------------------------------------ damaged zip and .npy structure


def test_raw_entry_that_is_not_an_npy_file(saved, tmp_path):
    entries = dict(_entries(saved))
    entries["conv1.W.npy"] = b"\x00" * 600
    _refused(_write(tmp_path / "bad.npz", entries), "damaged")


@pytest.mark.parametrize("header", [
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (6, 1, 5,",
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (6, 1, 5, 5), }" + b"\xff" * 8,
    b"{'descr': [('a', '<f4')] * 99999999, 'fortran_order': False, 'shape': (1,), }",
    b"not a dict at all",
])
def test_broken_npy_header(saved, tmp_path, header):
    entries = dict(_entries(saved))
    padded = header + b" " * (-(len(header) + 11) % 64) + b"\n"
    raw = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(padded)) + padded + b"\x00" * 600
    entries["conv1.W.npy"] = raw
    _refused(_write(tmp_path / "bad.npz", entries), "damaged")


def test_unsupported_zip_flags(saved, tmp_path):
    """Bit 5 of the general purpose flags ("compressed patched data") makes Python's zipfile
    raise NotImplementedError."""
    data = bytearray(saved.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (i := data.find(signature, start)) >= 0:
            data[i + offset] |= 0x20
            start = i + 4
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(data))
    _refused(bad)


def test_entry_names_that_are_paths_are_refused(saved, tmp_path):
    entries = dict(_entries(saved))
    entries["../../evil.npy"] = entries.pop("fc3.b.npy")
    _refused(_write(tmp_path / "bad.npz", entries), "unexpected entry")


def test_a_folder_named_like_a_model(tmp_path):
    folder = tmp_path / "model.npz"
    folder.mkdir()
    _refused(folder, "not a file")


# ------------------------------------------------------------------ small files, large memory


def test_header_declaring_a_huge_array_is_refused_without_allocating(saved, tmp_path):
    entries = dict(_entries(saved))
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }"
    padded = header + b" " * (-(len(header) + 11) % 64) + b"\n"
    entries["fc1.W.npy"] = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(padded)) + padded
    _refused(_write(tmp_path / "bad.npz", entries), "damaged")


def test_an_entry_that_inflates_to_gigabytes_is_not_inflated(saved, tmp_path):
    entries = dict(_entries(saved))
    entries["fc1.W.npy"] = b"\x00" * (MAX_ENTRY_BYTES * 4)  # deflates to a few KB
    bad = _write(tmp_path / "bomb.npz", entries, zipfile.ZIP_DEFLATED)
    assert bad.stat().st_size < MAX_ENTRY_BYTES // 10  # a small file ...
    _refused(bad, "too large")  # ... refused before it is inflated


def test_an_entry_that_lies_about_its_size(saved, tmp_path):
    """A central directory claiming a small size for a large entry: reading stops at the
    claimed size and the CRC (or the .npy size check) catches it."""
    entries = dict(_entries(saved))
    entries["fc1.W.npy"] = _npy(np.zeros(2_000_000, np.float32))
    bad = _write(tmp_path / "liar.npz", entries, zipfile.ZIP_DEFLATED)
    data = bytearray(bad.read_bytes())
    i = data.find(b"PK\x01\x02")
    while i >= 0:
        name_len = struct.unpack_from("<H", data, i + 28)[0]
        if data[i + 46 : i + 46 + name_len] == b"fc1.W.npy":
            struct.pack_into("<I", data, i + 24, 1000)  # uncompressed size
        i = data.find(b"PK\x01\x02", i + 4)
    bad.write_bytes(bytes(data))
    _refused(bad)


# ------------------------------------------------------------------ seeded fuzzing


def _same_model(loaded: Classifier, original: Classifier) -> bool:
    a, b = loaded.net.params(), original.net.params()
    return (params_digest(a) == params_digest(b)
            and loaded.metadata["architecture"] == original.metadata["architecture"]
            and loaded.metadata["normalization"] == original.metadata["normalization"]
            and (loaded.novelty is None) == (original.novelty is None)
            and (original.novelty is None
                 or (np.array_equal(loaded.novelty.whiten, original.novelty.whiten)
                 and np.array_equal(loaded.novelty.means, original.novelty.means))))


@pytest.mark.parametrize("region", ["anywhere", "zip structure"])
def test_byte_flips_of_the_bundled_model(tmp_path, region):
    """Flip 1-3 bytes; the answer must be a ModelFileError or the very same model."""
    original_bytes = BUNDLED.read_bytes()
    original = load_model(BUNDLED)
    rng = np.random.default_rng(12345 if region == "anywhere" else 54321)
    if region == "anywhere":
        positions = np.arange(len(original_bytes))
    else:  # local headers, the central directory and the end record
        data = original_bytes
        spots = [i for sig in (b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06")
                 for i in range(len(data)) if data.startswith(sig, i)]
        positions = np.unique(np.concatenate([np.arange(i, min(i + 80, len(data)))
                                              for i in spots]))
    target = tmp_path / "flipped.npz"
    accepted = refused = 0
    start = time.perf_counter()
    for _ in range(300):
        data = bytearray(original_bytes)
        for pos in rng.choice(positions, size=int(rng.integers(1, 4)), replace=False):
            data[pos] ^= int(rng.integers(1, 256))
        target.write_bytes(bytes(data))
        try:
            loaded = load_model(target)
        except ModelFileError:
            refused += 1
            continue
        assert _same_model(loaded, original), "a damaged file loaded as a different model"
        accepted += 1
    assert refused > 0
    assert time.perf_counter() - start < 60


def test_truncations_of_the_bundled_model(tmp_path):
    original_bytes = BUNDLED.read_bytes()
    target = tmp_path / "cut.npz"
    rng = np.random.default_rng(7)
    for cut in rng.integers(0, len(original_bytes), size=100):
        target.write_bytes(original_bytes[:cut])
        with pytest.raises(ModelFileError):
            load_model(target)
