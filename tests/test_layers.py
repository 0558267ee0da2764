"""Every layer's backward pass and the loss, checked against finite differences (float64)."""

import numpy as np
import pytest

from lenet.nn.layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Tanh
from lenet.nn.losses import SoftmaxCrossEntropy, softmax
from tests.gradcheck import numerical_gradient, rel_error

TOL = 1e-5  # elementwise; a wrong gradient is off by O(1), round-off is ~1e-7


def check_layer(layer, x, rng, tol=TOL):
    """Compare backward's input and parameter gradients with centred differences."""
    layer.training = True
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    layer.zero_grad()
    dx = layer.backward(dout)
    if getattr(layer, "needs_input_grad", True):
        num_dx = numerical_gradient(lambda: layer.forward(x), x, dout)
        assert rel_error(dx, num_dx) < tol, "input gradient"
    for name, p in layer.params.items():
        num = numerical_gradient(lambda: layer.forward(x), p, dout)
        assert rel_error(layer.grads[name], num) < tol, f"gradient of {name}"


@pytest.mark.parametrize(
    "n,c,h,w,f,k,pad,stride",
    [
        (2, 1, 8, 8, 3, 5, 2, 1),  # LeNet conv1 shape, small
        (2, 3, 7, 7, 4, 3, 0, 1),
        (1, 2, 9, 7, 2, 3, 1, 2),  # stride 2, non-square input
        (3, 2, 8, 8, 2, 2, 0, 2),
        (2, 1, 6, 6, 2, 3, 2, 3),  # padding larger than needed, stride 3
        (5, 2, 6, 6, 3, 3, 1, 1),  # batch >= 4: parallel build
    ],
)
def test_conv2d_gradients(n, c, h, w, f, k, pad, stride):
    rng = np.random.default_rng(0)
    layer = Conv2D(c, f, k, padding=pad, stride=stride, rng=rng, dtype=np.float64)
    layer.params["b"][:] = rng.standard_normal(f)
    check_layer(layer, rng.standard_normal((n, c, h, w)), rng)


def test_conv2d_first_layer_skips_input_gradient():
    rng = np.random.default_rng(1)
    layer = Conv2D(1, 2, 3, rng=rng, dtype=np.float64)
    layer.needs_input_grad = False
    layer.forward(rng.standard_normal((2, 1, 5, 5)))
    assert layer.backward(rng.standard_normal((2, 2, 3, 3))) is None
    assert np.abs(layer.grads["W"]).sum() > 0


@pytest.mark.parametrize("shape", [(3, 5, 4), (1, 1, 7)])
def test_dense_gradients(shape):
    n, d_in, d_out = shape
    rng = np.random.default_rng(2)
    layer = Dense(d_in, d_out, rng=rng, dtype=np.float64)
    layer.params["b"][:] = rng.standard_normal(d_out)
    check_layer(layer, rng.standard_normal((n, d_in)), rng)


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4, 4), (5, 3, 6, 6)])
def test_relu_gradients(shape):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    x[np.abs(x) < 1e-3] = 0.5  # keep clear of the kink at 0
    check_layer(ReLU(), x, rng)


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4, 4)])
def test_tanh_gradients(shape):
    rng = np.random.default_rng(4)
    check_layer(Tanh(), rng.standard_normal(shape), rng)


