"""The strokes of an ink group recovered from its image: skeleton branches and their ink.

Two digits that touch along a stroke leave no low-ink seam for a cut (`lenet.ink.cuts`), but
where one digit's stroke meets the other's, the ink's skeleton branches. `skeleton_pieces`
thins the group's ink (`lenet.ink.thinning`), prunes the short spurs thinning leaves at the
corners of thick strokes, splits the skeleton at its forks into branches, and gives every
ink pixel to the branch it is nearest to along the ink: each piece is the ink of one branch
of the pen's path. `lenet.ink.piece_candidates` reads runs of them as candidate digits.

Ink maps are float32 (h, w) in [0, 1] (ink = 1); pieces are int32 (h, w) label maps
(0: no ink, k ≥ 1: piece k - 1).
"""

from __future__ import annotations

import numpy as np

from lenet.ink.components import label_components
from lenet.ink.normalise import MASK_LEVEL
from lenet.ink.stroke_width import stroke_width
from lenet.ink.thinning import skeleton

__all__ = ["pen_width", "skeleton_pieces"]

SPUR_WIDTHS = 0.75
"""Thinning leaves spurs at the corners of thick strokes, shorter than about half the pen:
every free end of the skeleton is shortened by this x the pen width (the pixels still go to
the nearest remaining branch), which removes them and the forks they made."""
MIN_BRANCH_WIDTHS = 0.5
"""A branch shorter than this x the pen width (between two forks close together, as in the
middle of an "8") is no piece of its own: its ink goes to the branches around it."""

_SHIFTS = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))
"""The 8 neighbours, clockwise from north-west (going once round a pixel)."""


def _shifted(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """a[y + dy, x + dx] for every pixel (zero outside), same shape."""
    h, w = a.shape
    out = np.zeros_like(a)
    out[max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)] = a[
        max(0, dy) : h - max(0, -dy), max(0, dx) : w - max(0, -dx)
    ]
    return out


def _around(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ink neighbours, 0 → 1 changes going once round) of every pixel of bool s."""
    ring = [_shifted(s, dy, dx) for dy, dx in _SHIFTS]
    count = np.sum(ring, axis=0)
    changes = np.sum([~ring[k] & ring[(k + 1) % 8] for k in range(8)], axis=0)
    return count, changes


def _prune(skel: np.ndarray, steps: int) -> np.ndarray:
    """The skeleton with every free end shortened by `steps` pixels (a piece that is all
    free ends vanishes; its ink finds no branch and gets a piece of its own later)."""
    s = skel.copy()
    for _ in range(steps):
        count, _ = _around(s)
        ends = s & (count <= 1)
        if not ends.any():
            break
        s &= ~ends
    return s


def pen_width(mask: np.ndarray) -> float:
    """The pen's width (px, at least 1) of a group's binary ink (h, w)."""
    return max(stroke_width(mask), 1.0)


def _grow(labels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Labels (h, w) int32 spread through `mask` to every pixel they can reach: each step
    gives the unlabelled pixels of the mask the label of a labelled 8-neighbour (the first
    in `_SHIFTS` order), until nothing changes."""
    lab = labels.copy()
    while True:
        todo = mask & (lab == 0)
        if not todo.any():
            return lab
        grown = False
        for dy, dx in _SHIFTS:
            near = _shifted(lab, dy, dx)
            take = todo & (near > 0)
            if take.any():
                lab[take] = near[take]
                todo &= ~take
                grown = True
        if not grown:
            return lab


def skeleton_pieces(ink: np.ndarray) -> tuple[np.ndarray, int, float]:
    """The pieces of a group's ink (h, w): (labels (h, w) int32, how many pieces, pen
    width px). Pieces are numbered left to right by the centre of their ink."""
    mask = ink >= MASK_LEVEL * max(float(ink.max()), 1e-6)
    if not mask.any():
        return np.zeros(ink.shape, np.int32), 0, 1.0
    pen = pen_width(mask)
    skel = _prune(skeleton(mask), round(SPUR_WIDTHS * pen))
    _, changes = _around(skel)
    forks = skel & (changes >= 3)
    near_fork = forks.copy()
    for dy, dx in _SHIFTS:
        near_fork |= _shifted(forks, dy, dx)
    branches, st = label_components(skel & ~near_fork)
    if len(st):
        long_enough = np.concatenate([[False], st[:, 0] >= MIN_BRANCH_WIDTHS * pen])
        keep = np.cumsum(long_enough).astype(np.int32) * long_enough
        branches = keep[branches]
    labels = _grow(branches, mask)
    stray, stray_st = label_components(mask & (labels == 0))  # ink no branch reached
    top = int(labels.max())
    labels = np.where(stray > 0, stray + top, labels).astype(np.int32)
    labels = _grow(labels, ink > 0)  # the anti-aliased rims go with their neighbours
    n = top + len(stray_st)
    if n == 0:
        return labels, 0, pen
    cols = np.broadcast_to(np.arange(ink.shape[1]), ink.shape)
    counts = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    centre = np.bincount(labels.ravel(), weights=cols.ravel(), minlength=n + 1)[1:]
    order = np.argsort(centre / np.maximum(counts, 1), kind="stable")
    rank = np.zeros(n + 1, np.int32)
    rank[order + 1] = np.arange(1, n + 1, dtype=np.int32)
    return rank[labels], n, pen
