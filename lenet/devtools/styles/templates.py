"""Digit templates as pen strokes, one function per writing style.

Each template takes a generator and returns the digit's strokes as (K, 2) float arrays of
(x, y) points in *digit units*: height 1, y down from 0 (top) to 1 (bottom), x from about 0
(left edge); the shape's own proportions vary a little from call to call (flag length, gap
size, bar position, ...). Writer variation (slant, size, pen, wobble) is added afterwards by
`lenet.devtools.styles.draw`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

Template = Callable[[np.random.Generator], list[np.ndarray]]


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> np.ndarray:
    """Elliptic arc from angle a0 to a1 (degrees, counter-clockwise on screen), (K, 2)."""
    n = max(8, int(abs(a1 - a0) / 6))
    a = np.deg2rad(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(a), cy - ry * np.sin(a)], axis=1)


def curve(*points: tuple[float, float], n: int = 24) -> np.ndarray:
    """Bezier curve with these control points (first and last on it), (n, 2)."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    level = [np.broadcast_to(np.asarray(p, dtype=np.float64), (n, 2)) for p in points]
    while len(level) > 1:
        level = [(1 - t) * a + t * b for a, b in itertools.pairwise(level)]
    return np.array(level[0])


def line(*points: tuple[float, float]) -> np.ndarray:
    return np.asarray(points, dtype=np.float64)


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


# ------------------------------------------------------------------------- plain forms


def zero(rng: np.random.Generator) -> list[np.ndarray]:
    w = _u(rng, 0.26, 0.34)
    a0 = _u(rng, 80.0, 110.0)
    return [arc(w, 0.5, w, 0.5, a0, a0 + _u(rng, 360.0, 385.0))]


def one(rng: np.random.Generator) -> list[np.ndarray]:
    return [line((0.3 + _u(rng, 0.0, 0.06), 0.0), (0.3, 1.0))]


def two(rng: np.random.Generator) -> list[np.ndarray]:
    top = arc(0.3, 0.28, 0.27, 0.27, _u(rng, 150.0, 170.0), _u(rng, -50.0, -30.0))
    foot = line((0.02, 0.98), (_u(rng, 0.55, 0.68), _u(rng, 0.96, 1.0)))
    return [np.concatenate([top, foot])]


def three(rng: np.random.Generator) -> list[np.ndarray]:
    up = arc(0.3, 0.25, 0.24, 0.25, _u(rng, 140.0, 160.0), -90.0)
    low = arc(0.3, 0.74, 0.28, 0.26, 90.0, _u(rng, -160.0, -140.0))
    return [np.concatenate([up, low])]


def four(rng: np.random.Generator) -> list[np.ndarray]:
    bar = _u(rng, 0.58, 0.68)
    arm = line((_u(rng, 0.25, 0.4), 0.0), (0.0, bar), (_u(rng, 0.7, 0.8), bar))
    stem_x = _u(rng, 0.5, 0.58)
    return [arm, line((stem_x, _u(rng, 0.05, 0.2)), (stem_x, 1.0))]


def five(rng: np.random.Generator) -> list[np.ndarray]:
    body = np.concatenate([line((0.1, 0.0), (0.07, 0.42)),
                           arc(0.3, 0.69, 0.29, 0.3, _u(rng, 120.0, 140.0), -150.0)])
    return [body, line((0.1, 0.0), (_u(rng, 0.5, 0.62), _u(rng, -0.02, 0.02)))]


def _six(rng: np.random.Generator, overshoot: bool) -> list[np.ndarray]:
    r = _u(rng, 0.26, 0.3)
    cx, cy = r + 0.02, 1.0 - r
    stem = curve((_u(rng, 0.45, 0.6), 0.0), (0.02, 0.15), (cx - r, cy))
    end = 180.0 + 360.0 - _u(rng, 10.0, 40.0)
    loop = arc(cx, cy, r, r, 180.0, end)
    strokes = [np.concatenate([stem, loop])]
    if overshoot:  # the loop's end runs on past the stem, out to the left
        p = loop[-1]
        d = np.array([-1.0, _u(rng, -0.4, 0.3)])
        tail = p + d[None] * np.linspace(0.0, _u(rng, 0.12, 0.22), 6)[:, None]
        strokes = [np.concatenate([stem, loop, tail[1:]])]
    return strokes


def six(rng: np.random.Generator) -> list[np.ndarray]:
    return _six(rng, False)


def seven(rng: np.random.Generator) -> list[np.ndarray]:
    return [line((0.0, _u(rng, 0.0, 0.05)), (0.6, 0.0), (_u(rng, 0.15, 0.3), 1.0))]


