"""Number Mode's digit boxes over the ink (real model), and correcting one digit by its box."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt

from app.corrections import CorrectionStore
from app.number_overlay import NumberBoxes
from tests.conftest import BUNDLED_MODEL, _send_mouse

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton


@pytest.fixture(scope="module")
def real_loaded():
    from app.model_store import ModelStore
    from app.predictor import warm_up

    loaded = ModelStore(Path("unused"), bundled_path=BUNDLED_MODEL).load_bundled()
    assert loaded.classifier is not None, loaded.message
    warm_up(loaded.classifier)
    return loaded


@pytest.fixture
def number_window(make_window, app_paths, real_loaded, qtbot):
    from app.model_store import ModelStore

    window = make_window(loaded=real_loaded,
                         store=ModelStore(app_paths.models_dir, bundled_path=BUNDLED_MODEL))
    window.action("number_mode").setChecked(True)
    return window


def _ring(cx: float, a0: float = 0.0) -> list[tuple[float, float]]:
    return [(cx + 110 * math.sin(a0 + 2 * math.pi * t / 40),
             256 - 160 * math.cos(a0 + 2 * math.pi * t / 40)) for t in range(41)]


def _draw_one_and_seven(window, qtbot) -> None:
    window.canvas.add_stroke([(300.0, 90.0), (300.0, 430.0)])
    window.canvas.add_stroke([(560.0, 100.0), (760.0, 100.0), (640.0, 430.0)])
    qtbot.waitUntil(lambda: window.answer.number_view.number() == "17", timeout=10000)


def _two_boxes(window, qtbot) -> NumberBoxes:
    """A 1 and a 7 drawn, and their two boxes shown."""
    _draw_one_and_seven(window, qtbot)
    boxes = window.number_corrections.boxes
    qtbot.waitUntil(lambda: len(boxes.digits) == 2, timeout=3000)
    return boxes


def _click(widget, pos: QPointF, released_at: QPointF | None = None) -> None:
    """A left click at `pos` (widget pixels); `released_at`: the pointer moved there first."""
    _send_mouse(widget, QEvent.Type.MouseButtonPress, pos, LEFT, LEFT)
    if released_at is not None:
        _send_mouse(widget, QEvent.Type.MouseMove, released_at, NONE, LEFT)
    _send_mouse(widget, QEvent.Type.MouseButtonRelease, released_at or pos, LEFT, NONE)


def test_two_digits_get_two_boxes_over_their_ink(number_window, qtbot):
    window = number_window
    boxes = _two_boxes(window, qtbot)
    assert boxes.isVisible() and boxes.geometry() == window.canvas.rect()
    (ax0, _, ax1, _), (bx0, _, bx1, _) = boxes.canvas_box(0), boxes.canvas_box(1)
    assert ax0 <= 300 <= ax1 and bx0 <= 640 <= bx1 and ax1 < bx0  # in canvas units
    before = boxes.box_rect(1)
    window.resize(1300, 800)  # the boxes follow the canvas
    qtbot.waitUntil(lambda: boxes.box_rect(1) != before, timeout=3000)
    assert boxes.geometry() == window.canvas.rect()
    mapped = window.canvas.map_from_canvas(bx0, boxes.canvas_box(1)[1])
    assert abs(boxes.box_rect(1).left() + 4 - mapped.x()) < 1e-6
    assert not boxes.count_uncertain()
    picture = boxes.grab().toImage()
    box = boxes.box_rect(0).toRect()
    assert picture.pixelColor(box.left(), box.center().y()).blue() > 150  # drawn: blue


def test_a_click_on_a_tab_and_a_digit_key_store_that_digit(number_window, qtbot):
    window = number_window
    boxes = _two_boxes(window, qtbot)
    strokes_before = window.canvas.stroke_count()
    _click(window.canvas, boxes.tab_rect(1).center())
    assert boxes.selected == 1
    assert window.canvas.stroke_count() == strokes_before  # the click drew nothing
    qtbot.keyClick(window, Qt.Key.Key_1)  # "that 7 is a 1", through the Correct Me action
    stored = CorrectionStore(window.corrections.folder).scan().good
    assert len(stored) == 1
    c = stored[0]
    assert c.label == 1 and c.predicted == 7
    expected = np.clip(boxes.digits[1].image * 255 + 0.5, 0, 255).astype(np.uint8)
    assert np.array_equal(c.image, expected)  # that digit's 28x28, not the whole number
    assert len(c.strokes) == 1 and c.strokes[0].points[0] == (560.0, 100.0)
    assert boxes.taught == {1: 1}
    qtbot.keyClick(window, Qt.Key.Key_4)  # a slip of the finger: replaced, not added
    assert [c.label for c in CorrectionStore(window.corrections.folder).scan().good] == [4]


def test_a_digit_key_without_a_selected_box_stores_nothing(number_window, qtbot):
    window = number_window
    _draw_one_and_seven(window, qtbot)
    assert not window.teach(3)
    assert "Click a digit's box" in window.statusBar().currentMessage()
    assert window.corrections.count() == 0


def test_two_merged_zeros_are_marked_uncertain_in_words(number_window, qtbot):
    window = number_window
    window.canvas.add_stroke(_ring(380.0)[:-1] + _ring(600.0, math.pi)[::-1])
    boxes = window.number_corrections.boxes
    qtbot.waitUntil(lambda: len(boxes.digits) >= 1, timeout=10000)
    assert boxes.count_uncertain()
    assert any(d.count_uncertain for d in boxes.digits)
    assert "?" in boxes._label(0)
    cell = window.answer.number_view._cells[0]
    assert cell.not_sure  # the number beside the canvas is not shown as sure either
    picture = boxes.grab().toImage()
    box = boxes.box_rect(0).toRect()
    colors = {picture.pixelColor(box.left(), y).name() for y in range(box.top(), box.bottom())}
    assert "#e08a1e" in colors and len(colors) > 1  # amber, and dashed (gaps)


def test_boxes_go_when_the_drawing_is_cleared_or_number_mode_is_left(number_window, qtbot):
    window = number_window
    _draw_one_and_seven(window, qtbot)
    boxes = window.number_corrections.boxes
    qtbot.waitUntil(lambda: boxes.isVisible(), timeout=3000)
    window.canvas.clear()
    qtbot.waitUntil(lambda: not boxes.isVisible(), timeout=3000)
    _draw_one_and_seven(window, qtbot)
    qtbot.waitUntil(lambda: boxes.isVisible(), timeout=3000)
    window.action("number_mode").setChecked(False)
    qtbot.waitUntil(lambda: not boxes.isVisible(), timeout=3000)


def test_a_click_inside_a_box_selects_it_and_a_digit_key_corrects_it(number_window, qtbot):
    window = number_window
    boxes = _two_boxes(window, qtbot)
    strokes_before = window.canvas.stroke_count()
    inside = boxes.box_rect(1).center()
    assert boxes.tab_at(inside) is None  # the box itself, not its tab
    _click(window.canvas, inside, released_at=inside + QPointF(2.0, -1.0))
    assert boxes.selected == 1
    assert window.canvas.stroke_count() == strokes_before  # a click (a hand's jitter) drew nothing
    assert "correct this 7" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_2)
    stored = CorrectionStore(window.corrections.folder).scan().good
    assert [(c.label, c.predicted) for c in stored] == [(2, 7)]
    expected = np.clip(boxes.digits[1].image * 255 + 0.5, 0, 255).astype(np.uint8)
    assert np.array_equal(stored[0].image, expected)
    assert boxes.taught == {1: 2} and boxes._label(1) == "✓ 2"
    assert "Stored this digit as a 2" in window.statusBar().currentMessage()


def test_a_stroke_that_starts_inside_a_box_still_draws(number_window, qtbot):
    window = number_window
    canvas = window.canvas
    boxes = _two_boxes(window, qtbot)
    start = boxes.box_rect(0).center()
    assert boxes.box_at(start) == 0 and boxes.tab_at(start) is None
    _send_mouse(canvas, QEvent.Type.MouseButtonPress, start, LEFT, LEFT)
    for k in range(1, 16):
        _send_mouse(canvas, QEvent.Type.MouseMove, start + QPointF(0.0, 6.0 * k), NONE, LEFT)
    _send_mouse(canvas, QEvent.Type.MouseButtonRelease, start + QPointF(0.0, 90.0), LEFT, NONE)
    assert canvas.stroke_count() == 3 and boxes.selected is None
    stroke = canvas.strokes()[-1]
    assert stroke.points[0] == pytest.approx(canvas.map_to_canvas(start))  # from the press on
    assert stroke.points[-1] == pytest.approx(canvas.map_to_canvas(start + QPointF(0.0, 90.0)))
    assert window.action("undo").text().replace("&", "") == "Undo Stroke"
