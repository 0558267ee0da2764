"""What drives one unit of the network: its weights, its inputs' shares, its receptive field.

Pure NumPy over `lenet.nn.stages.Stage`s and `Classifier.activations` (no widgets): the
network diagram highlights these and the unit panel draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from app.network_layout import Unit

# what the diagram calls each kind of stage ("fc1", "conv2" keep the model's own names)
OUTPUT_NAME = "output"


def stage_caption(stages: list[Any], index: int) -> tuple[str, str]:
    """(name, shape) as the diagram labels stage `index`: ("conv1", "6@28×28"), ("fc1",
    "120"), ("output", "10")."""
    stage = stages[index]
    name = OUTPUT_NAME if index == len(stages) - 1 and stage.kind == "dense" else stage.name
    if len(stage.shape) == 3:
        c, h, w = stage.shape
        size = f"{h}\N{MULTIPLICATION SIGN}{w}"
        return name, size if stage.kind == "input" and c == 1 else f"{c}@{size}"
    return name, str(stage.shape[0])


def unit_value(acts: dict[str, np.ndarray], stages: list[Any], unit: Unit) -> float:
    """The unit's activation (for a map, at its pixel (y, x))."""
    a = acts[stages[unit.stage].name]
    return float(a[unit.index, unit.y, unit.x] if a.ndim == 3 else a[unit.index])


def unit_weights(stages: list[Any], unit: Unit) -> np.ndarray | None:
    """The weights into the unit: a conv map's filter (C_in, K, K); a dense unit's column,
    reshaped to the previous stage's maps (C, H, W) when that stage is spatial (fc1 over
    pool2), else (D_in,); None for the input and for pools (they have none)."""
    stage = stages[unit.stage]
    if stage.weights is None:
        return None
    if stage.kind == "conv":
        return stage.weights[unit.index]
    column = stage.weights[:, unit.index]
    before = stages[unit.stage - 1].shape
    return column.reshape(before) if len(before) == 3 else column


@dataclass(frozen=True)
class Contribution:
    """One input's share of a dense unit's sum (`amount` = activation × weight); for a map
    of a spatial input (fc1 over pool2) the map's summed share, its mean activation and no
    single weight."""

    index: int
    amount: float
    activation: float
    weight: float | None


def top_contributions(acts: dict[str, np.ndarray], stages: list[Any], unit: Unit,
                      count: int = 8) -> list[Contribution]:
    """A dense unit's `count` largest inputs by |activation × weight|, largest first (per
    map when the input is spatial)."""
    a = acts[stages[unit.stage - 1].name]
    w = stages[unit.stage].weights[:, unit.index]
    if a.ndim == 3:
        c = a.shape[0]
        flat = a.reshape(c, -1)
        shares = (flat * w.reshape(c, -1)).sum(axis=1)
        order = np.argsort(-np.abs(shares), kind="stable")[:count]
        return [Contribution(int(i), float(shares[i]), float(flat[i].mean()), None)
                for i in order]
    shares = a * w
    order = np.argsort(-np.abs(shares), kind="stable")[:count]
    return [Contribution(int(i), float(shares[i]), float(a[i]), float(w[i])) for i in order]


def receptive_rects(stages: list[Any], unit: Unit) -> dict[int, tuple[int, int, int, int]]:
    """For a map pixel: the window it sees, by stage index — in the stage just before it and
    in the input (top, left, bottom, right; exclusive). Empty for other units."""
    from lenet.nn.stages import receptive_field

    stage = stages[unit.stage]
    if stage.kind not in ("conv", "pool"):
        return {}
    out = {unit.stage - 1: receptive_field(stages, unit.stage, unit.y, unit.x,
                                           down_to=unit.stage - 1)}
    if unit.stage - 1 > 0 and all(s.kind in ("conv", "pool") for s in stages[1 : unit.stage]):
        out[0] = receptive_field(stages, unit.stage, unit.y, unit.x, down_to=0)
    return out
