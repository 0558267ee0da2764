"""Each numba kernel pinned to its plain NumPy twin (float32, the engine's dtype)."""

import numpy as np
import pytest

from lenet.nn.kernels import conv as conv_kernels
from lenet.nn.kernels import elementwise as elementwise_kernels
from lenet.nn.kernels import pool as pool_kernels

F32 = dict(rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "n,c,h,f,k,pad,stride",
    [
        (1, 1, 28, 6, 5, 2, 1),
        (8, 6, 14, 16, 5, 0, 1),
        (3, 5, 12, 9, 5, 1, 1),  # 5x5 maps four at a time, with one left over each way
        (2, 8, 10, 8, 5, 2, 1),
        (5, 3, 11, 4, 3, 1, 2),
        (4, 2, 9, 3, 2, 0, 3),
    ],
)
def test_conv_kernels_match_numpy(n, c, h, f, k, pad, stride):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, h)).astype(np.float32)
    w = rng.standard_normal((f, c, k, k)).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32)
    out = conv_kernels.conv2d_forward(x, w, b, pad, stride)
    np.testing.assert_allclose(out, conv_kernels.conv2d_forward_numpy(x, w, b, pad, stride), **F32)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    got = conv_kernels.conv2d_backward(x, w, dout, pad, stride)
    want = conv_kernels.conv2d_backward_numpy(x, w, dout, pad, stride)
    for g, e in zip(got, want, strict=False):
        np.testing.assert_allclose(g, e, **F32)
        assert g.dtype == np.float32


@pytest.mark.parametrize(
    "n,c,h,w,k,s", [(1, 6, 28, 28, 2, 2), (9, 16, 10, 10, 2, 2), (4, 2, 7, 9, 3, 2)]
)
def test_pool_kernels_match_numpy(n, c, h, w, k, s):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    out, argmax = pool_kernels.max_pool_forward(x, k, s)
    np.testing.assert_array_equal(out, pool_kernels.max_pool_forward_numpy(x, k, s))
    dout = rng.standard_normal(out.shape).astype(np.float32)
    np.testing.assert_allclose(
        pool_kernels.max_pool_backward(dout, argmax, h, w),
        pool_kernels.max_pool_backward_numpy(x, dout, k, s),
        **F32,
    )
    np.testing.assert_allclose(
        pool_kernels.avg_pool_forward(x, k, s), pool_kernels.avg_pool_forward_numpy(x, k, s), **F32
    )
    np.testing.assert_allclose(
        pool_kernels.avg_pool_backward(dout, k, s, h, w),
        pool_kernels.avg_pool_backward_numpy(x.shape, dout, k, s),
        **F32,
    )


@pytest.mark.parametrize("shape", [(3, 5), (64, 6, 28, 28)])  # small: serial; large: parallel
def test_elementwise_kernels_match_numpy(shape):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(np.float32)
    d = rng.standard_normal(shape).astype(np.float32)
    out = elementwise_kernels.relu_forward(x)
    np.testing.assert_array_equal(out, elementwise_kernels.relu_forward_numpy(x))
    np.testing.assert_array_equal(
        elementwise_kernels.relu_backward(out, d), elementwise_kernels.relu_backward_numpy(out, d)
    )
    t = np.tanh(x)
    np.testing.assert_allclose(
        elementwise_kernels.tanh_backward(t, d),
        elementwise_kernels.tanh_backward_numpy(t, d),
        **F32,
    )


