"""NumberView: number mode's answer: the number read, and each digit with its confidence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.ink import gray_to_qimage

_NOT_SURE = QColor(0xE0, 0x8A, 0x1E)


@dataclass
class _Cell:
    digit: int
    confidence: float
    not_sure: bool
    image: QImage | None


class NumberView(QWidget):
    """Shows e.g. "427" large, then per digit: what the network saw, the digit, its confidence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cells: list[_Cell] = []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(220, 200)
        self.setAccessibleName("Number")

    def sizeHint(self) -> QSize:
        return QSize(300, 260)

    def number(self) -> str:
        """The digits shown, left to right ("" when empty)."""
        return "".join(str(c.digit) for c in self._cells)

    def set_digits(self, digits: list[tuple[int, float, bool, np.ndarray | None]]) -> None:
        """Show digits as (digit, confidence 0..1, not_sure, 28×28 image or None)."""
        self._cells = [
            _Cell(int(d), float(c), bool(ns), None if img is None else gray_to_qimage(img))
            for d, c, ns, img in digits
        ]
        self.update()

    def clear(self) -> None:
        """Nothing written: show the hint."""
        self._cells = []
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        muted = QColor(text)
        muted.setAlphaF(0.55)
        if not self._cells:
            font = QFont(self.font())
            font.setPointSizeF(self.font().pointSizeF() * 1.5)
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(muted)
            painter.drawText(self.rect().adjusted(8, 8, -8, -8),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             "Write a number\nwith the digits side by side")
            painter.end()
            return
        big = QFont(self.font())
        big.setPixelSize(64)
        big.setBold(True)
        painter.setFont(big)
        painter.setPen(text)
        top = QRectF(8, 6, self.width() - 16, 80)
        painter.drawText(top, Qt.AlignmentFlag.AlignCenter, self.number())

        n = len(self._cells)
        gap = 8.0
        cell_w = min(72.0, (self.width() - 16 - gap * (n - 1)) / n)
        x = (self.width() - (n * cell_w + gap * (n - 1))) / 2.0
        y = top.bottom() + 10
        small = QFont(self.font())
        for cell in self._cells:
            side = cell_w
            target = QRectF(x, y, side, side)
            painter.fillRect(target, QColor(0, 0, 0))
            if cell.image is not None:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
                painter.drawImage(target, cell.image)
            small.setBold(True)
            small.setPointSizeF(self.font().pointSizeF() * 1.3)
            painter.setFont(small)
            painter.setPen(_NOT_SURE if cell.not_sure else text)
            label = str(cell.digit) + ("?" if cell.not_sure else "")
            painter.drawText(QRectF(x, y + side + 2, side, 24), Qt.AlignmentFlag.AlignCenter, label)
            small.setBold(False)
            small.setPointSizeF(self.font().pointSizeF())
            painter.setFont(small)
            painter.setPen(_NOT_SURE if cell.not_sure else muted)
            painter.drawText(QRectF(x - 4, y + side + 24, side + 8, 20),
                             Qt.AlignmentFlag.AlignCenter, f"{cell.confidence:.0%}")
            x += cell_w + gap
        painter.end()
