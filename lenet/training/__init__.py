"""Training: the mini-batch loop (`Trainer`, reporting through callbacks), its configuration
and named recipes (`lenet.training.config`), and evaluation.

The names are loaded on first use, so that `lenet.training.config` (the recipes the app shows
in its forms) can be read without loading the numba kernels.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "EvalReport": "lenet.training.evaluate",
    "evaluate": "lenet.training.evaluate",
    "RECIPES": "lenet.training.config",
    "TrainConfig": "lenet.training.config",
    "recipe": "lenet.training.config",
    "Progress": "lenet.training.trainer",
    "Trainer": "lenet.training.trainer",
    "TrainingCancelled": "lenet.training.trainer",
    "TrainingDiverged": "lenet.training.trainer",
    "TrainResult": "lenet.training.trainer",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lenet.training' has no attribute {name!r}")
