"""Multi-digit strips: 2-6 drawn digits side by side with one pen, some touching.

`make_number_strips` makes `DrawnStrip`s (strokes, canvas size, the true number) of MNIST
test digits, `make_strips_from` of digits from any `DigitSource` (the writing-style
templates: `lenet.devtools.styles.draw.strip_digits`); `render_strip` renders one as a
dark-on-light uint8 image.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lenet.devtools.drawn.centre_lines import skeleton_polylines
from lenet.devtools.drawn.redraw import MAX_PEN_RATIO, PEN_RANGE, draw_like_a_person, to_uint8
from lenet.ink import Stroke, render_strokes

STRIP_HEIGHT = 200
"""Height of the multi-digit strips' canvas, px."""


@dataclass(frozen=True)
class DrawnStrip:
    """A multi-digit drawing: strokes on a (width, height) = `size` canvas; `number` is
    the true digit string, `touching` how many neighbouring digit pairs touch and
    `digit_strokes` how many of the strokes (in order) belong to each digit."""

    strokes: list[Stroke]
    size: tuple[int, int]
    number: str
    touching: int
    digit_strokes: tuple[int, ...] = ()


def _touch(a: Sequence[Stroke], b: Sequence[Stroke]) -> bool:
    """Whether the ink of two stroke sets overlaps (rendered coarsely)."""
    pts = np.concatenate([s.points for s in [*a, *b]])
    pen = max(s.width for s in [*a, *b])
    lo = pts.min(axis=0) - pen
    hi = pts.max(axis=0) + pen
    size = (math.ceil(hi[0] - lo[0]) + 1, math.ceil(hi[1] - lo[1]) + 1)

    def shift(ss: Sequence[Stroke]) -> list[Stroke]:
        return [Stroke(s.points - lo, s.width, s.pressures) for s in ss]

    ia = render_strokes(shift(a), size, supersample=1)
    ib = render_strokes(shift(b), size, supersample=1)
    return bool(((ia >= 0.5) & (ib >= 0.5)).any())


def _moved(strokes: Sequence[Stroke], dx: float, dy: float = 0.0) -> list[Stroke]:
    return [Stroke(s.points + np.array([dx, dy]), s.width, s.pressures) for s in strokes]


DigitSource = Callable[[np.random.Generator], tuple[int, list[np.ndarray]]]
"""Draws one digit to write: (label, centre lines as (K, 2) (x, y) arrays, y down, any
units — `draw_like_a_person` scales them to the strip's digit height)."""


def make_number_strips(
    mnist_images: np.ndarray,
    mnist_labels: np.ndarray,
    n: int,
    seed: int,
    height: int = STRIP_HEIGHT,
    touch_probability: float = 0.2,
) -> list[DrawnStrip]:
    """n multi-digit drawings: 2-6 MNIST test digits drawn side by side with one pen.

    Each strip's digits share a height (55-80 % of `height`, each ±8 %) and a pen; gaps are
    5-35 % of the height, and each neighbouring pair touches (the digit is pushed left
    until its ink meets its neighbour's) with `touch_probability`. Digits sit on a wobbly
    baseline. The canvas is as wide as the strip plus margins. Deterministic given `seed`.
    """
    rng = np.random.default_rng([seed, 2])
    total = len(mnist_images)

    def picked(k: int) -> list[tuple[int, list[np.ndarray]]]:  # k different test digits
        out = []
        for i in rng.choice(total, size=k, replace=False):
            polys = skeleton_polylines(mnist_images[i])
            out.append((int(mnist_labels[i]),
                        polys or [np.array([[14.0, 6.0], [14.0, 22.0]])]))
        return out

    return [_strip(rng, picked(int(rng.integers(2, 7))), height, touch_probability)
            for _ in range(n)]


def make_strips_from(source: DigitSource, n: int, seed: int, height: int = STRIP_HEIGHT,
                     touch_probability: float = 0.2) -> list[DrawnStrip]:
    """Like `make_number_strips`, with each digit drawn by `source` (e.g. the writing-style
    templates of `lenet.devtools.styles.strip_digits`)."""
    rng = np.random.default_rng([seed, 3])
    return [_strip(rng, [source(rng) for _ in range(int(rng.integers(2, 7)))], height,
                   touch_probability) for _ in range(n)]


def _strip(rng: np.random.Generator, digits: Sequence[tuple[int, list[np.ndarray]]],
           height: int, touch_probability: float) -> DrawnStrip:
    """One strip of these (label, centre lines) digits, laid out as `make_number_strips` says."""
    h_digit = rng.uniform(0.55, 0.8) * height
    top = min(PEN_RANGE[1], MAX_PEN_RATIO * h_digit)
    pen = float(np.exp(rng.uniform(math.log(PEN_RANGE[0]), math.log(top))))
    margin = 0.1 * height
    x = margin
    baseline = 0.5 * (height + h_digit)
    strokes: list[Stroke] = []
    prev: list[Stroke] = []
    touching = 0
    counts: list[int] = []
    for j, (_, polys) in enumerate(digits):
        hj = h_digit * rng.uniform(0.92, 1.08)
        d = draw_like_a_person(polys, rng, 4 * height, height=hj, pen=pen)
        pts = np.concatenate([s.points for s in d])
        lo, hi = pts.min(axis=0) - 0.5 * pen, pts.max(axis=0) + 0.5 * pen
        gap = rng.uniform(0.05, 0.35) * h_digit
        dy = baseline + rng.normal(0.0, 0.03 * h_digit) - hi[1]
        dy = float(np.clip(dy, 1.0 - lo[1], height - 1.0 - hi[1]))
        d = _moved(d, (x + (gap if j else 0.0)) - lo[0], dy)
        if j and rng.random() < touch_probability:
            step = max(1.0, 0.25 * pen)
            moved = 0.0
            while not _touch(prev, d) and moved < gap + 0.6 * h_digit:
                d = _moved(d, -step)
                moved += step
            if _touch(prev, d):
                touching += 1
        strokes += d
        counts.append(len(d))
        prev = d
        pts = np.concatenate([s.points for s in d])
        x = max(x, float(pts[:, 0].max()) + 0.5 * pen)
    width = math.ceil(x + margin)
    number = "".join(str(label) for label, _ in digits)
    strokes = [Stroke(np.clip(s.points, 0.0, None), s.width, s.pressures) for s in strokes]
    return DrawnStrip(strokes, (width, int(height)), number, touching, tuple(counts))


def render_strip(strip: DrawnStrip) -> np.ndarray:
    """A strip rendered as a uint8 dark-on-light image (height, width)."""
    return to_uint8(render_strokes(strip.strokes, strip.size))