def eight(rng: np.random.Generator) -> list[np.ndarray]:
    up = _u(rng, 0.2, 0.24)
    return [np.concatenate([arc(0.3, 0.25, up, 0.25, 30.0, 270.0),
                            arc(0.3, 0.74, 0.28, 0.26, 90.0, -270.0),
                            arc(0.3, 0.25, up, 0.25, 270.0, 390.0)])]


def _nine(rng: np.random.Generator, foot: str) -> list[np.ndarray]:
    r = _u(rng, 0.25, 0.29)
    loop = arc(0.3, r, r, r, 0.0, 360.0)
    x = 0.3 + r
    if foot == "curl":
        tail = np.concatenate([line((x, r), (x, 0.85)),
                               curve((x, 0.85), (x, 1.02), (x - 0.2, 1.02), (x - 0.32, 0.86))])
    elif foot == "straight":
        tail = line((x, r), (x, 1.0))
    else:
        tail = curve((x, r), (x - 0.02, 0.7), (x - _u(rng, 0.08, 0.15), 1.0))
    return [np.concatenate([loop, tail])]


def nine(rng: np.random.Generator) -> list[np.ndarray]:
    return _nine(rng, "plain")


PLAIN: dict[int, Template] = {0: zero, 1: one, 2: two, 3: three, 4: four, 5: five, 6: six,
                              7: seven, 8: eight, 9: nine}


# ---------------------------------------------------------------------- the other styles


def one_long_flag(rng: np.random.Generator) -> list[np.ndarray]:
    """Continental 1: a long lead-in flag up to the top, then the stem; no foot."""
    a = np.deg2rad(_u(rng, 20.0, 50.0))
    length = _u(rng, 0.3, 0.55)
    top = (0.45, 0.0)
    start = (top[0] - length * np.cos(a), length * np.sin(a))
    mid = (0.5 * (start[0] + top[0]) - 0.03, 0.5 * start[1] - 0.03)
    return [np.concatenate([curve(start, mid, top, n=12), line((0.45, 1.0))])]


def one_flag_base(rng: np.random.Generator) -> list[np.ndarray]:
    b = _u(rng, 0.15, 0.3)
    return [*one_long_flag(rng), line((0.45 - b, 1.0), (0.45 + b, _u(rng, 0.97, 1.03)))]


def seven_crossed(rng: np.random.Generator) -> list[np.ndarray]:
    strokes = seven(rng)
    y = _u(rng, 0.45, 0.6)
    p = strokes[0]
    x = p[1, 0] + (p[2, 0] - p[1, 0]) * (y - p[1, 1]) / (p[2, 1] - p[1, 1])
    h = _u(rng, 0.15, 0.25)
    return [*strokes, line((x - h, y + _u(rng, -0.03, 0.03)), (x + h, y))]


def four_open_one_stroke(rng: np.random.Generator) -> list[np.ndarray]:
    """The open 4 in one stroke, shaped like "ч": down, round to the right, up, down."""
    x = _u(rng, 0.62, 0.75)
    bar = _u(rng, 0.5, 0.62)
    return [np.concatenate([
        line((0.03, 0.0)),
        curve((0.03, 0.05), (0.02, bar + 0.05), (x, bar + 0.05), (x, bar - 0.1)),
        line((x + 0.02, 0.0), (x, 1.0))])]


def four_near_closed(rng: np.random.Generator) -> list[np.ndarray]:
    stem = _u(rng, 0.58, 0.68)
    gap = _u(rng, 0.06, 0.16)
    bar = _u(rng, 0.6, 0.7)
    return [line((stem - gap, gap * 0.6), (0.0, bar), (stem + _u(rng, 0.15, 0.25), bar)),
            line((stem, 0.0), (stem, 1.0))]


def zero_slashed(rng: np.random.Generator) -> list[np.ndarray]:
    strokes = zero(rng)
    w = strokes[0][:, 0].max()  # the 0's width
    k = _u(rng, 0.0, 0.08)
    return [*strokes, line((w * (0.85 + k), -k), (w * (0.15 - k), 1.0 + k))]


def zero_open(rng: np.random.Generator) -> list[np.ndarray]:
    w = _u(rng, 0.26, 0.34)
    gap = _u(rng, 35.0, 80.0)
    centre = _u(rng, 70.0, 100.0)
    p = arc(w, 0.5, w, 0.5, centre + gap / 2, centre + 360.0 - gap / 2)
    return [p if rng.random() < 0.5 else p[::-1]]


def six_overshoot(rng: np.random.Generator) -> list[np.ndarray]:
    return _six(rng, True)


def nine_straight(rng: np.random.Generator) -> list[np.ndarray]:
    return _nine(rng, "straight")


def nine_curled(rng: np.random.Generator) -> list[np.ndarray]:
    return _nine(rng, "curl")
