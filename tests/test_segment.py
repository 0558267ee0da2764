"""Grouping the ink of several digits written side by side (lenet.ink.grouping)."""

from __future__ import annotations

import numpy as np
import pytest

from lenet.ink import DigitBox, Stroke, preprocess_ink, render_strokes, segment_digits
from lenet.ink.components import label_components
from tests.test_preprocess import GLYPHS, check_mnist_like, diff, digit

H = 100  # digit height in the strips, px
PEN = 8.0


def _touches(a: list[Stroke], b: list[Stroke]) -> bool:
    """Whether the ink of two stroke sets overlaps (both ≥ 0.5 somewhere)."""
    pts = np.concatenate([s.points for s in a + b])
    size = (int(pts[:, 0].max() + 2 * PEN), int(pts[:, 1].max() + 2 * PEN))
    return bool(((render_strokes(a, size) >= 0.5) & (render_strokes(b, size) >= 0.5)).any())


def strip_strokes(
    names: str, gap: float = 0.35, touching: tuple[int, ...] = ()
) -> tuple[list[list[Stroke]], tuple[int, int]]:
    """Strokes of digits `names` side by side (one list per digit) and the canvas size.

    Consecutive digits are `gap` x H apart; a digit whose index is in `touching` is moved
    left until its ink just touches the previous digit's (then 2 px further).
    """
    x = 20.0
    each: list[list[Stroke]] = []
    for i, name in enumerate(names):
        pts = np.concatenate(GLYPHS[name])
        left = x - pts[:, 0].min() * H
        s = digit(name, left, 30.0, H, PEN)
        if i in touching:
            while not _touches(each[-1], s):
                left -= 1.0
                s = digit(name, left, 30.0, H, PEN)
            left -= 2.0
            s = digit(name, left, 30.0, H, PEN)
        each.append(s)
        x = left + pts[:, 0].max() * H + gap * H
    return each, (int(x + 20), 30 + H + 30)


def strip(names: str, gap: float = 0.35, touching: tuple[int, ...] = ()) -> tuple:
    """Ink of digits `names` side by side (see `strip_strokes`), and each digit's own ink."""
    each, size = strip_strokes(names, gap, touching)
    strokes = [s for d in each for s in d]
    return render_strokes(strokes, size), [render_strokes(s, size) for s in each]


def _centre_x(box: tuple[int, int, int, int]) -> float:
    return 0.5 * (box[0] + box[2])


@pytest.mark.parametrize("names", ["70", "1708", "20254", "517083", "2071"])
def test_spaced_digits_are_found_left_to_right(names: str) -> None:
    ink, singles = strip(names)
    boxes = segment_digits(ink)
    assert len(boxes) == len(names)
    assert [b.x0 for b in boxes] == sorted(b.x0 for b in boxes)
    results = [preprocess_ink(b.ink) for b in boxes]
    for box, res, single in zip(boxes, results, singles, strict=True):
        alone = preprocess_ink(single)
        assert tuple(box.box) == alone.box  # full-image coordinates
        assert abs(_centre_x(box.box) - _centre_x(alone.box)) <= 1
        check_mnist_like(res)
        assert diff(res, alone) < 1e-6


def test_six_digits_with_a_two_stroke_five() -> None:
    ink, singles = strip("205834")
    _, stats = label_components(render_strokes(digit("5", 0, 0, H, PEN), (120, 120)) > 0.1)
    assert len(stats) == 2  # the "5" really is two separate strokes
    boxes = segment_digits(ink)
    assert len(boxes) == 6
    for box, single in zip(boxes, singles, strict=True):
        assert diff(preprocess_ink(box.ink), preprocess_ink(single)) < 1e-6


def test_touching_digits_stay_one_group() -> None:
    ink, _ = strip("1700", touching=(3,))
    boxes = segment_digits(ink)
    assert len(boxes) == 3  # 1, 7, and the touching 00 (lenet.ink.number_reader cuts it)
    assert boxes[2].x1 - boxes[2].x0 > 1.3 * H


def test_single_digit_group_is_the_whole_ink() -> None:
    for name in ("5", "8", "1", "4"):
        ink = render_strokes(digit(name, 60, 40, 180, 14), (280, 280))
        (box,) = segment_digits(ink)
        ref = preprocess_ink(ink)
        assert tuple(box.box) == ref.box
        assert np.array_equal(preprocess_ink(box.ink).image, ref.image)


def test_empty_and_specks() -> None:
    assert segment_digits(np.zeros((50, 80), np.float32)) == []
    ink, _ = strip("70")
    ink[2:4, 2:4] = 1.0  # a speck in the corner is ignored
    ink[60:62, 45:47] = 1.0  # a speck inside the "7" goes with the "7"
    boxes = segment_digits(ink)
    assert len(boxes) == 2
    assert boxes[0].ink[60 - boxes[0].y0, 45 - boxes[0].x0] == 1.0


def test_digit_box_crop_holds_only_its_own_ink() -> None:
    ink, singles = strip("77", gap=0.1)  # close (closer and their anti-aliased edges touch)
    boxes = segment_digits(ink)
    assert len(boxes) == 2
    for b, single, other in zip(boxes, singles, singles[::-1], strict=True):
        assert isinstance(b, DigitBox)
        assert b.ink.shape == (b.y1 - b.y0, b.x1 - b.x0) and b.ink.dtype == np.float32
        own = single[b.y0 : b.y1, b.x0 : b.x1]
        theirs = other[b.y0 : b.y1, b.x0 : b.x1]
        alone = theirs == 0  # pixels not shared with the neighbour's anti-aliased edge
        assert np.abs(b.ink - np.where(own >= 0.1, own, 0))[alone].max() < 1e-6
        assert not b.ink[(own == 0) & (theirs > 0)].any()


@pytest.mark.parametrize("blob", [1, 3, 8])
def test_a_dusty_scan_is_grouped_with_bounded_work(blob: int) -> None:
    """Random dust over a number: dust smaller than a readable digit is never a group of
    its own, and however much dust there is, at most MAX_GROUPS pieces are grouped (the
    merging was cubic in the number of blobs: 45 s for a 300x300 scan)."""
    from lenet.ink.grouping import MAX_GROUPS

    ink, _ = strip("407", gap=0.6)
    rng = np.random.default_rng(blob)
    h, w = ink.shape
    for y, x in zip(*np.nonzero(rng.random((h, w)) < 0.03 / blob**2), strict=True):
        ink[y : y + blob, x : x + blob] = np.maximum(ink[y : y + blob, x : x + blob], 1.0)
    boxes = segment_digits(ink)
    assert len(boxes) <= MAX_GROUPS
    digit_sized = [b for b in boxes if b.y1 - b.y0 >= 0.8 * H]
    assert len(digit_sized) >= 3  # the three digits are still there
    if blob < 6:  # MIN_EXTENT: dust alone is never a group
        assert len(boxes) == len(digit_sized)
