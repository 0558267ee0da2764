"""LeNet-5 from its maths: NumPy + numba, no deep-learning framework.

The engine's map (see lenet/README.md)::

    ink  → nn → classifier        a drawing or image → 28x28 → LeNet-5 → probabilities
    data → training → model file  MNIST → mini-batches → weights on disk

`lenet.nn` (layers, loss, model, optimizers, kernels) uses nothing of the others;
`lenet.ink` and `lenet.training` use `lenet.nn`; `lenet.cli` uses all of them.
The few names a user needs are importable from here (loaded on first use, so that
`import lenet` stays cheap).
"""

from __future__ import annotations

import importlib
from typing import Any

from lenet.cpu_target import prefer_wide_vectors

__version__ = "0.1.0"

prefer_wide_vectors()  # before numba compiles anything

_EXPORTS = {
    "Classifier": "lenet.classifier",
    "Prediction": "lenet.classifier",
    "ModelFileError": "lenet.model_file",
    "bundled_model_path": "lenet.model_file",
    "load_model": "lenet.model_file",
    "save_model": "lenet.model_file",
    "Stroke": "lenet.ink",
    "load_image": "lenet.ink",
    "preprocess_image": "lenet.ink",
    "preprocess_strokes": "lenet.ink",
    "read_number": "lenet.ink",
    "read_strokes": "lenet.ink",
    "load_mnist": "lenet.data",
    "TrainConfig": "lenet.training",
    "Trainer": "lenet.training",
    "lenet5": "lenet.nn",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lenet' has no attribute {name!r}")
