"""DrawingCanvas: real mouse events make strokes; undo/redo/clear; rendering and exports."""

from __future__ import annotations

import numpy as np
import pytest

from app.canvas import DrawingCanvas
from app.ink import InkStroke, render_ink
from tests.conftest import show_widget


@pytest.fixture
def canvas(qtbot):
    return show_widget(qtbot, DrawingCanvas(), 400, 400)


def test_mouse_drag_makes_one_stroke(canvas, mouse_draw, qtbot):
    with qtbot.waitSignal(canvas.stroke_finished, timeout=1000):
        mouse_draw(canvas, [(100, 100), (400, 400)])
    strokes = canvas.strokes()
    assert len(strokes) == 1
    assert len(strokes[0].points) > 10
    x0, y0 = strokes[0].points[0]
    x1, y1 = strokes[0].points[-1]
    assert (x0, y0) == pytest.approx((100, 100), abs=2.0)  # canvas units, not widget pixels
    assert (x1, y1) == pytest.approx((400, 400), abs=2.0)
    assert not canvas.is_empty()


def test_moves_without_button_draw_nothing(canvas):
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    for x in range(50, 300, 10):
        pos = QPointF(x, x)
        QApplication.sendEvent(canvas, QMouseEvent(
            QEvent.Type.MouseMove, pos, canvas.mapToGlobal(pos), Qt.MouseButton.NoButton,
            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    assert canvas.is_empty()


def test_strokes_survive_resizing(canvas, mouse_draw, qtbot):
    mouse_draw(canvas, [(100, 256), (412, 256)])
    before = canvas.strokes()[0].points
    canvas.resize(700, 500)
    qtbot.wait(10)
    assert canvas.strokes()[0].points == before
    # the paper stays square and centred
    rect = canvas.paper_rect()
    assert rect.width() == pytest.approx(rect.height())
    assert canvas.map_to_canvas(rect.center()) == pytest.approx((256, 256), abs=1.0)


def test_undo_redo_clear(canvas, mouse_draw):
    mouse_draw(canvas, [(100, 100), (200, 300)])
    mouse_draw(canvas, [(300, 100), (300, 400)])
    assert canvas.stroke_count() == 2
    canvas.undo()
    assert canvas.stroke_count() == 1
    canvas.redo()
    assert canvas.stroke_count() == 2
    canvas.clear()
    assert canvas.is_empty()
    canvas.undo()  # clearing is undoable
    assert canvas.stroke_count() == 2
    canvas.redo()
    assert canvas.is_empty()


def test_new_stroke_after_undo_drops_redo(canvas, mouse_draw):
    mouse_draw(canvas, [(100, 100), (200, 300)])
    canvas.undo()
    mouse_draw(canvas, [(300, 100), (300, 400)])
    assert not canvas.undo_stack().canRedo()
    assert canvas.stroke_count() == 1


def test_changed_signal_while_drawing(canvas, mouse_draw):
    seen = []
    canvas.changed.connect(lambda: seen.append(1))
    mouse_draw(canvas, [(100, 100), (300, 300)])
    assert len(seen) > 5


def test_pen_width_and_eraser(canvas, mouse_draw):
    canvas.set_pen_width(40)
    mouse_draw(canvas, [(100, 256), (412, 256)])
    canvas.set_eraser(True)
    mouse_draw(canvas, [(256, 100), (256, 412)])
    strokes = canvas.strokes()
    assert strokes[0].width == 40 and not strokes[0].erase
    assert strokes[1].erase
    ink = canvas.ink_array(scale=0.5)
    assert ink.shape == (256, 256)
    assert ink[128, 80] > 0.9  # the line
    assert ink[128, 128] < 0.1  # erased where the eraser crossed
    canvas.set_pen_width(1000)
    assert canvas.pen_width() <= 80


def test_backing_image_matches_full_render(canvas, mouse_draw):
    """Incremental painting while drawing gives what a full repaint from the data gives."""
    mouse_draw(canvas, [(80, 120), (250, 400), (430, 90)])
    incremental = canvas.grab().toImage()
    canvas.resize(401, 401)
    canvas.resize(400, 400)  # drops the backing image: the next paint renders from the strokes
    full = canvas.grab().toImage()
    a = np.frombuffer(incremental.constBits(), np.uint8).astype(int)
    b = np.frombuffer(full.constBits(), np.uint8).astype(int)
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= 40  # anti-aliasing rounding only
    assert (np.abs(a - b) > 8).mean() < 0.002


def test_to_qimage_black_on_white(canvas, mouse_draw):
    mouse_draw(canvas, [(100, 256), (412, 256)])
    image = canvas.to_qimage()
    assert (image.width(), image.height()) == (512, 512)
    assert image.pixelColor(256, 256).lightness() < 40
    assert image.pixelColor(256, 50).lightness() > 240


def test_tablet_pressure_changes_width(canvas):
    canvas.begin_stroke(100, 100, pressure=0.1)
    canvas.extend_stroke(200, 200, pressure=0.5)
    canvas.extend_stroke(300, 300, pressure=1.0)
    canvas.end_stroke()
    stroke = canvas.strokes()[0]
    assert stroke.pressures == pytest.approx([0.1, 0.5, 1.0])
    assert stroke.width_at(0) < stroke.width_at(1) < stroke.width_at(2) == stroke.width


def test_tablet_events(canvas):
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QPointingDevice, QTabletEvent
    from PySide6.QtWidgets import QApplication

    device = QPointingDevice.primaryPointingDevice()

    def send(kind, x, y, pressure, buttons):
        pos = canvas.map_from_canvas(x, y)
        event = QTabletEvent(kind, device, QPointF(pos), canvas.mapToGlobal(QPointF(pos)),
                             pressure, 0.0, 0.0, 0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier,
                             Qt.MouseButton.LeftButton, buttons)
        QApplication.sendEvent(canvas, event)
        return event

    left = Qt.MouseButton.LeftButton
    press = send(QEvent.Type.TabletPress, 100, 100, 0.2, left)
    send(QEvent.Type.TabletMove, 200, 150, 0.6, left)
    send(QEvent.Type.TabletMove, 300, 200, 0.9, left)
    send(QEvent.Type.TabletRelease, 300, 200, 0.0, Qt.MouseButton.NoButton)
    assert press.isAccepted()
    strokes = canvas.strokes()
    assert len(strokes) == 1
    assert strokes[0].pressures is not None
    assert strokes[0].pressures[:3] == pytest.approx([0.2, 0.6, 0.9], abs=1e-3)


def test_stroke_json_round_trip():
    s = InkStroke(points=[(1.0, 2.0), (3.5, 4.25)], width=12.0, pressures=[0.5, 1.0])
    assert InkStroke.from_json(s.to_json()) == s


def test_render_ink_shape_and_range():
    ink = render_ink([InkStroke(points=[(10.0, 10.0), (90.0, 10.0)], width=10.0)], (100, 50))
    assert ink.shape == (50, 100) and ink.dtype == np.float32
    assert 0.0 <= ink.min() and ink.max() <= 1.0
    assert ink[10, 50] > 0.95 and ink[40, 50] == 0.0


def test_number_mode_canvas_is_wide(canvas):
    canvas.set_canvas_size((1024, 512))
    rect = canvas.paper_rect()
    assert rect.width() == pytest.approx(2 * rect.height())
    assert canvas.is_empty()


def test_touch_draws_a_stroke(canvas):
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    device = QTest.createTouchDevice()
    QTest.touchEvent(canvas, device).press(0, QPoint(100, 100), canvas).commit()
    for i in range(1, 10):
        QTest.touchEvent(canvas, device).move(0, QPoint(100 + 10 * i, 100 + 20 * i),
                                              canvas).commit()
    QTest.touchEvent(canvas, device).release(0, QPoint(190, 280), canvas).commit()
    strokes = canvas.strokes()
    assert len(strokes) == 1 and len(strokes[0].points) >= 9
    assert not canvas.is_drawing()
