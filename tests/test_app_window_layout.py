"""The window's layout: the canvas takes the space, the side panel scales, the network view
gives its height back when hidden."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from app.window_layout import SPACING


def _settle(window, width: int | None = None, height: int | None = None) -> None:
    if width is not None:
        window.resize(width, height)
    for _ in range(3):
        QApplication.processEvents()


@pytest.mark.parametrize(("width", "height"), [(800, 600), (1600, 1000)])
def test_the_canvas_gets_most_of_the_width(window, width, height):
    _settle(window, width, height)
    canvas, panel = window.canvas.geometry(), window.answer.geometry()
    assert (window.width(), window.height()) == (width, height)  # it fits, nothing grew
    assert canvas.width() > panel.width()
    assert canvas.width() >= canvas.height() - 2  # the square paper fills the height
    assert panel.left() - canvas.right() - 1 <= SPACING  # no gap between canvas and panel


def test_the_side_panel_scales_with_the_window(window):
    _settle(window, 800, 600)
    small = window.answer.width(), window.answer.input_view.height()
    _settle(window, 1600, 1000)
    large = window.answer.width(), window.answer.input_view.height()
    assert large[0] > small[0] and large[1] > small[1]


def test_number_mode_puts_the_answer_below_a_wide_canvas(window):
    _settle(window, 1100, 760)
    window.action("number_mode").setChecked(True)
    _settle(window)
    canvas, panel = window.canvas.geometry(), window.answer.geometry()
    central = window.centralWidget().contentsRect()
    assert panel.top() > canvas.bottom()
    # the 2:1 paper fills the canvas (no grey bands) and spans the width, unless the panel
    # below is already down to the height it asks for
    assert abs(canvas.width() - 2 * canvas.height()) <= 4
    assert (canvas.width() >= central.width() - 2 * 10 - 4
            or panel.height() <= window.answer.sizeHint().height())
    assert panel.height() < canvas.height()
    window.action("number_mode").setChecked(False)
    _settle(window)
    assert window.answer.geometry().left() > window.canvas.geometry().right()


def test_showing_the_network_view_takes_height_from_the_canvas(window):
    _settle(window, 1000, 800)
    before = window.canvas.height()
    window.set_feature_maps_visible(True)
    _settle(window)
    assert window.height() == 800 and window.canvas.height() < before
    window.set_feature_maps_visible(False)
    _settle(window)
    assert window.height() == 800 and window.canvas.height() == before


def test_hiding_the_network_view_gives_the_height_back(window):
    _settle(window, 800, 420)  # too short for the view: showing it makes the window taller
    start = window.height()
    window.set_feature_maps_visible(True)
    _settle(window)
    assert window.height() > start
    window.set_feature_maps_visible(False)
    _settle(window)
    assert window.height() == start
