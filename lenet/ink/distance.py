"""Exact Euclidean distance transform of a binary image (numba).

Felzenszwalb & Huttenlocher's two-pass algorithm: a 1-D lower envelope of parabolas along
every column, then along every row. Distances are in pixels, squared.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["squared_distance_transform"]


@njit(cache=True)
def _dt1d(f: np.ndarray, n: int, d: np.ndarray, v: np.ndarray, z: np.ndarray) -> None:
    """1-D squared distance transform of samples f[:n] (Felzenszwalb & Huttenlocher)."""
    k = 0
    v[0] = 0
    z[0] = -1e30
    z[1] = 1e30
    for q in range(1, n):
        p = v[k]
        s = ((f[q] + q * q) - (f[p] + p * p)) / (2.0 * (q - p))
        while s <= z[k]:  # z[0] = -1e30 is never reached: |f| ≤ 2(h² + w²) + 1
            k -= 1
            p = v[k]
            s = ((f[q] + q * q) - (f[p] + p * p)) / (2.0 * (q - p))
        k += 1
        v[k] = q
        z[k] = s
        z[k + 1] = 1e30
    k = 0
    for q in range(n):
        while z[k + 1] < q:
            k += 1
        p = v[k]
        d[q] = (q - p) * (q - p) + f[p]


@njit(cache=True)
def squared_distance_transform(feature: np.ndarray) -> np.ndarray:
    """Exact squared Euclidean distance (px²) from every pixel to the nearest True pixel.

    feature: (H, W) bool. Returns (H, W) float64; ≥ a huge value where there is no feature.
    """
    h, w = feature.shape
    big = 2.0 * (h * h + w * w) + 1.0
    n = max(h, w)
    f = np.empty(n)
    d = np.empty(n)
    v = np.empty(n, np.int64)
    z = np.empty(n + 1)
    out = np.empty((h, w))
    for x in range(w):
        for y in range(h):
            f[y] = 0.0 if feature[y, x] else big
        _dt1d(f, h, d, v, z)
        for y in range(h):
            out[y, x] = d[y]
    for y in range(h):
        for x in range(w):
            f[x] = out[y, x]
        _dt1d(f, w, d, v, z)
        for x in range(w):
            out[y, x] = d[x]
    return out
