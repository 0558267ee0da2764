"""An ink map → the network's 28x28 input, normalised the way MNIST was.

MNIST digits are pen strokes size-normalised so that the longer side of the ink fits a
20x20 box (aspect ratio kept), anti-aliased, and placed in a 28x28 frame with the intensity
centre of mass at the centre; white ink (1.0) on black (0.0), strokes about 2-3 px wide.

`preprocess_ink` does: drop faint noise and isolated specks → crop to the ink → resample
the crop to a working resolution (long side 80-160 px) → binarise → estimate the stroke
width → grow or shrink the strokes to the MNIST stroke width *relative to the digit's
size* → area-average (BOX filter) the longer side onto 20 px and place the result in 28x28
with its centre of mass at the MNIST centre (sub-pixel accurate, clamped so ink never
leaves the frame) → peak 1.0.

Boxes are (x0, y0, x1, y1) in pixels with x1, y1 exclusive (like a PIL crop box).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from lenet.ink.components import label_components
from lenet.ink.stroke_width import offset, stroke_width

__all__ = [
    "BOX",
    "CENTRE",
    "FRAME",
    "MASK_LEVEL",
    "TARGET_STROKE",
    "Preprocessed",
    "finite_ink",
    "ink_mask",
    "place_in_frame",
    "preprocess_ink",
]

FRAME = 28
"""Side of the network's input image, px."""
BOX = 20
"""The longer side of the ink is scaled to this many px (MNIST's 20x20 box)."""
CENTRE = 14.0
"""Where the ink's centre of mass lands, in pixel-index coordinates of the 28x28 frame
(pixel i spans [i, i+1), so 14.0 is the centre of pixel 14): MNIST's mean centre of mass
(row, column) in these coordinates is (13.99, 14.00), spread 0.3 px."""
MARGIN = 0.0
"""Ink is kept at least this many px inside the frame: the centring shift is clamped so
that no ink is cut off. MNIST itself centres exactly (1.4 % of its digits touch the outer
row or column, 12 % come within 2 px), so no extra margin is reserved."""
TARGET_STROKE = 3.0
"""Stroke width in px at 28x28 for a digit whose longer side is 20 px: the median MNIST
stroke width measured with this module's own estimator (`stroke_width` of the working
mask), 3.0 px (inter-quartile range 2.6-3.5; a "1" has a mean ink sum of 3.2 per row)."""
NOISE_LEVEL = 0.1
"""Ink below this fraction of the peak is treated as noise (zeroed) before anything else."""
MASK_LEVEL = 0.35
"""Binarisation level (fraction of the peak) for the stroke shape at the working size."""
MIN_INK_PIXELS = 6
"""Fewer ink pixels (≥ NOISE_LEVEL) than this is an empty input."""
MIN_EXTENT = 6
"""An ink box whose longer side is smaller than this many input px is empty."""
DOT_RATIO = 2.5
"""Ink whose box's longer side is below DOT_RATIO x its stroke width is a dot → empty."""
SPECK_FRACTION = 0.05
"""A component with fewer pixels than this fraction of the largest one is a speck..."""
SPECK_EXTENT = 0.25
"""... if its box is also shorter than this fraction of the largest component's box and it
lies outside the main ink's box (grown by this fraction): specks are dropped."""
WORK_MIN = 80
"""The crop is upsampled (integer factor) so that its longer side is at least this, px."""
WORK_MAX = 160
"""The crop is max-pooled (integer factor) so that its longer side is at most this, px."""


@dataclass(frozen=True)
class Preprocessed:
    """What the network sees, and where it came from.

    image: (28, 28) float32 in [0, 1], ink = 1, peak 1.0; None when `empty`.
    empty: nothing classifiable (no ink, a few pixels, a dot).
    box: the ink's bounding box (x0, y0, x1, y1) in the input's pixel coordinates
        (exclusive x1, y1), None when there is no ink at all.
    ink_fraction: fraction of the input's area covered by ink (sum of ink / (H·W)).
    stroke_width: estimated stroke width of the input in input pixels (None if no ink).
    solid: `empty` because the ink is too thick for its size to be strokes (a filled blob,
        dense hatching, a big dot): there is something, but it is not a digit.
    """

    image: np.ndarray | None
    empty: bool
    box: tuple[int, int, int, int] | None
    ink_fraction: float = 0.0
    stroke_width: float | None = None
    solid: bool = False


