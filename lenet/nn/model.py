"""Sequential container with qualified parameter names, and the LeNet-5 builder."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np

from lenet.nn.layers import AvgPool2D, Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU, Tanh
from lenet.nn.packing import pack

ACTIVATIONS = {"relu": ReLU, "tanh": Tanh}
POOLINGS = {"max": MaxPool2D, "avg": AvgPool2D}


class Sequential:
    """Layers applied in order; parameters are named ``"<layer>.<param>"``, e.g. ``conv1.W``.

    The first layer is told not to compute a gradient for the network's input. The layers'
    parameters and gradients become views into one flat array each (`flat_params`,
    `flat_grads`; `lenet.nn.packing`), so a training step updates them in one pass.
    """

    def __init__(self, layers: Iterable[tuple[str, Layer]]) -> None:
        self.layers: dict[str, Layer] = dict(layers)
        first = next(iter(self.layers.values()), None)
        if first is not None and hasattr(first, "needs_input_grad"):
            first.needs_input_grad = False
        # a ReLU right before a max pooling is applied by the pooling in training (one pass
        # over the maps instead of three, forward and backward; the same numbers)
        order = list(self.layers.values())
        for act, pool in itertools.pairwise(order):
            if type(act) is ReLU and type(pool) is MaxPool2D:
                act.folded, pool.relu_first = True, True
        self.flat_params = pack(layer.params for layer in order)
        self.flat_grads = pack(layer.grads for layer in order)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    __call__ = forward

    def forward_until(self, x: np.ndarray, name: str) -> np.ndarray:
        """The output of layer `name` (the layers after it are not run)."""
        if name not in self.layers:
            raise ValueError(f"no layer {name!r}")
        for layer_name, layer in self.layers.items():
            x = layer.forward(x)
            if layer_name == name:
                break
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        return dout

    def forward_collect(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Forward pass returning every layer's output by name (for feature maps)."""
        outputs = {}
        for name, layer in self.layers.items():
            x = layer.forward(x)
            outputs[name] = x
        return outputs

    def params(self) -> dict[str, np.ndarray]:
        return {f"{n}.{k}": v for n, layer in self.layers.items() for k, v in layer.params.items()}

    def grads(self) -> dict[str, np.ndarray]:
        return {f"{n}.{k}": v for n, layer in self.layers.items() for k, v in layer.grads.items()}

    def zero_grad(self) -> None:
        if self.flat_grads is not None:
            self.flat_grads.fill(0.0)
            return
        for layer in self.layers.values():
            layer.zero_grad()

    def train(self) -> Sequential:
        for layer in self.layers.values():
            layer.training = True
        return self

    def eval(self) -> Sequential:
        for layer in self.layers.values():
            layer.training = False
        return self

    def load_params(self, arrays: dict[str, np.ndarray]) -> None:
        """Copy arrays into the parameters; every name must match and every shape agree."""
        own = self.params()
        missing, unexpected = own.keys() - arrays.keys(), arrays.keys() - own.keys()
        if missing or unexpected:
            raise ValueError(
                f"parameter names differ: missing {sorted(missing)}, "
                f"unexpected {sorted(unexpected)}"
            )
        for name, target in own.items():
            if arrays[name].shape != target.shape:
                raise ValueError(
                    f"{name}: shape {arrays[name].shape} does not fit the layer's {target.shape}"
                )
            target[...] = arrays[name]

    def __repr__(self) -> str:
        lines = [f"  ({name}): {layer!r}" for name, layer in self.layers.items()]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


def lenet5(
    activation: str = "relu",
    pooling: str = "max",
    rng: np.random.Generator | None = None,
    dtype: type = np.float32,
) -> Sequential:
    """LeNet-5 for 1x28x28 inputs -> 10 logits (softmax applied by the loss / classifier).

    conv1 pads by 2, so it sees the 32x32 input of the 1998 paper:
    conv 6@5x5 -> act -> pool -> conv 16@5x5 -> act -> pool -> 120 -> act -> 84 -> act -> 10.
    """
    if activation not in ACTIVATIONS or pooling not in POOLINGS:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)} and pooling one of "
            f"{sorted(POOLINGS)}, got {activation!r}, {pooling!r}"
        )
    rng = rng if rng is not None else np.random.default_rng(0)
    act, pool = ACTIVATIONS[activation], POOLINGS[pooling]
    init = "he" if activation == "relu" else "glorot"
    return Sequential(
        [
            ("conv1", Conv2D(1, 6, 5, padding=2, rng=rng, init=init, dtype=dtype)),
            ("act1", act()),
            ("pool1", pool(2)),
            ("conv2", Conv2D(6, 16, 5, rng=rng, init=init, dtype=dtype)),
            ("act2", act()),
            ("pool2", pool(2)),
            ("flatten", Flatten()),
            ("fc1", Dense(16 * 5 * 5, 120, rng=rng, init=init, dtype=dtype)),
            ("act3", act()),
            ("fc2", Dense(120, 84, rng=rng, init=init, dtype=dtype)),
            ("act4", act()),
            # small output weights: the first loss is ln 10 ≈ 2.30, not 3-5 (a chart whose
            # first point dwarfs the rest, and a first step spent undoing the init)
            ("fc3", Dense(84, 10, rng=rng, init="output", dtype=dtype)),
        ]
    )
