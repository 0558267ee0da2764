"""Geometry of polylines: (K, 2) float64 arrays of (x, y) points, K >= 1.

Direction at an end, resampling along the arc length, Gaussian smoothing, Ramer-Douglas-
Peucker simplification and lengthening of the ends. Lengths are in the points' own unit
(MNIST px for the skeleton's centre lines, canvas px for the pen strokes).
"""

from __future__ import annotations

import math

import numpy as np

DIRECTION_LENGTH = 2.5
"""Arc length (MNIST px) over which the direction of a branch at its end is measured."""


def direction(pts: np.ndarray) -> np.ndarray:
    """Unit vector from pts[0] towards the point DIRECTION_LENGTH along the polyline."""
    seg = np.hypot(*np.diff(pts, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    k = int(np.searchsorted(cum, DIRECTION_LENGTH))
    target = pts[min(k, len(pts) - 1)]
    v = target - pts[0]
    n = float(np.hypot(*v))
    return v / n if n > 1e-9 else np.zeros(2)


def resample(pts: np.ndarray, step: float) -> np.ndarray:
    """Points every `step` along the polyline (both ends kept)."""
    seg = np.hypot(*np.diff(pts, axis=0).T)
    keep = np.concatenate([[True], seg > 1e-9])
    pts, cum = pts[keep], np.concatenate([[0.0], np.cumsum(seg[seg > 1e-9])])
    total = float(cum[-1])
    if total <= 1e-9 or len(pts) < 2:
        return pts[:1].copy()
    n = max(1, math.ceil(total / step))
    s = np.linspace(0.0, total, n + 1)
    return np.stack([np.interp(s, cum, pts[:, 0]), np.interp(s, cum, pts[:, 1])], axis=1)


def smooth(pts: np.ndarray, closed: bool, sigma: float) -> np.ndarray:
    """Gaussian smoothing along arc length (points resampled every 0.25 px); open ends are
    kept in place (they join other strokes or mark the stroke's end)."""
    step = 0.25
    p = resample(pts, step)
    if len(p) < 4:
        return p
    r = max(1, round(3 * sigma / step))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) * step / sigma) ** 2)
    k /= k.sum()
    if closed:
        body = p[:-1]
        ext = np.concatenate([body[-r:], body, body[:r]])
        sm = np.stack([np.convolve(ext[:, j], k, mode="valid") for j in (0, 1)], axis=1)
        return np.concatenate([sm, sm[:1]])
    ext = np.concatenate([2 * p[:1] - p[r:0:-1], p, 2 * p[-1:] - p[-2 : -r - 2 : -1]])
    sm = np.stack([np.convolve(ext[:, j], k, mode="valid") for j in (0, 1)], axis=1)
    sm[0], sm[-1] = p[0], p[-1]
    return sm


def douglas_peucker(pts: np.ndarray, eps: float) -> np.ndarray:
    """Ramer-Douglas-Peucker simplification of a polyline (ends kept)."""
    if len(pts) < 3:
        return pts
    keep = np.zeros(len(pts), bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = pts[i], pts[j]
        ab = b - a
        n = float(np.hypot(*ab))
        seg = pts[i + 1 : j] - a
        if n < 1e-12:
            d = np.hypot(seg[:, 0], seg[:, 1])
        else:
            d = np.abs(seg[:, 0] * ab[1] - seg[:, 1] * ab[0]) / n
        k = int(np.argmax(d))
        if d[k] > eps:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return pts[keep]


def extend(pts: np.ndarray, by_start: float, by_end: float) -> np.ndarray:
    """Lengthen the ends of an open polyline along their end directions (MNIST px; 0:
    leave that end alone)."""
    out = pts.copy()
    if len(out) < 2:
        return out
    if by_start > 0:
        out = np.concatenate([out[:1] - by_start * direction(out), out])
    if by_end > 0:
        out = np.concatenate([out, out[-1:] - by_end * direction(out[::-1])])
    return out
