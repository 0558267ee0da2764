"""What a training run learns from: MNIST (kept in memory for the session) mixed with the
user's corrections.

Both Model → Retrain and Model → Fine-tune add the corrections through `with_corrections`:
repeated so that they make up about `share` of the mix (a handful of drawings is not drowned
out by 60,000), never more than MAX_REPEAT times each. Images are (N, 28, 28) uint8, ink = 255.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.corrections import plural

FINETUNE_SHARE = 0.2
"""Fine-tuning: the corrections are about a fifth of what the model sees."""
RETRAIN_SHARE = 0.05
"""A full retrain: about one image in twenty, enough to be learnt, too few to skew MNIST."""
MAX_REPEAT = 200
"""No correction is shown more often than this per epoch (one drawing learnt by heart)."""


@dataclass(frozen=True)
class TrainingData:
    """What `lenet.training.trainer.Trainer` needs: train/test images (N, 28, 28) uint8, labels."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    description: str = "MNIST"


def repeat_count(n_images: int, n_corrections: int, share: float) -> int:
    """How many times each of `n_corrections` is repeated beside `n_images` for them to be
    about `share` (0..1) of the mix (at most MAX_REPEAT; 0 without corrections)."""
    if n_corrections == 0:
        return 0
    wanted = share / (1.0 - share) * n_images
    return int(min(max(1, math.ceil(wanted / n_corrections)), MAX_REPEAT))


def with_corrections(
    images: np.ndarray, labels: np.ndarray, corrections: np.ndarray,
    correction_labels: np.ndarray, share: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """`images`/`labels` followed by the corrections repeated to be about `share` (0..1) of
    the result; returns (images, labels, how many times each correction is repeated)."""
    if len(corrections) == 0:
        return images, np.asarray(labels, np.uint8), 0
    repeat = repeat_count(len(images), len(corrections), share)
    mixed = np.concatenate([images, np.tile(corrections, (repeat, 1, 1))]).astype(np.uint8)
    mixed_labels = np.concatenate([np.asarray(labels), np.tile(correction_labels, repeat)])
    return mixed, mixed_labels.astype(np.uint8), repeat


def _describe(base: str, n: int, repeat: int) -> str:
    if n == 0:
        return base
    return f"{base} + {plural(n, 'correction')} x{repeat}"


def finetune_data(
    mnist: Any,
    images: np.ndarray,
    labels: np.ndarray,
    mnist_images: int = 6000,
    share: float = FINETUNE_SHARE,
    seed: int = 0,
) -> TrainingData:
    """A random MNIST training subset plus the corrections (see `with_corrections`). MNIST's
    test set is kept for measuring the result."""
    if len(images) == 0:
        raise ValueError("there are no corrections to fine-tune on yet")
    rng = np.random.default_rng(seed)
    n = min(int(mnist_images), len(mnist.train_labels))
    pick = rng.choice(len(mnist.train_labels), size=n, replace=False)
    train, train_labels, repeat = with_corrections(
        mnist.train_images[pick], np.asarray(mnist.train_labels)[pick], images, labels, share)
    return TrainingData(train, train_labels, mnist.test_images, mnist.test_labels,
                        description=_describe(f"MNIST subset ({n})", len(images), repeat))


def retrain_data(
    mnist: Any,
    images: np.ndarray,
    labels: np.ndarray,
    subset: int | None = None,
    share: float = RETRAIN_SHARE,
    seed: int = 0,
) -> TrainingData:
    """MNIST's training set (or a random `subset` of it) plus the corrections, if any."""
    base_images, base_labels = mnist.train_images, np.asarray(mnist.train_labels)
    name = "MNIST"
    if subset is not None and subset < len(base_labels):
        pick = np.random.default_rng(seed).choice(len(base_labels), size=subset, replace=False)
        base_images, base_labels = base_images[pick], base_labels[pick]
        name = f"MNIST subset ({subset})"
    train, train_labels, repeat = with_corrections(base_images, base_labels, images, labels,
                                                   share)
    return TrainingData(train, train_labels, mnist.test_images, mnist.test_labels,
                        description=_describe(name, len(images), repeat))


# ---------------------------------------------------------------------- MNIST for the session

_cache_lock = threading.Lock()
_cache: dict[tuple, Any] = {}


def _signature(folder: Path) -> tuple:
    """What identifies a folder's MNIST files: their names, sizes and modification times."""
    files = sorted(p for p in folder.glob("*-ubyte*") if p.is_file()) if folder.is_dir() else []
    return (str(folder.resolve()) if folder.exists() else str(folder),
            *((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files))


def session_mnist(data_dir: str | None) -> Any:
    """`lenet.data.load_mnist(data_dir)`, read once per session and kept in memory (about
    55 MB); read again if the folder's files change. Raises as `load_mnist` does."""
    from lenet.data import load_mnist
    from lenet.data.mnist import locate_data_dir

    folder = locate_data_dir(data_dir or None)
    key = _signature(folder)
    with _cache_lock:  # one training run at a time, but a second reader just waits
        if key not in _cache:
            _cache.clear()
            _cache[key] = load_mnist(folder)
        return _cache[key]
