"""ProbabilityBars, InputView and NumberView: state in, pixels out."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from app.input_view import InputView
from app.number_view import NumberView
from app.probability_bars import ProbabilityBars
from tests.conftest import show_widget


@pytest.fixture
def bars(qtbot):
    return show_widget(qtbot, ProbabilityBars(), 320, 420)


def test_empty_shows_hint_and_no_bars(bars):
    assert bars.is_empty()
    assert bars.probabilities() is None
    assert bars.predicted_digit() is None
    assert "Draw a digit" in bars.hint()
    assert bars.digit_at(bars.bar_rect(3).center()) is None  # nothing to click
    image = bars.grab().toImage()
    assert not image.isNull()


def test_set_probabilities_highlights_top(bars):
    p = np.zeros(10)
    p[3], p[8] = 0.9, 0.1
    bars.set_probabilities(p)
    assert not bars.is_empty()
    assert bars.predicted_digit() == 3
    assert not bars.is_not_sure()
    np.testing.assert_allclose(bars.probabilities(), p)
    # the highlighted bar is filled with the highlight colour across ~90 % of its track
    row = bars.bar_rect(3)
    image = bars.grab().toImage()
    highlight = bars.palette().color(bars.palette().ColorRole.Highlight)
    x = int(row.left() + 0.5 * row.width())
    assert image.pixelColor(x, int(row.center().y())) == highlight


def test_not_sure_state(bars):
    p = np.array([0, 0, 0, 0, 0.45, 0, 0, 0, 0, 0.42]) + 0.013
    bars.set_probabilities(p, not_sure=True)
    assert bars.is_not_sure()
    assert bars.predicted_digit() == 4


def test_clear_goes_back_to_hint(bars):
    bars.set_probabilities(np.eye(10)[5])
    bars.clear()
    assert bars.is_empty()


def test_rejects_wrong_shape(bars):
    with pytest.raises(ValueError):
        bars.set_probabilities(np.ones(9))


def test_normalises(bars):
    bars.set_probabilities(np.arange(10, dtype=float))
    assert bars.probabilities().sum() == pytest.approx(1.0)


def test_clicking_a_bar_emits_its_digit(bars, qtbot):
    bars.set_probabilities(np.eye(10)[2])
    pos = bars.bar_rect(7).center().toPoint()
    with qtbot.waitSignal(bars.digit_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(bars, Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [7]


def test_taught_mark(bars):
    bars.set_probabilities(np.eye(10)[2])
    bars.set_taught(5)
    assert bars.taught() == 5
    bars.set_probabilities(np.eye(10)[1])  # a new answer drops the mark
    assert bars.taught() is None


def test_input_view_shows_28x28(qtbot):
    view = show_widget(qtbot, InputView(), 240, 220)
    image = np.zeros((28, 28), np.float32)
    image[:, 14] = 1.0
    view.set_image(image)
    np.testing.assert_array_equal(view.image(), image)
    shot = view.grab().toImage()
    # the bright column is drawn as a bright band of whole pixels, nearest neighbour
    mid = shot.height() // 2
    xs = [x for x in range(shot.width()) if shot.pixelColor(x, mid).lightness() > 200]
    assert xs and max(xs) - min(xs) >= 4
    with pytest.raises(ValueError):
        view.set_image(np.zeros((10, 10)))
    view.set_image(None)
    assert view.image() is None


def test_number_view(qtbot):
    view = show_widget(qtbot, NumberView(), 300, 260)
    view.set_digits([(4, 0.99, False, np.zeros((28, 28))), (2, 0.51, True, None)])
    assert view.number() == "42"
    assert not view.grab().toImage().isNull()
    view.clear()
    assert view.number() == ""


def test_hover_sets_tooltip(bars, qtbot):
    bars.set_probabilities(np.eye(10)[2])
    qtbot.mouseMove(bars, bars.bar_rect(6).center().toPoint())
    qtbot.wait(20)
    assert "6" in bars.toolTip() or bars.digit_at(QPointF(bars.bar_rect(6).center())) == 6
