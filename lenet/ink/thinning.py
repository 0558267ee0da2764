"""Thinning a small ink mask to its one-pixel skeleton, and the skeleton's ends and forks.

Zhang & Suen's two-step thinning (numba; a 28x28 input's ink box takes some 20 µs). Used by
`lenet.ink.not_a_digit`: a digit has at most about three free ends and few forks, while
letters (E, H, K, X), stars and hatching have many.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["skeleton", "skeleton_ends_and_forks"]

_DY = np.array([-1, -1, 0, 1, 1, 1, 0, -1])
_DX = np.array([0, 1, 1, 1, 0, -1, -1, -1])
"""The 8 neighbours, clockwise from north (Zhang & Suen's P2 ... P9)."""


@njit(cache=True)
def _around(s: np.ndarray, y: int, x: int) -> tuple[int, int]:
    """(ink neighbours, 0 → 1 changes going once round them) of pixel (y, x) of padded s."""
    count = 0
    changes = 0
    for k in range(8):
        a = s[y + _DY[k], x + _DX[k]]
        b = s[y + _DY[(k + 1) % 8], x + _DX[(k + 1) % 8]]
        count += a
        changes += (a == 0) & (b == 1)
    return count, changes


@njit(cache=True)
def _thin(s: np.ndarray) -> None:
    """Thin the 0/1 uint8 mask s (zero border of one pixel) in place."""
    h, w = s.shape
    remove = np.zeros_like(s)
    changed = True
    while changed:
        changed = False
        for step in range(2):
            remove[:] = 0
            for y in range(1, h - 1):
                for x in range(1, w - 1):
                    if s[y, x] == 0:
                        continue
                    count, changes = _around(s, y, x)
                    if count < 2 or count > 6 or changes != 1:
                        continue
                    n, e, so, we = s[y - 1, x], s[y, x + 1], s[y + 1, x], s[y, x - 1]
                    if step == 0:
                        ok = n * e * so == 0 and e * so * we == 0
                    else:
                        ok = n * e * we == 0 and n * so * we == 0
                    if ok:
                        remove[y, x] = 1
                        changed = True
            for y in range(h):
                for x in range(w):
                    if remove[y, x]:
                        s[y, x] = 0


@njit(cache=True)
def _ends_and_forks(s: np.ndarray) -> tuple[int, int]:
    h, w = s.shape
    ends = 0
    forks = 0
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            if s[y, x]:
                count, changes = _around(s, y, x)
                ends += count == 1
                forks += changes >= 3
    return ends, forks


def _padded_skeleton(mask: np.ndarray) -> np.ndarray:
    s = np.pad(np.asarray(mask, bool), 1).astype(np.uint8)
    _thin(s)
    return s


def skeleton(mask: np.ndarray) -> np.ndarray:
    """The one-pixel skeleton (H, W) bool of a (H, W) bool mask (Zhang & Suen)."""
    return _padded_skeleton(mask)[1:-1, 1:-1].astype(bool)


def skeleton_ends_and_forks(mask: np.ndarray) -> tuple[int, int]:
    """(free ends, fork pixels) of the skeleton of a (H, W) bool mask: skeleton pixels with
    one neighbour, and those where three or more branches meet."""
    ends, forks = _ends_and_forks(_padded_skeleton(mask))
    return int(ends), int(forks)
