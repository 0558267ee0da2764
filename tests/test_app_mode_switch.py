"""Switching between single-digit mode and Number Mode keeps the drawing, its opened picture
and its undo history, and reads it again in the new mode."""

from __future__ import annotations

import pytest

from app.drawing import refit_transform
from app.main_window import NUMBER_CANVAS, SINGLE_CANVAS
from tests.number_pictures import one_scan

SHIFT = (NUMBER_CANVAS[0] - SINGLE_CANVAS[0]) / 2.0  # the canvases' centres meet


def _points(canvas) -> list[list[tuple[float, float]]]:
    return [s.points for s in canvas.strokes()]


def _read_as_one_digit(window) -> bool:
    r = window.last_result
    return r is not None and r.digit is not None and not r.digits  # not a number's answer


def _number_mode(window, on: bool) -> None:
    window.action("number_mode").setChecked(on)
    assert window.canvas.canvas_size() == (NUMBER_CANVAS if on else SINGLE_CANVAS)


def test_a_digit_survives_number_mode_and_back_with_its_undo_history(window, qtbot):
    canvas = window.canvas
    canvas.add_stroke([(200.0, 100.0), (200.0, 420.0)])
    canvas.add_stroke([(300.0, 100.0), (300.0, 420.0)])
    drawn = _points(canvas)
    _number_mode(window, True)
    assert canvas.stroke_count() == 2
    assert _points(canvas) == [[(x + SHIFT, y) for x, y in s] for s in drawn]
    qtbot.waitUntil(lambda: window.answer.number_view.number() == "11", timeout=5000)
    canvas.undo()  # the history came along
    assert _points(canvas) == [[(x + SHIFT, y) for x, y in drawn[0]]]
    qtbot.waitUntil(lambda: window.answer.number_view.number() == "1", timeout=5000)
    _number_mode(window, False)
    assert _points(canvas) == drawn[:1]  # back where it was drawn, exactly
    qtbot.waitUntil(lambda: _read_as_one_digit(window), timeout=5000)
    assert window.last_result.digit.digit == 1  # read again, as one digit
    canvas.redo()  # the stroke undone in Number Mode moved along too
    assert _points(canvas) == drawn
    assert window.action("undo").text().replace("&", "") == "Undo Stroke"


def test_a_number_survives_single_digit_mode_and_back(window, qtbot):
    canvas = window.canvas
    _number_mode(window, True)
    canvas.add_stroke([(420.0, 100.0), (420.0, 420.0)])
    canvas.add_stroke([(580.0, 100.0), (580.0, 420.0)])
    qtbot.waitUntil(lambda: window.answer.number_view.number() == "11", timeout=5000)
    drawn = _points(canvas)
    _number_mode(window, False)
    assert canvas.stroke_count() == 2
    assert _points(canvas) == [[(x - SHIFT, y) for x, y in s] for s in drawn]  # fits: as is
    qtbot.waitUntil(lambda: _read_as_one_digit(window), timeout=5000)
    _number_mode(window, True)
    assert _points(canvas) == drawn
    canvas.undo()
    canvas.undo()
    assert canvas.is_empty()
    canvas.redo()
    assert _points(canvas) == drawn[:1]


def test_a_number_too_wide_for_one_digit_is_scaled_to_fit_and_all_is_still_there(window):
    canvas = window.canvas
    _number_mode(window, True)
    canvas.add_stroke([(60.0, 100.0), (60.0, 420.0)], width=26.0)
    canvas.add_stroke([(960.0, 100.0), (960.0, 420.0)], width=26.0)
    _number_mode(window, False)
    xs = [x for s in canvas.strokes() for x, _ in s.points]
    width = canvas.strokes()[0].width
    assert min(xs) - width / 2 >= -1e-6 and max(xs) + width / 2 <= SINGLE_CANVAS[0] + 1e-6
    assert width < 26.0  # smaller, not cut off
    ink = canvas.ink_array()
    assert ink[256, round(min(xs))] > 0.9 and ink[256, round(max(xs))] > 0.9


def test_an_opened_picture_and_the_strokes_on_it_move_together(window, qtbot, tmp_path):
    canvas = window.canvas
    assert window.open_image(one_scan(tmp_path))
    picture = canvas.image()
    before = picture.rect_in(canvas.canvas_size())
    canvas.add_stroke([(400.0, 150.0), (440.0, 350.0)], width=30.0)
    _number_mode(window, True)
    assert canvas.image() is picture and canvas.stroke_count() == 1
    after = picture.rect_in(canvas.canvas_size())
    s = after.width() / before.width()
    (x, y), = canvas.strokes()[0].points[:1]
    assert (x, y) == pytest.approx((after.x() + (400.0 - before.x()) * s,
                                    after.y() + (150.0 - before.y()) * s))
    assert canvas.ink_array()[round(y), round(x)] > 0.9
    qtbot.waitUntil(lambda: window.answer.number_view.number() != "", timeout=5000)
    canvas.undo()  # the stroke
    canvas.undo()  # opening the picture
    assert canvas.is_empty()
    canvas.redo()
    assert canvas.image() is picture
    _number_mode(window, False)
    canvas.redo()
    assert _points(canvas) == [[(400.0, 150.0), (440.0, 350.0)]]


def test_refit_transform_rules():
    assert refit_transform((512, 512), (1024, 512), (100, 50, 300, 400), None) == (1.0, 256, 0)
    assert refit_transform((1024, 512), (512, 512), (256, 0, 768, 512), None) == (1.0, -256, 0)
    # ink on the left of a number: kept whole on the square canvas, shifted onto it
    s, dx, _ = refit_transform((1024, 512), (512, 512), (20, 100, 300, 400), None)
    assert s == 1.0 and 20 + dx == 0.0
    s, dx, _ = refit_transform((1024, 512), (512, 512), (0, 0, 1024, 256), None)
    assert s == 0.5 and dx == 0.0
    assert refit_transform((1024, 512), (512, 512), None, None) == (1.0, -256, 0)
