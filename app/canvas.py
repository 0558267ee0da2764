"""DrawingCanvas: draw with the mouse, a pen tablet (pressure) or a finger.

The canvas keeps the drawing as data (a list of `InkStroke` in canvas units, independent of
the widget's size) and paints it into a backing QImage offscreen; `paintEvent` only copies
that image (plus the live tail of the stroke being drawn) to the screen. Undo/redo go
through a QUndoStack; clearing is undoable too.
"""

from __future__ import annotations

import copy

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPointingDevice,
    QResizeEvent,
    QTabletEvent,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.ink import (
    InkStroke,
    paint_piece,
    paint_stroke,
    paint_tail,
    render_ink,
    render_layer,
    set_mode_for,
)

DEFAULT_CANVAS_SIZE = (512, 512)
MIN_PEN_WIDTH = 4.0
MAX_PEN_WIDTH = 80.0
_MARGIN = 6  # pixels between the widget's edge and the paper


class _AddStroke(QUndoCommand):
    def __init__(self, canvas: DrawingCanvas, stroke: InkStroke) -> None:
        super().__init__("Erase" if stroke.erase else "Stroke")
        self._canvas, self._stroke, self._first = canvas, stroke, True

    def redo(self) -> None:
        self._canvas._append_stroke(self._stroke, painted=self._first)
        self._first = False

    def undo(self) -> None:
        self._canvas._pop_stroke()


class _Clear(QUndoCommand):
    def __init__(self, canvas: DrawingCanvas, strokes: list[InkStroke]) -> None:
        super().__init__("Clear")
        self._canvas, self._strokes = canvas, strokes

    def redo(self) -> None:
        self._canvas._replace_strokes([])

    def undo(self) -> None:
        self._canvas._replace_strokes(list(self._strokes))


