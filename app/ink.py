"""Strokes as data, and how to paint them with QPainter (shared by the canvas and the exports).

A stroke is a list of points in canvas units with a nominal width and, from a pen tablet,
one pressure per point. The path is smoothed with quadratic curves through the midpoints
of consecutive points; `paint_piece` paints one piece so that the canvas can paint a stroke
incrementally while it is drawn and get exactly what a full repaint would give.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

MIN_PRESSURE_SCALE = 0.3  # width at zero pressure, as a fraction of the nominal width


@dataclass
class InkStroke:
    """One stroke: points (x, y) in canvas units, nominal width, optional pressures 0..1.

    `erase` strokes remove ink instead of adding it (the eraser tool).
    """

    points: list[tuple[float, float]] = field(default_factory=list)
    width: float = 26.0
    pressures: list[float] | None = None
    erase: bool = False

    def add(self, x: float, y: float, pressure: float | None = None) -> None:
        """Append a point (and its pressure, for pressure strokes)."""
        self.points.append((float(x), float(y)))
        if self.pressures is not None:
            self.pressures.append(1.0 if pressure is None else float(min(max(pressure, 0.0), 1.0)))

    def width_at(self, i: int) -> float:
        """The stroke width at point `i` (the nominal width scaled by the pressure)."""
        if self.pressures is None or not self.pressures:
            return self.width
        p = self.pressures[min(i, len(self.pressures) - 1)]
        return self.width * (MIN_PRESSURE_SCALE + (1.0 - MIN_PRESSURE_SCALE) * p)

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        out: dict[str, Any] = {
            "points": [[round(x, 2), round(y, 2)] for x, y in self.points],
            "width": self.width,
            "erase": self.erase,
        }
        if self.pressures is not None:
            out["pressures"] = [round(p, 3) for p in self.pressures]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InkStroke:
        """The stroke stored by `to_json`."""
        pressures = data.get("pressures")
        return cls(
            points=[(float(x), float(y)) for x, y in data["points"]],
            width=float(data["width"]),
            pressures=None if pressures is None else [float(p) for p in pressures],
            erase=bool(data.get("erase", False)),
        )


def _mid(a: tuple[float, float], b: tuple[float, float]) -> QPointF:
    return QPointF((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0)


def _pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, max(width, 0.5))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _dot(painter: QPainter, color: QColor, point: tuple[float, float], width: float) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    r = width / 2.0
    painter.drawEllipse(QRectF(point[0] - r, point[1] - r, 2 * r, 2 * r))
    painter.setBrush(Qt.BrushStyle.NoBrush)


def paint_piece(painter: QPainter, stroke: InkStroke, i: int, color: QColor) -> None:
    """Paint the piece of `stroke` that point `i` completes (i >= 1; 0 paints the start dot).

    Piece i runs from the midpoint before point i-1 to the midpoint between i-1 and i.
    """
    pts = stroke.points
    if i == 0:
        _dot(painter, color, pts[0], stroke.width_at(0))
        return
    painter.setPen(_pen(color, (stroke.width_at(i - 1) + stroke.width_at(i)) / 2.0))
    path = QPainterPath()
    if i == 1:
        path.moveTo(QPointF(*pts[0]))
        path.lineTo(_mid(pts[0], pts[1]))
    else:
        path.moveTo(_mid(pts[i - 2], pts[i - 1]))
        path.quadTo(QPointF(*pts[i - 1]), _mid(pts[i - 1], pts[i]))
    painter.drawPath(path)


def paint_tail(painter: QPainter, stroke: InkStroke, color: QColor) -> None:
    """Paint the last half-segment (from the last midpoint to the last point)."""
    pts = stroke.points
    if len(pts) < 2:
        return
    painter.setPen(_pen(color, stroke.width_at(len(pts) - 1)))
    painter.drawLine(_mid(pts[-2], pts[-1]), QPointF(*pts[-1]))


def paint_stroke(painter: QPainter, stroke: InkStroke, color: QColor, tail: bool = True) -> None:
    """Paint a whole stroke (with its tail unless `tail` is False)."""
    if not stroke.points:
        return
    for i in range(len(stroke.points)):
        paint_piece(painter, stroke, i, color)
    if tail:
        paint_tail(painter, stroke, color)


def set_mode_for(painter: QPainter, stroke: InkStroke) -> None:
    """Composition mode for `stroke`: erasers remove ink, ink paints over."""
    painter.setCompositionMode(
        QPainter.CompositionMode.CompositionMode_DestinationOut
        if stroke.erase
        else QPainter.CompositionMode.CompositionMode_SourceOver
    )


def paint_strokes(painter: QPainter, strokes: Iterable[InkStroke], color: QColor) -> None:
    """Paint strokes in order onto a transparent layer (erasers clear what is under them)."""
    for stroke in strokes:
        set_mode_for(painter, stroke)
        paint_stroke(painter, stroke, color)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)


Picture = tuple[QImage, QRectF]
"""A picture under the strokes (a transparent ink image) and where it lies, in canvas units."""


def paint_picture(painter: QPainter, picture: Picture | None) -> None:
    """Paint the picture (if any) scaled into its place, smoothly."""
    if picture is None:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(picture[1], picture[0])
    painter.restore()


def render_layer(
    strokes: Sequence[InkStroke], size: tuple[int, int], scale: float, color: QColor,
    picture: Picture | None = None,
) -> QImage:
    """A transparent ARGB image `size` (w, h) pixels with the picture (if any) and the
    strokes over it painted at `scale` (erasers remove the picture's ink too)."""
    image = QImage(size[0], size[1], QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(scale, scale)
    paint_picture(painter, picture)
    paint_strokes(painter, strokes, color)
    painter.end()
    return image


def render_ink(
    strokes: Sequence[InkStroke], canvas_size: tuple[int, int], scale: float = 1.0,
    picture: Picture | None = None,
) -> np.ndarray:
    """The picture (if any, its ink image black) and the strokes as an ink array (H, W)
    float32 in [0, 1], ink = 1, at `scale` × canvas size."""
    w = max(1, round(canvas_size[0] * scale))
    h = max(1, round(canvas_size[1] * scale))
    layer = render_layer(strokes, (w, h), scale, QColor(0, 0, 0), picture)
    return alpha_of(layer)


def alpha_of(image: QImage) -> np.ndarray:
    """The alpha channel of an ARGB image as float32 (H, W) in [0, 1]."""
    alpha = image.convertToFormat(QImage.Format.Format_Alpha8)
    h, w = alpha.height(), alpha.width()
    buf = np.frombuffer(alpha.constBits(), dtype=np.uint8, count=alpha.bytesPerLine() * h)
    return buf.reshape(h, alpha.bytesPerLine())[:, :w].astype(np.float32) / 255.0


def gray_to_qimage(image: np.ndarray) -> QImage:
    """A float [0, 1] (H, W) array (ink = 1) as a white-on-black 8-bit QImage (owns its data)."""
    data = np.ascontiguousarray(np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8))
    h, w = data.shape
    return QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """A uint8 (H, W, 3) array as an RGB888 QImage (owns its data)."""
    data = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = data.shape
    return QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()