def test_parallel_and_serial_builds_agree():
    """The batch path (thread pool) and the single-image path give the same numbers."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 1, 28, 28)).astype(np.float32)
    w = rng.standard_normal((6, 1, 5, 5)).astype(np.float32)
    b = np.zeros(6, np.float32)
    batch = conv_kernels.conv2d_forward(x, w, b, 2, 1)
    singles = np.concatenate(
        [conv_kernels.conv2d_forward(x[i : i + 1], w, b, 2, 1) for i in range(6)]
    )
    np.testing.assert_allclose(batch, singles, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("pooling", ["max", "avg"])
@pytest.mark.parametrize("batch", [1, 13, 37])  # image by image (< 16), by blocks of 8
def test_fused_inference_matches_the_layers(activation, pooling, batch):
    from lenet.classifier import Classifier
    from lenet.nn.model import lenet5

    rng = np.random.default_rng(4)
    classifier = Classifier(lenet5(activation, pooling, rng=rng))
    assert classifier._fused is not None
    images = rng.random((batch, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(
        classifier.predict_proba(images), classifier.predict_proba_layered(images), atol=2e-6
    )


def test_fused_inference_declines_other_networks():
    from lenet.nn.fused_inference import FusedLeNet5
    from lenet.nn.layers import Conv2D, Dense, Flatten, ReLU
    from lenet.nn.model import Sequential

    net = Sequential(
        [
            ("conv1", Conv2D(1, 2, 3)),
            ("act1", ReLU()),
            ("flatten", Flatten()),
            ("fc1", Dense(2 * 26 * 26, 10)),
        ]
    )
    assert FusedLeNet5.from_sequential(net) is None


def test_adam_kernel_matches_numpy():
    from lenet.nn.kernels.adam import adam_update, adam_update_numpy

    rng = np.random.default_rng(5)
    state = [rng.standard_normal(1000).astype(np.float32) for _ in range(3)]
    state[2] = np.abs(state[2])  # v >= 0
    g = rng.standard_normal(1000).astype(np.float32)
    a = [s.copy() for s in state]
    b = [s.copy() for s in state]
    for _ in range(3):
        adam_update(a[0], g, a[1], a[2], 1e-2, 0.9, 0.999, 1e-8, 1e-3)
        adam_update_numpy(b[0], g, b[1], b[2], 1e-2, 0.9, 0.999, 1e-8, 1e-3)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_adam_kernel_with_a_decay_per_element_matches_numpy():
    from lenet.nn.kernels.adam import adam_update, adam_update_numpy

    rng = np.random.default_rng(6)
    state = [rng.standard_normal(1000).astype(np.float32) for _ in range(3)]
    state[2] = np.abs(state[2])
    g = rng.standard_normal(1000).astype(np.float32)
    decays = np.where(np.arange(1000) % 7 == 0, 0.0, 0.05).astype(np.float32)
    a = [s.copy() for s in state]
    b = [s.copy() for s in state]
    for _ in range(3):
        adam_update(a[0], g, a[1], a[2], 1e-2, 0.9, 0.999, 1e-8, 0.0, decays)
        adam_update_numpy(b[0], g, b[1], b[2], 1e-2, 0.9, 0.999, 1e-8, 0.0, decays)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_parallel_and_serial_builds_have_separate_numba_caches():
    """numba keys its disk cache by qualified name: the same name for both builds made the
    parallel one load the serial machine code."""
    from lenet.nn.kernels import conv_lanes

    pairs = [
        (conv_kernels._forward_parallel, conv_kernels._forward_serial),
        (conv_kernels._backward_parallel, conv_kernels._backward_serial),
        conv_lanes.forward_builds,
        conv_lanes.backward_builds,
        *pool_kernels._KERNELS.values(),
        *elementwise_kernels._KERNELS.values(),
    ]
    for parallel, serial in pairs:
        assert parallel.targetoptions.get("parallel") and not serial.targetoptions.get("parallel")
        assert parallel.py_func.__qualname__ != serial.py_func.__qualname__


def test_training_steps_give_the_same_weights_on_any_thread_count():
    """Gradients are summed over a fixed split of the batch, so a seed gives the same model
    to the last bit on 1 thread or 2 (and so whatever the load makes the trainer choose)."""
    from lenet.nn.kernels.threads import set_threads
    from lenet.nn.losses import SoftmaxCrossEntropy
    from lenet.nn.model import lenet5
    from lenet.nn.optim import Adam

    def train(threads: int) -> dict[str, np.ndarray]:
        set_threads(threads)
        rng = np.random.default_rng(0)
        net, loss_fn = lenet5(rng=rng), SoftmaxCrossEntropy()
        optimizer = Adam(net.params(), net.grads())
        for _ in range(3):
            x = rng.standard_normal((37, 1, 28, 28)).astype(np.float32)
            loss_fn.forward(net.forward(x), rng.integers(0, 10, 37))
            net.zero_grad()
            net.backward(loss_fn.backward())
            optimizer.step()
        return {k: v.copy() for k, v in net.params().items()}

    before = set_threads(None)
    try:
        one, two = train(1), train(2)
    finally:
        set_threads(before)
    for name in one:
        np.testing.assert_array_equal(one[name], two[name], err_msg=name)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_softmax_cross_entropy_kernel_matches_its_numpy_twin(smoothing: float) -> None:
    from lenet.nn.kernels.softmax_ce import (
        softmax_cross_entropy,
        softmax_cross_entropy_numpy,
    )

    rng = np.random.default_rng(3)
    logits = (rng.standard_normal((37, 10)) * 8).astype(np.float32)
    logits[0, 4] = 300.0  # far past exp's float32 range: the row is shifted first
    labels = rng.integers(0, 10, 37)
    results = []
    for loss in (softmax_cross_entropy, softmax_cross_entropy_numpy):
        probs, grad = np.empty_like(logits), np.empty_like(logits)
        results.append((loss(logits, labels, smoothing, probs, grad), probs, grad))
    (a, pa, ga), (b, pb, gb) = results
    assert np.isfinite(a) and a == pytest.approx(b, rel=1e-6)
    np.testing.assert_allclose(pa, pb, atol=1e-7)
    np.testing.assert_allclose(ga, gb, atol=1e-8)
    np.testing.assert_allclose(ga.sum(axis=1), 0.0, atol=1e-7)  # softmax - target sums to 0


def test_softmax_cross_entropy_kernel_carries_nan_to_the_loss() -> None:
    from lenet.nn.kernels.softmax_ce import softmax_cross_entropy

    logits = np.zeros((4, 10), np.float32)
    logits[2, 3] = np.nan
    probs, grad = np.empty_like(logits), np.empty_like(logits)
    assert np.isnan(softmax_cross_entropy(logits, np.arange(4), 0.0, probs, grad))
