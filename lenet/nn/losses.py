"""Softmax and the softmax cross-entropy loss, computed stably from logits."""

from __future__ import annotations

import numpy as np

from lenet.nn.kernels.readiness import use_compiled
from lenet.nn.kernels.softmax_ce import softmax_cross_entropy, softmax_cross_entropy_numpy


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits (N, K) -> probabilities (N, K); stable for large logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax (N, K) via the log-sum-exp trick."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) against integer labels.

    ``forward(logits (N, K), labels (N,)) -> float`` caches the probabilities;
    ``backward() -> dlogits (N, K)`` is (softmax - target) / N.

    With ``label_smoothing`` ε the target is (1 - ε)·onehot + ε/K instead of the one-hot
    vector: the network is not pushed towards infinite logits on the training images, which
    speeds up short runs (the calibrated temperature undoes the softer outputs).
    """

    def __init__(self, label_smoothing: float = 0.0) -> None:
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label smoothing must be in [0, 1), got {label_smoothing}")
        self.label_smoothing = label_smoothing

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        if logits.ndim != 2 or labels.shape != (logits.shape[0],):
            raise ValueError(
                f"logits (N, K) and labels (N,) expected, got {logits.shape}, {labels.shape}"
            )
        labels = np.asarray(labels, np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
            raise ValueError(f"labels must be class indices 0..{logits.shape[1] - 1}")
        self._probs = np.empty_like(logits)
        self._grad = np.empty_like(logits)
        loss = softmax_cross_entropy if use_compiled() else softmax_cross_entropy_numpy
        return float(loss(logits, labels, float(self.label_smoothing), self._probs, self._grad))

    def backward(self) -> np.ndarray:
        """d loss / d logits (N, K) of the last forward (computed there)."""
        return self._grad

    @property
    def probabilities(self) -> np.ndarray:
        """Softmax of the last forward's logits, (N, K)."""
        return self._probs
