"""Model files: round trip, atomic writes, and refusal of bad files with clear messages."""

import json
import os
import zipfile

import numpy as np
import pytest

from lenet.classifier import Classifier
from lenet.model_file import (
    ModelFileError,
    bundled_model_path,
    load_model,
    model_digest,
    params_digest,
    save_model,
)
from lenet.nn.model import lenet5


@pytest.fixture
def classifier():
    return Classifier(lenet5(rng=np.random.default_rng(0)), {"test_accuracy": 0.5, "seed": 0})


@pytest.fixture
def saved(tmp_path, classifier):
    return save_model(classifier, tmp_path / "m.npz")


def test_round_trip_keeps_weights_predictions_and_metadata(saved, classifier):
    loaded = load_model(saved)
    for name, p in classifier.net.params().items():
        np.testing.assert_array_equal(loaded.net.params()[name], p)
    x = np.random.default_rng(1).random((3, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_proba(x), classifier.predict_proba(x))
    assert loaded.metadata["test_accuracy"] == 0.5
    assert loaded.metadata["format"] == "lenet-digits-model"
    assert loaded.metadata["normalization"] == {"mean": 0.1307, "std": 0.3081}


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, classifier, monkeypatch):
    target = save_model(classifier, tmp_path / "m.npz")
    before = target.read_bytes()

    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", explode)
    with pytest.raises(OSError, match="No space"):
        save_model(classifier, target)
    assert target.read_bytes() == before  # the old model is intact
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def _rewrite(path, mutate):
    """Rewrite the npz at path with its arrays changed by mutate(dict)."""
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    mutate(arrays)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _meta(arrays):
    return json.loads(arrays["__metadata__"].tobytes())


def _set_meta(arrays, meta):
    arrays["__metadata__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)


def _rehash(arrays):
    """Store matching checksums, so that only the edited property is wrong."""
    meta = _meta(arrays)
    params = {k: v for k, v in arrays.items() if k != "__metadata__"}
    meta["params_sha256"] = params_digest(params)
    meta["model_sha256"] = model_digest(params, meta)
    _set_meta(arrays, meta)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "nope.npz")


def test_truncated_file(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="not a model file, or truncated"):
        load_model(saved)


def test_garbage_file(tmp_path):
    p = tmp_path / "junk.npz"
    p.write_bytes(os.urandom(1000))
    with pytest.raises(ModelFileError, match="not a model file"):
        load_model(p)


def test_pickled_object_is_refused(saved):
    _rewrite(saved, lambda a: a.update(evil=np.array([{"x": 1}], dtype=object)))
    with pytest.raises(ModelFileError, match="pickled"):
        load_model(saved)


def test_foreign_npz_without_header(tmp_path):
    p = tmp_path / "other.npz"
    np.savez(p, weights=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a LeNet Digits model"):
        load_model(p)


def test_wrong_shape_names_the_layer(saved):
    def mutate(a):
        a["fc1.W"] = np.zeros((400, 100), np.float32)
        _rehash(a)

    _rewrite(saved, mutate)
    with pytest.raises(ModelFileError, match=r"fc1\.W: shape \(400, 100\)"):
        load_model(saved)


def test_tampered_weights_fail_the_checksum(saved):
    def mutate(a):
        a["conv1.W"] = a["conv1.W"].copy()
        a["conv1.W"][0, 0, 0, 0] += 1.0

    _rewrite(saved, mutate)
    with pytest.raises(ModelFileError, match="checksum mismatch"):
        load_model(saved)


def test_newer_format_version(saved):
    def mutate(a):
        meta = _meta(a)
        meta["format_version"] = 99
        _set_meta(a, meta)

    _rewrite(saved, mutate)
    with pytest.raises(ModelFileError, match="newer"):
        load_model(saved)


def test_bad_json_header(saved):
    _rewrite(saved, lambda a: a.update(__metadata__=np.frombuffer(b"{not json", np.uint8)))
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_model(saved)


def test_missing_parameter(saved):
    def mutate(a):
        del a["fc3.b"]
        _rehash(a)

    _rewrite(saved, mutate)
    with pytest.raises(ModelFileError, match=r"missing \['fc3.b'\]"):
        load_model(saved)


def test_file_is_a_plain_zip_of_npy(saved):
    with zipfile.ZipFile(saved) as z:
        assert "__metadata__.npy" in z.namelist() and "conv1.W.npy" in z.namelist()


def test_bundled_model_is_found_and_loads():
    path = bundled_model_path()
    assert path.is_file(), f"bundled model missing at {path}"
    classifier = load_model(path)
    assert classifier.metadata["test_accuracy"] >= 0.993


def test_saved_models_get_the_umask_mode_and_stale_temporaries_go(tmp_path, classifier):
    stale = tmp_path / ".m.npz.x1y2z3.tmp"  # what a kill -9 during a save leaves
    fresh = tmp_path / ".m.npz.a1b2c3.tmp"  # perhaps a save in progress elsewhere
    stale.write_bytes(b"half a model")
    fresh.write_bytes(b"half a model")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    old = os.umask(0o027)
    try:
        target = save_model(classifier, tmp_path / "m.npz")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o640
    assert not stale.exists() and fresh.exists()
    target.chmod(0o604)
    save_model(classifier, target)  # a replaced file keeps its mode
    assert target.stat().st_mode & 0o777 == 0o604
