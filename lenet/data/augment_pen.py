"""Pen strokes: a digit thinned to its skeleton and redrawn with a round pen of another width.

MNIST digits were written with pens whose strokes swell and thin; the app's canvas and a
tablet pen draw strokes of one constant width with round ends. :func:`pen_kernel` turns an
image into such a drawing: the ink (above `PEN_MASK_LEVEL`) is thinned to its one-pixel
Zhang–Suen skeleton (`lenet.ink.thinning`), each skeleton pixel joined to its 8-neighbours by
a line segment, and the segments inked with a round pen of the image's own width in px,
anti-aliased by a linear ramp of `soft` px across the pen's edge::

    ink(p) = clip((width / 2 - distance(p, skeleton)) / soft + 0.5, 0, 1)

To take the staircase out of slanted lines, a skeleton pixel with exactly two neighbours
moves half-way towards their mean first. The digit keeps its box: the skeleton is scaled
about the box centre (by at most `_MAX_RESCALE` either way) so that the redrawn ink's longer
side, pen included, is the original's, as MNIST's 20 px box counts the pen too.
A digit with a blob of ink (a loop inked full, more than about 7 px across) is left as it
was: its skeleton would be a line where the loop was, a digit unlike its label.

This is not the drawn test sets' process (`lenet.devtools.drawn`: centre lines traced into
polylines, mouse sampling, wobble, a canvas): no strokes are traced or sampled here, so those
sets stay held out. Shapes: images (N, H, W) float32 in [0, 1]; `pen_numpy` is the plain
NumPy twin of one image, pinned to the kernel by ``tests/test_augment_pen.py``. Coordinates
(y, x) = (row, column) at pixel centres.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from lenet.ink.thinning import _thin, skeleton_numpy

__all__ = ["PEN_MASK_LEVEL", "pen_kernel", "pen_numpy"]

PEN_MASK_LEVEL = 0.5
"""Ink above this is the stroke whose skeleton is taken, and whose box is kept."""
_MAX_RESCALE = 1.25
"""The skeleton is scaled by a factor in [1 / this, this] to keep the box."""
_BLOB = 13
"""A skeleton pixel this far (squared px) or farther from the nearest blank pixel sits in a
blob, not a stroke (a loop inked full: thinning would leave a line where a loop was): such an
image is left as it was. MNIST's bold strokes, 5-6 px, are 9-10 from their centre line."""
_NEAR = np.array(sorted(((dy, dx) for dy in range(-3, 4) for dx in range(-3, 4)
                         if dy * dy + dx * dx < _BLOB), key=lambda d: d[0] ** 2 + d[1] ** 2))
"""(dy, dx) closer than `_BLOB`, nearest first: where a stroke pixel finds a blank one."""
_FORWARD = ((0, 1), (1, -1), (1, 0), (1, 1))
"""(dy, dx) of the neighbours each pixel is joined to (the others join it)."""


@njit(cache=True, nogil=True)
def _segment_distance(py: float, px: float, ay: float, ax: float, by: float, bx: float
                      ) -> float:
    dy, dx = by - ay, bx - ax
    length2 = dy * dy + dx * dx
    t = 0.0
    if length2 > 0.0:
        t = min(1.0, max(0.0, ((py - ay) * dy + (px - ax) * dx) / length2))
    ey, ex = py - ay - t * dy, px - ax - t * dx
    return math.sqrt(ey * ey + ex * ex)


@njit(cache=True, nogil=True)
def _in_blob(image: np.ndarray, y: int, x: int) -> bool:
    """Whether pixel (y, x) of image (H, W) has no pixel at or below PEN_MASK_LEVEL closer
    than `_BLOB` (squared px); outside the frame counts as blank."""
    h, w = image.shape
    for k in range(len(_NEAR)):
        yy, xx = y + _NEAR[k, 0], x + _NEAR[k, 1]
        if yy < 0 or yy >= h or xx < 0 or xx >= w or image[yy, xx] <= PEN_MASK_LEVEL:
            return False
    return True


