"""Novelty statistics: class Gaussians of the network's features, carried by the model file,
read by the "not a digit" rule; a model file without them keeps the plain rule."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from lenet.classifier import Classifier
from lenet.devtools.junk import make_junk_set
from lenet.devtools.junk.measure import both_paths
from lenet.devtools.styles import CANVAS as STYLE_CANVAS
from lenet.devtools.styles import draw_style_set, style_named
from lenet.ink import preprocess_strokes
from lenet.ink.not_a_digit import (
    FEATURES,
    NOVELTY_RULE,
    PLAIN_RULE,
    features,
    is_not_a_digit,
    not_a_digit_for,
    novelty_of,
    rule_for,
)
from lenet.model_file import (
    ModelFileError,
    bundled_model_path,
    load_model,
    load_one_model,
    save_model,
)
from lenet.nn.class_gaussians import fit_class_gaussians
from lenet.nn.model import lenet5
from lenet.training import TrainConfig, Trainer
from lenet.training.novelty import NOVELTY_LAYER, with_novelty_statistics
from tests.datasets import synthetic_digits


def _gaussian_classes(n: int = 2000, d: int = 6, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 5.0, (10, d))
    labels = rng.integers(0, 10, n)
    return centres[labels] + rng.normal(0.0, 1.0, (n, d)), labels, centres


def test_distances_are_mahalanobis_in_units_of_the_typical_digit():
    x, labels, centres = _gaussian_classes()
    g = fit_class_gaussians(x, labels, "fc")
    d = g.distances(x)
    assert d.shape == (len(x), 10)
    assert np.median(d.min(axis=1)) == pytest.approx(1.0)
    assert (d.argmin(axis=1) == labels).mean() > 0.95
    # one shared unit covariance: the squared distance is the squared euclidean one, rescaled
    far = centres[0] + np.array([8.0, 0, 0, 0, 0, 0])
    assert g.distances(far)[0, 0] * g.reference == pytest.approx(64.0, rel=0.15)
    # a typical point lies sqrt(5.3) from its mean in 6 dimensions (the chi-square median)
    assert g.reference == pytest.approx(5.35, rel=0.15)


def test_fitting_needs_every_class_and_matching_shapes():
    x, labels, _ = _gaussian_classes()
    with pytest.raises(ValueError, match="classes"):
        fit_class_gaussians(x[labels != 3], labels[labels != 3], "fc")
    with pytest.raises(ValueError, match="expected"):
        fit_class_gaussians(x, labels[:-1], "fc")


@pytest.fixture(scope="module")
def with_stats():
    rng = np.random.default_rng(1)
    images = rng.random((400, 28, 28)).astype(np.float32) * (rng.random((400, 1, 1)) < 0.5)
    return with_novelty_statistics(Classifier(lenet5(rng=np.random.default_rng(0))), images,
                                   np.arange(400) % 10, source="random test images")


def test_the_statistics_round_trip_through_the_model_file(with_stats, tmp_path):
    path = save_model(with_stats, tmp_path / "m.npz")
    loaded = load_model(path)
    n, m = with_stats.novelty, loaded.novelty
    assert m.layer == n.layer == NOVELTY_LAYER and m.reference == n.reference
    np.testing.assert_array_equal(m.means, n.means)
    np.testing.assert_array_equal(m.whiten, n.whiten)
    x = np.random.default_rng(2).random((3, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(loaded.novelty_distances(x), with_stats.novelty_distances(x),
                               rtol=1e-4)
    assert loaded.metadata["format_version"] == 3
    assert loaded.metadata["novelty"]["fitted_on"] == "400 random test images"
    again = load_model(save_model(loaded, tmp_path / "again.npz"))  # and once more
    np.testing.assert_array_equal(again.novelty.whiten, m.whiten)


def test_a_file_without_them_loads_and_keeps_the_plain_rule(tmp_path):
    plain = load_model(save_model(Classifier(lenet5()), tmp_path / "plain.npz"))
    assert plain.novelty is None and plain.novelty_distances(np.zeros((28, 28))) is None
    assert plain.metadata["format_version"] == 2  # what the programs before format 3 read
    pre = preprocess_strokes(make_junk_set(1, 0)[0][0], (280, 280))
    p = plain.predict_proba(pre.image)[0]
    assert novelty_of(plain, pre.image) is None
    x = features(pre.image, p)
    assert x.shape == (len(FEATURES),) and rule_for(x) is PLAIN_RULE
    assert not_a_digit_for(plain, pre.image, p) == is_not_a_digit(pre.image, p)
    assert is_not_a_digit(pre.image, p) == bool(PLAIN_RULE.rejects(x)[0])


def _rewrite(src, dst, edit) -> None:
    """Copy the model file src to dst with edit(entries) applied to its {name: bytes}."""
    with zipfile.ZipFile(src) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    edit(entries)
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def test_damaged_or_missing_statistics_are_refused(with_stats, tmp_path):
    path = save_model(with_stats, tmp_path / "m.npz")

    def flip(entries):
        data = bytearray(entries["novelty.whiten.npy"])
        data[-5] ^= 0x10
        entries["novelty.whiten.npy"] = bytes(data)

    _rewrite(path, tmp_path / "flipped.npz", flip)
    with pytest.raises(ModelFileError, match="novelty statistics were modified"):
        load_model(tmp_path / "flipped.npz")
    _rewrite(path, tmp_path / "half.npz", lambda e: e.pop("novelty.means.npy"))
    with pytest.raises(ModelFileError, match="incomplete"):
        load_model(tmp_path / "half.npz")

    def no_facts(entries):
        meta = json.loads(np.load(path)["__metadata__"].tobytes())
        del meta["novelty"]
        header = np.frombuffer(json.dumps(meta).encode(), np.uint8)
        import io
        buf = io.BytesIO()
        np.save(buf, header)
        entries["__metadata__.npy"] = buf.getvalue()

    _rewrite(path, tmp_path / "nofacts.npz", no_facts)
    with pytest.raises(ModelFileError, match="incomplete"):
        load_model(tmp_path / "nofacts.npz")


def test_statistics_that_do_not_fit_the_network_are_refused(with_stats):
    n = with_stats.novelty
    wrong = type(n)("act4", n.means, n.whiten, n.reference)  # act4 has 84 features, not 400
    with pytest.raises(ValueError, match="do not fit"):
        Classifier(lenet5()).with_novelty(wrong)
    with pytest.raises(ValueError, match="does not have"):
        Classifier(lenet5()).with_novelty(type(n)("fc9", n.means, n.whiten, n.reference))


def test_training_gives_the_model_its_statistics():
    config, data = TrainConfig(epochs=1, batch_size=32, seed=5), synthetic_digits(240)
    classifier = Trainer(config, data).run().classifier
    assert classifier.novelty is not None and classifier.novelty.layer == NOVELTY_LAYER
    n_train = 240 - len(Trainer(config, data).validation_set()[1])
    assert classifier.metadata["novelty"]["fitted_on"] == (
        f"{n_train} MNIST training images, as they are and augmented as in training")
    assert np.isfinite(classifier.novelty_distances(np.zeros((2, 28, 28)))).all()


@pytest.fixture(scope="module")
def bundled():
    return load_model(bundled_model_path())


def test_the_bundled_model_carries_statistics_and_its_second_opinions_none(bundled):
    assert bundled.novelty is not None and bundled.novelty.layer == NOVELTY_LAYER
    assert all(o.novelty is None for o in bundled.second_opinions)
    second = bundled_model_path().with_name("lenet5.second-1.npz")
    assert load_one_model(second).metadata["format_version"] == 2


def test_junk_is_more_novel_than_digits(bundled):
    """On a small set (40 junk drawings, seed 2; 40 plain digits drawn from the style
    templates, seed 0): the novelty alone, without any junk fitted, orders them."""
    junk, _ = make_junk_set(40, 2)
    digits = [d for c in range(10) for d in draw_style_set(style_named(f"plain {c}"), 4, 0)[0]]
    novel_junk = both_paths(junk, bundled)[0].x[:, -1]
    novel_digits = both_paths(digits, bundled, STYLE_CANVAS)[0].x[:, -1]
    novel_junk = novel_junk[np.isfinite(novel_junk)]
    assert np.median(novel_junk) > np.quantile(novel_digits, 0.75)
    # the probability that a random junk drawing is more novel than a random digit (AUC)
    auc = (novel_junk[:, None] > novel_digits[None, :]).mean()
    assert auc > 0.8, auc
    assert rule_for(np.zeros(len(FEATURES) + 1)) is NOVELTY_RULE
