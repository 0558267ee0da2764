"""Learning-rate schedules: lr as a function of the (fractional) epoch."""

from __future__ import annotations

import math

__all__ = ["ConstantSchedule", "CosineSchedule", "StepSchedule", "make_schedule"]


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
