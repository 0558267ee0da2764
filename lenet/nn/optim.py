"""Optimizers over named parameters, and learning-rate schedules.

An optimizer holds references to a model's ``params()`` and ``grads()`` dictionaries (same
keys) and its own state per name; ``step()`` updates the parameters in place. Layers never
update themselves.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


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
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self) -> None:
        self.t += 1
        c1 = 1 - self.beta1**self.t
        c2 = 1 - self.beta2**self.t
        step = self.lr * math.sqrt(c2) / c1
        for name, p in self.params.items():
            decay = self.weight_decay if not name.endswith(".b") else 0.0
            _adam_update(
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


@njit(cache=True, nogil=True, fastmath=True)
def _adam_update(p, g, m, v, step, beta1, beta2, eps, decay):
    """One fused pass of Adam over flat arrays (NumPy would make ten temporaries)."""
    t = p.dtype.type  # constants in the arrays' precision, so the loop vectorises
    b1, b2, lr, e, wd = t(beta1), t(beta2), t(step), t(eps), t(decay)
    one = t(1)
    for i in range(p.size):
        pi = p[i]
        gi = g[i] + wd * pi
        mi = b1 * m[i] + (one - b1) * gi
        vi = b2 * v[i] + (one - b2) * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] = pi - lr * mi / (np.sqrt(vi) + e)


def adam_update_numpy(p, g, m, v, step, beta1, beta2, eps, decay) -> None:
    """NumPy twin of _adam_update (same arguments, updates p, m, v in place)."""
    g = g + decay * p
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    p -= step * m / (np.sqrt(v) + eps)


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


class StepSchedule:
    """lr(epoch) = base * gamma ** (epoch // step_size); epochs count from 0."""

    def __init__(self, base_lr: float, step_size: int, gamma: float = 0.1) -> None:
        self.base_lr, self.step_size, self.gamma = base_lr, step_size, gamma

    def __call__(self, epoch: float) -> float:
        return self.base_lr * self.gamma ** (int(epoch) // self.step_size)


class CosineSchedule:
    """Cosine decay from base to min_lr over total epochs, after a linear warm-up.

    Called with a fractional epoch (e.g. 2.5 halfway through the third) so that the rate
    changes smoothly every batch.
    """

    def __init__(
        self, base_lr: float, total_epochs: float, min_lr: float = 0.0, warmup_epochs: float = 0.0
    ) -> None:
        self.base_lr, self.total, self.min_lr, self.warmup = (
            base_lr,
            total_epochs,
            min_lr,
            warmup_epochs,
        )

    def __call__(self, epoch: float) -> float:
        if epoch < self.warmup:
            return self.base_lr * (epoch + 1e-3) / self.warmup
        span = max(self.total - self.warmup, 1e-9)
        progress = min(max((epoch - self.warmup) / span, 0.0), 1.0)
        return self.min_lr + 0.5 * (self.base_lr - self.min_lr) * (1 + math.cos(math.pi * progress))


class ConstantSchedule:
    def __init__(self, base_lr: float) -> None:
        self.base_lr = base_lr

    def __call__(self, epoch: float) -> float:
        return self.base_lr


def make_schedule(name: str, base_lr: float, epochs: int):
    """'cosine' (default for training), 'step' (x0.1 every third of the run) or 'constant'."""
    if name == "cosine":
        return CosineSchedule(
            base_lr, epochs, min_lr=base_lr * 0.01, warmup_epochs=min(1.0, epochs * 0.1)
        )
    if name == "step":
        return StepSchedule(base_lr, max(1, epochs // 3))
    if name == "constant":
        return ConstantSchedule(base_lr)
    raise ValueError(f"unknown schedule {name!r}: use cosine, step or constant")
