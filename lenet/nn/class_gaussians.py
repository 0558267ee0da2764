"""How far a hidden layer's features lie from every class: a Gaussian per class, one shared
covariance (Lee et al. 2018, the "Mahalanobis" out-of-distribution score).

Fitted on one layer's outputs for labelled digits; `distances` then gives the squared
Mahalanobis distance of new features to each class mean. A drawing unlike every digit the
network was trained on lies far from all of them, whatever kind of junk it is, so the score
needs no junk to be fitted. The covariance is stored as a whitening matrix (features @
whiten have the identity as shared covariance), the means already whitened, and the
distances are divided by `reference`, the median over the fitting digits of the smallest
one, so that 1 is a typical digit for any network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHRINK = 1e-3
"""Added to the covariance's diagonal, times its mean variance: a ReLU unit that never fires
on the fitting digits has no variance, and its whitened scale would be infinite."""


@dataclass(frozen=True)
class ClassGaussians:
    """`layer`: the `Sequential` layer whose output (N, D) is read; `means` (C, D): the class
    means, whitened; `whiten` (D, D); `reference`: the fitting digits' median smallest
    squared distance (the unit of `distances`)."""

    layer: str
    means: np.ndarray
    whiten: np.ndarray
    reference: float

    def distances(self, features: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distances (N, C) of features (N, D) to every class mean, in
        units of `reference`."""
        x = np.atleast_2d(features)
        return np.concatenate([self._unscaled(x[i : i + CHUNK]) for i in
                               range(0, len(x), CHUNK)] or [np.zeros((0, len(self.means)))])

    def _unscaled(self, features: np.ndarray) -> np.ndarray:
        z = np.asarray(features, np.float64) @ self.whiten
        d = (z * z).sum(axis=1)[:, None] - 2.0 * z @ self.means.T + (self.means**2).sum(axis=1)
        return np.maximum(d, 0.0) / self.reference


CHUNK = 4096
"""Rows taken at a time: the fit reads 40,000 x 400 features, and float64 temporaries of that
size (128 MB each) cost more in page faults than in arithmetic (4.4 s of a 45 s retrain)."""


def fit_class_gaussians(features: np.ndarray, labels: np.ndarray, layer: str,
                        classes: int = 10) -> ClassGaussians:
    """Class means and one shared covariance of features (N, D) with labels (N,) in
    0..classes-1 (every class present); `layer` names where the features come from."""
    x = np.asarray(features)
    y = np.asarray(labels, np.intp)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"expected features (N, D) and labels (N,), got {x.shape}, {y.shape}")
    counts = np.bincount(y, minlength=classes)
    if len(counts) != classes or (counts == 0).any():
        raise ValueError(f"every one of the {classes} classes needs features")
    sums = np.zeros((classes, x.shape[1]))
    for i in range(0, len(x), CHUNK):
        one_hot = np.equal.outer(np.arange(classes), y[i : i + CHUNK]).astype(np.float64)
        sums += one_hot @ np.asarray(x[i : i + CHUNK], np.float64)
    means = sums / counts[:, None]
    cov = np.zeros((x.shape[1], x.shape[1]))
    for i in range(0, len(x), CHUNK):
        centred = np.asarray(x[i : i + CHUNK], np.float64) - means[y[i : i + CHUNK]]
        cov += centred.T @ centred
    cov /= len(x)
    cov += SHRINK * max(float(np.trace(cov)) / len(cov), 1e-12) * np.eye(len(cov))
    values, vectors = np.linalg.eigh(cov)
    # float32 as the model file stores them, so that a saved model measures the same
    whiten = (vectors / np.sqrt(values)).astype(np.float32).astype(np.float64)
    white_means = (means @ whiten).astype(np.float32).astype(np.float64)
    unscaled = ClassGaussians(layer, white_means, whiten, 1.0)
    reference = float(np.median(unscaled.distances(x).min(axis=1)))
    return ClassGaussians(layer, white_means, whiten, max(reference, 1e-12))