@pytest.mark.parametrize("pool", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize(
    "n,c,h,w,k,s", [(2, 3, 8, 8, 2, 2), (1, 2, 7, 9, 3, 2), (5, 2, 6, 6, 2, 1)]
)
def test_pool_gradients(pool, n, c, h, w, k, s):
    rng = np.random.default_rng(5)
    # distinct values so that the max in each window is unique (finite differences need that)
    x = rng.permutation(n * c * h * w).reshape(n, c, h, w).astype(np.float64) / 10
    check_layer(pool(k, s), x, rng)


@pytest.mark.parametrize(
    "n,c,h,w,k,s", [(2, 3, 8, 8, 2, 2), (1, 2, 7, 9, 3, 2), (5, 2, 6, 6, 2, 2)]
)
def test_max_pool_with_the_relu_folded_in(n, c, h, w, k, s):
    """relu_first pools relu(x): its gradient against finite differences, and the same
    numbers as a ReLU layer and then the pooling."""
    rng = np.random.default_rng(7)
    size = n * c * h * w  # distinct values, 85 % negative, none at the kink (0)
    x = (rng.permutation(size).reshape(n, c, h, w) - round(0.85 * size) + 0.5) / 10
    folded = MaxPool2D(k, s)
    folded.relu_first = True
    check_layer(folded, x, rng)
    relu, pool = ReLU(), MaxPool2D(k, s)
    out = folded.forward(x)
    np.testing.assert_array_equal(out, pool.forward(relu.forward(x)))
    assert (out == 0).any() and (out > 0).any()  # windows on both sides of the kink
    dout = rng.standard_normal(out.shape)
    np.testing.assert_array_equal(folded.backward(dout), relu.backward(pool.backward(dout)))


def test_sequential_folds_a_relu_before_max_pooling_only_in_training():
    from lenet.nn.model import lenet5

    net = lenet5(rng=np.random.default_rng(8))
    assert net.layers["act1"].folded and net.layers["pool1"].relu_first
    assert not net.layers["act3"].folded  # a ReLU before a dense layer stays a layer
    x = np.random.default_rng(9).standard_normal((2, 1, 28, 28)).astype(np.float32)
    net.train()
    assert net.layers["act1"].forward(x) is x  # passed through: the pooling applies it
    net.eval()
    assert net.forward_collect(x)["act1"].min() >= 0  # the view's maps are activated
    assert not tanh_pooling_folds()


def tanh_pooling_folds() -> bool:
    from lenet.nn.model import lenet5

    net = lenet5("tanh", "max", rng=np.random.default_rng(0))
    return any(getattr(layer, "relu_first", False) for layer in net.layers.values())


def test_flatten_round_trip():
    rng = np.random.default_rng(6)
    check_layer(Flatten(), rng.standard_normal((2, 3, 4, 5)), rng)


@pytest.mark.parametrize("n,k,eps", [(4, 10, 0.0), (1, 3, 0.0), (7, 2, 0.0), (4, 10, 0.1),
                                     (3, 5, 0.4)])
def test_softmax_cross_entropy_gradient(n, k, eps):
    rng = np.random.default_rng(7)
    logits = rng.standard_normal((n, k)) * 3
    labels = rng.integers(0, k, n)
    loss = SoftmaxCrossEntropy(label_smoothing=eps)
    loss.forward(logits, labels)
    analytic = loss.backward()
    numeric = numerical_gradient(
        lambda: np.array(loss.forward(logits, labels)), logits, np.array(1.0)
    )
    assert rel_error(analytic, numeric) < TOL


def test_label_smoothing_is_cross_entropy_against_the_softened_target():
    rng = np.random.default_rng(8)
    logits, labels, eps = rng.standard_normal((5, 10)), rng.integers(0, 10, 5), 0.2
    target = np.full((5, 10), eps / 10)
    target[np.arange(5), labels] += 1 - eps
    by_hand = -(target * np.log(softmax(logits))).sum(axis=1).mean()
    smoothed = SoftmaxCrossEntropy(label_smoothing=eps).forward(logits, labels)
    assert smoothed == pytest.approx(by_hand, rel=1e-12)
    assert smoothed != pytest.approx(SoftmaxCrossEntropy().forward(logits, labels), rel=1e-3)
    with pytest.raises(ValueError, match="label smoothing"):
        SoftmaxCrossEntropy(label_smoothing=1.0)


def test_softmax_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-5e4, -5e4, -5e4]])
    p = softmax(logits)
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[1], 1 / 3)
    loss = SoftmaxCrossEntropy().forward(logits, np.array([2, 0]))
    assert np.isfinite(loss) and loss > 1000  # the true class of row 0 is 2000 below the top


def test_layers_reject_wrong_input_shapes():
    with pytest.raises(ValueError, match="expects"):
        Conv2D(3, 4, 3).forward(np.zeros((1, 1, 8, 8), np.float32))
    with pytest.raises(ValueError, match="expects"):
        Dense(5, 2).forward(np.zeros((1, 4), np.float32))


def test_softmax_cross_entropy_rejects_labels_that_are_not_classes():
    logits = np.zeros((3, 10), np.float32)
    for labels in (np.array([0, 10, 2]), np.array([0, -1, 2])):
        with pytest.raises(ValueError, match="class indices"):
            SoftmaxCrossEntropy().forward(logits, labels)
