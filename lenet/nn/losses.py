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
        logp = log_softmax(logits)
        self._probs = np.exp(logp)
        self._labels = labels
        nll = -logp[np.arange(len(labels)), labels].mean()
        eps = self.label_smoothing
        if eps:
            return float((1 - eps) * nll - eps * logp.mean(axis=1).mean())
        return float(nll)

    def backward(self) -> np.ndarray:
        n, k = self._probs.shape
        eps = self.label_smoothing
        d = self._probs - eps / k if eps else self._probs.copy()
        d[np.arange(n), self._labels] -= 1.0 - eps
        return d / n

    @property
    def probabilities(self) -> np.ndarray:
        """Softmax of the last forward's logits, (N, K)."""
        return self._probs
