"""Centre lines redrawn on a canvas the way a person draws with a mouse, and the drawn set.

`draw_like_a_person` turns `skeleton_polylines` into Strokes on a CANVAS-px square (size,
position, pen, slant, wobble, mouse sampling, pressure); `make_drawn_set` does it for n
MNIST *test* digits (`load_test_digits`, `drawn_indices`) and `render_drawn_set` renders
them as dark-on-light uint8 images.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np

from lenet.devtools.drawn.centre_lines import skeleton_polylines
from lenet.devtools.drawn.polylines import resample
from lenet.ink import Stroke, render_strokes

CANVAS = 280
"""Side of the square drawing canvas, px."""
HEIGHT_RANGE = (0.35, 0.90)
"""Digit height (ink, pen included) as a fraction of the canvas."""
PEN_RANGE = (2.0, 28.0)
"""Round pen widths, canvas px: a thin mouse pen up to a thick marker."""
MAX_PEN_RATIO = 0.2
"""The pen is at most this fraction of the digit's height (fatter than MNIST's 0.15;
a fatter pen closes the loops and the drawing stops being that digit)."""


# ------------------------------------------------------------------- drawing like a person


def _wobble(pts: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """Smooth, low-frequency sideways/along displacement of a stroke's points (canvas px)."""
    if amplitude <= 0 or len(pts) < 2:
        return pts
    seg = np.hypot(*np.diff(pts, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    out = pts.copy()
    for j in (0, 1):
        for _ in range(2):
            wavelength = rng.uniform(60.0, 220.0)
            phase = rng.uniform(0, 2 * math.pi)
            a = amplitude * rng.uniform(0.3, 1.0)
            out[:, j] += a * np.sin(2 * math.pi * s / wavelength + phase)
    return out


def _pressures(n: int, rng: np.random.Generator) -> np.ndarray:
    """Smoothly varying pen pressure (n,) in [0.55, 1], as from a tablet pen."""
    base = rng.uniform(0.75, 0.95)
    t = np.linspace(0.0, 1.0, n)
    p = base + 0.12 * np.sin(2 * math.pi * (rng.uniform(0.5, 2.0) * t + rng.uniform(0, 1)))
    p[: min(2, n)] *= 0.85  # a lighter touch where the pen lands
    return np.clip(p, 0.55, 1.0)


def _shape(polylines: Sequence[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """The centre lines slightly rotated, slanted and stretched (28-px units, centred)."""
    allp = np.concatenate([np.asarray(p, dtype=np.float64) for p in polylines])
    c = 0.5 * (allp.min(axis=0) + allp.max(axis=0))
    angle = math.radians(float(np.clip(rng.normal(0.0, 5.0), -12.0, 12.0)))
    shear = float(rng.uniform(-0.12, 0.12))
    stretch = float(np.exp(rng.uniform(-0.12, 0.12)))
    ca, sa = math.cos(angle), math.sin(angle)
    rot = np.array([[ca, -sa], [sa, ca]])
    m = rot @ np.array([[stretch, shear], [0.0, 1.0]])
    return [(np.asarray(p, dtype=np.float64) - c) @ m.T for p in polylines]


def _pen_strokes(
    shaped: Sequence[np.ndarray],
    rng: np.random.Generator,
    scale: float,
    pen: float,
    wobble: float,
    pressure: bool,
) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Scaled centre lines as mouse-sampled point lists (canvas px, still centred)."""
    step = float(rng.uniform(2.0, 7.0))  # px between mouse events
    quantise = bool(rng.random() < 0.5)  # a plain mouse reports whole pixels
    out = []
    for p in shaped:
        q = resample(p * scale, 1.0)
        q = _wobble(q, rng, wobble)
        q = q + rng.normal(0.0, 0.35, q.shape)  # hand tremor
        n = max(1, round(float(np.hypot(*np.diff(q, axis=0).T).sum()) / step)) if len(q) > 1 else 0
        if n:
            idx = np.linspace(0, len(q) - 1, n + 1)
            idx[1:-1] += rng.uniform(-0.3, 0.3, n - 1) * (len(q) - 1) / n
            idx = np.clip(np.sort(idx), 0, len(q) - 1)
            lo = np.floor(idx).astype(int)
            hi = np.minimum(lo + 1, len(q) - 1)
            f = (idx - lo)[:, None]
            q = q[lo] * (1 - f) + q[hi] * f
        if quantise:
            q = np.floor(q) + 0.5
        prs = _pressures(len(q), rng) if pressure else None
        out.append((q, prs))
    return out


def _ink_box(strokes: Sequence[tuple[np.ndarray, np.ndarray | None]], pen: float) -> np.ndarray:
    """(x0, y0, x1, y1) of the ink of centred strokes drawn with a round pen."""
    allp = np.concatenate([q for q, _ in strokes])
    half = 0.5 * pen
    return np.concatenate([allp.min(axis=0) - half, allp.max(axis=0) + half])


def draw_like_a_person(
    polylines: Sequence[np.ndarray],
    rng: np.random.Generator,
    canvas: int = CANVAS,
    *,
    height: float | None = None,
    pen: float | None = None,
) -> list[Stroke]:
    """Draw centre lines (from `skeleton_polylines`) on a square canvas like a person would.

    The digit gets a random height (ink, pen included) of HEIGHT_RANGE of the canvas, a
    random round pen of PEN_RANGE px (at most MAX_PEN_RATIO of the height), a slight
    rotation (σ 5°), slant and stretch, a small slow wobble and hand tremor, mouse-like
    sampling (an event every 2-7 px, whole pixels half of the time), sometimes tablet
    pressure, and a random position fully inside the canvas. One Stroke per polyline.
    `height` / `pen` (canvas px) fix those instead. Deterministic given `rng`'s state.
    """
    polys = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in polylines if len(p)]
    if not polys:
        return []
    size = float(canvas)
    h_ink = float(height) if height is not None else rng.uniform(*HEIGHT_RANGE) * size
    if pen is None:
        top = min(PEN_RANGE[1], MAX_PEN_RATIO * h_ink)
        pen = float(np.exp(rng.uniform(math.log(PEN_RANGE[0]), math.log(max(top, PEN_RANGE[0])))))
    pen = float(pen)
    shaped = _shape(polys, rng)
    allp = np.concatenate(shaped)
    ext = allp.max(axis=0) - allp.min(axis=0)
    scale = max(h_ink - pen, 1.0) / max(float(ext[1]), 1.0)
    scale = min(scale, 0.92 * (size - pen) / max(float(ext[0]), 1e-6))  # wide digits fit
    wobble = float(rng.uniform(0.0, 0.012)) * h_ink
    pressure = bool(rng.random() < 0.25)
    strokes = _pen_strokes(shaped, rng, scale, pen, wobble, pressure)
    x0, y0, x1, y1 = _ink_box(strokes, pen)
    if x1 - x0 > size or y1 - y0 > size:  # wobble pushed it out: shrink about the centre
        k = (0.98 * size - pen) / (max(x1 - x0, y1 - y0) - pen)
        strokes = [(q * k, p) for q, p in strokes]
        x0, y0, x1, y1 = _ink_box(strokes, pen)
    dx = rng.uniform(-x0, size - x1)
    dy = rng.uniform(-y0, size - y1)
    out = []
    for q, prs in strokes:
        pts = np.clip(q + np.array([dx, dy]), 0.0, size)
        out.append(Stroke(pts, pen, prs))
    return out


# ------------------------------------------------------------------------- data sets


def load_test_digits(
    data_dir: str | os.PathLike[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's 10 000 *test* images (N, 28, 28) uint8 and labels (N,) uint8.

    data_dir: the MNIST folder (None: `lenet.data.mnist.locate_data_dir`, i.e. the
    LENET_DATA_DIR environment variable or the download cache). The training files are
    not read.
    """
    from lenet.data import FILES, find_mnist_file, locate_data_dir, read_idx

    folder = locate_data_dir(data_dir)
    images = read_idx(find_mnist_file(folder, FILES["test_images"]))
    labels = read_idx(find_mnist_file(folder, FILES["test_labels"]))
    if images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise ValueError(f"{folder}: unexpected MNIST test arrays {images.shape}, {labels.shape}")
    return images, labels


def drawn_indices(n_available: int, n: int, seed: int) -> np.ndarray:
    """The MNIST test indices `make_drawn_set(..., n, seed)` draws (without repeats while
    n ≤ n_available)."""
    rng = np.random.default_rng([seed, 0])
    if n <= n_available:
        return rng.choice(n_available, size=n, replace=False)
    return rng.integers(0, n_available, size=n)


def make_drawn_set(
    mnist_images: np.ndarray,
    mnist_labels: np.ndarray,
    n: int,
    seed: int,
    canvas: int = CANVAS,
) -> tuple[list[list[Stroke]], np.ndarray]:
    """n drawings of MNIST digits (`drawn_indices` picks them) on a `canvas`-px square.

    Pass MNIST *test* images (see `load_test_digits`). Returns the strokes of each drawing
    and the labels (n,) int64. Deterministic given `seed`; a digit whose skeleton comes out
    empty (never seen on MNIST) is drawn as a short vertical stroke.
    """
    idx = drawn_indices(len(mnist_images), n, seed)
    rng = np.random.default_rng([seed, 1])
    drawings = []
    for i in idx:
        polys = skeleton_polylines(mnist_images[i])
        if not polys:
            polys = [np.array([[14.0, 6.0], [14.0, 22.0]])]
        drawings.append(draw_like_a_person(polys, rng, canvas))
    return drawings, np.asarray(mnist_labels, dtype=np.int64)[idx]


def to_uint8(ink: np.ndarray) -> np.ndarray:
    """Ink in [0, 1] → dark-on-light uint8 (white paper, black ink)."""
    return np.round(255.0 * (1.0 - np.clip(ink, 0.0, 1.0))).astype(np.uint8)


def render_drawn_set(
    strokes_list: Sequence[Sequence[Stroke]], canvas: int = CANVAS
) -> list[np.ndarray]:
    """Each drawing rendered with its own pen widths and pressures as a (canvas, canvas)
    uint8 image, black ink on white paper — what a user's PNG file would look like."""
    return [to_uint8(render_strokes(s, (canvas, canvas))) for s in strokes_list]
