"""Make what people draw look like MNIST to the network: the front door of `lenet.ink`.

One path for everything::

    strokes --render_strokes--> ink (H, W) --preprocess_ink--> Preprocessed (28x28)
    image   --to_ink----------> ink (H, W) --preprocess_ink--> Preprocessed (28x28)

Rendering lives in `lenet.ink.strokes`, decoding and polarity in `lenet.ink.image`, the
normalisation (crop, stroke width, 20 px box, centre of mass) in `lenet.ink.normalise`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image

from lenet.ink.image import to_ink
from lenet.ink.normalise import (
    BOX,
    DOT_RATIO,
    MIN_EXTENT,
    TARGET_STROKE,
    Preprocessed,
    preprocess_ink,
)
from lenet.ink.stroke_width import offset
from lenet.ink.strokes import Stroke, pen_widths, render_strokes
from lenet.ink.thinning import skeleton_ends_and_forks

__all__ = ["RENDER_LONG", "preprocess_image", "preprocess_strokes", "warm_up"]

RENDER_LONG = 128
"""`preprocess_strokes` renders the digit's box at this many px on its longer side."""


def preprocess_image(image: np.ndarray | Image.Image) -> Preprocessed:
    """Any image (see `to_ink`) → the network's 28x28 input (see `preprocess_ink`)."""
    return preprocess_ink(to_ink(image))


def preprocess_strokes(strokes: Sequence[Stroke], canvas_size: tuple[int, int]) -> Preprocessed:
    """Canvas strokes on a (W, H) = `canvas_size` canvas → the network's 28x28 input.

    Stroke-width normalisation for canvas input is done at rendering time: the strokes are
    re-rendered with a uniform pen width chosen from the digit's size (TARGET_STROKE at
    28x28 once the box is BOX px), ignoring the user's width and pressure, then go through
    `preprocess_ink` like any ink (whose own width correction is then ≈ 0). The digit's box
    is rendered at RENDER_LONG px, so the cost does not depend on the canvas size. With an
    eraser stroke the user's rendering (own widths) goes through `preprocess_ink` instead.
    `box` is the user's ink box in canvas pixels, `stroke_width` the user's widest pen and
    `ink_fraction` an estimate from the strokes' lengths and that pen.
    """
    cw, ch = int(canvas_size[0]), int(canvas_size[1])
    if any(s.erase for s in strokes):
        ink = render_strokes(strokes, (cw, ch))
        return preprocess_ink(ink)
    pts_list = [np.asarray(s.points, dtype=np.float64).reshape(-1, 2) for s in strokes]
    drawn = [(s, p) for s, p in zip(strokes, pts_list, strict=True) if len(p)]
    if not drawn:
        return Preprocessed(None, True, None, 0.0, None)
    allp = np.concatenate([p for _, p in drawn])
    pen = max(float(pen_widths(s, None).max()) for s, _ in drawn)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    half = 0.5 * pen
    box = (
        max(0, math.floor(lo[0] - half)),
        max(0, math.floor(lo[1] - half)),
        min(cw, math.ceil(hi[0] + half)),
        min(ch, math.ceil(hi[1] + half)),
    )
    length = sum(float(np.hypot(*np.diff(p, axis=0).T).sum()) for _, p in drawn)
    frac = min(1.0, (length * pen + len(drawn) * math.pi * half * half) / max(cw * ch, 1))
    extent = float(max(hi - lo))
    if extent + pen < MIN_EXTENT or extent + pen < DOT_RATIO * pen:
        return Preprocessed(None, True, box, frac, pen)
    r = TARGET_STROKE / BOX
    width = r * extent / (1.0 - r)  # canvas px; box long side = extent + width
    span = extent + width
    scale = RENDER_LONG / span
    pad = 2.0 / scale  # 2 output px of margin
    origin = (float(lo[0]) - 0.5 * width - pad, float(lo[1]) - 0.5 * width - pad)
    size = (
        math.ceil((hi[0] - lo[0] + width + 2 * pad) * scale),
        math.ceil((hi[1] - lo[1] + width + 2 * pad) * scale),
    )
    # 2x supersampling is enough here: preprocess_ink binarises the shape at this size
    ink = render_strokes(
        [s for s, _ in drawn], size, origin=origin, scale=scale, width=width, supersample=2
    )
    res = preprocess_ink(ink)
    return Preprocessed(res.image, res.empty, box, frac, pen, res.solid)


def warm_up() -> None:
    """Compile (or load from numba's cache) the kernels now, e.g. in a background thread at
    start-up, so that the first live prediction does not wait ~3 s for the JIT."""
    ink = np.zeros((40, 40), np.float32)
    ink[5:35, 18:22] = 1.0
    ink[5:9, 10:30] = 1.0
    preprocess_ink(ink)
    offset(ink > 0, -1.5)
    skeleton_ends_and_forks(ink > 0)  # the "not a digit" rule's skeleton
