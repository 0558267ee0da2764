"""DrawingCanvas: draw with the mouse, a pen tablet (pressure) or a finger.

The canvas keeps the drawing as data (a `Drawing`: an opened picture's `ImageLayer` under
`InkStroke`s in canvas units, independent of the widget's size) and paints it into a
`BackingImage` offscreen; `paintEvent` only copies that image (plus the live tail of the
stroke being drawn) to the screen. Undo/redo go through the drawing's QUndoStack; clearing
and opening a picture are undoable too. Tablet and touch events become strokes in
`app.canvas_input`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTabletEvent,
    QUndoStack,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.canvas_input import tablet_to_strokes, touch_to_strokes
from app.drawing import Drawing
from app.image_layer import ImageLayer
from app.ink import InkStroke, Picture, paint_tail, render_ink, render_layer
from app.paper import (
    BackingImage,
    ink_color,
    paint_hint,
    paint_paper,
    paint_pen_outline,
    paper_color,
)

DEFAULT_CANVAS_SIZE = (512, 512)
MIN_PEN_WIDTH = 4.0
MAX_PEN_WIDTH = 80.0
_MARGIN = 6  # pixels between the widget's edge and the paper


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
        self._drawing = Drawing(self, self._on_stroke_restored, self._on_strokes_reset)
        self._pen_width = 26.0
        self._eraser = False
        self._backing = BackingImage()  # picture and strokes at the paper's pixel size
        self._hint = "Draw a digit here"
        self._hover: QPointF | None = None  # pointer position (widget px) for the pen outline
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
        """Change the drawing's size (e.g. wide for number mode): the strokes, the opened
        picture and the undo history stay, moved onto the new size (`Drawing.refit`)."""
        size = (int(size[0]), int(size[1]))
        if size == self._canvas_size:
            return
        if self.is_drawing():
            self.end_stroke()
        self._drawing.refit(self._canvas_size, size)
        self._canvas_size = size
        self._invalidate()
        self.changed.emit()

    def strokes(self) -> list[InkStroke]:
        """A copy of the drawing: finished strokes and the one being drawn."""
        return self._drawing.copy()

    def stroke_count(self) -> int:
        """Number of finished strokes."""
        return len(self._drawing.strokes)

    def is_empty(self) -> bool:
        """True when there is no stroke and no opened picture."""
        return self._drawing.is_blank()

    def has_strokes(self) -> bool:
        """True when there are strokes (finished or being drawn), erasers included."""
        return bool(self._drawing.strokes) or self.is_drawing()

    def is_drawing(self) -> bool:
        """True between pen-down and pen-up."""
        return self._drawing.current is not None

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

    def image(self) -> ImageLayer | None:
        """The opened picture under the strokes, if any."""
        return self._drawing.image

    def set_image(self, image: ImageLayer) -> None:
        """Open a picture: it replaces the drawing, as one undoable step ("Open Image");
        strokes drawn afterwards go on top of it."""
        if self.is_drawing():
            self.end_stroke()
        self._drawing.open_image(image)

    def undo_stack(self) -> QUndoStack:
        """The stack behind Undo/Redo (for creating actions)."""
        return self._drawing.undo_stack

    # ------------------------------------------------------------------ editing API

    def begin_stroke(self, x: float, y: float, pressure: float | None = None) -> None:
        """Start a stroke at (x, y) in canvas units (pressure 0..1 from a tablet, else None)."""
        if self.is_drawing():
            self.end_stroke()
        stroke = self._drawing.begin(x, y, self._pen_width, pressure, self._eraser)
        self._backing.paint_piece(stroke, 0, ink_color(self.palette()), self._scale())
        self.drawing_started.emit()
        self.update()
        self.changed.emit()

    def extend_stroke(self, x: float, y: float, pressure: float | None = None) -> None:
        """Continue the current stroke to (x, y) (ignored when no stroke is being drawn)."""
        stroke = self._drawing.extend(x, y, pressure)
        if stroke is None:
            return
        last = len(stroke.points) - 1
        self._backing.paint_piece(stroke, last, ink_color(self.palette()), self._scale())
        self.update()
        self.changed.emit()

    def end_stroke(self) -> None:
        """Finish the current stroke (pen-up): it becomes one undoable step."""
        stroke = self._drawing.finish()
        if stroke is None:
            return
        # the tail was only painted live, on screen
        self._backing.paint_tail(stroke, ink_color(self.palette()), self._scale())
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
        """Remove the strokes and the opened picture, as one undoable step."""
        was_drawing = self.is_drawing()
        if not self._drawing.clear() and was_drawing:  # only a stroke being drawn went
            self._invalidate()
            self.changed.emit()

    def undo(self) -> None:
        """Undo the last stroke or clear."""
        self._drawing.undo_stack.undo()

    def redo(self) -> None:
        """Redo what was undone."""
        self._drawing.undo_stack.redo()

    # ------------------------------------------------------------------ exports

    def to_qimage(self, scale: float = 1.0) -> QImage:
        """The drawing (the opened picture's ink and the strokes) as black ink on white at
        `scale` × the canvas size."""
        w = max(1, round(self._canvas_size[0] * scale))
        h = max(1, round(self._canvas_size[1] * scale))
        black = QColor(0, 0, 0)
        layer = render_layer(self.strokes(), (w, h), scale, black, self._picture(black))
        out = QImage(w, h, QImage.Format.Format_RGB32)
        out.fill(QColor(255, 255, 255))
        painter = QPainter(out)
        painter.drawImage(0, 0, layer)
        painter.end()
        return out

    def ink_array(self, scale: float = 1.0) -> np.ndarray:
        """The drawing (the opened picture's ink and the strokes, erasers applied to both) as
        an ink array (H, W) float32 in [0, 1], ink = 1, at `scale` × the canvas size."""
        return render_ink(self.strokes(), self._canvas_size, scale,
                          self._picture(QColor(0, 0, 0)))

    def _picture(self, color: QColor) -> Picture | None:
        """The opened picture's ink in `color` and its place on the canvas, if any."""
        layer = self._drawing.image
        if layer is None:
            return None
        return layer.ink_image(color), layer.rect_in(self._canvas_size)

    # ------------------------------------------------------------------ undo callbacks

    def _on_stroke_restored(self, stroke: InkStroke) -> None:
        self._backing.paint_stroke(stroke, ink_color(self.palette()), self._scale())
        self.update()
        self.changed.emit()

    def _on_strokes_reset(self) -> None:
        self._invalidate()
        self.changed.emit()

    # ------------------------------------------------------------------ geometry

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

    # ------------------------------------------------------------------ backing image

    def _invalidate(self) -> None:
        self._backing.invalidate()
        self.update()

    def _backing_image(self) -> QImage:
        rect = self.paper_rect()
        dpr = self.devicePixelRatioF()
        size = QSize(max(1, round(rect.width() * dpr)), max(1, round(rect.height() * dpr)))
        ink = ink_color(self.palette())
        return self._backing.image(size, dpr, self._scale(), self._drawing, ink,
                                   self._picture(ink))

    # ------------------------------------------------------------------ Qt events

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._backing.invalidate()
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
        paint_paper(painter, rect, self.palette())
        ink = ink_color(self.palette())
        painter.drawImage(rect.topLeft(), self._backing_image())
        current = self._drawing.current
        if current is not None and len(current.points) >= 2:
            painter.save()
            painter.translate(rect.topLeft())
            painter.scale(self._scale(), self._scale())
            color = paper_color(self.palette()) if current.erase else ink
            paint_tail(painter, current, color)
            painter.restore()
        if self._drawing.is_blank() and self._hint:
            paint_hint(painter, rect, self._hint, ink)
        if self._hover is not None and rect.contains(self._hover):
            radius = self._pen_width * self._scale() / 2.0
            paint_pen_outline(painter, self._hover, radius, ink, self._eraser)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self.is_drawing():
            self.begin_stroke(*self.map_to_canvas(event.position()))
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._set_hover(event.position())
        if self.is_drawing() and event.buttons() & Qt.MouseButton.LeftButton:
            self.extend_stroke(*self.map_to_canvas(event.position()))
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.is_drawing():
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
        tablet_to_strokes(self, event)

    def event(self, event: QEvent) -> bool:
        return touch_to_strokes(self, event) or super().event(event)
