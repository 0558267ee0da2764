"""Optimizers over named parameters (schedules: `lenet.nn.schedules`).

An optimizer holds references to a model's ``params()`` and ``grads()`` dictionaries (same
keys) and its own state per name; ``step()`` updates the parameters in place. Layers never
update themselves.
"""

from __future__ import annotations

import math

import numpy as np

from lenet.nn.kernels.adam import adam_update
from lenet.nn.packing import packed_buffer, views_like


class Optimizer:
    def __init__(
        self,
        params: dict[str, np.ndarray],
        grads: dict[str, np.ndarray],
        lr: float,
        weight_decay: float = 0.0,
    ) -> None:
        if params.keys() != grads.keys():
            raise ValueError("params and grads must have the same names")
        if lr <= 0 or weight_decay < 0:
            raise ValueError(f"need lr > 0 and weight_decay >= 0, got {lr}, {weight_decay}")
        self.params, self.grads = params, grads
        self.lr, self.weight_decay = lr, weight_decay

    def _decayed_grad(self, name: str) -> np.ndarray:
        """The gradient plus L2 weight decay on weights (not on biases)."""
        g = self.grads[name]
        if self.weight_decay and not name.endswith(".b"):
            g = g + self.weight_decay * self.params[name]
        return g

    def step(self) -> None:
        raise NotImplementedError

    def zero_grad(self) -> None:
        for g in self.grads.values():
            g.fill(0.0)


class SGD(Optimizer):
    """SGD with (optionally Nesterov) momentum: v = mu*v - lr*g; p += v (or the Nesterov form)."""

    def __init__(
        self,
        params,
        grads,
        lr: float = 0.01,
        momentum: float = 0.9,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, grads, lr, weight_decay)
        self.momentum, self.nesterov = momentum, nesterov
        self.velocity = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self) -> None:
        for name, p in self.params.items():
            g = self._decayed_grad(name)
            v = self.velocity[name]
            v *= self.momentum
            v -= self.lr * g
            if self.nesterov:
                p += self.momentum * v - self.lr * g
            else:
                p += v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction; weight decay is L2 added to the gradient."""

    def __init__(
        self,
        params,
        grads,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, grads, lr, weight_decay)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        # parameters and gradients packed in one array each (lenet.nn.packing): the state
        # is too, and a step is one pass over all of them
        flat_p, flat_g = packed_buffer(params.values()), packed_buffer(grads.values())
        self._flat = None
        if flat_p is not None and flat_g is not None and flat_g.dtype == flat_p.dtype \
                and flat_g.size == flat_p.size and list(params) == list(grads):
            flat_m, flat_v = np.zeros_like(flat_p), np.zeros_like(flat_p)
            self.m, self.v = views_like(params, flat_m), views_like(params, flat_v)
            self._flat = (flat_p, flat_g, flat_m, flat_v)
            self._decays: tuple[float, np.ndarray] | None = None  # (decay, per element)
        else:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self) -> None:
        self.t += 1
        c1 = 1 - self.beta1**self.t
        c2 = 1 - self.beta2**self.t
        step = self.lr * math.sqrt(c2) / c1
        if self._flat is not None and not self.weight_decay:
            adam_update(*self._flat, step, self.beta1, self.beta2, self.eps, 0.0)
            return
        if self._flat is not None:
            if self._decays is None or self._decays[0] != self.weight_decay:
                self._decays = (self.weight_decay, self._packed_decays())
            adam_update(*self._flat, step, self.beta1, self.beta2, self.eps, 0.0,
                        self._decays[1])
            return
        for name, p in self.params.items():
            decay = self.weight_decay if not name.endswith(".b") else 0.0
            adam_update(
                p.reshape(-1),
                self.grads[name].reshape(-1),
                self.m[name].reshape(-1),
                self.v[name].reshape(-1),
                step,
                self.beta1,
                self.beta2,
                self.eps,
                decay,
            )

    def _packed_decays(self) -> np.ndarray:
        """The weight decay per element, packed like the parameters: the weights' decay, the
        biases' 0 (so a decayed step is still one pass)."""
        decays = np.zeros_like(self._flat[0])
        for name, d in views_like(self.params, decays).items():
            if not name.endswith(".b"):
                d[...] = self.weight_decay
        return decays


def make_optimizer(name: str, params, grads, lr: float, weight_decay: float = 0.0) -> Optimizer:
    """'adam', 'sgd' (momentum 0.9) or 'nesterov'."""
    if name == "adam":
        return Adam(params, grads, lr=lr, weight_decay=weight_decay)
    if name in ("sgd", "nesterov"):
        return SGD(
            params,
            grads,
            lr=lr,
            momentum=0.9,
            nesterov=name == "nesterov",
            weight_decay=weight_decay,
        )
    raise ValueError(f"unknown optimizer {name!r}: use adam, sgd or nesterov")
