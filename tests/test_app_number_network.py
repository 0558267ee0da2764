"""Number Mode's network view: the layers of one digit of the number, the one the user picks."""

from __future__ import annotations

import numpy as np

from app.digit_pick import DigitPick, default_digit
from app.predictor import DigitResult
from tests import test_app_number_boxes as boxes_tests
from tests.test_app_number_boxes import _click, _draw_one_and_seven

real_loaded = boxes_tests.real_loaded  # the fixtures: the real model, a window in Number Mode
number_window = boxes_tests.number_window


def _shown_input(window) -> np.ndarray | None:
    acts = window.maps_dock.view.activations()
    return None if acts is None else acts["input"][0]


def _net_window(number_window, qtbot):
    window = number_window
    window.set_feature_maps_visible(True)
    _draw_one_and_seven(window, qtbot)
    qtbot.waitUntil(lambda: _shown_input(window) is not None, timeout=5000)
    return window


def test_the_view_shows_one_digit_of_the_number_and_says_which(number_window, qtbot,
                                                                 real_loaded):
    window = _net_window(number_window, qtbot)
    dock, digits = window.maps_dock, window.last_result.digits
    assert len(digits) == 2 and not np.array_equal(digits[0].image, digits[1].image)
    k = default_digit(digits)
    np.testing.assert_array_equal(_shown_input(window), digits[k].image)
    engine = real_loaded.classifier.activations(digits[k].image)
    np.testing.assert_allclose(dock.view.activations()["conv2"], engine["conv2"], atol=1e-6)
    assert dock.caption.isVisible()
    assert dock.caption.text().startswith(f"Digit {k + 1} of 2: {digits[k].digit}")
    assert window.answer.number_view._shown == k  # its picture beside the canvas is outlined


def test_a_click_inside_a_box_shows_that_digit(number_window, qtbot):
    window = _net_window(number_window, qtbot)
    dock, boxes = window.maps_dock, window.number_corrections.boxes
    digits = window.last_result.digits
    for i in (0, 1, 0):
        centre = boxes.box_rect(i).center()
        _click(window.canvas, centre)
        np.testing.assert_array_equal(_shown_input(window), digits[i].image)
        assert dock.caption.text() == f"Digit {i + 1} of 2: {digits[i].digit}" + (
            " (not sure)" if digits[i].doubtful else "")
        assert dock.shown_digit == i and boxes.selected == i


def test_a_click_on_a_digits_picture_beside_the_canvas_shows_it_and_selects_its_box(
        number_window, qtbot):
    window = _net_window(number_window, qtbot)
    view, boxes = window.answer.number_view, window.number_corrections.boxes
    digits = window.last_result.digits
    other = 1 - window.maps_dock.shown_digit
    _click(view, view.cell_rect(other).center())
    np.testing.assert_array_equal(_shown_input(window), digits[other].image)
    assert boxes.selected == other and view._shown == other
    window.canvas.add_stroke([(900.0, 120.0), (900.0, 420.0)])  # a third digit: a new count
    qtbot.waitUntil(lambda: len(window.last_result.digits) == 3, timeout=5000)
    qtbot.waitUntil(lambda: window.maps_dock.shown_digit == default_digit(
        window.last_result.digits), timeout=5000)
    assert "of 3" in window.maps_dock.caption.text()


def test_the_caption_goes_and_the_outline_with_it_when_number_mode_or_the_view_is_left(
        number_window, qtbot):
    window = _net_window(number_window, qtbot)
    window.set_feature_maps_visible(False)
    assert window.answer.number_view._shown is None  # the view is hidden: nothing outlined
    window.set_feature_maps_visible(True)
    qtbot.waitUntil(lambda: window.answer.number_view._shown is not None, timeout=5000)
    window.action("number_mode").setChecked(False)
    qtbot.waitUntil(lambda: not window.maps_dock.caption.isVisible(), timeout=5000)
    assert window.last_result.digits == [] and _shown_input(window) is not None


def _digit(confidence: float, not_sure: bool) -> DigitResult:
    p = np.full(10, (1 - confidence) / 9, np.float32)
    p[3] = confidence
    return DigitResult(np.zeros((28, 28), np.float32), 3, confidence, p, not_sure)


def test_the_digit_shown_by_default_and_a_pick_that_lasts_while_the_count_does():
    sure, doubt, worse = _digit(0.99, False), _digit(0.6, True), _digit(0.4, True)
    assert default_digit([sure, sure, sure]) == 2  # the last written
    assert default_digit([sure, worse, doubt, sure]) == 1  # the most doubtful
    pick = DigitPick()
    assert pick.choose([sure, sure]) == 1
    pick.pick(0, 2)
    assert pick.choose([sure, doubt]) == 0  # the user's pick holds
    assert pick.choose([sure, doubt, sure]) == 1  # a new count: the rule again
    assert pick.choose([]) is None
