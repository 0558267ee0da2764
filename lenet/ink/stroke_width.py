"""Measuring and changing the stroke width of a binary ink shape.

`stroke_width` estimates the width from the ink's area and a Crofton perimeter estimate,
solved for a round-capped stroke; `offset` grows or shrinks the shape by a signed distance,
anti-aliased, using the exact Euclidean distance transform.
"""

from __future__ import annotations

import math

import numpy as np

from lenet.ink.distance import squared_distance_transform

__all__ = ["offset", "stroke_width"]

_SQRT2 = math.sqrt(2.0)


def _crofton_perimeter(mask: np.ndarray) -> float:
    """Perimeter (px) of a binary shape by Crofton's formula over 4 directions."""
    p = np.pad(mask, 1)
    n0 = np.count_nonzero(p[:, 1:] != p[:, :-1])
    n90 = np.count_nonzero(p[1:, :] != p[:-1, :])
    n45 = np.count_nonzero(p[1:, 1:] != p[:-1, :-1])
    n135 = np.count_nonzero(p[1:, :-1] != p[:-1, 1:])
    return math.pi / 8.0 * (n0 + n90 + (n45 + n135) / _SQRT2)


def _width_from(area: float, perimeter: float) -> float:
    """Stroke width w of a round-capped stroke with `area` and `perimeter` (px).

    Model: area = L·w + π w²/4 and perimeter = 2L + π w (L: centre-line length), so
    (π/4) w² − (P/2) w + A = 0; a blob with no such solution gives its disc diameter.
    """
    if area <= 0:
        return 0.0
    half = 0.5 * perimeter
    disc = half * half - math.pi * area
    if disc <= 0:
        return math.sqrt(4.0 * area / math.pi)
    return (half - math.sqrt(disc)) / (0.5 * math.pi)


def stroke_width(mask: np.ndarray) -> float:
    """Estimated stroke width (px) of the binary ink `mask` (H, W) bool."""
    m = np.asarray(mask, dtype=np.bool_)
    return _width_from(float(np.count_nonzero(m)), _crofton_perimeter(m))


def offset(mask: np.ndarray, delta: float) -> np.ndarray:
    """Anti-aliased ink of `mask` grown (delta > 0) or shrunk (delta < 0) by |delta| px.

    Uses the exact Euclidean distance to the shape: pixels inside stay at 1, pixels at
    distance d outside get clip(1 + delta − d) (grow), or d inside gets clip(d + delta)
    (shrink). Shrinking by more than a pixel is limited by `_shrink_limit`, so that thin
    parts of variable-width strokes survive. Returns float32, padded by
    ceil(max(delta, 0)) + 2 px on every side.
    """
    pad = math.ceil(max(delta, 0.0)) + 2
    m = np.pad(mask, pad)
    if delta >= 0:
        d = np.sqrt(squared_distance_transform(m))
        out = np.clip(1.0 + delta - d, 0.0, 1.0)
    else:
        d = np.sqrt(squared_distance_transform(~m))
        if delta < -1.0:
            delta = max(delta, -_shrink_limit(d, m))
        out = np.clip(d + delta, 0.0, 1.0)
    return out.astype(np.float32)


def _shrink_limit(d_in: np.ndarray, mask: np.ndarray) -> float:
    """How far (px) a shape may be shrunk so that its thin parts keep about 1 px.

    d_in: (H, W) distance of each ink pixel to the background (0 outside), mask: the ink,
    both with ≥ 1 px of empty border. Local widths are read along the ridge of d_in (its
    8-neighbour local maxima, ≈ 2·d − 1 px); their 20 % quantile sets the limit.
    """
    c = d_in[1:-1, 1:-1]
    h, w = c.shape
    ridge = mask[1:-1, 1:-1].copy()
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            if dy != 1 or dx != 1:
                ridge &= c >= d_in[dy : dy + h, dx : dx + w]
    vals = c[ridge]
    if vals.size == 0:
        return 0.0
    local = 2.0 * float(np.percentile(vals, 20)) - 1.0
    return max(0.0, 0.5 * (local - 1.0))
