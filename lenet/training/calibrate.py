"""Calibration: probabilities that mean what they say.

Temperature scaling (Guo et al., 2017) divides the logits by one number T > 0 before the
softmax: the answer (the argmax) never changes, only how sure the model says it is. T is
fitted by minimising the cross-entropy on held-out images (the validation split, never the
test set). The expected calibration error (ECE) measures the result: the gap between
confidence and accuracy, averaged over equal-width confidence bins, weighted by their size.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["expected_calibration_error", "fit_temperature", "nll"]

T_RANGE = (0.05, 20.0)
"""Temperatures outside this are refused: no sane LeNet-5 needs them."""


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    """Mean cross-entropy (nats) of softmax(logits / temperature); logits (N, C), labels (N,)."""
    z = np.asarray(logits, np.float64) / temperature
    return float(-_log_softmax(z)[np.arange(len(labels)), np.asarray(labels, np.intp)].mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The T in T_RANGE minimising `nll` (golden-section search on log T; the NLL is convex
    in 1/T, so unimodal here). logits (N, C) float, labels (N,) int; N ≥ 1."""
    if len(labels) == 0:
        raise ValueError("calibration needs at least one labelled image")
    lo, hi = math.log(T_RANGE[0]), math.log(T_RANGE[1])
    g = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(logits, labels, math.exp(a)), nll(logits, labels, math.exp(b))
    for _ in range(60):  # (hi - lo) shrinks by 0.618 each step: far below 1e-6 at the end
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = nll(logits, labels, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(logits, labels, math.exp(b))
    return math.exp(0.5 * (lo + hi))


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray,
                               bins: int = 15) -> float:
    """ECE over `bins` equal-width bins of the top probability: sum over bins of
    (share of answers in the bin) x |accuracy - mean confidence| in it. 0 is perfect."""
    p = np.asarray(probabilities, np.float64)
    if len(p) == 0:
        return 0.0
    confidence = p.max(axis=1)
    correct = p.argmax(axis=1) == np.asarray(labels, np.intp)
    which = np.minimum((confidence * bins).astype(np.intp), bins - 1)
    ece = 0.0
    for k in range(bins):
        inside = which == k
        if inside.any():
            ece += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(ece)