def ink_mask(a: np.ndarray, peak: float) -> np.ndarray:
    """(H, W) bool: the pixels of `a` that are ink, i.e. ≥ NOISE_LEVEL x peak."""
    return a >= np.float32(NOISE_LEVEL * peak)


def _specks(st: np.ndarray) -> np.ndarray:
    """(n,) bool over components (stats rows as from `label_components`): the specks to
    drop, i.e. small and short compared with the largest component and lying outside the
    other components' box grown by SPECK_EXTENT of its size."""
    counts = st[:, 0]
    ext = np.maximum(st[:, 3] - st[:, 1], st[:, 4] - st[:, 2])
    big = int(np.argmax(counts))
    small = (counts < SPECK_FRACTION * counts[big]) & (ext < SPECK_EXTENT * ext[big])
    if not small.any():
        return small
    keep = ~small
    x0, y0 = st[keep, 1].min(), st[keep, 2].min()
    x1, y1 = st[keep, 3].max(), st[keep, 4].max()
    g = SPECK_EXTENT * max(x1 - x0, y1 - y0)
    outside = (st[:, 3] < x0 - g) | (st[:, 1] > x1 + g) | (st[:, 4] < y0 - g) | (st[:, 2] > y1 + g)
    return small & outside


def finite_ink(a: np.ndarray) -> tuple[np.ndarray, float]:
    """`a` with NaN/inf replaced by 0 (only if there are any), and its maximum (0 if empty)."""
    peak = float(a.max()) if a.size else 0.0
    if not math.isfinite(peak):  # NaN propagates into the maximum; -inf is never ink
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
        peak = float(a.max())
    return a, peak


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) exclusive box of True pixels, None if none."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _working_mask(crop: np.ndarray) -> tuple[np.ndarray, float]:
    """Binary stroke shape of `crop` at the working size, and work px per input px."""
    h, w = crop.shape
    long_side = max(h, w)
    if long_side > WORK_MAX:
        f = math.ceil(long_side / WORK_MAX)
        m = crop >= MASK_LEVEL
        hp, wp = -(-h // f) * f, -(-w // f) * f
        if (hp, wp) != (h, w):
            m = np.pad(m, ((0, hp - h), (0, wp - w)))
        # max-pool: a thin line stays a (thin) line however far it is reduced
        pooled = m[::f, ::f].copy()
        for dy in range(f):
            for dx in range(f):
                if dy or dx:
                    pooled |= m[dy::f, dx::f]
        return pooled, 1.0 / f
    if long_side < WORK_MIN:
        u = math.ceil(WORK_MIN / long_side)
        up = Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32), mode="F").resize(
            (w * u, h * u), Image.Resampling.BILINEAR
        )
        return np.asarray(up) >= MASK_LEVEL, float(u)
    return crop >= MASK_LEVEL, 1.0


def _area_weights(origin: float, scale: float, n_src: int, n_out: int) -> np.ndarray:
    """(n_out, n_src) area-averaging weights: output pixel u spans source
    [origin + u·scale, origin + (u+1)·scale]; each weight is the overlap with source pixel
    [j, j+1] divided by `scale` (exact box filter, mass preserving, any fractional scale)."""
    a = origin + scale * np.arange(n_out, dtype=np.float64)[:, None]
    j = np.arange(n_src, dtype=np.float64)[None, :]
    overlap = np.minimum(a + scale, j + 1.0) - np.maximum(a, j)
    return np.clip(overlap, 0.0, None) * (1.0 / scale)


