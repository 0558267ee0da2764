"""8-connected components of a binary image, with their pixel counts and boxes (numba),
and the plain NumPy twin used while the kernels are not compiled yet (the very first start)."""

from __future__ import annotations

import numpy as np
from numba import njit

from lenet.nn.kernels.readiness import use_compiled

__all__ = ["label_components", "label_components_numpy"]


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
    mask = np.ascontiguousarray(mask, dtype=np.bool_)
    if not use_compiled():
        return label_components_numpy(mask)
    labels, n = _label8(mask)
    return labels, _component_stats(labels, n)


def label_components_numpy(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`label_components` in plain NumPy, numbering the components alike (by their first
    pixel in reading order).

    The ink's horizontal runs are found per row; a run touches a run of the next row when
    their column spans overlap or meet at a corner (8-connectivity), and a union-find over
    those pairs (a few hundred for a drawn digit) joins them.
    """
    mask = np.asarray(mask, dtype=np.bool_)
    h, w = mask.shape
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]  # exclusive; the same order as the starts
    stride = w + 2
    start_keys, end_keys = rows * stride + starts, rows * stride + ends
    # the runs of the next row that a run touches: a contiguous range of them
    first = np.searchsorted(end_keys, (rows + 1) * stride + starts, "left")
    last = np.searchsorted(start_keys, (rows + 1) * stride + ends, "right")
    count = np.maximum(last - first, 0)
    a = np.repeat(np.arange(len(rows)), count)
    b = np.repeat(first - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(a.tolist(), b.tolist(), strict=True):
        ri, rj = find(i), find(j)
        if ri != rj:  # the earlier run is the root: roots are components' first runs
            parent[max(ri, rj)] = min(ri, rj)
    roots = np.array([find(i) for i in range(len(rows))], dtype=np.int64)
    order, run_label = np.unique(roots, return_inverse=True)
    run_label = run_label.reshape(-1).astype(np.int64) + 1
    n = len(order)
    marks = np.zeros((h, w + 1), np.int64)
    marks[rows, starts] += run_label
    marks[rows, ends] -= run_label
    labels = np.cumsum(marks, axis=1)[:, :w].astype(np.int32)
    st = np.zeros((n, 5), np.int64)
    idx = run_label - 1
    st[:, 0] = np.bincount(idx, weights=ends - starts, minlength=n).astype(np.int64)
    st[:, 1], st[:, 2] = w, h
    np.minimum.at(st[:, 1], idx, starts)
    np.minimum.at(st[:, 2], idx, rows)
    np.maximum.at(st[:, 3], idx, ends)
    np.maximum.at(st[:, 4], idx, rows + 1)
    return labels, st
