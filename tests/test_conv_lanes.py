"""The interleaved-block convolution (lenet.nn.kernels.conv_lanes) pinned to the NumPy twins,
for batches that fill their last block only partly, and the routing to it."""

import numpy as np
import pytest

from lenet.nn.kernels import conv as conv_kernels
from lenet.nn.kernels import conv_lanes
from lenet.nn.kernels.threads import hold_thread_pool

F32 = dict(rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "n,c,h,f,pad",
    [
        (64, 6, 14, 16, 0),  # LeNet-5's conv2 at batch 64
        (13, 6, 14, 16, 0),  # a block and five lanes of the next
        (9, 1, 28, 6, 2),  # conv1: six filters, four then two
        (8, 4, 7, 10, 1),
    ],
)
@pytest.mark.parametrize("build", [0, 1])  # parallel, serial
def test_block_convolution_matches_numpy(n, c, h, f, pad, build):
    rng = np.random.default_rng(n + c)
    x = rng.standard_normal((n, c, h, h)).astype(np.float32)
    w = rng.standard_normal((f, c, 5, 5)).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32)
    out = conv_lanes.forward_builds[build](x, w, b, pad)
    np.testing.assert_allclose(out, conv_kernels.conv2d_forward_numpy(x, w, b, pad, 1), **F32)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    need_dx = c % 2 == 0  # the input gradient takes channels by pairs
    dx, dw_parts, db_parts = conv_lanes.backward_builds[build](x, w, dout, pad, need_dx)
    want_dx, want_dw, want_db = conv_kernels.conv2d_backward_numpy(x, w, dout, pad, 1)
    assert dw_parts.shape[0] == -(-n // conv_lanes.LANES)  # one partial sum per block
    if need_dx:
        np.testing.assert_allclose(dx, want_dx, **F32)
    np.testing.assert_allclose(dw_parts.sum(axis=0), want_dw, rtol=1e-4, atol=5e-4)
    np.testing.assert_allclose(db_parts.sum(axis=0), want_db, rtol=1e-4, atol=5e-4)


def test_lenets_convolutions_are_routed_to_the_blocks():
    conv1, conv2 = (64, 1, 28, 28), (64, 6, 14, 14)
    assert conv_lanes.fits_forward(conv1, (6, 1, 5, 5), 1)
    assert conv_lanes.fits_forward(conv2, (16, 6, 5, 5), 1)
    assert conv_lanes.fits_backward(conv2, (16, 6, 5, 5), 1, need_dx=True)
    assert not conv_lanes.fits_backward(conv1, (6, 1, 5, 5), 1, need_dx=False)
    assert not conv_lanes.fits_forward((7, 6, 14, 14), (16, 6, 5, 5), 1)  # under a block
    assert not conv_lanes.fits_forward(conv2, (16, 6, 3, 3), 1)
    assert not conv_lanes.fits_forward(conv2, (16, 6, 5, 5), 2)
    assert not conv_lanes.fits_forward(conv2, (15, 6, 5, 5), 1)


def test_the_layer_gives_the_same_gradients_with_the_pool_busy():
    """Whoever holds the pool, a training step takes the serial build: same numbers."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((24, 6, 14, 14)).astype(np.float32)
    w = rng.standard_normal((16, 6, 5, 5)).astype(np.float32)
    dout = rng.standard_normal((24, 16, 10, 10)).astype(np.float32)
    free = conv_kernels.conv2d_backward(x, w, dout, 0, 1)
    with hold_thread_pool():
        busy = conv_kernels.conv2d_backward(x, w, dout, 0, 1)
    for a, b in zip(free, busy, strict=True):
        np.testing.assert_array_equal(a, b)
