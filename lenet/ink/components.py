"""8-connected components of a binary image, with their pixel counts and boxes (numba)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["label_components"]


@njit(cache=True)
def _find(parent: np.ndarray, a: int) -> int:
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@njit(cache=True)
def _union(parent: np.ndarray, best: int, lab: int) -> int:
    """Join the tree of provisional label `lab` with root `best` (0: none); the new root."""
    r = _find(parent, lab)
    if best == 0 or r == best:
        return r
    if r < best:
        parent[best] = r
        return r
    parent[r] = best
    return best


@njit(cache=True)
def _label8(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected component labels (1..n, 0 = background) by two-pass union-find."""
    h, w = mask.shape
    labels = np.zeros((h, w), np.int32)
    # at most ceil(h/2)·ceil(w/2) provisional labels: isolated pixels need a gap each way
    parent = np.zeros((h + 1) * (w + 1) // 4 + 2, np.int32)
    nxt = 1
    for y in range(h):
        for x in range(w):
            if not mask[y, x]:
                continue
            best = 0
            if x > 0 and labels[y, x - 1] != 0:
                best = _union(parent, best, labels[y, x - 1])
            if y > 0:
                if x > 0 and labels[y - 1, x - 1] != 0:
                    best = _union(parent, best, labels[y - 1, x - 1])
                if labels[y - 1, x] != 0:
                    best = _union(parent, best, labels[y - 1, x])
                if x + 1 < w and labels[y - 1, x + 1] != 0:
                    best = _union(parent, best, labels[y - 1, x + 1])
            if best == 0:
                parent[nxt] = nxt
                best = nxt
                nxt += 1
            labels[y, x] = best
    remap = np.zeros(nxt, np.int32)
    n = 0
    for i in range(1, nxt):
        r = _find(parent, i)
        if remap[r] == 0:
            n += 1
            remap[r] = n
        remap[i] = remap[r]
    for y in range(h):
        for x in range(w):
            if labels[y, x] != 0:
                labels[y, x] = remap[labels[y, x]]
    return labels, n


@njit(cache=True)
def _component_stats(labels: np.ndarray, n: int) -> np.ndarray:
    """Per component 1..n: row i-1 = (pixel count, x0, y0, x1, y1) with exclusive x1, y1."""
    h, w = labels.shape
    st = np.zeros((n, 5), np.int64)
    for i in range(n):
        st[i, 1] = w
        st[i, 2] = h
    for y in range(h):
        for x in range(w):
            i = labels[y, x] - 1
            if i < 0:
                continue
            st[i, 0] += 1
            if x < st[i, 1]:
                st[i, 1] = x
            if y < st[i, 2]:
                st[i, 2] = y
            if x >= st[i, 3]:
                st[i, 3] = x + 1
            if y >= st[i, 4]:
                st[i, 4] = y + 1
    return st


def label_components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """8-connected components of a boolean mask.

    mask: (H, W) bool. Returns labels (H, W) int32 (0 = background, components 1..n) and
    stats (n, 5) int64: pixel count, x0, y0, x1, y1 (exclusive x1, y1) of component i+1.
    """
    labels, n = _label8(np.ascontiguousarray(mask, dtype=np.bool_))
    return labels, _component_stats(labels, n)
