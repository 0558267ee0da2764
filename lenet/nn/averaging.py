"""An exponential moving average of a model's weights, for evaluating and keeping.

Late in a run the weights jitter around a minimum from batch to batch; their running
average sits nearer its centre and usually generalises a little better than the last
batch's weights, for free. `WeightAverage.update()` after every optimizer step;
`with average.swapped_in():` to evaluate the averaged weights; `copy_to_params()` at the end
to keep them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from lenet.nn.packing import packed_buffer, views_like

__all__ = ["WeightAverage"]


class WeightAverage:
    """avg = decay·avg + (1 - decay)·param after each step, over the named parameters.

    The first steps are bias-corrected (the effective decay is min(decay, (1+t)/(10+t))),
    so the average does not drag the random initial weights along.
    """

    def __init__(self, params: dict[str, np.ndarray], decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"the averaging decay must be in (0, 1), got {decay}")
        self.params, self.decay, self.steps = params, decay, 0
        flat = packed_buffer(params.values())  # one pass per step (lenet.nn.packing)
        self._flat = None if flat is None else (flat, flat.copy())
        self.average = (views_like(params, self._flat[1]) if self._flat
                        else {name: p.copy() for name, p in params.items()})

    def update(self) -> None:
        self.steps += 1
        d = np.float32(min(self.decay, (1 + self.steps) / (10 + self.steps)))
        if self._flat is not None:
            p, avg = self._flat
            avg *= d
            avg += (1 - d) * p
            return
        for name, p in self.params.items():
            avg = self.average[name]
            avg *= d
            avg += (1 - d) * p

    @contextmanager
    def swapped_in(self) -> Iterator[None]:
        """The averaged weights in the model for the block, the live ones back after it."""
        live = {name: p.copy() for name, p in self.params.items()}
        self.copy_to_params()
        try:
            yield
        finally:
            for name, p in self.params.items():
                p[...] = live[name]

    def copy_to_params(self) -> None:
        for name, p in self.params.items():
            p[...] = self.average[name]
