"""Thinning a small ink mask to its one-pixel skeleton, and the skeleton's ends and forks.

Zhang & Suen's two-step thinning (numba; a 28x28 input's ink box takes some 20 µs). Used by
`lenet.ink.not_a_digit`: a digit has at most about three free ends and few forks, while
letters (E, H, K, X), stars and hatching have many. The NumPy twin (Zhang & Suen's steps
decide every pixel at once, so they vectorise exactly) answers while the kernels are not
compiled yet, on the very first start (`lenet.nn.kernels.readiness`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lenet.nn.kernels.readiness import use_compiled

__all__ = ["skeleton", "skeleton_ends_and_forks", "skeleton_ends_and_forks_numpy",
           "skeleton_numpy"]

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


def _neighbours(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every interior pixel of the padded 0/1 array s: (ink neighbours, 0 → 1 changes
    going once round them), each (H - 2, W - 2) — `_around` for all pixels at once."""
    h, w = s.shape
    ring = [s[1 + dy : h - 1 + dy, 1 + dx : w - 1 + dx].astype(np.int8)
            for dy, dx in zip(_DY.tolist(), _DX.tolist(), strict=True)]
    count = sum(ring)
    changes = sum((ring[k] == 0) & (ring[(k + 1) % 8] == 1) for k in range(8))
    return count, changes


def _thin_numpy(s: np.ndarray) -> None:
    """`_thin` in NumPy: the same skeleton, in place."""
    inner = s[1:-1, 1:-1]
    changed = True
    while changed:
        changed = False
        for step in range(2):
            count, changes = _neighbours(s)
            n, e, so, we = s[:-2, 1:-1], s[1:-1, 2:], s[2:, 1:-1], s[1:-1, :-2]
            if step == 0:
                ok = (n * e * so == 0) & (e * so * we == 0)
            else:
                ok = (n * e * we == 0) & (n * so * we == 0)
            remove = (inner == 1) & (count >= 2) & (count <= 6) & (changes == 1) & ok
            if remove.any():
                inner[remove] = 0
                changed = True


def _ends_and_forks_numpy(s: np.ndarray) -> tuple[int, int]:
    count, changes = _neighbours(s)
    on = s[1:-1, 1:-1] == 1
    return int(np.count_nonzero(on & (count == 1))), int(np.count_nonzero(on & (changes >= 3)))


def _padded_skeleton(mask: np.ndarray, compiled: bool = True) -> np.ndarray:
    s = np.pad(np.asarray(mask, bool), 1).astype(np.uint8)
    (_thin if compiled else _thin_numpy)(s)
    return s


def skeleton(mask: np.ndarray) -> np.ndarray:
    """The one-pixel skeleton (H, W) bool of a (H, W) bool mask (Zhang & Suen)."""
    return _padded_skeleton(mask, use_compiled())[1:-1, 1:-1].astype(bool)


def skeleton_ends_and_forks(mask: np.ndarray) -> tuple[int, int]:
    """(free ends, fork pixels) of the skeleton of a (H, W) bool mask: skeleton pixels with
    one neighbour, and those where three or more branches meet."""
    if not use_compiled():
        return skeleton_ends_and_forks_numpy(mask)
    ends, forks = _ends_and_forks(_padded_skeleton(mask))
    return int(ends), int(forks)


def skeleton_numpy(mask: np.ndarray) -> np.ndarray:
    """`skeleton` in plain NumPy (the same pixels)."""
    return _padded_skeleton(mask, compiled=False)[1:-1, 1:-1].astype(bool)


def skeleton_ends_and_forks_numpy(mask: np.ndarray) -> tuple[int, int]:
    """`skeleton_ends_and_forks` in plain NumPy (the same counts)."""
    return _ends_and_forks_numpy(_padded_skeleton(mask, compiled=False))