@njit(cache=True, nogil=True)
def _redraw(image: np.ndarray, width: float, soft: float, out: np.ndarray) -> None:
    """One image (H, W) redrawn with a pen into out (H, W) (a copy where no skeleton is left
    or the ink has a blob)."""
    h, w = image.shape
    s = np.zeros((h + 2, w + 2), np.uint8)
    y0, y1, x0, x1 = h, -1, w, -1
    for y in range(h):
        for x in range(w):
            out[y, x] = image[y, x]
            if image[y, x] > PEN_MASK_LEVEL:
                s[y + 1, x + 1] = 1
                y0, y1, x0, x1 = min(y0, y), max(y1, y), min(x0, x), max(x1, x)
    if y1 < 0:
        return
    _thin(s[y0 : y1 + 3, x0 : x1 + 3])  # the ink's box and a blank pixel round it
    # skeleton pixels, their neighbours and their smoothed positions
    ys = np.empty(h * w, np.int64)
    xs = np.empty(h * w, np.int64)
    m = 0
    for y in range(1, h + 1):
        for x in range(1, w + 1):
            if s[y, x]:
                ys[m], xs[m] = y, x
                m += 1
    if m == 0:  # a 2x2 blob thins to nothing: left as it was
        return
    for k in range(m):
        if _in_blob(image, ys[k] - 1, xs[k] - 1):
            return
    py = np.empty(m)
    px = np.empty(m)
    sy0, sy1, sx0, sx1 = np.inf, -np.inf, np.inf, -np.inf
    for k in range(m):
        y, x = ys[k], xs[k]
        count, sum_y, sum_x = 0, 0.0, 0.0
        for dy in range(-1, 2):
            for dx in range(-1, 2):
                if (dy != 0 or dx != 0) and s[y + dy, x + dx]:
                    count += 1
                    sum_y += y + dy
                    sum_x += x + dx
        py[k], px[k] = y - 1.0, x - 1.0
        if count == 2:
            py[k] = 0.5 * py[k] + 0.25 * (sum_y - 2.0)
            px[k] = 0.5 * px[k] + 0.25 * (sum_x - 2.0)
        sy0, sy1 = min(sy0, py[k]), max(sy1, py[k])
        sx0, sx1 = min(sx0, px[k]), max(sx1, px[k])
    # keep the box: the longer side of the ink (pen included) and its centre
    if y1 - y0 >= x1 - x0:
        side, extent = y1 - y0 + 1.0, sy1 - sy0
    else:
        side, extent = x1 - x0 + 1.0, sx1 - sx0
    scale = 1.0
    if extent >= 2.0:
        scale = min(_MAX_RESCALE, max(1.0 / _MAX_RESCALE, (side - width) / extent))
    cy, cx = 0.5 * (y0 + y1), 0.5 * (x0 + x1)
    sy, sx = 0.5 * (sy0 + sy1), 0.5 * (sx0 + sx1)
    for k in range(m):
        py[k] = cy + scale * (py[k] - sy)
        px[k] = cx + scale * (px[k] - sx)
    index = np.full((h + 2, w + 2), -1, np.int64)
    for k in range(m):
        index[ys[k], xs[k]] = k
    # ink every segment's neighbourhood: the nearest segment decides (ink falls with distance)
    for y in range(h):
        for x in range(w):
            out[y, x] = 0.0
    half, reach = 0.5 * width, 0.5 * width + 0.5 * soft
    for k in range(m):
        for j in range(5):
            if j < 4:
                q = index[ys[k] + _FORWARD[j][0], xs[k] + _FORWARD[j][1]]
                if q < 0:
                    continue
            else:
                q = k  # a dot where the skeleton has no neighbour at all
                lonely = True
                for dy in range(-1, 2):
                    for dx in range(-1, 2):
                        if (dy != 0 or dx != 0) and s[ys[k] + dy, xs[k] + dx]:
                            lonely = False
                if not lonely:
                    continue
            ay, ax, by, bx = py[k], px[k], py[q], px[q]
            r0 = max(0, math.floor(min(ay, by) - reach))
            r1 = min(h - 1, math.ceil(max(ay, by) + reach))
            c0 = max(0, math.floor(min(ax, bx) - reach))
            c1 = min(w - 1, math.ceil(max(ax, bx) + reach))
            for y in range(r0, r1 + 1):
                for x in range(c0, c1 + 1):
                    d = _segment_distance(float(y), float(x), ay, ax, by, bx)
                    ink = min(1.0, max(0.0, (half - d) / soft + 0.5))
                    if ink > out[y, x]:
                        out[y, x] = ink