class DrawingCanvas(QWidget):
    """A square (by default) drawing surface that keeps strokes as data.

    Signals: `changed` whenever the drawing changes (also while a stroke is drawn),
    `stroke_finished` on pen-up, `drawing_started` when a new stroke begins.
    """

    changed = Signal()
    stroke_finished = Signal()
    drawing_started = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._canvas_size: tuple[int, int] = DEFAULT_CANVAS_SIZE
        self._strokes: list[InkStroke] = []
        self._current: InkStroke | None = None
        self._pen_width = 26.0
        self._eraser = False
        self._image: QImage | None = None  # an opened picture shown instead of strokes
        self._backing: QImage | None = None  # strokes rendered at the paper's pixel size
        self._hint = "Draw a digit here"
        self._hover: QPointF | None = None  # pointer position (widget px) for the pen outline
        self._undo_stack = QUndoStack(self)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMouseTracking(True)  # to show the pen's outline under the pointer
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self.setAccessibleName("Drawing canvas")

    # ------------------------------------------------------------------ state (data)

    def sizeHint(self) -> QSize:
        return QSize(560, 560)

    def canvas_size(self) -> tuple[int, int]:
        """The drawing's size (width, height) in canvas units."""
        return self._canvas_size

    def set_canvas_size(self, size: tuple[int, int]) -> None:
        """Change the drawing's size (e.g. wide for number mode); clears the drawing."""
        size = (int(size[0]), int(size[1]))
        if size == self._canvas_size:
            return
        self._canvas_size = size
        self._strokes = []
        self._current = None
        self._undo_stack.clear()
        self._invalidate()
        self.changed.emit()

    def strokes(self) -> list[InkStroke]:
        """A copy of the drawing: finished strokes and the one being drawn."""
        out = [copy.deepcopy(s) for s in self._strokes]
        if self._current is not None and self._current.points:
            out.append(copy.deepcopy(self._current))
        return out

    def stroke_count(self) -> int:
        """Number of finished strokes."""
        return len(self._strokes)

    def is_empty(self) -> bool:
        """True when there is no ink and no opened picture."""
        return self._image is None and not self._strokes and self._current is None

    def is_drawing(self) -> bool:
        """True between pen-down and pen-up."""
        return self._current is not None

    def pen_width(self) -> float:
        """The width of new strokes, in canvas units."""
        return self._pen_width

    def set_pen_width(self, width: float) -> None:
        """Set the width of new strokes (clamped to a sensible range)."""
        self._pen_width = float(min(max(width, MIN_PEN_WIDTH), MAX_PEN_WIDTH))
        self.update()

    def is_eraser(self) -> bool:
        """True when new strokes erase."""
        return self._eraser

    def set_eraser(self, on: bool) -> None:
        """Switch between pen and eraser."""
        self._eraser = bool(on)
        self.update()

    def set_hint(self, text: str) -> None:
        """The faint text shown on an empty canvas."""
        self._hint = text
        self.update()

    def image(self) -> QImage | None:
        """The opened picture shown instead of a drawing, if any."""
        return self._image

    def set_image(self, image: QImage | None) -> None:
        """Show a picture instead of strokes (None: back to drawing). Clears the strokes."""
        self._image = None if image is None or image.isNull() else QImage(image)
        if self._image is not None:
            self._strokes = []
            self._current = None
            self._undo_stack.clear()
            self._invalidate()
        self.update()
        self.changed.emit()

    def undo_stack(self) -> QUndoStack:
        """The stack behind Undo/Redo (for creating actions)."""
        return self._undo_stack

    # ------------------------------------------------------------------ editing API

    def begin_stroke(self, x: float, y: float, pressure: float | None = None) -> None:
        """Start a stroke at (x, y) in canvas units (pressure 0..1 from a tablet, else None)."""
        if self._current is not None:
            self.end_stroke()
        if self._image is not None:
            self._image = None
        stroke = InkStroke(
            width=self._pen_width,
            pressures=None if pressure is None else [],
            erase=self._eraser,
        )
        stroke.add(x, y, pressure)
        self._current = stroke
        self._paint_onto_backing(stroke, 0)
        self.drawing_started.emit()
        self.update()
        self.changed.emit()

    def extend_stroke(self, x: float, y: float, pressure: float | None = None) -> None:
        """Continue the current stroke to (x, y) (ignored when no stroke is being drawn)."""
        stroke = self._current
        if stroke is None:
            return
        last = stroke.points[-1]
        if abs(last[0] - x) < 0.5 and abs(last[1] - y) < 0.5:
            return  # not worth a point
        stroke.add(x, y, pressure)
        self._paint_onto_backing(stroke, len(stroke.points) - 1)
        self.update()
        self.changed.emit()

    def end_stroke(self) -> None:
        """Finish the current stroke (pen-up): it becomes one undoable step."""
        stroke = self._current
        if stroke is None:
            return
        self._current = None
        if self._backing is not None:  # the tail was only painted live, on screen
            painter = self._backing_painter()
            set_mode_for(painter, stroke)
            paint_tail(painter, stroke, self._ink_color())
            painter.end()
        self._undo_stack.push(_AddStroke(self, stroke))
        self.update()
        self.changed.emit()
        self.stroke_finished.emit()

    def add_stroke(self, points: list[tuple[float, float]], width: float | None = None) -> None:
        """Draw a whole stroke through the same path as the pointer (scripts, self-test)."""
        if not points:
            return
        old = self._pen_width
        if width is not None:
            self._pen_width = float(width)
        try:
            self.begin_stroke(*points[0])
            for x, y in points[1:]:
                self.extend_stroke(x, y)
            self.end_stroke()
        finally:
            self._pen_width = old

    def clear(self) -> None:
        """Remove everything (undoable for strokes; an opened picture is just dropped)."""
        had_image = self._image is not None
        self._image = None
        self._current = None
        if self._strokes:
            self._undo_stack.push(_Clear(self, list(self._strokes)))
        elif had_image:
            self.update()
            self.changed.emit()

    def undo(self) -> None:
        """Undo the last stroke or clear."""
        self._undo_stack.undo()

    def redo(self) -> None:
        """Redo what was undone."""
        self._undo_stack.redo()

    # ------------------------------------------------------------------ exports

    def to_qimage(self, scale: float = 1.0) -> QImage:
        """The drawing as black ink on white at `scale` × the canvas size (a picture as is)."""
        if self._image is not None:
            return QImage(self._image)
        w = max(1, round(self._canvas_size[0] * scale))
        h = max(1, round(self._canvas_size[1] * scale))
        layer = render_layer(self.strokes(), (w, h), scale, QColor(0, 0, 0))
        out = QImage(w, h, QImage.Format.Format_RGB32)
        out.fill(QColor(255, 255, 255))
        painter = QPainter(out)
        painter.drawImage(0, 0, layer)
        painter.end()
        return out

    def ink_array(self, scale: float = 1.0) -> np.ndarray:
        """The drawing as an ink array (H, W) float32 in [0, 1] (ink = 1), erasers applied."""
        return render_ink(self.strokes(), self._canvas_size, scale)

    # ------------------------------------------------------------------ undo plumbing

    def _append_stroke(self, stroke: InkStroke, painted: bool) -> None:
        self._strokes.append(stroke)
        if not painted and self._backing is not None:
            painter = self._backing_painter()
            set_mode_for(painter, stroke)
            paint_stroke(painter, stroke, self._ink_color())
            painter.end()
        if not painted:
            self.update()
            self.changed.emit()

    def _pop_stroke(self) -> None:
        if self._strokes:
            self._strokes.pop()
        self._invalidate()
        self.changed.emit()

    def _replace_strokes(self, strokes: list[InkStroke]) -> None:
        self._strokes = strokes
        self._invalidate()
        self.changed.emit()

    # ------------------------------------------------------------------ geometry and colours

    def paper_rect(self) -> QRectF:
        """Where the paper is, in widget pixels (centred, keeping the canvas aspect ratio)."""
        avail_w = max(1.0, self.width() - 2.0 * _MARGIN)
        avail_h = max(1.0, self.height() - 2.0 * _MARGIN)
        cw, ch = self._canvas_size
        scale = min(avail_w / cw, avail_h / ch)
        w, h = cw * scale, ch * scale
        return QRectF((self.width() - w) / 2.0, (self.height() - h) / 2.0, w, h)

    def _scale(self) -> float:
        return self.paper_rect().width() / self._canvas_size[0]

    def map_to_canvas(self, pos: QPointF) -> tuple[float, float]:
        """A widget position in canvas units (clamped to the paper)."""
        rect = self.paper_rect()
        s = self._scale()
        x = (pos.x() - rect.x()) / s
        y = (pos.y() - rect.y()) / s
        return (min(max(x, 0.0), float(self._canvas_size[0])),
                min(max(y, 0.0), float(self._canvas_size[1])))

    def map_from_canvas(self, x: float, y: float) -> QPointF:
        """A point in canvas units as a widget position."""
        rect = self.paper_rect()
        s = self._scale()
        return QPointF(rect.x() + x * s, rect.y() + y * s)

    def _is_dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Window).lightness() < 128

    def _paper_color(self) -> QColor:
        return QColor(0x1E, 0x22, 0x28) if self._is_dark() else QColor(255, 255, 255)

    def _ink_color(self) -> QColor:
        return QColor(0xF2, 0xF2, 0xF2) if self._is_dark() else QColor(0x14, 0x14, 0x14)

    # ------------------------------------------------------------------ backing image

    def _invalidate(self) -> None:
        self._backing = None
        self.update()

    def _backing_painter(self) -> QPainter:
        assert self._backing is not None
        painter = QPainter(self._backing)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = self._scale() * self._backing.devicePixelRatio()
        painter.scale(s, s)
        return painter

    def _ensure_backing(self) -> QImage:
        """Render every stroke into a fresh image if the cached one is stale."""
        rect = self.paper_rect()
        dpr = self.devicePixelRatioF()
        size = QSize(max(1, round(rect.width() * dpr)), max(1, round(rect.height() * dpr)))
        if self._backing is None or self._backing.size() != size:
            self._backing = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
            self._backing.fill(Qt.GlobalColor.transparent)
            painter = self._backing_painter()
            ink = self._ink_color()
            for stroke in self._strokes:
                set_mode_for(painter, stroke)
                paint_stroke(painter, stroke, ink)
            if self._current is not None:
                set_mode_for(painter, self._current)
                paint_stroke(painter, self._current, ink, tail=False)
            painter.end()
            self._backing.setDevicePixelRatio(dpr)
        return self._backing

    def _paint_onto_backing(self, stroke: InkStroke, i: int) -> None:
        if self._backing is None:
            return  # the next paintEvent renders everything
        painter = self._backing_painter()
        set_mode_for(painter, stroke)
        paint_piece(painter, stroke, i, self._ink_color())
        painter.end()

    # ------------------------------------------------------------------ Qt events

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._backing = None
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._invalidate()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        rect = self.paper_rect()
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1.0))
        painter.setBrush(self._paper_color())
        painter.drawRoundedRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5), 6.0, 6.0)
        if self._image is not None:
            self._paint_picture(painter, rect)
        else:
            painter.drawImage(rect.topLeft(), self._ensure_backing())
            if self._current is not None and len(self._current.points) >= 2:
                painter.save()
                painter.translate(rect.topLeft())
                painter.scale(self._scale(), self._scale())
                color = self._paper_color() if self._current.erase else self._ink_color()
                paint_tail(painter, self._current, color)
                painter.restore()
            if not self._strokes and self._current is None and self._hint:
                self._paint_hint(painter, rect)
        if self._hover is not None and rect.contains(self._hover):
            self._paint_pen_outline(painter)
        painter.end()

    def _paint_pen_outline(self, painter: QPainter) -> None:
        assert self._hover is not None
        r = self._pen_width * self._scale() / 2.0
        color = QColor(self._ink_color())
        color.setAlpha(110)
        pen = QPen(color, 1.0)
        if self._eraser:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(self._hover, r, r)

    def _paint_picture(self, painter: QPainter, rect: QRectF) -> None:
        assert self._image is not None
        size = self._image.size().scaled(
            rect.size().toSize(), Qt.AspectRatioMode.KeepAspectRatio
        )
        target = QRectF(
            rect.x() + (rect.width() - size.width()) / 2.0,
            rect.y() + (rect.height() - size.height()) / 2.0,
            size.width(),
            size.height(),
        )
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)

    def _paint_hint(self, painter: QPainter, rect: QRectF) -> None:
        color = QColor(self._ink_color())
        color.setAlpha(70)
        painter.setPen(color)
        font = painter.font()
        font.setPointSizeF(max(11.0, rect.height() / 28.0))
        painter.setFont(font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._hint)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._current is None:
            self.begin_stroke(*self.map_to_canvas(event.position()))
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._set_hover(event.position())
        if self._current is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self.extend_stroke(*self.map_to_canvas(event.position()))
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._current is not None:
            self.extend_stroke(*self.map_to_canvas(event.position()))
            self.end_stroke()
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def _set_hover(self, pos: QPointF | None) -> None:
        if pos != self._hover:
            self._hover = None if pos is None else QPointF(pos)
            self.update()

    def leaveEvent(self, event: QEvent) -> None:
        self._set_hover(None)
        super().leaveEvent(event)

    def tabletEvent(self, event: QTabletEvent) -> None:
        self._set_hover(event.position())
        pos = self.map_to_canvas(event.position())
        pressure = float(event.pressure())
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            flipped = event.pointerType() == QPointingDevice.PointerType.Eraser
            was_eraser = self._eraser
            self._eraser = was_eraser or flipped
            self.begin_stroke(*pos, pressure=pressure)
            self._eraser = was_eraser
        elif kind == QEvent.Type.TabletMove:
            if self._current is not None:
                self.extend_stroke(*pos, pressure=pressure)
        elif kind == QEvent.Type.TabletRelease and self._current is not None:
            self.end_stroke()
        event.accept()  # no synthesized mouse events

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (
            QEvent.Type.TouchBegin,
            QEvent.Type.TouchUpdate,
            QEvent.Type.TouchEnd,
            QEvent.Type.TouchCancel,
        ):
            points = event.points()  # type: ignore[attr-defined]
            if kind == QEvent.Type.TouchBegin and points:
                self.begin_stroke(*self.map_to_canvas(points[0].position()))
            elif kind == QEvent.Type.TouchUpdate and points and self._current is not None:
                self.extend_stroke(*self.map_to_canvas(points[0].position()))
            elif kind in (QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
                self.end_stroke()
            event.accept()
            return True
        return super().event(event)
