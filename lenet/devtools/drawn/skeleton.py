"""The pixels of an MNIST digit's skeleton: ink mask, Zhang-Suen thinning, depth, blobs.

A (28, 28) digit is upsampled UPSAMPLE x to a (112, 112) bool ink mask (`clean_mask`);
filled blobs get a hole (`open_blobs`, using the ink's depth from `depth_map`) and the mask
is thinned to a one-pixel skeleton (`zhang_suen_thin`). The loops run in numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from PIL import Image

from lenet.ink.components import label_components
from lenet.ink.thinning import skeleton

UPSAMPLE = 4
"""MNIST digits are thinned at this many times their resolution (112x112), so that the
skeleton is smooth and one MNIST pixel of stroke is 4 skeleton pixels wide."""
INK_LEVEL = 0.4
"""Binarisation level of the (bilinearly upsampled) MNIST intensity, 0..1."""
MIN_PART = 0.05
"""Ink components smaller than this fraction of the largest one are dropped (specks)."""
BLOB_RATIO = 1.7
"""Where the ink is wider than BLOB_RATIO x the digit's typical stroke (and at least
2 x BLOB_MIN_HALF_WIDTH) it is a filled blob, not a stroke: MNIST has digits whose loops
(a "9", "8", "6") or the gap of a "3" are filled with ink. Such a blob gets a hole, so that
it thins to the loop a person would draw around it instead of to a point."""
BLOB_MIN_HALF_WIDTH = 2.4
"""See BLOB_RATIO, MNIST px (MNIST strokes are 2-3 px wide)."""
BLOB_MIN_AREA = 2.0
"""A blob's hole (the part of the ink deeper than the blob threshold) must cover at least
this many MNIST px², or the blob is left alone (a thick junction, not a filled loop)."""
MIN_HOLE = 1.5
"""Holes in the ink smaller than this many MNIST px² are filled (they are gaps between
pixels, not loops: the smallest real loop of a "6" or "8" is about 3 px²)."""


def clean_mask(image28: np.ndarray) -> np.ndarray:
    """The digit's ink at UPSAMPLE x resolution (bool), specks dropped, pin holes filled."""
    a = np.asarray(image28, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"expected a (28, 28) image, got shape {a.shape}")
    peak = float(a.max()) if a.size else 0.0
    if peak <= 0:
        return np.zeros((a.shape[0] * UPSAMPLE, a.shape[1] * UPSAMPLE), bool)
    a = a / peak
    h, w = a.shape
    up = Image.fromarray(a, mode="F").resize(
        (w * UPSAMPLE, h * UPSAMPLE), Image.Resampling.BILINEAR
    )
    mask = np.asarray(up) >= INK_LEVEL
    labels, st = label_components(mask)
    if len(st):
        keep = st[:, 0] >= MIN_PART * st[:, 0].max()
        mask = np.concatenate([[False], keep])[labels]
    # holes: background components not touching the border, smaller than MIN_HOLE
    back = np.pad(~mask, 1, constant_values=True)
    blabels, bst = label_components(back)
    outside = blabels[0, 0]
    small = bst[:, 0] < MIN_HOLE * UPSAMPLE * UPSAMPLE
    small[outside - 1] = False
    fill = np.concatenate([[False], small])[blabels][1:-1, 1:-1]
    return mask | fill


def zhang_suen_thin(mask: np.ndarray) -> np.ndarray:
    """One-pixel-wide skeleton (H, W) bool of a binary shape, by Zhang-Suen thinning
    (Zhang & Suen, CACM 1984): the two sub-iterations peel boundary pixels whose removal
    keeps the shape connected (one 0→1 transition around them) until nothing changes.
    The engine's thinning (`lenet.ink.thinning`), the same pixels."""
    return skeleton(np.asarray(mask, dtype=np.uint8) != 0)


@njit(cache=True)
def _sq_depth(padded: np.ndarray) -> np.ndarray:
    """Squared Euclidean distance (px²) from each ink pixel of `padded` (H, W) bool, whose
    outer ring is empty, to the nearest background pixel (0 on the background).

    The nearest background pixel of an ink pixel always touches the ink (a diagonal or
    straight step from it towards the ink pixel is closer, so it must be ink), so only
    the background pixels next to the ink are searched: exact, and fast at 112x112.
    """
    h, w = padded.shape
    edge = np.empty((h * w, 2), np.int64)
    n = 0
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            if padded[y, x]:
                continue
            if (
                padded[y - 1, x - 1] or padded[y - 1, x] or padded[y - 1, x + 1]
                or padded[y, x - 1] or padded[y, x + 1]
                or padded[y + 1, x - 1] or padded[y + 1, x] or padded[y + 1, x + 1]
            ):  # fmt: skip
                edge[n, 0] = y
                edge[n, 1] = x
                n += 1
    for x in range(w):  # the ring: background next to the first / last inner rows
        for y in (0, h - 1):
            edge[n, 0] = y
            edge[n, 1] = x
            n += 1
    for y in range(1, h - 1):
        for x in (0, w - 1):
            edge[n, 0] = y
            edge[n, 1] = x
            n += 1
    out = np.zeros((h, w))
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            if not padded[y, x]:
                continue
            best = 1e30
            for i in range(n):
                dy = y - edge[i, 0]
                dx = x - edge[i, 1]
                d = dy * dy + dx * dx
                if d < best:
                    best = d
            out[y, x] = best
    return out


def depth_map(mask: np.ndarray) -> np.ndarray:
    """Euclidean distance (MNIST px) from each ink pixel of the UPSAMPLE x mask to the
    nearest background pixel (0 on the background)."""
    sq = _sq_depth(np.pad(np.asarray(mask, dtype=np.bool_), 1))[1:-1, 1:-1]
    return np.sqrt(sq) * (1.0 / UPSAMPLE)


def open_blobs(mask: np.ndarray) -> np.ndarray:
    """Punch a hole in every filled blob of the ink (see BLOB_RATIO); `mask` is the
    UPSAMPLE x ink (bool). Returns the new mask (the input if there is no blob)."""
    depth = depth_map(mask)
    skel = zhang_suen_thin(mask)
    if not skel.any():
        return mask
    typical = float(np.median(depth[skel]))
    level = max(BLOB_RATIO * typical, BLOB_MIN_HALF_WIDTH)
    core = depth >= level
    if not core.any():
        return mask
    labels, st = label_components(core)
    big = st[:, 0] >= BLOB_MIN_AREA * UPSAMPLE * UPSAMPLE
    if not big.any():
        return mask
    return mask & ~np.concatenate([[False], big])[labels]
