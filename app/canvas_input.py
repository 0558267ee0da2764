"""Pen tablets and touch screens on the canvas: their events as strokes.

The mouse is handled by the canvas itself; these translate a tablet's press/move/release
(with pressure, and the pen's eraser end) and a touch's first point into the canvas's
`begin_stroke` / `extend_stroke` / `end_stroke`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent
from PySide6.QtGui import QPointingDevice, QTabletEvent

if TYPE_CHECKING:
    from app.canvas import DrawingCanvas

TOUCH_EVENTS = (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
                QEvent.Type.TouchCancel)


def tablet_to_strokes(canvas: DrawingCanvas, event: QTabletEvent) -> None:
    """A tablet event as a stroke's start, point or end (the pen's eraser end erases)."""
    pos = canvas.map_to_canvas(event.position())
    pressure = float(event.pressure())
    kind = event.type()
    if kind == QEvent.Type.TabletPress:
        flipped = event.pointerType() == QPointingDevice.PointerType.Eraser
        was_eraser = canvas.is_eraser()
        canvas.set_eraser(was_eraser or flipped)
        canvas.begin_stroke(*pos, pressure=pressure)
        canvas.set_eraser(was_eraser)
    elif kind == QEvent.Type.TabletMove:
        if canvas.is_drawing():
            canvas.extend_stroke(*pos, pressure=pressure)
    elif kind == QEvent.Type.TabletRelease and canvas.is_drawing():
        canvas.end_stroke()
    event.accept()  # no synthesized mouse events


def touch_to_strokes(canvas: DrawingCanvas, event: QEvent) -> bool:
    """A touch event (its first point) as a stroke's start, point or end; False (nothing
    done) for any other event."""
    kind = event.type()
    if kind not in TOUCH_EVENTS:
        return False
    points = event.points()  # type: ignore[attr-defined]
    if kind == QEvent.Type.TouchBegin and points:
        canvas.begin_stroke(*canvas.map_to_canvas(points[0].position()))
    elif kind == QEvent.Type.TouchUpdate and points and canvas.is_drawing():
        canvas.extend_stroke(*canvas.map_to_canvas(points[0].position()))
    elif kind in (QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
        canvas.end_stroke()
    event.accept()
    return True
