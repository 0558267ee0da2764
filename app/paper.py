"""How the canvas paints: the drawing's backing image and the look of the paper.

`BackingImage` keeps the opened picture's ink and the strokes painted at the paper's pixel
size, piece by piece while a stroke is drawn, so that a repaint only copies an image. The
functions below give the paper and ink colours for a palette and paint what lies on the
paper besides the ink.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen

from app.drawing import Drawing
from app.ink import (
    InkStroke,
    Picture,
    paint_picture,
    paint_piece,
    paint_stroke,
    paint_strokes,
    paint_tail,
    set_mode_for,
)


class BackingImage:
    """The picture (if any) and the strokes over it painted at the paper's pixel size;
    `scale` is widget pixels per canvas unit.

    Painting onto a stale (invalidated) image does nothing: the next `image()` renders
    everything from the drawing.
    """

    def __init__(self) -> None:
        self._image: QImage | None = None

    def invalidate(self) -> None:
        """Drop the image (after a resize, a palette change, an undo…)."""
        self._image = None

    def image(self, size: QSize, dpr: float, scale: float, drawing: Drawing,
              ink: QColor, picture: Picture | None) -> QImage:
        """The image, `size` device pixels, rendered anew from `picture` (the drawing's
        picture, in `ink`) and `drawing`'s strokes if stale."""
        if self._image is None or self._image.size() != size:
            self._image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
            self._image.fill(Qt.GlobalColor.transparent)
            painter = self._painter(scale)
            paint_picture(painter, picture)
            paint_strokes(painter, drawing.strokes, ink)
            if drawing.current is not None:
                set_mode_for(painter, drawing.current)
                paint_stroke(painter, drawing.current, ink, tail=False)
            painter.end()
            self._image.setDevicePixelRatio(dpr)
        return self._image

    def paint_piece(self, stroke: InkStroke, i: int, ink: QColor, scale: float) -> None:
        """Paint the piece of `stroke` that its point `i` completes (see `ink.paint_piece`)."""
        self._paint(stroke, scale, lambda painter: paint_piece(painter, stroke, i, ink))

    def paint_tail(self, stroke: InkStroke, ink: QColor, scale: float) -> None:
        """Paint the last half-segment of a finished stroke (only painted live until then)."""
        self._paint(stroke, scale, lambda painter: paint_tail(painter, stroke, ink))

    def paint_stroke(self, stroke: InkStroke, ink: QColor, scale: float) -> None:
        """Paint a whole stroke on top (a stroke brought back by redo)."""
        self._paint(stroke, scale, lambda painter: paint_stroke(painter, stroke, ink))

    def _paint(self, stroke: InkStroke, scale: float, draw: Callable[[QPainter], None]) -> None:
        """Run `draw` with a painter on the backing image, in `stroke`'s mode (ink/eraser)."""
        if self._image is None:
            return
        painter = self._painter(scale)
        set_mode_for(painter, stroke)
        draw(painter)
        painter.end()

    def _painter(self, scale: float) -> QPainter:
        assert self._image is not None
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = scale * self._image.devicePixelRatio()
        painter.scale(s, s)
        return painter


def is_dark(palette: QPalette) -> bool:
    """True for a dark colour scheme (a dark window background)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def paper_color(palette: QPalette) -> QColor:
    """The paper: white, or dark slate in a dark scheme."""
    return QColor(0x1E, 0x22, 0x28) if is_dark(palette) else QColor(255, 255, 255)


def ink_color(palette: QPalette) -> QColor:
    """The ink on screen: near black, or near white in a dark scheme."""
    return QColor(0xF2, 0xF2, 0xF2) if is_dark(palette) else QColor(0x14, 0x14, 0x14)


def paint_paper(painter: QPainter, rect: QRectF, palette: QPalette) -> None:
    """The blank sheet at `rect` (widget pixels), with a thin rounded border."""
    painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1.0))
    painter.setBrush(paper_color(palette))
    painter.drawRoundedRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5), 6.0, 6.0)


def paint_hint(painter: QPainter, rect: QRectF, text: str, ink: QColor) -> None:
    """Faint `text` in the middle of an empty sheet, sized to the sheet's height."""
    color = QColor(ink)
    color.setAlpha(70)
    painter.setPen(color)
    font = painter.font()
    font.setPointSizeF(max(11.0, rect.height() / 28.0))
    painter.setFont(font)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def paint_pen_outline(painter: QPainter, centre: QPointF, radius: float, ink: QColor,
                      eraser: bool) -> None:
    """The pen's outline under the pointer (`radius` in widget pixels; dashed for the eraser)."""
    color = QColor(ink)
    color.setAlpha(110)
    pen = QPen(color, 1.0)
    if eraser:
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(centre, radius, radius)
