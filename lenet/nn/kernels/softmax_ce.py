"""Softmax cross-entropy's forward and backward as one numba loop, and its NumPy twin.

At batch 64 the loss is 64 x 10 numbers, and NumPy's dozen small operations on them cost
about 130 us a training step (2.7 % of it); one pass over the rows costs a few.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["softmax_cross_entropy", "softmax_cross_entropy_numpy"]


# NumPy's error model, no fast-math on NaN/inf: a diverging run must carry its NaN and inf
# through to the loss, where the trainer sees them.
@njit(cache=True, nogil=True, error_model="numpy")
def softmax_cross_entropy(logits, labels, smoothing, probs, grad):
    """Mean cross-entropy (float) of softmax(logits (N, K)) against labels (N,) (class
    indices, checked by the caller) with targets (1 - smoothing)·onehot + smoothing/K;
    writes the probabilities into probs (N, K) and d loss / d logits, (softmax - target) / N,
    into grad (N, K). Sums in float64."""
    n, k = logits.shape
    total = 0.0
    off = smoothing / k
    for i in range(n):
        top = logits[i, 0]
        for j in range(1, k):
            if logits[i, j] > top:
                top = logits[i, j]
        s = 0.0
        for j in range(k):
            s += np.exp(np.float64(logits[i, j]) - top)
        log_s = np.log(s)
        row_mean = 0.0  # mean log-probability of the row, for the smoothing term
        for j in range(k):
            logp = np.float64(logits[i, j]) - top - log_s
            p = np.exp(logp)
            probs[i, j] = p
            grad[i, j] = (p - off) / n
            row_mean += logp
        label = labels[i]
        nll = -(np.float64(logits[i, label]) - top - log_s)
        grad[i, label] -= (1.0 - smoothing) / n
        total += (1.0 - smoothing) * nll - smoothing * row_mean / k
    return total / n


def softmax_cross_entropy_numpy(logits, labels, smoothing, probs, grad) -> float:
    """NumPy twin of softmax_cross_entropy (same arguments and results)."""
    n, k = logits.shape
    x = logits.astype(np.float64)
    shifted = x - x.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    p = np.exp(logp)
    probs[...] = p
    target = np.full((n, k), smoothing / k)
    target[np.arange(n), labels] += 1.0 - smoothing
    grad[...] = (p - target) / n
    nll = -logp[np.arange(n), labels].mean()
    return float((1.0 - smoothing) * nll - smoothing * logp.mean(axis=1).mean())