@njit(cache=True, nogil=True, parallel=True)
def pen_kernel(images: np.ndarray, redraw: np.ndarray, width: np.ndarray, soft: np.ndarray
               ) -> np.ndarray:
    """Images (N, H, W) float32 in [0, 1] with those where `redraw` (N,) bool redrawn with a
    round pen of `width` (N,) px, edge ramp `soft` (N,) px; the others copied. → (N, H, W)
    float32 in [0, 1]."""
    n, h, w = images.shape
    out = np.empty_like(images)
    for i in prange(n):
        if redraw[i]:
            _redraw(images[i], float(width[i]), float(soft[i]), out[i])
        else:
            for y in range(h):
                for x in range(w):
                    out[i, y, x] = images[i, y, x]
    return out


def pen_numpy(image: np.ndarray, width: float, soft: float) -> np.ndarray:
    """`pen_kernel` for one image (H, W) in plain NumPy (all pixels against all segments)."""
    image = np.asarray(image, np.float32)
    mask = image > PEN_MASK_LEVEL
    if not mask.any():
        return image.copy()
    h, w = image.shape
    skel = np.pad(skeleton_numpy(mask), 1)
    if not skel.any():
        return image.copy()
    blank = np.argwhere(~np.pad(mask, 1))  # padded (y, x): the frame's outside is blank
    yx = np.argwhere(skel)
    d2 = ((yx[:, None, :] - blank[None]) ** 2).sum(axis=2).min(axis=1)
    if (d2 >= _BLOB).any():
        return image.copy()
    # padded (y, x) of the skeleton, row-major like the kernel
    ring = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]
    near = np.stack([skel[yx[:, 0] + dy, yx[:, 1] + dx] for dy, dx in ring], axis=1)
    sums = sum(near[:, k, None] * (yx + ring[k]) for k in range(8))
    pts = (yx - 1).astype(np.float64)
    two = near.sum(axis=1) == 2
    pts[two] = 0.5 * pts[two] + 0.25 * (sums[two] - 2.0)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    box_lo, box_hi = np.array([rows[0], cols[0]]), np.array([rows[-1], cols[-1]])
    long = 0 if box_hi[0] - box_lo[0] >= box_hi[1] - box_lo[1] else 1
    extent = np.ptp(pts[:, long])
    side = box_hi[long] - box_lo[long] + 1.0
    scale = np.clip((side - width) / extent, 1 / _MAX_RESCALE, _MAX_RESCALE) if extent >= 2 else 1
    sk_mid = 0.5 * (pts.min(axis=0) + pts.max(axis=0))
    pts = 0.5 * (box_lo + box_hi) + scale * (pts - sk_mid)
    index = {tuple(p): k for k, p in enumerate(yx.tolist())}
    segments = [(k, index[q]) for k, (y, x) in enumerate(yx.tolist()) for dy, dx in _FORWARD
                if (q := (y + dy, x + dx)) in index]
    segments += [(k, k) for k in np.flatnonzero(near.sum(axis=1) == 0)]
    a, b = pts[[s for s, _ in segments]], pts[[e for _, e in segments]]
    grid = np.stack(np.mgrid[0:h, 0:w], axis=-1).reshape(-1, 1, 2).astype(np.float64)
    d = b - a
    length2 = (d * d).sum(axis=1)
    t = np.clip(((grid - a) * d).sum(axis=2) / np.where(length2 > 0, length2, 1.0), 0, 1)
    dist = np.linalg.norm(grid - a - t[..., None] * d, axis=2).min(axis=1)
    return np.clip((0.5 * width - dist) / soft + 0.5, 0, 1).reshape(h, w).astype(np.float32)
