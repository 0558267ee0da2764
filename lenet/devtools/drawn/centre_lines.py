"""From an MNIST digit to its centre lines: `skeleton_polylines`, the pen strokes in 28-px units.

Puts together `skeleton` (mask, thinning), `skeleton_graph` (branches, chains) and
`polylines` (smoothing, simplifying, lengthening the free ends).
"""

from __future__ import annotations

import numpy as np

from lenet.devtools.drawn.polylines import douglas_peucker, extend, smooth
from lenet.devtools.drawn.skeleton import (
    UPSAMPLE,
    clean_mask,
    depth_map,
    open_blobs,
    zhang_suen_thin,
)
from lenet.devtools.drawn.skeleton_graph import MIN_PIECE, chain, degrees, simplify_graph, trace

SMOOTH_SIGMA = 0.6
"""Gaussian smoothing of the skeleton's staircase, in MNIST px of arc length."""
SIMPLIFY = 0.08
"""Douglas-Peucker tolerance for the smoothed centre lines, MNIST px."""
END_EXTENSION = 0.8
"""Free ends are lengthened by this fraction of the stroke's half width there (thinning
shortens each end by about half the stroke width, and a pen following the centre line
goes to the stroke's end) ..."""
END_EXTENSION_RANGE = (0.5, 2.5)
"""... but by no less and no more than these (MNIST px)."""


def _end_extension(depth: np.ndarray, point: np.ndarray) -> float:
    """How far to lengthen a free end at `point` (x, y MNIST px), from the ink's depth."""
    h, w = depth.shape
    c = min(max(int(point[0] * UPSAMPLE), 0), w - 1)
    r = min(max(int(point[1] * UPSAMPLE), 0), h - 1)
    lo, hi = END_EXTENSION_RANGE
    return float(np.clip(END_EXTENSION * depth[r, c], lo, hi))


def skeleton_polylines(image28: np.ndarray) -> list[np.ndarray]:
    """Turn an MNIST digit into pen strokes along its centre lines.

    image28: (28, 28) grey image, ink bright (uint8 0..255 or float). The ink is upsampled
    UPSAMPLE x (bilinear), binarised at INK_LEVEL of its peak, cleaned (specks dropped, pin
    holes filled), thinned to a one-pixel skeleton (Zhang-Suen) and traced as a graph:
    branches run between free ends and junctions, rings without junctions (a "0") become
    closed loops. Short spurs from the corners of thick strokes and tiny crumbs are
    dropped, nearby junctions merged, and branches that continue each other straightly
    through a junction are joined into one stroke (the bar of a "T" is one stroke, its stem
    another). Each stroke is smoothed, lightly simplified and, at free ends, lengthened by
    the half stroke width that thinning took off.

    Returns a list of (K, 2) float64 arrays of (x, y) points in 28x28 pixel units (pixel i
    spans [i, i+1)); a closed loop has its first point repeated at its end. Empty list if
    there is no ink.
    """
    mask = clean_mask(image28)
    if not mask.any():
        return []
    mask = open_blobs(mask)
    depth = depth_map(mask)
    skel = zhang_suen_thin(mask)
    edges, pos, loops = trace(skel)
    edges = simplify_graph(edges, pos)
    deg = degrees(edges)
    strokes = chain(edges, deg)
    strokes += [(lp, True, False, False) for lp in loops]
    out: list[np.ndarray] = []
    for pts, closed, free0, free1 in strokes:
        p = smooth(pts, closed, SMOOTH_SIGMA)
        p = douglas_peucker(p, SIMPLIFY)
        if not closed:
            by0 = _end_extension(depth, pts[0]) if free0 else 0.0
            by1 = _end_extension(depth, pts[-1]) if free1 else 0.0
            p = extend(p, by0, by1)
        if len(p) < 2:
            continue
        length = float(np.hypot(*np.diff(p, axis=0).T).sum())
        if length < MIN_PIECE and not (free0 and free1 and len(strokes) == 1):
            continue
        out.append(p)
    # longest first, as people usually start with the main stroke
    out.sort(key=lambda q: -float(np.hypot(*np.diff(q, axis=0).T).sum()))
    return out
