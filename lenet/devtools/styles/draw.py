"""The per-style test set: templates drawn with a writer's variation on the app's canvas.

`STYLES` names every writing style with its digit and templates; `draw_style_set` draws n
of one style as Strokes on a CANVAS-px square (slant, rotation, aspect, size, position, pen
width, wobble, hand tremor, mouse sampling, stroke order and direction all random).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lenet.devtools.drawn.polylines import resample
from lenet.devtools.styles import templates as t
from lenet.ink import Stroke

CANVAS = 512
"""Side of the square canvas, px (like the app's)."""


@dataclass(frozen=True)
class Style:
    """A way of writing: its name, the digits drawn and their templates, and the pen."""

    name: str
    digits: tuple[int, ...]
    templates: tuple[t.Template, ...]
    aspect: tuple[float, float] = (0.85, 1.18)  # width multiplier, log-uniform
    pen: tuple[float, float] = (0.03, 0.12)  # pen width / digit height, log-uniform


_LOOPY = (0, 2, 3, 5, 6, 8, 9)
_FLAT = (0, 2, 3, 4, 5, 7, 8, 9)

STYLES: tuple[Style, ...] = (
    *(Style(f"plain {d}", (d,), (t.PLAIN[d],)) for d in range(10)),
    Style("1 long flag, no foot", (1,), (t.one_long_flag,)),
    Style("1 flag and base", (1,), (t.one_flag_base,)),
    Style("7 crossed", (7,), (t.seven_crossed,)),
    Style("4 open, one stroke (ч)", (4,), (t.four_open_one_stroke,)),
    Style("4 nearly closed at top", (4,), (t.four_near_closed,)),
    Style("0 slashed", (0,), (t.zero_slashed,)),
    Style("0 open at top", (0,), (t.zero_open,)),
    Style("6 loop overshooting", (6,), (t.six_overshoot,)),
    Style("9 straight foot", (9,), (t.nine_straight,)),
    Style("9 curled foot", (9,), (t.nine_curled,)),
    Style("bold (loops nearly filled)", _LOOPY, tuple(t.PLAIN[d] for d in _LOOPY),
          pen=(0.2, 0.3)),
    Style("flat, about 2:1", _FLAT, tuple(t.PLAIN[d] for d in _FLAT), aspect=(2.8, 4.0)),
)
"""Every style measured; the first ten are the plain forms (the control)."""


def style_named(name: str) -> Style:
    for s in STYLES:
        if s.name == name:
            return s
    raise KeyError(f"no writing style called {name!r}")


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(math.log(lo), math.log(hi))))


def _wobble(q: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """Slow sideways drift of a stroke's points (canvas px)."""
    if len(q) < 2 or amplitude <= 0:
        return q
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(q, axis=0).T))])
    out = q.copy()
    for j in (0, 1):
        phase, wavelength = rng.uniform(0, 2 * math.pi), rng.uniform(80.0, 300.0)
        out[:, j] += amplitude * rng.uniform(0.3, 1.0) * np.sin(2 * math.pi * s / wavelength
                                                              + phase)
    return out


def draw_like_a_writer(polylines: Sequence[np.ndarray], style: Style,
                       rng: np.random.Generator, canvas: int = CANVAS) -> list[Stroke]:
    """Template strokes (digit units) → Strokes on a `canvas`-px square, a writer's way."""
    slant = rng.uniform(-0.1, 0.35)  # italics: top to the right
    angle = math.radians(float(np.clip(rng.normal(0.0, 5.0), -12.0, 12.0)))
    stretch = _log_uniform(rng, *style.aspect)
    ca, sa = math.cos(angle), math.sin(angle)
    m = np.array([[ca, -sa], [sa, ca]]) @ np.array([[stretch, -slant], [0.0, 1.0]])
    shaped = [(np.asarray(p, float) - [0.0, 0.5]) @ m.T for p in polylines]
    allp = np.concatenate(shaped)
    ext = allp.max(axis=0) - allp.min(axis=0)
    height = rng.uniform(0.3, 0.8) * canvas
    pen = min(_log_uniform(rng, *style.pen) * height, 0.34 * height)
    scale = min((height - pen) / max(ext[1], 1e-6), 0.9 * (canvas - pen) / max(ext[0], 1e-6))
    step = rng.uniform(2.0, 7.0)
    wobble = rng.uniform(0.0, 0.015) * height
    strokes = []
    for p in shaped:
        q = resample(p * scale, 1.0)
        q = _wobble(q, rng, wobble) + rng.normal(0.0, 0.4, q.shape)
        n = max(2, round(float(np.hypot(*np.diff(q, axis=0).T).sum()) / step) + 1)
        q = q[np.linspace(0, len(q) - 1, n).round().astype(int)]
        strokes.append(q[::-1] if rng.random() < 0.2 else q)
    order = rng.permutation(len(strokes)) if rng.random() < 0.3 else range(len(strokes))
    strokes = [strokes[i] for i in order]
    allq = np.concatenate(strokes)
    lo, hi = allq.min(axis=0) - pen / 2, allq.max(axis=0) + pen / 2
    k = min(1.0, 0.98 * canvas / float(max(hi - lo)))
    strokes = [q * k for q in strokes]
    lo, hi = lo * k, hi * k
    shift = np.array([rng.uniform(-lo[0], canvas - hi[0]), rng.uniform(-lo[1], canvas - hi[1])])
    return [Stroke(np.clip(q + shift, 0.0, canvas), float(pen)) for q in strokes]


def draw_style_set(style: Style, n: int, seed: int,
                   canvas: int = CANVAS) -> tuple[list[list[Stroke]], np.ndarray]:
    """n drawings of `style` (digits cycled in turn): their strokes and labels (n,) int64.
    Deterministic given `seed` and the style's name."""
    key = [int(seed), *style.name.encode()]
    rng = np.random.default_rng(key)
    drawings, labels = [], []
    for i in range(n):
        j = i % len(style.digits)
        drawings.append(draw_like_a_writer(style.templates[j](rng), style, rng, canvas))
        labels.append(style.digits[j])
    return drawings, np.asarray(labels, dtype=np.int64)


def strip_digits() -> Callable[[np.random.Generator], tuple[int, list[np.ndarray]]]:
    """A `lenet.devtools.drawn.strips.DigitSource`: a random digit 0-9 in one of its ways of
    writing (the plain form or any style of that digit, equally likely), as template
    strokes. Bold and flat are left to the strip's pen and the drawing's stretch."""
    forms: dict[int, list[t.Template]] = {d: [] for d in range(10)}
    for style in STYLES:
        if len(style.digits) == 1:
            forms[style.digits[0]].append(style.templates[0])

    def draw(rng: np.random.Generator) -> tuple[int, list[np.ndarray]]:
        digit = int(rng.integers(10))
        template = forms[digit][int(rng.integers(len(forms[digit])))]
        return digit, template(rng)
    return draw
