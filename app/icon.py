"""The app's icon, drawn in code (a handwritten 7 on a rounded tile): no image files needed."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap


def _tile(size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0x25, 0x6F, 0xD9))
    painter.drawRoundedRect(QRectF(0.04 * s, 0.04 * s, 0.92 * s, 0.92 * s), 0.2 * s, 0.2 * s)
    pen = QPen(QColor(255, 255, 255), 0.11 * s)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    path = QPainterPath(QPointF(0.28 * s, 0.28 * s))
    path.lineTo(QPointF(0.72 * s, 0.27 * s))
    path.quadTo(QPointF(0.55 * s, 0.5 * s), QPointF(0.45 * s, 0.74 * s))
    painter.drawPath(path)
    painter.end()
    return pixmap


def app_icon() -> QIcon:
    """The window icon at the usual sizes."""
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        icon.addPixmap(_tile(size))
    return icon
