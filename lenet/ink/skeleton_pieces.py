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

STRAIGHT_ENOUGH = 0.57
"""Two branches at a fork are one stroke when the path through it turns by less than 55
degrees (cos 55° = 0.57): a stroke crossing another, the bar of a "T"."""
DIRECTION_WIDTHS = 2.0
"""A branch's direction at a fork is measured over this x the pen width from it."""

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


def _chain(branches: np.ndarray, near_fork: np.ndarray, pen: float) -> np.ndarray:
    """Branch labels (h, w) with the branches that continue each other straightly through
    a fork (turning by less than acos(STRAIGHT_ENOUGH)) joined under one label: a stroke
    that crosses or touches another stays one piece, and so does the bar of a "T"."""
    n = int(branches.max())
    if n < 2:
        return branches
    forks, fork_st = label_components(near_fork)
    ys, xs = np.nonzero(branches)
    owner = branches[ys, xs]
    parent = np.arange(n + 1)

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    reach = max(DIRECTION_WIDTHS * pen, 4.0)
    for f in range(1, len(fork_st) + 1):
        fy, fx = np.nonzero(forks == f)
        cy, cx = float(fy.mean()), float(fx.mean())
        d2 = (ys - cy) ** 2 + (xs - cx) ** 2
        near = d2 <= reach * reach
        ends = []
        for b in np.unique(owner[near]):
            sel = near & (owner == b)
            closest = float(np.sqrt(d2[sel].min()))
            if closest > 0.5 * reach:  # passes by, does not start at this fork
                continue
            v = np.array([xs[sel].mean() - cx, ys[sel].mean() - cy])
            norm = float(np.hypot(*v))
            if norm > 1e-6:
                ends.append((int(b), v / norm))
        if len(ends) != 4:  # only a crossing: at a "T", the bar may be two digits' strokes
            continue
        pairs = sorted(((-float(u @ v), a, b) for i, (a, u) in enumerate(ends)
                        for b, v in ends[i + 1 :] if a != b), reverse=True)
        paired: set[int] = set()
        for straight, a, b in pairs:
            if straight < STRAIGHT_ENOUGH or a in paired or b in paired:
                continue
            paired |= {a, b}
            parent[root(a)] = root(b)
    roots = np.array([root(a) for a in range(n + 1)])
    _, dense = np.unique(roots, return_inverse=True)  # label 0 stays 0 (its own root)
    return dense.astype(np.int32)[branches]


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
    branches = _chain(branches, forks | near_fork, pen)
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
