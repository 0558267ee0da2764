"""A network as a person looks at it: stages (a layer and the activation after it) in order.

`network_stages(net)` groups a `Sequential` into the steps a diagram shows — input, conv1
(conv + activation), pool1, conv2, pool2, fc1 (flatten + dense + activation), ..., the output
— each with the shape of one image's output and the weights that produce it.
`stage_outputs(stages, collected)` picks each stage's output from `Sequential.forward_collect`.
`receptive_field(stages, index, y, x)` is the input window a spatial unit sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenet.nn.layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Tanh
from lenet.nn.model import Sequential

INPUT = "input"


@dataclass(frozen=True)
class Stage:
    """One step of the network: `kind` is "input", "conv", "pool" or "dense".

    `shape` is one image's output, (C, H, W) or (D,); `layers` the `Sequential` layers it
    covers (its output is the last one's). Conv: `weights` (F, C, K, K); dense: `weights`
    (D_in, D_out) — views of the live parameters, not copies. Pool: `kernel`/`stride` only.
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    layers: tuple[str, ...] = ()
    weights: np.ndarray | None = None
    bias: np.ndarray | None = None
    kernel: int = 1
    stride: int = 1
    padding: int = 0


def _conv_shape(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def network_stages(net: Sequential, input_shape: tuple[int, int, int] = (1, 28, 28)
                   ) -> list[Stage]:
    """The stages of `net` for inputs of `input_shape` (C, H, W); the first is the input.

    Activations join the stage before them, a flatten joins the dense stage after it.
    Raises ValueError for a layer it does not know.
    """
    stages = [Stage(INPUT, "input", tuple(input_shape))]
    shape: tuple[int, ...] = tuple(input_shape)
    pending: list[str] = []  # layers waiting for the next stage (a flatten)
    for name, layer in net.layers.items():
        if isinstance(layer, Conv2D):
            c, h, w = shape
            k, s, p = layer.kernel_size, layer.stride, layer.padding
            shape = (layer.out_channels, _conv_shape(h, k, s, p), _conv_shape(w, k, s, p))
            stages.append(Stage(name, "conv", shape, (*pending, name), layer.params["W"],
                                layer.params["b"], k, s, p))
        elif isinstance(layer, MaxPool2D | AvgPool2D):
            c, h, w = shape
            k, s = layer.kernel_size, layer.stride
            shape = (c, _conv_shape(h, k, s, 0), _conv_shape(w, k, s, 0))
            stages.append(Stage(name, "pool", shape, (*pending, name), kernel=k, stride=s))
        elif isinstance(layer, Dense):
            shape = (layer.out_features,)
            stages.append(Stage(name, "dense", shape, (*pending, name), layer.params["W"],
                                layer.params["b"]))
        elif isinstance(layer, ReLU | Tanh) and len(stages) > 1:
            last = stages[-1]
            stages[-1] = Stage(last.name, last.kind, last.shape, (*last.layers, name),
                               last.weights, last.bias, last.kernel, last.stride, last.padding)
            continue
        elif isinstance(layer, Flatten):
            shape = (int(np.prod(shape)),)
            pending.append(name)
            continue
        else:
            raise ValueError(f"layer {name} ({type(layer).__name__}) has no place in a diagram")
        pending = []
    return stages


def stage_outputs(stages: list[Stage], collected: dict[str, np.ndarray],
                  image: np.ndarray) -> dict[str, np.ndarray]:
    """Each stage's output for one image, by stage name: `collected` is
    `Sequential.forward_collect` of a batch of one, `image` the input shown for "input"."""
    out = {INPUT: np.asarray(image, dtype=np.float32).reshape(stages[0].shape)}
    for stage in stages[1:]:
        out[stage.name] = collected[stage.layers[-1]][0].reshape(stage.shape)
    return out


def receptive_field(stages: list[Stage], index: int, y: int, x: int,
                    down_to: int = 0) -> tuple[int, int, int, int]:
    """The window (top, left, bottom, right; exclusive, clipped) of stage `down_to`'s
    output that unit (y, x) of stage `index`'s output sees. Stages between them must be
    spatial (conv or pool)."""
    top, left, bottom, right = y, x, y + 1, x + 1
    for stage in reversed(stages[down_to + 1 : index + 1]):
        if stage.kind not in ("conv", "pool"):
            raise ValueError(f"{stage.name} is not spatial")
        k, s, p = stage.kernel, stage.stride, stage.padding
        top, left = top * s - p, left * s - p
        bottom, right = (bottom - 1) * s - p + k, (right - 1) * s - p + k
    h, w = stages[down_to].shape[-2:]
    return max(top, 0), max(left, 0), min(bottom, h), min(right, w)
