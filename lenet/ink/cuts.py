"""Candidate cuts through touching digits: seams through the least ink.

A group of ink that may hold touching digits is scaled to CUT_HEIGHT rows; seams from top
to bottom (and bottom to top) that cross the least ink are found by dynamic programming,
and the cheapest distinct ones, spread across the group's ink, are its candidate cuts.
Images are float32 ink maps (h, w) in [0, 1] (ink = 1).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from lenet.ink.components import label_components
from lenet.ink.normalise import MASK_LEVEL

__all__ = ["CUT_HEIGHT", "drop_stubs", "find_cuts"]

CUT_HEIGHT = 80
"""Cuts are traced on the group scaled (area average) to this many rows."""
DIAGONAL_COST = 0.15
"""Extra cost of a seam step to the side (in units of one full ink pixel crossed)."""
MAX_CUTS = 12
"""At most this many candidate cuts per group (the cheapest distinct ones)."""
MIN_CUT_SHARE = 0.05
"""A cut must leave at least this fraction of the group's ink on each side ..."""
CUT_SPACING = 0.03
"""... and differ from every cheaper cut by this fraction of the group's ink."""
STUB_SHARE = 0.15
"""A bit of a neighbour left beside a cut (a separate blob touching the cut, under this
fraction of the candidate's ink) is dropped from the candidate."""


def _seams(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cheapest top-to-bottom seam ending at each bottom column of `cost` (h, w).

    A seam moves at most one column per row (a side step costs DIAGONAL_COST more).
    Returns (w,) total costs and (w, h) column of each seam in each row.
    """
    h, w = cost.shape
    total = cost[0].astype(np.float64)
    step = np.zeros((h, w), np.int64)
    cols = np.arange(w)
    for r in range(1, h):
        left = np.concatenate([[np.inf], total[:-1]]) + DIAGONAL_COST
        right = np.concatenate([total[1:], [np.inf]]) + DIAGONAL_COST
        options = np.stack([left, total, right])
        k = options.argmin(axis=0)
        total = cost[r] + options[k, cols]
        step[r] = k - 1
    paths = np.empty((w, h), np.int64)
    paths[:, -1] = cols
    for r in range(h - 1, 0, -1):
        paths[:, r - 1] = paths[:, r] + step[r, paths[:, r]]
    return total, paths


def find_cuts(ink: np.ndarray, max_cuts: int = MAX_CUTS) -> list[tuple[np.ndarray, float]]:
    """At most `max_cuts` candidate cuts through a group's ink (h, w), left to right.

    Each cut is (h,) int, the first column right of the cut in each row, and the ink it
    crosses (in full pixels of the CUT_HEIGHT-row copy). Cuts never cross each other.
    """
    h, w = ink.shape
    scale = min(1.0, CUT_HEIGHT / h)
    hs, ws = max(2, round(h * scale)), max(3, round(w * scale))
    small = Image.fromarray(np.ascontiguousarray(ink, np.float32), mode="F")
    low = np.asarray(small.resize((ws, hs), Image.Resampling.BOX), np.float64)
    total = float(low.sum())
    if total <= 0:
        return []
    down_cost, down = _seams(low)
    up_cost, up = _seams(low[::-1])
    costs = np.concatenate([down_cost, up_cost])
    paths = np.concatenate([down, up[:, ::-1]])
    before = np.concatenate([np.zeros((hs, 1)), np.cumsum(low, axis=1)], axis=1)
    share = before[np.arange(hs)[None, :], paths].sum(axis=1) / total  # ink left of each
    kept: list[int] = []
    for i in np.argsort(costs, kind="stable"):
        if not MIN_CUT_SHARE <= share[i] <= 1.0 - MIN_CUT_SHARE:
            continue
        if any(abs(share[i] - share[k]) < CUT_SPACING for k in kept):
            continue
        kept.append(int(i))
        if len(kept) == max_cuts:
            break
    kept.sort(key=lambda i: share[i])
    rows = np.minimum((np.arange(h) * hs) // h, hs - 1)
    cuts: list[tuple[np.ndarray, float]] = []
    for i in kept:
        cols = np.round((paths[i, rows] + 0.5) * w / ws).astype(np.int64)
        if cuts:
            cols = np.maximum(cols, cuts[-1][0])
        cuts.append((cols, float(costs[i])))
    return cuts


def drop_stubs(piece: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """`piece` (h, w) without blobs that touch its left or right cut and hold under
    STUB_SHARE of its ink (the end of a neighbour's stroke). Returns float32."""
    labels, st = label_components(piece >= MASK_LEVEL)
    if len(st) < 2:
        return piece.astype(np.float32)
    rows = np.arange(piece.shape[0])
    edge = np.zeros(len(st) + 1, bool)
    w = piece.shape[1]
    for cols in (left, right - 1):
        ok = (cols >= 0) & (cols < w)
        edge[labels[rows[ok], cols[ok]]] = True
    share = st[:, 0] / st[:, 0].sum()
    stub = np.concatenate([[False], edge[1:] & (share < STUB_SHARE)])
    if not stub.any():
        return piece.astype(np.float32)
    # pixels below MASK_LEVEL (anti-aliased rims) go with their nearest blob: dilate the stubs
    drop = stub[labels]
    grown = drop.copy()
    grown[1:] |= drop[:-1]
    grown[:-1] |= drop[1:]
    grown[:, 1:] |= drop[:, :-1]
    grown[:, :-1] |= drop[:, 1:]
    grown &= (labels == 0) | drop
    return np.where(grown, np.float32(0.0), piece).astype(np.float32)
