"""Exact Euclidean distance transform of a binary image (numba), and its NumPy twin.

Felzenszwalb & Huttenlocher's two-pass algorithm: a 1-D lower envelope of parabolas along
every column, then along every row. Distances are in pixels, squared. The twin (the
nearest ink up and down each column, then every pair of pixels in a row: fine for the
≤ 170 px shapes the stroke width is measured on) answers while the kernel is not
compiled yet, on the very first start.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lenet.nn.kernels.readiness import use_compiled

__all__ = ["squared_distance_transform", "squared_distance_transform_numpy"]

_PAIRS_AT_ONCE = 1 << 21  # the NumPy twin's temporary arrays: at most this many floats


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


def squared_distance_transform(feature: np.ndarray) -> np.ndarray:
    """Exact squared Euclidean distance (px²) from every pixel to the nearest True pixel.

    feature: (H, W) bool. Returns (H, W) float64; ≥ a huge value where there is no feature.
    """
    if not use_compiled():
        return squared_distance_transform_numpy(feature)
    return _squared_distance_transform(feature)


def _nearest_in_columns(feature: np.ndarray, big: float, dtype: type) -> np.ndarray:
    """(H, W): squared distance to the nearest True pixel in the same column (big
    when the column has none), by one scan down and one up."""
    h = feature.shape[0]
    pos = np.arange(h)[:, None]
    above = np.maximum.accumulate(np.where(feature, pos, -(1 << 40)), axis=0)
    below = np.minimum.accumulate(np.where(feature, pos, 1 << 40)[::-1], axis=0)[::-1]
    near = np.minimum(pos - above, below - pos).astype(np.float64)
    return np.where(near < h, near * near, big).astype(dtype)


def _envelope_rows(g: np.ndarray) -> np.ndarray:
    """out[y, x] = min over x' of (x - x')² + g[y, x'], for g (H, W)."""
    h, w = g.shape
    out = np.empty((h, w), g.dtype)
    pos = np.arange(w, dtype=g.dtype)
    near = (pos[:, None] - pos[None, :]) ** 2  # (W, W)
    rows = max(1, _PAIRS_AT_ONCE // max(w * w, 1))
    for y0 in range(0, h, rows):
        out[y0 : y0 + rows] = (g[y0 : y0 + rows, None, :] + near[None]).min(axis=2)
    return out


def squared_distance_transform_numpy(feature: np.ndarray) -> np.ndarray:
    """`squared_distance_transform` in plain NumPy (the same values: whole numbers, exact
    in float32 below 2²⁴, which is faster)."""
    feature = np.asarray(feature, dtype=np.bool_)
    h, w = feature.shape
    big = 2.0 * (h * h + w * w) + 1.0
    dtype = np.float32 if 2.0 * big < 2.0**24 else np.float64
    return _envelope_rows(_nearest_in_columns(feature, big, dtype)).astype(np.float64)


@njit(cache=True)
def _squared_distance_transform(feature: np.ndarray) -> np.ndarray:
    """The compiled `squared_distance_transform`."""
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
