"""Inference for the standard LeNet-5 in one numba call per batch.

Layer by layer, a single 28x28 image makes a dozen Python -> numba round trips whose fixed
cost (argument checks, allocations, thread-pool hand-offs) is larger than the arithmetic.
Here the whole forward pass — conv, activation, pool, conv, activation, pool, three dense
layers and the softmax — runs inside one compiled function, with every intermediate in
small scratch buffers that stay in cache: image by image for a few images (a live answer
and its variants), and for a batch by blocks of eight images spread over the threads, the
convolutions and poolings over the block's maps interleaved (`lenet.nn.kernels.conv_lanes`;
measured 1.5x faster than image by image on 2 threads).

It computes exactly what ``Sequential.forward`` + ``softmax`` compute for a network built by
``lenet.nn.model.lenet5`` (the layered path is its readable twin; a test pins them together),
and ``FusedLeNet5.from_sequential`` returns None for any other network, which then simply
uses the layered path.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from lenet.nn.kernels.conv import _forward_image_s1
from lenet.nn.kernels.conv_lanes import LANES, block_conv
from lenet.nn.kernels.conv_passes import GROUP
from lenet.nn.kernels.threads import thread_pool
from lenet.nn.layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Tanh
from lenet.nn.model import Sequential

PARALLEL_MIN_BATCH = 16  # up to 16 (a digit and its test-time variants): one thread


@njit(cache=True, nogil=True, fastmath=True)
def _activate_pool(a, relu, max_pool, out):
    """Activation then 2x2/2 pooling: a (C, H, W) -> out (C, H//2, W//2)."""
    C, Ho, Wo = out.shape
    for c in range(C):
        for y in range(Ho):
            for x in range(Wo):
                v0, v1 = a[c, 2 * y, 2 * x], a[c, 2 * y, 2 * x + 1]
                v2, v3 = a[c, 2 * y + 1, 2 * x], a[c, 2 * y + 1, 2 * x + 1]
                if relu:  # relu and max commute, so max first, then clamp
                    if max_pool:
                        out[c, y, x] = max(max(max(v0, v1), max(v2, v3)), 0.0)
                    else:
                        out[c, y, x] = (
                            max(v0, 0.0) + max(v1, 0.0) + max(v2, 0.0) + max(v3, 0.0)
                        ) * 0.25
                else:
                    t0, t1, t2, t3 = np.tanh(v0), np.tanh(v1), np.tanh(v2), np.tanh(v3)
                    if max_pool:
                        out[c, y, x] = max(max(t0, t1), max(t2, t3))
                    else:
                        out[c, y, x] = (t0 + t1 + t2 + t3) * 0.25


@njit(cache=True, nogil=True, fastmath=True)
def _dense(x, w, b, out):
    """out = x @ w + b for one vector; x (I,), w (I, O), out (O,)."""
    for j in range(out.shape[0]):  # a loop, not out[:] = b: see _lenet5_proba
        out[j] = b[j]
    for i in range(x.shape[0]):
        xi = x[i]
        if xi != 0.0:  # after ReLU about half the inputs are zero
            wi = w[i]
            for j in range(out.shape[0]):
                out[j] += xi * wi[j]


@njit(cache=True, nogil=True, fastmath=True)
def _activate(v, relu):
    """ReLU or tanh of a vector, in place."""
    for j in range(v.shape[0]):
        v[j] = max(v[j], 0.0) if relu else np.tanh(v[j])


@njit(cache=True, nogil=True, fastmath=True)
def _head(p2, f1, g1, f2, g2, f3, g3, relu, inv_t, h1, h2, logits, out):
    """The dense layers and the softmax of one image: p2 (F, 5, 5) -> out (10,)."""
    _dense(p2.reshape(-1), f1, g1, h1)
    _activate(h1, relu)
    _dense(h1, f2, g2, h2)
    _activate(h2, relu)
    _dense(h2, f3, g3, logits)
    top = logits[0]
    for j in range(1, logits.shape[0]):
        top = max(top, logits[j])
    total = 0.0
    for j in range(logits.shape[0]):
        e = np.exp((logits[j] - top) * inv_t)
        out[j] = e
        total += e
    for j in range(logits.shape[0]):
        out[j] /= total


@njit(cache=True, nogil=True, fastmath=True)
def _conv1_pool(images, n, mean, inv_std, w1, b1, relu, max_pool, xn, xp, acc, c1, p1):
    """Image n normalised, conv1, activation and pool1 -> p1 (F1, 14, 14)."""
    for y in range(28):
        for x in range(28):
            xn[0, y, x] = (images[n, y, x] - mean) * inv_std
    _forward_image_s1(xn, w1, b1, (xp.shape[2] - 28) // 2, xp, acc, c1)
    _activate_pool(c1, relu, max_pool, p1)


@njit(cache=True, nogil=True, fastmath=True)
def _lenet5_proba(
    images, mean, inv_std, w1, b1, w2, b2, f1, g1, f2, g2, f3, g3, relu, max_pool, inv_t
):
    """images (N, 28, 28) in [0, 1] -> (N, 10) softmax(logits / T) probabilities, one image
    after another (a live answer and its variants: no thread pool to wake).

    Written so that the very first start compiles it quickly (it is the first screen's
    kernel): the conv paddings are computed from shapes rather than written as constants,
    and there are no array-to-array slice assignments — numba would otherwise compile
    `_forward_image_s1` once per literal padding, and build the message-formatting code of
    a shape-mismatch error for every `a[:] = b` (seconds of compiling each).
    """
    N = images.shape[0]
    dt = w1.dtype
    out = np.empty((N, f3.shape[1]), dtype=dt)
    xn = np.empty((1, 28, 28), dtype=dt)
    xp = np.empty((1, 32, 32), dtype=dt)
    acc = np.empty(GROUP * 32 * 32, dtype=dt)
    c1 = np.empty((w1.shape[0], 28, 28), dtype=dt)
    p1 = np.empty((w1.shape[0], 14, 14), dtype=dt)
    xp2 = np.empty((w1.shape[0], 14, 14), dtype=dt)
    c2 = np.empty((w2.shape[0], 10, 10), dtype=dt)
    p2 = np.empty((w2.shape[0], 5, 5), dtype=dt)
    h1, h2 = np.empty(f1.shape[1], dtype=dt), np.empty(f2.shape[1], dtype=dt)
    logits = np.empty(f3.shape[1], dtype=dt)
    for n in range(N):
        _conv1_pool(images, n, mean, inv_std, w1, b1, relu, max_pool, xn, xp, acc, c1, p1)
        _forward_image_s1(p1, w2, b2, xp2.shape[2] - p1.shape[2], xp2, acc, c2)
        _activate_pool(c2, relu, max_pool, p2)
        _head(p2, f1, g1, f2, g2, f3, g3, relu, inv_t, h1, h2, logits, out[n])
    return out


@njit(cache=True, nogil=True, fastmath=True)
def _activate_pool_lanes(a, H, W, relu, max_pool, out):
    """`_activate_pool` on a block's interleaved maps: a (C, H*W*LANES) -> out
    (C, (H//2)*(W//2)*LANES); the inner loop runs over the LANES images (one vector)."""
    C = a.shape[0]
    Ho, Wo = H // 2, W // 2
    for c in range(C):
        for y in range(Ho):
            for x in range(Wo):
                i0 = ((2 * y) * W + 2 * x) * LANES
                i2 = i0 + W * LANES
                o = (y * Wo + x) * LANES
                for lane in range(LANES):
                    v0, v1 = a[c, i0 + lane], a[c, i0 + LANES + lane]
                    v2, v3 = a[c, i2 + lane], a[c, i2 + LANES + lane]
                    if relu:
                        if max_pool:
                            out[c, o + lane] = max(max(max(v0, v1), max(v2, v3)), 0.0)
                        else:
                            out[c, o + lane] = (max(v0, 0.0) + max(v1, 0.0) + max(v2, 0.0)
                                                + max(v3, 0.0)) * 0.25
                    else:
                        t0, t1, t2, t3 = np.tanh(v0), np.tanh(v1), np.tanh(v2), np.tanh(v3)
                        if max_pool:
                            out[c, o + lane] = max(max(t0, t1), max(t2, t3))
                        else:
                            out[c, o + lane] = (t0 + t1 + t2 + t3) * 0.25


@njit(cache=True, nogil=True, fastmath=True, parallel=True)
def _lenet5_proba_blocks(
    images, mean, inv_std, w1, b1, w2, b2, f1, g1, f2, g2, f3, g3, relu, max_pool, inv_t
):
    """`_lenet5_proba` for batches, a block of LANES images per task over the threads: both
    convolutions and poolings run over the block's maps interleaved
    (`lenet.nn.kernels.conv_lanes`: whole output rows per pass, aligned loads, none of the
    per-image planes' thrown-away columns); the dense layers image by image."""
    N = images.shape[0]
    dt = w1.dtype
    F1, F2 = w1.shape[0], w2.shape[0]
    out = np.empty((N, f3.shape[1]), dtype=dt)
    for blk in prange((N + LANES - 1) // LANES):
        x1 = np.zeros((1, 32 * 32 * LANES), dtype=dt)  # the images, zero-padded by 2
        a1 = np.empty((F1, 28 * 28 * LANES), dtype=dt)
        x2 = np.empty((F1, 14 * 14 * LANES), dtype=dt)
        a2 = np.empty((F2, 10 * 10 * LANES), dtype=dt)
        q2 = np.empty((F2, 5 * 5 * LANES), dtype=dt)
        p2 = np.empty((F2, 5, 5), dtype=dt)
        h1, h2 = np.empty(f1.shape[1], dtype=dt), np.empty(f2.shape[1], dtype=dt)
        logits = np.empty(f3.shape[1], dtype=dt)
        n0 = blk * LANES
        lanes = min(LANES, N - n0)
        for lane in range(lanes):
            for y in range(28):
                for x in range(28):
                    x1[0, ((y + 2) * 32 + x + 2) * LANES + lane] = (
                        images[n0 + lane, y, x] - mean) * inv_std
        block_conv(x1, w1, b1, 28, 32 * LANES, 28 * LANES, a1)
        _activate_pool_lanes(a1, 28, 28, relu, max_pool, x2)
        block_conv(x2, w2, b2, 10, 14 * LANES, 10 * LANES, a2)
        _activate_pool_lanes(a2, 10, 10, relu, max_pool, q2)
        for lane in range(lanes):
            for f in range(F2):
                for i in range(25):
                    p2[f, i // 5, i % 5] = q2[f, i * LANES + lane]
            _head(p2, f1, g1, f2, g2, f3, g3, relu, inv_t, h1, h2, logits, out[n0 + lane])
    return out


class FusedLeNet5:
    """Probabilities for a LeNet-5 ``Sequential`` in one compiled call (same numbers)."""

    def __init__(self, net: Sequential, relu: bool, max_pool: bool) -> None:
        self.net, self.relu, self.max_pool = net, relu, max_pool
        # batches by blocks when both convolutions' filters come in pairs (LeNet-5's 6, 16)
        layers = list(net.layers.values())
        self._blocks = layers[0].out_channels % 2 == 0 and layers[3].out_channels % 2 == 0
        p = net.params()  # live references: optimizers and load_params update in place
        self._weights = [
            p[k]
            for k in (
                "conv1.W",
                "conv1.b",
                "conv2.W",
                "conv2.b",
                "fc1.W",
                "fc1.b",
                "fc2.W",
                "fc2.b",
                "fc3.W",
                "fc3.b",
            )
        ]

    @classmethod
    def from_sequential(cls, net: Sequential) -> FusedLeNet5 | None:
        """A fused runner if ``net`` has exactly lenet5()'s structure, else None."""
        layers = list(net.layers.values())
        kinds = [type(layer) for layer in layers]
        act, pool = (kinds[1], kinds[2]) if len(kinds) == 12 else (None, None)
        expected = [Conv2D, act, pool, Conv2D, act, pool, Flatten, Dense, act, Dense, act, Dense]
        if kinds != expected or act not in (ReLU, Tanh) or pool not in (MaxPool2D, AvgPool2D):
            return None
        conv1, pool1, conv2, pool2 = layers[0], layers[2], layers[3], layers[5]
        shapes_ok = (
            (conv1.in_channels, conv1.kernel_size, conv1.padding, conv1.stride) == (1, 5, 2, 1)
            and (conv2.kernel_size, conv2.padding, conv2.stride) == (5, 0, 1)
            and conv2.in_channels == conv1.out_channels
            and all((p.kernel_size, p.stride) == (2, 2) for p in (pool1, pool2))
            and layers[7].in_features == conv2.out_channels * 25
        )
        if not shapes_ok:
            return None
        return cls(net, relu=act is ReLU, max_pool=pool is MaxPool2D)

    def predict_proba(
        self, images: np.ndarray, mean: float, std: float, temperature: float = 1.0
    ) -> np.ndarray:
        """images (N, 28, 28) in [0, 1] -> (N, 10) probabilities softmax(logits / temperature);
        (x - mean) / std inside."""
        images = np.ascontiguousarray(images, dtype=self._weights[0].dtype)
        args = (images, mean, 1.0 / std, *self._weights, self.relu, self.max_pool,
                1.0 / temperature)
        with thread_pool(len(images) >= PARALLEL_MIN_BATCH) as parallel:
            if parallel and self._blocks:
                return _lenet5_proba_blocks(*args)
            return _lenet5_proba(*args)
