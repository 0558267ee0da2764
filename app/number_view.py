"""NumberView: number mode's answer: the number read, and each digit with its confidence.

A click on a digit's picture chooses that digit (`digit_clicked`: to correct it, and to
see it in the network view); the digit the network view shows is outlined (`set_shown`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.ink import gray_to_qimage

_NOT_SURE = QColor(0xE0, 0x8A, 0x1E)
_TOP = 86.0  # px: the number, above the digits' pictures


@dataclass
class _Cell:
    digit: int
    confidence: float
    not_sure: bool
    image: QImage | None


class NumberView(QWidget):
    """Shows e.g. "427" large, then per digit: what the network saw, the digit, its confidence."""

    digit_clicked = Signal(int)  # the index of the digit whose picture was clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cells: list[_Cell] = []
        self._shown: int | None = None  # the digit the network view shows, outlined
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

    def set_shown(self, index: int | None) -> None:
        """Outline digit `index` (the one the network view shows; None: none)."""
        self._shown = index
        self.update()

    def cell_rect(self, i: int) -> QRectF:
        """Where digit i's picture is, in widget pixels."""
        n = len(self._cells)
        gap = 8.0
        cell_w = min(72.0, (self.width() - 16 - gap * (n - 1)) / n)
        x = (self.width() - (n * cell_w + gap * (n - 1))) / 2.0
        return QRectF(x + i * (cell_w + gap), _TOP + 10, cell_w, cell_w)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        for i in range(len(self._cells)):
            rect = self.cell_rect(i)
            if rect.adjusted(-4, -4, 4, 52).contains(event.position()):  # label included
                self.digit_clicked.emit(i)
                return
        super().mousePressEvent(event)

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
        top = QRectF(8, 6, self.width() - 16, _TOP - 6)
        painter.drawText(top, Qt.AlignmentFlag.AlignCenter, self.number())

        small = QFont(self.font())
        for i, cell in enumerate(self._cells):
            target = self.cell_rect(i)
            x, y, side = target.x(), target.y(), target.width()
            painter.fillRect(target, QColor(0, 0, 0))
            if cell.image is not None:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
                painter.drawImage(target, cell.image)
            if i == self._shown:
                painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 2.0))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(target.adjusted(-2.5, -2.5, 2.5, 2.5))
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
        painter.end()
