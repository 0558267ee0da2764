"""The network's stages and `Classifier.activations`: pinned to the normal forward pass."""

from __future__ import annotations

import numpy as np
import pytest

from lenet.classifier import Classifier
from lenet.nn.layers import Layer
from lenet.nn.losses import softmax
from lenet.nn.model import Sequential, lenet5
from lenet.nn.stages import network_stages, receptive_field


def _classifier(activation: str = "relu", pooling: str = "max") -> Classifier:
    return Classifier(lenet5(activation, pooling, rng=np.random.default_rng(3)))


def _image(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.zeros((28, 28), dtype=np.float32)
    img[6:22, 8:20] = rng.random((16, 12), dtype=np.float32)
    return img


def test_stages_follow_the_layers_and_their_real_output_shapes():
    clf = _classifier()
    stages = clf.stages()
    assert [s.name for s in stages] == ["input", "conv1", "pool1", "conv2", "pool2", "fc1",
                                        "fc2", "fc3"]
    assert [s.kind for s in stages] == ["input", "conv", "pool", "conv", "pool", "dense",
                                        "dense", "dense"]
    collected = clf.net.forward_collect(clf.normalize(_image()))
    for stage in stages[1:]:  # each stage's shape is what its last layer really puts out
        assert collected[stage.layers[-1]].shape[1:] in (stage.shape, (np.prod(stage.shape),))
    assert stages[1].layers == ("conv1", "act1")
    assert stages[5].layers == ("flatten", "fc1", "act3")
    assert stages[1].weights is clf.net.layers["conv1"].params["W"]


@pytest.mark.parametrize(("activation", "pooling"), [("relu", "max"), ("tanh", "avg")])
def test_activations_are_the_forward_pass(activation, pooling):
    clf = _classifier(activation, pooling)
    image = _image(1)
    acts = clf.activations(image)
    assert list(acts) == [s.name for s in clf.stages()]
    np.testing.assert_array_equal(acts["input"][0], image)
    np.testing.assert_allclose(acts["fc3"], clf.logits(image)[0], rtol=1e-5, atol=1e-5)
    probabilities = softmax(acts["fc3"][None] / np.float32(clf.temperature))[0]
    np.testing.assert_allclose(probabilities, clf.predict_proba(image)[0], atol=1e-5)
    for stage in clf.stages():
        assert acts[stage.name].shape == stage.shape


def test_a_conv_unit_is_its_filter_over_its_window():
    clf = _classifier()
    stages = clf.stages()
    image = _image(2)
    acts = clf.activations(image)
    conv1 = stages[1]
    padded = np.pad(clf.normalize(image)[0, 0], conv1.padding)
    f, y, x = 4, 11, 9
    k = conv1.kernel
    value = float((conv1.weights[f, 0] * padded[y : y + k, x : x + k]).sum() + conv1.bias[f])
    assert acts["conv1"][f, y, x] == pytest.approx(max(value, 0.0), abs=1e-4)
    fc1 = stages[5]  # a dense unit: its weights over the flattened pool2 maps
    j = 17
    z = float(acts["pool2"].reshape(-1) @ fc1.weights[:, j] + fc1.bias[j])
    assert acts["fc1"][j] == pytest.approx(max(z, 0.0), abs=1e-4)


def test_receptive_field_is_where_the_input_matters():
    clf = _classifier()
    stages = clf.stages()
    image = _image(3)
    base = clf.activations(image)["conv2"]
    c, y, x = 5, 4, 6
    top, left, bottom, right = receptive_field(stages, 3, y, x)
    assert (bottom - top, right - left) == (14, 14)  # 5 pool1 = 10 conv1 rows, + 4 for 5×5
    assert receptive_field(stages, 3, y, x, down_to=2) == (y, x, y + 5, x + 5)
    outside = image.copy()
    outside[:top] = 1.0 - outside[:top]
    outside[:, right:] = 1.0 - outside[:, right:]
    assert clf.activations(outside)["conv2"][c, y, x] == pytest.approx(base[c, y, x], abs=1e-5)
    inside = image.copy()
    inside[top:bottom, left:right] = 1.0 - inside[top:bottom, left:right]
    assert np.abs(clf.activations(inside)["conv2"][:, y, x] - base[:, y, x]).max() > 1e-3


def test_a_layer_without_a_place_in_the_diagram_is_refused():
    class Odd(Layer):
        def forward(self, x):
            return x

    with pytest.raises(ValueError, match="no place"):
        network_stages(Sequential([("odd", Odd())]))
