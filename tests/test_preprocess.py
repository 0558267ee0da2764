"""Preprocessing: drawings, images and files must come out looking like MNIST."""

from __future__ import annotations

import numpy as np
import pytest

from lenet.ink import (
    Preprocessed,
    Stroke,
    preprocess_image,
    preprocess_ink,
    preprocess_strokes,
    render_strokes,
)
from lenet.ink.components import label_components
from lenet.ink.distance import squared_distance_transform
from lenet.ink.normalise import BOX, CENTRE, FRAME, place_in_frame

CANVAS = (280, 280)

# ------------------------------------------------------------------ synthetic digits


def _arc(cx: float, cy: float, rx: float, ry: float, t0: float, t1: float, n: int = 32):
    t = np.radians(np.linspace(t0, t1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


# Polylines in a unit box: height 1, width about 0.6 before widening, (x, y) with y down.
_NARROW: dict[str, list[np.ndarray]] = {
    "0": [_arc(0.3, 0.5, 0.3, 0.5, 0, 360, 64)],
    "1": [np.array([[0.3, 0.0], [0.3, 1.0]])],
    "2": [
        np.concatenate([_arc(0.3, 0.28, 0.28, 0.28, -170, 20), [[0.0, 1.0], [0.62, 1.0]]]),
    ],
    "3": [
        np.concatenate(
            [_arc(0.3, 0.25, 0.27, 0.25, -160, 90), _arc(0.3, 0.74, 0.3, 0.26, -90, 160)]
        )
    ],
    "4": [np.array([[0.45, 1.0], [0.45, 0.0], [0.0, 0.65], [0.62, 0.65]])],
    # a "5" in two strokes that do not touch: the bar, then the stem and the bowl
    "5": [
        np.array([[0.14, 0.0], [0.6, 0.0]]),
        np.concatenate([[[0.09, 0.16]], _arc(0.3, 0.68, 0.3, 0.3, -140, 150)]),
    ],
    "7": [np.array([[0.0, 0.0], [0.6, 0.0], [0.2, 1.0]])],
    "8": [_arc(0.3, 0.25, 0.24, 0.25, 0, 360, 48), _arc(0.3, 0.74, 0.3, 0.26, 0, 360, 48)],
}


WIDEN = 1.25  # widths about 0.75 of the height, like MNIST's median box (0.8 with the stroke)
GLYPHS = {k: [p * np.array([WIDEN, 1.0]) for p in v] for k, v in _NARROW.items()}


def digit(name: str, x: float, y: float, h: float, width: float) -> list[Stroke]:
    """Strokes of glyph `name` with its unit box's top-left at (x, y), height h (px)."""
    return [Stroke(p * h + np.array([x, y]), width) for p in GLYPHS[name]]


def centred(name: str, h: float = 200.0, width: float = 16.0) -> list[Stroke]:
    """Glyph `name` of height h centred on the 280x280 canvas."""
    pts = np.concatenate(GLYPHS[name])
    cx = 0.5 * (pts[:, 0].min() + pts[:, 0].max())
    return digit(name, 140 - cx * h, 140 - 0.5 * h, h, width)


def ink_of(strokes: list[Stroke], size: tuple[int, int] = CANVAS) -> np.ndarray:
    """Rendered ink (H, W)."""
    return render_strokes(strokes, size)


def com(img: np.ndarray) -> tuple[float, float]:
    """Centre of mass (row, column) in pixel-index coordinates."""
    idx = np.arange(img.shape[0])
    total = img.sum()
    return float(img.sum(axis=1) @ idx / total), float(img.sum(axis=0) @ idx / total)


def diff(a: Preprocessed, b: Preprocessed) -> float:
    """Mean absolute difference of two 28x28 results."""
    assert a.image is not None and b.image is not None
    return float(np.abs(a.image - b.image).mean())


def check_mnist_like(p: Preprocessed) -> np.ndarray:
    """Assert the invariants of a non-empty result; return its image."""
    assert not p.empty and p.image is not None and p.box is not None
    img = p.image
    assert img.shape == (FRAME, FRAME) and img.dtype == np.float32
    assert img.min() >= 0.0 and img.max() == pytest.approx(1.0)
    rows = np.flatnonzero(img.max(axis=1) > 0.05)
    cols = np.flatnonzero(img.max(axis=0) > 0.05)
    h, w = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert max(h, w) in range(BOX - 1, BOX + 2)  # the longer side fills the 20-px box
    cy, cx = com(img)
    assert abs(cy - CENTRE) <= 0.5 and abs(cx - CENTRE) <= 0.5
    return img


# ------------------------------------------------------------------ geometry


@pytest.mark.parametrize("name", ["0", "1", "2", "3", "4", "5", "7", "8"])
def test_result_is_mnist_like(name: str) -> None:
    check_mnist_like(preprocess_ink(ink_of(centred(name))))
    check_mnist_like(preprocess_strokes(centred(name), CANVAS))


@pytest.mark.parametrize("name", ["1", "7", "0", "8"])
def test_translation_and_scale_invariance(name: str) -> None:
    big = preprocess_ink(ink_of(centred(name, h=220, width=18)))
    # the same drawing, scaled down (pen too) and moved to a corner
    small = preprocess_ink(ink_of(digit(name, 23.3, 31.7, 66, 18 * 66 / 220)))
    moved = preprocess_ink(ink_of(digit(name, 150.5, 60.25, 150, 18 * 150 / 220)))
    for other in (small, moved):
        check_mnist_like(other)
        assert diff(big, other) < 0.05
    # the same through the strokes path
    s_big = preprocess_strokes(centred(name, h=220, width=18), CANVAS)
    s_small = preprocess_strokes(digit(name, 23.3, 31.7, 66, 5.4), CANVAS)
    assert diff(s_big, s_small) < 0.03
    assert diff(s_big, big) < 0.05


def test_box_is_in_input_coordinates() -> None:
    p = preprocess_ink(ink_of(digit("1", 50, 20, 100, 10)))  # x = 50 + 37.5
    x0, y0, x1, y1 = p.box
    assert abs(x0 - 82.5) <= 1 and abs(x1 - 92.5) <= 1 and abs(y0 - 15) <= 1 and abs(y1 - 125) <= 1
    s = preprocess_strokes(digit("1", 50, 20, 100, 10), CANVAS)
    assert s.box == p.box
    assert 0 < p.ink_fraction < 0.05


def test_one_keeps_its_aspect_ratio() -> None:
    for p in (
        preprocess_ink(ink_of(centred("1", h=200, width=4))),
        preprocess_ink(ink_of(centred("1", h=200, width=40))),
        preprocess_strokes(centred("1", h=60, width=1), CANVAS),
    ):
        img = check_mnist_like(p)
        cols = np.flatnonzero(img.max(axis=0) > 0.1)
        rows = np.flatnonzero(img.max(axis=1) > 0.1)
        assert rows[-1] - rows[0] + 1 >= BOX - 1
        assert cols[-1] - cols[0] + 1 <= 5


def test_off_centre_and_lopsided_drawings() -> None:
    for strokes in (
        digit("7", 5, 5, 40, 3),  # small, in a corner
        digit("7", 180, 170, 80, 30),  # top-heavy, thick
        digit("4", 0, 0, 60, 8),  # touching the canvas edge
        digit("2", 100, 10, 200, 12),  # partly outside the canvas
    ):
        check_mnist_like(preprocess_ink(ink_of(strokes)))


def test_centring_never_pushes_ink_out_of_the_frame() -> None:
    # a thin 100x40 frame with all its mass in a blob in one corner: centring the mass
    # exactly would push the opposite corner out; the shift is clamped instead
    ink = np.zeros((120, 60), np.float32)
    ink[10:110, 10:12] = ink[10:110, 48:50] = ink[10:12, 10:50] = ink[108:110, 10:50] = 0.2
    ink[10:30, 10:30] = 1.0
    img = place_in_frame(ink)
    rows = np.flatnonzero(img.any(axis=1))
    cols = np.flatnonzero(img.any(axis=0))
    assert rows[0] >= 0 and rows[-1] <= FRAME - 1 and rows[-1] - rows[0] + 1 == BOX
    assert cols[-1] - cols[0] + 1 in (8, 9)  # 40 / 100 x 20 px (+ a partial pixel)
    cy, cx = com(img)
    assert cy < CENTRE and cx < CENTRE  # pulled towards the blob as far as allowed
    assert rows[0] == 0 or rows[-1] == FRAME - 1 or abs(cy - CENTRE) <= 0.5


def _row_width(img: np.ndarray, rows: slice, crossings: int) -> float:
    """Stroke width at 28x28 from horizontal cross-sections of near-vertical strokes."""
    return float(img[rows].sum(axis=1).mean()) / crossings


@pytest.mark.parametrize("pen", [1.0, 40.0])
def test_stroke_width_is_normalised(pen: float) -> None:
    # MNIST: about 3 px (a "1" has 3.2 of ink per row); thin and fat pens both land there
    one = preprocess_ink(ink_of(centred("1", h=220, width=pen)))
    zero = preprocess_ink(ink_of(centred("0", h=220, width=pen)))
    w_one = _row_width(check_mnist_like(one), slice(8, 20), 1)
    w_zero = _row_width(check_mnist_like(zero), slice(12, 17), 2)
    assert 2.0 <= w_one <= 3.6
    assert 2.0 <= w_zero <= 3.6
    # the image path (a file of the same drawing) too
    img = (255 - ink_of(centred("1", h=220, width=pen)) * 255).astype(np.uint8)
    assert 2.0 <= _row_width(check_mnist_like(preprocess_image(img)), slice(8, 20), 1) <= 3.6


def test_thin_and_thick_pens_give_the_same_digit() -> None:
    for name in ("0", "7", "8"):
        thin = preprocess_ink(ink_of(centred(name, width=1.0)))
        thick = preprocess_ink(ink_of(centred(name, width=40.0)))
        assert diff(thin, thick) < 0.07


def test_mnist_like_input_is_a_fixed_point() -> None:
    first = preprocess_ink(ink_of(centred("8", width=20)))
    again = preprocess_ink(first.image)
    assert diff(first, again) < 0.05


# ------------------------------------------------------------------ empty input


def test_empty_inputs() -> None:
    blank = preprocess_ink(np.zeros((280, 280), np.float32))
    assert blank.empty and blank.image is None and blank.box is None
    assert preprocess_strokes([], CANVAS).empty
    tap = [Stroke(np.array([[100.0, 100.0]]), 3.0)]
    assert preprocess_strokes(tap, CANVAS).empty
    assert preprocess_ink(ink_of(tap)).empty
    fat_tap = [Stroke(np.array([[100.0, 100.0], [101.0, 102.0]]), 26.0)]
    p = preprocess_strokes(fat_tap, CANVAS)
    assert p.empty and p.image is None and p.box is not None
    assert preprocess_ink(ink_of(fat_tap)).empty
    few = np.zeros((280, 280), np.float32)
    few[10, 10:13] = 1.0
    assert preprocess_ink(few).empty


def test_a_far_speck_does_not_move_the_digit() -> None:
    ink = ink_of(centred("7", h=160, width=12))
    clean = preprocess_ink(ink)
    specked = ink.copy()
    specked[270:272, 5:7] = 1.0
    assert diff(clean, preprocess_ink(specked)) < 1e-6


# ------------------------------------------------------------------ rendering


def test_render_strokes_is_antialiased_and_round_capped() -> None:
    ink = render_strokes([Stroke(np.array([[50.0, 50.5], [150.0, 50.5]]), 20.0)], (200, 100))
    assert ink.shape == (100, 200) and ink.dtype == np.float32
    assert ink[50, 100] == pytest.approx(1.0)
    assert ink[40, 100] == pytest.approx(0.5, abs=0.15)  # grey edge: half a pixel covered
    assert ink[39, 100] == 0.0 and ink[41, 100] == 1.0
    assert ink[50, 45] == pytest.approx(1.0)  # round cap reaches beyond the end point
    assert ink[42, 42] < 0.5  # ... but is round, not square


def test_pressure_and_eraser() -> None:
    pts = np.array([[20.0, 50.0], [180.0, 50.0]])
    ink = render_strokes([Stroke(pts, 30.0, pressures=np.array([1.0, 0.2]))], (200, 100))
    assert ink[:, 25].sum() > 2 * ink[:, 175].sum()
    line = Stroke(np.array([[100.0, 10.0], [100.0, 190.0]]), 8.0)
    eraser = Stroke(np.array([[60.0, 150.0], [140.0, 150.0]]), 100.0, erase=True)
    p = preprocess_strokes([line, eraser], (200, 200))
    assert p.box is not None and p.box[3] < 105


# ------------------------------------------------------------------ kernels


def test_label_components_matches_flood_fill() -> None:
    rng = np.random.default_rng(3)
    mask = rng.random((40, 50)) < 0.45
    labels, stats = label_components(mask)
    # reference: breadth-first flood fill with 8-connectivity
    ref = np.zeros(mask.shape, int)
    n = 0
    for y, x in zip(*np.nonzero(mask), strict=True):
        if ref[y, x]:
            continue
        n += 1
        ref[y, x] = n
        queue = [(y, x)]
        while queue:
            cy, cx = queue.pop()
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    yy, xx = cy + dy, cx + dx
                    if 0 <= yy < 40 and 0 <= xx < 50 and mask[yy, xx] and not ref[yy, xx]:
                        ref[yy, xx] = n
                        queue.append((yy, xx))
    assert len(stats) == n
    assert ((labels > 0) == mask).all()
    pairs = set(zip(labels[mask].tolist(), ref[mask].tolist(), strict=True))
    assert len(pairs) == n  # a one-to-one correspondence of the labels
    assert stats[:, 0].sum() == mask.sum()


def test_distance_transform_is_exact() -> None:
    rng = np.random.default_rng(4)
    feat = rng.random((23, 31)) < 0.03
    feat[0, 0] = True
    d = squared_distance_transform(feat)
    fy, fx = np.nonzero(feat)
    yy, xx = np.mgrid[:23, :31]
    brute = ((yy[..., None] - fy) ** 2 + (xx[..., None] - fx) ** 2).min(axis=-1)
    np.testing.assert_allclose(d, brute)
