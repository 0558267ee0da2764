"""The reject set: drawings that are not digits, as pen strokes like the drawn digits.

Letters that do not look like a digit (A E F H K M N R W X Y, from stroke skeletons), shapes
(a circle with a cross, a star, a spiral, a triangle, a square, hatching), a filled blob, one
horizontal line, a wavy line, random scribbles and scattered dots. Each kind's centre lines
are made in 28-px units (like `skeleton_polylines`), then drawn on a CANVAS-px square with a
random size, slant, rotation, position, pen width and mouse sampling (`draw_junk`), in the
same Stroke format as `lenet.devtools.drawn`. Letters that can pass for digits (O, l, I, S,
Z, B, g, q) and a bare circle are left out on purpose: the model may call those digits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from lenet.devtools.drawn.polylines import resample, smooth
from lenet.devtools.drawn.redraw import CANVAS, PEN_RANGE
from lenet.ink import Stroke

Rng = np.random.Generator
Polys = list[np.ndarray]

LETTERS: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(6, 24), (14, 4), (22, 24)], [(9, 16), (19, 16)]],
    "E": [[(21, 4), (8, 4), (8, 24), (21, 24)], [(8, 14), (18, 14)]],
    "F": [[(21, 4), (8, 4), (8, 24)], [(8, 14), (18, 14)]],
    "H": [[(7, 4), (7, 24)], [(21, 4), (21, 24)], [(7, 14), (21, 14)]],
    "K": [[(8, 4), (8, 24)], [(21, 4), (8, 15), (21, 24)]],
    "M": [[(5, 24), (6, 4), (14, 18), (22, 4), (23, 24)]],
    "N": [[(7, 24), (7, 4), (21, 24), (21, 4)]],
    "R": [[(8, 24), (8, 4), (16, 4), (20, 6), (20, 12), (16, 14), (8, 14)], [(13, 14), (21, 24)]],
    "W": [[(4, 4), (9, 24), (14, 10), (19, 24), (24, 4)]],
    "X": [[(7, 4), (21, 24)], [(21, 4), (7, 24)]],
    "Y": [[(7, 4), (14, 14), (21, 4)], [(14, 14), (14, 24)]],
}
"""Centre lines of block capitals, (x, y) in a 28-px frame (y down)."""


def _arc(cx: float, cy: float, rx: float, ry: float, t0: float, t1: float) -> np.ndarray:
    t = np.linspace(t0, t1, 48)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _letter(rng: Rng) -> Polys:
    glyph = LETTERS[str(rng.choice(sorted(LETTERS)))]
    jitter = rng.normal(0.0, 0.7, (len(glyph), 2))  # each stroke a little off
    return [np.asarray(s, float) + jitter[i] + rng.normal(0.0, 0.5, (len(s), 2))
            for i, s in enumerate(glyph)]


def _scribble(rng: Rng) -> Polys:
    out = []
    for _ in range(int(rng.integers(1, 4))):
        k = int(rng.integers(6, 16))
        pts = np.cumsum(rng.normal(0.0, 6.0, (k, 2)), axis=0)
        pts = resample(pts - pts.mean(axis=0) + 14.0, 0.5)
        out.append(smooth(pts, False, float(rng.uniform(1.0, 3.0))))
    return out


def _horizontal_line(rng: Rng) -> Polys:
    tilt = math.radians(rng.uniform(-8.0, 8.0))
    half = 10.0
    d = np.array([math.cos(tilt), math.sin(tilt)]) * half
    bow = rng.uniform(-1.0, 1.0)  # a hand-drawn line sags a little
    t = np.linspace(-1.0, 1.0, 30)[:, None]
    return [14.0 + t * d + np.array([0.0, bow]) * (1.0 - t**2)]


def _wavy_line(rng: Rng) -> Polys:
    x = np.linspace(4.0, 24.0, 120)
    periods, amp = rng.uniform(1.5, 4.0), rng.uniform(1.5, 4.0)
    y = 14.0 + amp * np.sin(2 * math.pi * periods * (x - 4.0) / 20.0 + rng.uniform(0, 6.3))
    return [np.stack([x, y], axis=1)]


def _blob(rng: Rng) -> Polys:
    """A filled patch: one zigzag back and forth over an ellipse (drawn with a fat pen)."""
    rx, ry = rng.uniform(5.0, 10.0), rng.uniform(5.0, 10.0)
    rows = np.linspace(-ry, ry, int(rng.integers(5, 9)))
    pts = []
    for i, y in enumerate(rows):
        w = rx * math.sqrt(max(1.0 - (y / ry) ** 2, 0.05))
        pts += [(14.0 - w, 14.0 + y), (14.0 + w, 14.0 + y)][:: 1 if i % 2 == 0 else -1]
    return [np.asarray(pts, float)]


def _circle_cross(rng: Rng) -> Polys:
    r = 9.0
    circle = _arc(14, 14, r, r * rng.uniform(0.8, 1.1), 0.0, 2 * math.pi + 0.3)
    a = rng.uniform(0.0, math.pi / 2)
    lines = []
    for b in (a, a + math.pi / 2):
        d = np.array([math.cos(b), math.sin(b)]) * r * rng.uniform(0.9, 1.25)
        lines.append(np.stack([14.0 - d, 14.0 + d]))
    return [circle, *lines]


def _star(rng: Rng) -> Polys:
    a = rng.uniform(-0.2, 0.2) - math.pi / 2
    t = a + np.arange(6) * 4 * math.pi / 5  # a pentagram in one stroke
    return [np.stack([14 + 10 * np.cos(t), 14 + 10 * np.sin(t)], axis=1)]


def _spiral(rng: Rng) -> Polys:
    turns = rng.uniform(2.0, 3.5)
    t = np.linspace(0.0, 2 * math.pi * turns, 200)
    r = 10.0 * t / t[-1] + 0.5
    sign = 1 if rng.random() < 0.5 else -1
    return [np.stack([14 + r * np.cos(sign * t), 14 + r * np.sin(sign * t)], axis=1)]


def _polygon(corners: int) -> Callable[[Rng], Polys]:
    def make(rng: Rng) -> Polys:
        a = rng.uniform(-0.15, 0.15) + (-math.pi / 2 if corners == 3 else math.pi / 4)
        t = a + np.arange(corners + 1) * 2 * math.pi / corners
        return [np.stack([14 + 10 * np.cos(t), 14 + 10 * np.sin(t)], axis=1)]

    return make


def _hatching(rng: Rng) -> Polys:
    out = []
    angles = [rng.uniform(0.5, 1.1)]
    if rng.random() < 0.4:  # cross-hatched
        angles.append(rng.uniform(-1.1, -0.5))
    for angle in angles:
        d = np.array([math.cos(angle), math.sin(angle)])
        n = np.array([-d[1], d[0]])
        k = int(rng.integers(4, 8))
        for off in np.linspace(-8.0, 8.0, k):
            out.append(np.stack([14 + off * n - 9 * d, 14 + off * n + 9 * d]))
    return out


def _dots(rng: Rng) -> Polys:
    k = int(rng.integers(4, 12))
    centres = rng.uniform(4.0, 24.0, (k, 2))
    return [np.stack([c, c + rng.normal(0.0, 0.3, 2)]) for c in centres]


KINDS: dict[str, Callable[[Rng], Polys]] = {
    "letter": _letter,
    "scribble": _scribble,
    "horizontal line": _horizontal_line,
    "wavy line": _wavy_line,
    "filled blob": _blob,
    "circle with cross": _circle_cross,
    "star": _star,
    "spiral": _spiral,
    "triangle": _polygon(3),
    "square": _polygon(4),
    "hatching": _hatching,
    "dots": _dots,
}
"""Each kind of junk → a function drawing its centre lines (28-px units) from a Generator."""


def draw_junk(
    kind: str, polylines: Sequence[np.ndarray], rng: Rng, canvas: int = CANVAS
) -> list[Stroke]:
    """Centre lines drawn on a `canvas`-px square like a person with a mouse: rotated (σ 6°),
    slanted, stretched, scaled so the longer side is 30-90 % of the canvas, a random round pen
    of PEN_RANGE (a filled blob gets a pen that closes its zigzag), tremor, a mouse event
    every 2-7 px, at a random position fully inside the canvas."""
    polys = [np.asarray(p, float) for p in polylines]
    angle = math.radians(float(np.clip(rng.normal(0.0, 6.0), -15.0, 15.0)))
    ca, sa = math.cos(angle), math.sin(angle)
    m = np.array([[ca, -sa], [sa, ca]]) @ np.array([[math.exp(rng.uniform(-0.2, 0.2)),
                                                      rng.uniform(-0.2, 0.2)], [0.0, 1.0]])
    polys = [(p - 14.0) @ m.T for p in polys]
    allp = np.concatenate(polys)
    ext = float(max(np.ptp(allp, axis=0).max(), 1.0))
    long_side = rng.uniform(0.3, 0.9) * canvas
    if kind == "filled blob":
        gap = ext / max(len(polys[0]) / 2 - 1, 1)  # between two rows of the zigzag
        pen = 1.3 * gap * (long_side / (ext + 1.3 * gap))
    elif kind == "dots":
        pen = float(rng.uniform(6.0, 20.0))
    else:
        top = min(PEN_RANGE[1], 0.2 * long_side)
        pen = float(np.exp(rng.uniform(math.log(PEN_RANGE[0]), math.log(top))))
    scale = max(long_side - pen, 1.0) / ext
    step = float(rng.uniform(2.0, 7.0))
    strokes = []
    for p in polys:
        q = resample(p * scale, 1.0)
        q = q + rng.normal(0.0, 0.35, q.shape)
        n = max(1, round(float(np.hypot(*np.diff(q, axis=0).T).sum()) / step)) if len(q) > 1 else 0
        q = q[np.round(np.linspace(0, len(q) - 1, n + 1)).astype(int)] if n else q
        strokes.append(q)
    allq = np.concatenate(strokes)
    lo, hi = allq.min(axis=0) - pen / 2, allq.max(axis=0) + pen / 2
    shift = np.array([rng.uniform(-lo[0], max(canvas - hi[0], -lo[0])),
                      rng.uniform(-lo[1], max(canvas - hi[1], -lo[1]))])
    return [Stroke(np.clip(q + shift, 0.0, canvas), pen) for q in strokes]


def make_junk_set(n: int, seed: int, canvas: int = CANVAS,
                  kinds: Sequence[str] | None = None) -> tuple[list[list[Stroke]], list[str]]:
    """n junk drawings (kinds in turn, `KINDS` by default) and the kind of each.
    Deterministic given `seed`."""
    names = list(kinds or KINDS)
    rng = np.random.default_rng([seed, 7])
    drawings, labels = [], []
    for i in range(n):
        kind = names[i % len(names)]
        drawings.append(draw_junk(kind, KINDS[kind](rng), rng, canvas))
        labels.append(kind)
    return drawings, labels
