"""Layers with forward and backward passes.

Every layer keeps its parameters and their gradients as twin dictionaries with the same keys
(``params["W"]`` and ``grads["W"]``). ``forward`` caches what ``backward`` needs (only in
training mode); ``backward(dout)`` fills ``grads`` and returns the gradient with respect to
the layer's input. Layers never update their own parameters: an optimizer does.

Shapes: images are (N, C, H, W), vectors (N, D); all arrays float32 unless a layer is built
with ``dtype=np.float64`` (the gradient checks do that).
"""

from __future__ import annotations

import numpy as np

from lenet.nn.kernels import conv as conv_kernels
from lenet.nn.kernels import elementwise as elementwise_kernels
from lenet.nn.kernels import pool as pool_kernels
from lenet.nn.kernels.threads import single_threaded_blas
from lenet.nn.memory import keep_freed_memory

single_threaded_blas()  # see lenet.nn.kernels.threads: numba's pool does the parallel work
keep_freed_memory()  # see lenet.nn.memory: no page faults on every step's activations


class Layer:
    """Base class: no parameters, identity-free contract for subclasses."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def zero_grad(self) -> None:
        for g in self.grads.values():
            g.fill(0.0)

    def _extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._extra_repr()})"


def he_normal(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    """He et al. (2015): N(0, 2 / fan_in), for ReLU networks."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


def glorot_uniform(
    rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int
) -> np.ndarray:
    """Glorot & Bengio (2010): U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), for tanh."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def _init_weights(
    rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int, init: str
) -> np.ndarray:
    if init == "he":
        return he_normal(rng, shape, fan_in)
    if init == "glorot":
        return glorot_uniform(rng, shape, fan_in, fan_out)
    if init == "output":  # a tenth of Glorot: a fresh classifier answers ~uniformly
        return 0.1 * glorot_uniform(rng, shape, fan_in, fan_out)
    raise ValueError(f"unknown initialisation {init!r}: use 'he', 'glorot' or 'output'")


class Conv2D(Layer):
    """2-D convolution: (N, C, H, W) -> (N, F, Ho, Wo) with F filters of size K x K.

    ``needs_input_grad = False`` (set by Sequential on the first layer) skips computing the
    gradient with respect to the input image, which nobody uses.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        padding: int = 0,
        stride: int = 1,
        rng: np.random.Generator | None = None,
        init: str = "he",
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        if kernel_size < 1 or stride < 1 or padding < 0:
            raise ValueError("kernel_size and stride must be >= 1 and padding >= 0")
        rng = rng if rng is not None else np.random.default_rng(0)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.padding, self.stride = kernel_size, padding, stride
        fan_in = in_channels * kernel_size * kernel_size
        fan_out = out_channels * kernel_size * kernel_size
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.params = {
            "W": _init_weights(rng, shape, fan_in, fan_out, init).astype(dtype),
            "b": np.zeros(out_channels, dtype=dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.needs_input_grad = True
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"{self!r} expects (N, {self.in_channels}, H, W), got {x.shape}")
        if self.training:
            self._x = x
        return conv_kernels.conv2d_forward(
            x, self.params["W"], self.params["b"], self.padding, self.stride
        )

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx, dw, db = conv_kernels.conv2d_backward(
            self._x, self.params["W"], dout, self.padding, self.stride, self.needs_input_grad
        )
        self.grads["W"] += dw
        self.grads["b"] += db
        return dx

    def _extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"padding={self.padding}, stride={self.stride}"
        )


class Dense(Layer):
    """Fully connected layer: (N, D_in) -> (N, D_out), y = x @ W + b."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        rng: np.random.Generator | None = None,
        init: str = "he",
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng(0)
        self.in_features, self.out_features = in_features, out_features
        shape = (in_features, out_features)
        self.params = {
            "W": _init_weights(rng, shape, in_features, out_features, init).astype(dtype),
            "b": np.zeros(out_features, dtype=dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"{self!r} expects (N, {self.in_features}), got {x.shape}")
        if self.training:
            self._x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self.grads["W"] += self._x.T @ dout
        self.grads["b"] += dout.sum(axis=0)
        return dout @ self.params["W"].T

    def _extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}"


class ReLU(Layer):
    """max(x, 0), elementwise; any shape.

    `folded` (set by `Sequential` when a MaxPool2D follows): in training the pooling applies
    it (relu then max = max then relu), and this layer passes values and gradients through."""

    folded = False

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._passed = self.folded and self.training
        if self._passed:
            return x
        out = elementwise_kernels.relu_forward(x)
        if self.training:
            self._out = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        if self._passed:
            return dout
        return elementwise_kernels.relu_backward(self._out, dout)


class Tanh(Layer):
    """tanh(x), elementwise; any shape."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.tanh(x)
        if self.training:
            self._out = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return elementwise_kernels.tanh_backward(self._out, dout)


class MaxPool2D(Layer):
    """Max over K x K windows with stride S (default S = K): (N, C, H, W) -> (N, C, Ho, Wo).

    `relu_first` (set by `Sequential` after a folded ReLU): in training, pools relu(x)."""

    relu_first = False

    def __init__(self, kernel_size: int = 2, stride: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride or kernel_size

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, argmax = pool_kernels.max_pool_forward(
            x, self.kernel_size, self.stride, relu=self.relu_first and self.training)
        if self.training:
            self._argmax, self._hw = argmax, x.shape[2:]
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return pool_kernels.max_pool_backward(dout, self._argmax, *self._hw)

    def _extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class AvgPool2D(MaxPool2D):
    """Mean over K x K windows with stride S (default S = K): (N, C, H, W) -> (N, C, Ho, Wo)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.training:
            self._hw = x.shape[2:]
        return pool_kernels.avg_pool_forward(x, self.kernel_size, self.stride)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return pool_kernels.avg_pool_backward(dout, self.kernel_size, self.stride, *self._hw)


class Flatten(Layer):
    """(N, C, H, W) -> (N, C * H * W)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout.reshape(self._shape)
