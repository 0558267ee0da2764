"""A network's forward pass in plain NumPy: no numba, so nothing to compile.

What the app answers with on its very first start while numba compiles the kernels (see
`lenet.nn.kernels.readiness`): the same numbers as `Sequential.forward` within float
rounding (tests pin it to the fused and the layered paths). A convolution is one matrix
product over the input's sliding windows (im2col; faster than the kernels' einsum
reference); pooling and ReLU are the kernels' NumPy twins; batches go through in chunks of
CHUNK images so that the windows stay small (a 28x28 image's first conv reads 19,600
floats).
"""

from __future__ import annotations

import numpy as np

from lenet.nn.kernels.elementwise import relu_forward_numpy
from lenet.nn.kernels.pool import avg_pool_forward_numpy, max_pool_forward_numpy
from lenet.nn.layers import AvgPool2D, Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU, Tanh
from lenet.nn.model import Sequential

__all__ = ["CHUNK", "forward_collect_plain", "forward_plain"]

CHUNK = 256


def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, pad: int, stride: int) -> np.ndarray:
    """x (N, C, H, W), w (F, C, K, K) -> (N, F, Ho, Wo) = conv(x, w) + b, as one matmul."""
    n, c, _, _ = x.shape
    f, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
    win = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))
    win = win[:, :, ::stride, ::stride]  # (N, C, Ho, Wo, K, K)
    ho, wo = win.shape[2:4]
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * k * k)
    out = cols @ w.reshape(f, c * k * k).T + b
    return np.ascontiguousarray(out.reshape(n, ho, wo, f).transpose(0, 3, 1, 2))


def _layer(layer: Layer, x: np.ndarray) -> np.ndarray:
    """One layer's output in NumPy (its own `forward` for a kind this module does not know)."""
    if isinstance(layer, Conv2D):
        return _conv(x, layer.params["W"], layer.params["b"], layer.padding, layer.stride)
    if isinstance(layer, Dense):
        return x @ layer.params["W"] + layer.params["b"]
    if isinstance(layer, ReLU):
        return relu_forward_numpy(x)
    if isinstance(layer, Tanh):
        return np.tanh(x)
    if isinstance(layer, AvgPool2D):  # before MaxPool2D: it is a subclass of it
        return avg_pool_forward_numpy(x, layer.kernel_size, layer.stride)
    if isinstance(layer, MaxPool2D):
        return max_pool_forward_numpy(x, layer.kernel_size, layer.stride)
    if isinstance(layer, Flatten):
        return x.reshape(x.shape[0], -1)
    return layer.forward(x)


def forward_collect_plain(net: Sequential, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's output by name for x (N, ...) — `Sequential.forward_collect`'s twin."""
    outputs = {}
    for name, layer in net.layers.items():
        x = _layer(layer, x)
        outputs[name] = x
    return outputs


def forward_plain(net: Sequential, x: np.ndarray, until: str | None = None) -> np.ndarray:
    """The network's output for x (N, ...) — `Sequential.forward`'s twin, CHUNK at a time;
    `until`: the output of that layer instead (`Sequential.forward_until`'s twin)."""
    parts = []
    for start in range(0, max(len(x), 1), CHUNK):
        part = x[start : start + CHUNK]
        for name, layer in net.layers.items():
            part = _layer(layer, part)
            if name == until:
                break
        parts.append(part)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
