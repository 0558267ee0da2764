"""Temperature scaling and the expected calibration error."""

from __future__ import annotations

import numpy as np
import pytest

from lenet.classifier import Classifier
from lenet.model_file import bundled_model_path, load_model, save_model
from lenet.nn.losses import softmax
from lenet.nn.model import lenet5
from lenet.training.calibrate import expected_calibration_error, fit_temperature, nll
from lenet.training.trainer import TrainConfig, Trainer
from tests.datasets import synthetic_digits


def _overconfident(n: int, true_t: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose labels are drawn from softmax(logits / true_t): calibrated at true_t."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 4.0, size=(n, 10))
    p = softmax(logits / true_t)
    labels = np.array([rng.choice(10, p=row / row.sum()) for row in p])
    return logits, labels


@pytest.mark.parametrize("true_t", [0.5, 1.0, 2.5])
def test_fit_temperature_recovers_the_temperature_that_made_the_labels(true_t):
    logits, labels = _overconfident(6000, true_t)
    t = fit_temperature(logits, labels)
    assert t == pytest.approx(true_t, rel=0.08)
    assert nll(logits, labels, t) <= min(nll(logits, labels, t * 1.1), nll(logits, labels, t / 1.1))


def test_calibration_lowers_the_ece_of_an_overconfident_model():
    logits, labels = _overconfident(6000, 2.5, seed=1)
    held_out, held_labels = _overconfident(6000, 2.5, seed=2)
    t = fit_temperature(logits, labels)
    before = expected_calibration_error(softmax(held_out), held_labels)
    after = expected_calibration_error(softmax(held_out / t), held_labels)
    assert after < 0.5 * before


def test_ece_by_hand():
    # two answers at 0.9 (one right), two at 0.6 (both right): |0.5-0.9|/2 + |1-0.6|/2 = 0.4
    p = np.array([[0.9, 0.1], [0.1, 0.9], [0.6, 0.4], [0.4, 0.6]])
    labels = np.array([0, 0, 0, 1])
    assert expected_calibration_error(p, labels, bins=10) == pytest.approx(0.4)
    perfect = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert expected_calibration_error(perfect, np.array([0, 1])) == 0.0


def test_the_temperature_is_read_from_the_model_file_and_applied(tmp_path):
    net = lenet5(rng=np.random.default_rng(3))
    plain = Classifier(net)
    hot = plain.calibrated(2.0, fitted_on="a test")
    loaded = load_model(save_model(hot, tmp_path / "m.npz"))
    assert loaded.temperature == 2.0 and loaded.metadata["calibration"]["fitted_on"] == "a test"
    x = np.random.default_rng(4).random((5, 28, 28), dtype=np.float32)
    expected = softmax(plain.logits(x) / 2.0)
    np.testing.assert_allclose(loaded.predict_proba(x), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded.predict_proba_layered(x), expected, rtol=1e-5, atol=1e-6)
    assert (loaded.predict_proba(x).argmax(1) == plain.predict_proba(x).argmax(1)).all()


def test_training_calibrates_on_its_validation_split():
    data = synthetic_digits(240)
    config = TrainConfig(epochs=1, batch_size=32, seed=5)
    result = Trainer(config, data).run()
    calibration = result.classifier.metadata["calibration"]
    x_val, _ = Trainer(config, data).validation_set()
    assert calibration["fitted_on"] == f"validation split ({len(x_val)} MNIST training images)"
    assert calibration["nll_after"] <= calibration["nll_before"] + 1e-9
    assert result.classifier.temperature == calibration["temperature"]


def test_the_bundled_model_is_calibrated():
    model = load_model(bundled_model_path())
    assert model.metadata["format_version"] == 3  # 2 + its novelty statistics
    assert model.temperature != 1.0
    cal = model.metadata["calibration"]
    assert cal["nll_after"] < cal["nll_before"] and "validation split" in cal["fitted_on"]


def test_the_number_reader_sees_the_uncalibrated_softmax_it_was_fitted_on():
    from lenet.ink.number_reader import uncalibrated

    logits = np.random.default_rng(6).normal(0, 6, size=(50, 10))
    raw = softmax(logits)
    np.testing.assert_allclose(uncalibrated(softmax(logits / 1.7), 1.7), raw, atol=1e-6)
    assert uncalibrated(raw, 1.0) is raw
