"""The "not sure" rule: calibrated probability plus stability under test-time variants."""

import numpy as np
import pytest

from lenet.classifier import NOT_SURE_BELOW, UNSTABLE_BELOW
from lenet.input_variants import VARIANTS, input_variants
from lenet.model_file import bundled_model_path, load_model
from tests.datasets import real_mnist


@pytest.fixture(scope="module")
def bundled():
    return load_model(bundled_model_path())


def _bar(x0: int, x1: int, y0: int, y1: int) -> np.ndarray:
    img = np.zeros((28, 28), np.float32)
    img[y0:y1, x0:x1] = 1.0
    return img


def test_variant_zero_is_the_input_and_a_shift_moves_the_ink_one_pixel():
    img = _bar(12, 15, 6, 22)
    v = input_variants(img)[0]
    assert v.shape == (len(VARIANTS), 28, 28)
    np.testing.assert_array_equal(v[0], img)
    shifted = VARIANTS.index((1, 0, 0, 1.0))
    np.testing.assert_allclose(v[shifted], np.roll(img, 1, axis=1), atol=1e-6)
    for k, (*_, scale) in enumerate(VARIANTS):  # ink is moved, not made or lost
        assert v[k].sum() == pytest.approx(img.sum() * scale**2, rel=0.08), VARIANTS[k]


def test_a_clear_answer_that_falls_apart_under_a_variant_is_not_sure(bundled):
    p = np.full(10, 0.01, np.float32)
    p[3] = 0.91
    assert not bundled.prediction_from(p).not_sure
    assert not bundled.prediction_from(p, UNSTABLE_BELOW + 0.01).not_sure
    assert bundled.prediction_from(p, UNSTABLE_BELOW - 0.01).not_sure
    p[3], p[5] = NOT_SURE_BELOW - 0.02, 0.1 + 0.02
    assert bundled.prediction_from(p, 1.0).not_sure


def test_classify_uses_the_variants(bundled):
    one = _bar(13, 16, 4, 24)  # an upright bar: a 1 whichever way it wobbles
    pred = bundled.classify(one)
    assert pred.digit == 1 and not pred.not_sure
    assert bundled.stability(one[None])[0] > 0.9
    np.testing.assert_allclose(pred.probabilities, bundled.predict_proba(one)[0], atol=1e-6)


def test_on_mnist_test_the_rule_flags_most_errors_and_few_right_answers(bundled):
    """MNIST test was never used to choose the rule (a drawn set was); measured 85 % of
    errors flagged and 1.4 % of right answers."""
    mnist = real_mnist()
    x = mnist.test_images.astype(np.float32) / 255.0
    p = bundled.predict_proba(x)
    stability = bundled.stability(x)
    right = p.argmax(1) == mnist.test_labels
    flagged = np.array([bundled.prediction_from(pi, si).not_sure
                        for pi, si in zip(p, stability, strict=True)])
    assert flagged[~right].mean() >= 0.78
    assert flagged[right].mean() <= 0.02
    old = p.max(1) < 0.70  # the rule before: a plain threshold on the probability
    assert flagged[~right].mean() > old[~right].mean() + 0.12
