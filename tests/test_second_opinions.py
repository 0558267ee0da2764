"""Second opinions: other networks beside a model file that must hold its answer too."""

import shutil

import numpy as np
import pytest

from lenet.classifier import UNSTABLE_BELOW_WITH_SECOND_OPINIONS, Classifier
from lenet.ink import read_number
from lenet.ink.number_reader import candidate_probabilities
from lenet.model_file import (
    ModelFileError,
    bundled_model_path,
    load_model,
    load_one_model,
    save_model,
    second_opinion_paths,
)
from lenet.nn.model import lenet5


def _one_hot_net(digit: int, logit: float = 20.0) -> Classifier:
    """A LeNet-5 that answers `digit` for every image, whatever it is (with that logit, the
    nine others 0)."""
    net = lenet5(rng=np.random.default_rng(0))
    params = net.params()
    for p in params.values():
        p[...] = 0.0
    params["fc3.b"][digit] = logit
    return Classifier(net)


def test_the_bundled_model_has_two_second_opinions_trained_from_other_starts():
    bundled = load_model(bundled_model_path())
    assert len(bundled.second_opinions) == 2
    seeds = {bundled.metadata["training"]["seed"]}
    for other in bundled.second_opinions:
        assert not other.second_opinions
        assert other.metadata["training"]["epochs"] == bundled.metadata["training"]["epochs"]
        seeds.add(other.metadata["training"]["seed"])
        assert other.test_accuracy > 0.99
    assert len(seeds) == 3


def test_an_answer_a_second_opinion_does_not_hold_is_not_sure():
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:16] = 1.0
    three = _one_hot_net(3)
    agreeing = _one_hot_net(3).with_second_opinions((_one_hot_net(3),))
    disagreeing = _one_hot_net(3).with_second_opinions((_one_hot_net(3), _one_hot_net(8)))
    assert not three.classify(image).not_sure
    assert not agreeing.classify(image).not_sure
    pred = disagreeing.classify(image)
    assert pred.digit == 3 and pred.not_sure  # the networks' mean answer, doubted
    assert disagreeing.stability(image[None])[0] < UNSTABLE_BELOW_WITH_SECOND_OPINIONS
    mean = (2 * three.predict_proba(image)[0] + _one_hot_net(8).predict_proba(image)[0]) / 3
    np.testing.assert_allclose(pred.probabilities, mean, atol=1e-6)
    assert pred.confidence == pytest.approx(2 / 3, abs=1e-4)


def test_the_answer_is_the_networks_mean_even_against_the_first():
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:16] = 1.0
    outvoted = _one_hot_net(3).with_second_opinions((_one_hot_net(8), _one_hot_net(8)))
    pred = outvoted.classify(image)
    assert pred.digit == 8 and pred.not_sure  # the first network does not hold it
    assert outvoted.predict_proba(image)[0].argmax() == 3  # predict_proba: its own


def test_the_number_reader_classifies_candidates_by_every_network():
    images = np.zeros((2, 28, 28), np.float32)
    first = _one_hot_net(3, logit=4.0)
    calibrated = first.calibrated(2.0).with_second_opinions((_one_hot_net(8, logit=4.0),))
    shown, raw = candidate_probabilities(calibrated, images)
    p3_raw, p8 = first.predict_proba(images), _one_hot_net(8, logit=4.0).predict_proba(images)
    p3_shown = calibrated.predict_proba(images)
    assert p3_shown[0, 3] < p3_raw[0, 3] - 0.3  # the temperature matters here
    np.testing.assert_allclose(shown, (p3_shown + p8) / 2, atol=1e-6)
    np.testing.assert_allclose(raw, (p3_raw + p8) / 2, atol=1e-6)  # the verifiers' softmax
    alone_shown, alone_raw = candidate_probabilities(first.calibrated(2.0), images)
    np.testing.assert_allclose(alone_shown, p3_shown, atol=1e-6)
    np.testing.assert_allclose(alone_raw, p3_raw, atol=1e-5)
    # read_number answers a digit with the networks' mean, not the first network's own
    ink = np.zeros((60, 60), np.float32)
    ink[10:50, 28:32] = 1.0
    outvoted = _one_hot_net(3).with_second_opinions((_one_hot_net(8), _one_hot_net(8)))
    (digit,) = read_number(ink, outvoted)
    assert digit.digit == 8 and digit.confidence == pytest.approx(2 / 3, abs=1e-4)


def test_second_opinions_are_the_numbered_files_beside_the_model(tmp_path):
    main = tmp_path / "digits.npz"
    save_model(_one_hot_net(1), main)
    assert second_opinion_paths(main) == [] and load_model(main).second_opinions == ()
    save_model(_one_hot_net(7), tmp_path / "digits.second-1.npz")
    save_model(_one_hot_net(7), tmp_path / "digits.second-3.npz")  # no 2: not read
    assert second_opinion_paths(main) == [tmp_path / "digits.second-1.npz"]
    loaded = load_model(main)
    assert len(loaded.second_opinions) == 1
    assert loaded.second_opinions[0].classify(np.zeros((28, 28), np.float32)).digit == 7
    assert load_one_model(main).second_opinions == ()


def test_a_damaged_second_opinion_is_a_clear_error(tmp_path):
    main = tmp_path / "lenet5.npz"
    shutil.copy(bundled_model_path(), main)
    (tmp_path / "lenet5.second-1.npz").write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="second-1"):
        load_model(main)