def place_in_frame(ink: np.ndarray) -> np.ndarray:
    """Scale `ink` (its box's longer side → BOX px, exact area averaging) into the
    FRAMExFRAME frame with its centre of mass at (CENTRE, CENTRE), the shift clamped so
    that the ink keeps MARGIN px away from the frame's edges. Returns (28, 28) float32."""
    bb = _bbox(ink > 0)
    assert bb is not None
    x0, y0, x1, y1 = bb
    ink = ink[y0:y1, x0:x1].astype(np.float64)
    h, w = ink.shape
    s = max(h, w) / BOX  # source px per output px
    total = float(ink.sum())
    cy = float(ink.sum(axis=1) @ np.arange(h)) / total
    cx = float(ink.sum(axis=0) @ np.arange(w)) / total
    # output pixel u spans source [o + u·s, o + (u+1)·s]; COM index c has centre c + 0.5
    ox = cx + 0.5 - (CENTRE + 0.5) * s
    oy = cy + 0.5 - (CENTRE + 0.5) * s
    ox = min(max(ox, w - (FRAME - MARGIN) * s), -MARGIN * s)
    oy = min(max(oy, h - (FRAME - MARGIN) * s), -MARGIN * s)
    out = _area_weights(oy, s, h, FRAME) @ ink @ _area_weights(ox, s, w, FRAME).T
    out[out < 1e-3] = 0.0
    peak = float(out.max())
    if peak > 0:
        out *= 1.0 / peak
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def preprocess_ink(ink: np.ndarray) -> Preprocessed:
    """An ink map (H, W) float in [0, 1] (ink = 1) → the network's 28x28 input.

    Noise below NOISE_LEVEL of the peak and isolated specks are dropped; fewer than
    MIN_INK_PIXELS pixels, a box under MIN_EXTENT px, or a dot (box < DOT_RATIO x stroke
    width; `solid`) is empty. The stroke width is normalised to TARGET_STROKE px at 28x28 (relative
    to the digit's size), the longer side scaled to BOX px with an area-averaging filter
    (aspect ratio kept) and the centre of mass put at (CENTRE, CENTRE). Deterministic and
    translation invariant; about 1-2 ms for a 280x280 canvas.
    """
    a = np.asarray(ink, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"expected an ink map (H, W), got shape {a.shape}")
    h_in, w_in = a.shape
    a, peak = finite_ink(a)
    if peak <= 1e-3:
        return Preprocessed(None, True, None, 0.0, None)
    labels, st = label_components(ink_mask(a, peak))
    keep = ~_specks(st)
    kst = st[keep]
    x0, y0 = int(kst[:, 1].min()), int(kst[:, 2].min())
    x1, y1 = int(kst[:, 3].max()), int(kst[:, 4].max())
    bb = (x0, y0, x1, y1)
    sub = labels[y0:y1, x0:x1]
    own = sub > 0 if keep.all() else np.concatenate([[False], keep])[sub]
    crop = np.where(own, np.minimum(a[y0:y1, x0:x1] * np.float32(1.0 / peak), 1.0), 0.0)
    crop = crop.astype(np.float32)
    frac = float(crop.sum()) * peak / float(h_in * w_in)
    if int(kst[:, 0].sum()) < MIN_INK_PIXELS or max(x1 - x0, y1 - y0) < MIN_EXTENT:
        return Preprocessed(None, True, bb, frac, None)
    mask, k = _working_mask(crop)
    mb = _bbox(mask)
    if mb is None:
        return Preprocessed(None, True, bb, frac, None)
    mask = mask[mb[1] : mb[3], mb[0] : mb[2]]
    width = stroke_width(mask)  # work px
    long_side = float(max(mask.shape))
    if long_side < DOT_RATIO * width:
        return Preprocessed(None, True, bb, frac, float(width / k), solid=True)
    r = TARGET_STROKE / BOX
    target = r * max(long_side - width, 1.0) / (1.0 - r)
    delta = 0.5 * (target - width)
    out = offset(mask, delta)
    return Preprocessed(place_in_frame(out), False, bb, frac, float(width / k))
