"""Softmax and the softmax cross-entropy loss, computed stably from logits."""

from __future__ import annotations

import numpy as np


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
    ``backward() -> dlogits (N, K)`` is (softmax - onehot) / N.
    """

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        if logits.ndim != 2 or labels.shape != (logits.shape[0],):
            raise ValueError(
                f"logits (N, K) and labels (N,) expected, got {logits.shape}, {labels.shape}"
            )
        logp = log_softmax(logits)
        self._probs = np.exp(logp)
        self._labels = labels
        return float(-logp[np.arange(len(labels)), labels].mean())

    def backward(self) -> np.ndarray:
        n = len(self._labels)
        d = self._probs.copy()
        d[np.arange(n), self._labels] -= 1.0
        return d / n

    @property
    def probabilities(self) -> np.ndarray:
        """Softmax of the last forward's logits, (N, K)."""
        return self._probs
