"""Shared test data: real MNIST when LENET_DATA_DIR points at it, tiny synthetic sets otherwise."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest


@lru_cache(maxsize=1)
def _mnist():
    from lenet.data.mnist import load_mnist

    return load_mnist(os.environ["LENET_DATA_DIR"])


def real_mnist_dir() -> Path:
    """The folder in LENET_DATA_DIR, or skip with the reason (CI sets it)."""
    value = os.environ.get("LENET_DATA_DIR", "").strip()
    if not value:
        pytest.skip("LENET_DATA_DIR not set: point it at a folder with the real MNIST files")
    return Path(value)


def real_mnist():
    """The real MNIST, or skip with the reason (CI sets LENET_DATA_DIR)."""
    real_mnist_dir()
    return _mnist()


def synthetic_digits(n: int = 256, seed: int = 0) -> SimpleNamespace:
    """n random 28x28 uint8 images with labels, plus a small test split (MnistData-like)."""
    rng = np.random.default_rng(seed)
    images = (rng.random((n + 64, 28, 28)) * 255).astype(np.uint8)
    labels = rng.integers(0, 10, n + 64).astype(np.uint8)
    return SimpleNamespace(
        train_images=images[:n],
        train_labels=labels[:n],
        test_images=images[n:],
        test_labels=labels[n:],
    )
