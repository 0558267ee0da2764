"""ProbabilityBars: the predicted digit shown large, and one bar per digit with its percentage.

The widget owns no model: `set_probabilities(p, not_sure)` shows an answer, `clear()` shows
the "Draw a digit" hint. Clicking a bar emits `digit_clicked(d)` ("that was a d").
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

_HEADER = 112.0  # height of the big-digit area, pixels
_ROW = 27.0  # height of one bar row (rows shrink to _MIN_ROW in a short window)
_MIN_ROW = 16.0
_PAD = 10.0
_NOT_SURE = QColor(0xE0, 0x8A, 0x1E)  # amber: "I am not sure"
_TAUGHT = QColor(0x2E, 0xA0, 0x43)  # green: a correction was stored


class ProbabilityBars(QWidget):
    """Ten horizontal bars (digits 0-9) with percentages; the top class is highlighted."""

    digit_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._probabilities: np.ndarray | None = None
        self._not_sure = False
        self._taught: int | None = None
        self._hover: int | None = None
        self._hint = "Draw a digit"
        self._subhint = "in the box on the left"
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(self.minimumSizeHint())
        self.setAccessibleName("Probabilities")

    def sizeHint(self) -> QSize:
        return QSize(300, int(_HEADER + 10 * _ROW + 2 * _PAD))

    def minimumSizeHint(self) -> QSize:
        return QSize(220, int(_HEADER + 10 * _MIN_ROW + 2 * _PAD))

    # ------------------------------------------------------------------ state

    def probabilities(self) -> np.ndarray | None:
        """The probabilities shown (10,), or None when empty."""
        return None if self._probabilities is None else self._probabilities.copy()

    def predicted_digit(self) -> int | None:
        """The highlighted (top) digit, or None when empty."""
        if self._probabilities is None:
            return None
        return int(np.argmax(self._probabilities))

    def is_not_sure(self) -> bool:
        """True when the "not sure" state is shown."""
        return self._probabilities is not None and self._not_sure

    def is_empty(self) -> bool:
        """True when no bars are shown (the hint is)."""
        return self._probabilities is None

    def hint(self) -> str:
        """The text shown when there is nothing to classify."""
        return self._hint

    def set_probabilities(self, probabilities: np.ndarray, not_sure: bool = False) -> None:
        """Show ten probabilities (any non-negative values; they are normalised)."""
        p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
        if p.shape != (10,):
            raise ValueError(f"expected 10 probabilities, got shape {p.shape}")
        p = np.nan_to_num(np.clip(p, 0.0, None))
        total = p.sum()
        self._probabilities = p / total if total > 0 else np.full(10, 0.1)
        self._not_sure = bool(not_sure)
        self._taught = None
        self.update()

    def clear(self) -> None:
        """No drawing: hide the bars and show the hint."""
        self._probabilities = None
        self._not_sure = False
        self._taught = None
        self.update()

    def set_hint(self, text: str, subtext: str = "") -> None:
        """Change the text shown when empty."""
        self._hint, self._subhint = text, subtext
        self.update()

    def set_taught(self, digit: int | None) -> None:
        """Mark `digit` as the answer the user taught (a tick beside its bar)."""
        self._taught = digit
        self.update()

    def taught(self) -> int | None:
        """The digit marked by `set_taught`."""
        return self._taught

    # ------------------------------------------------------------------ geometry

    def bar_rect(self, digit: int) -> QRectF:
        """The row of `digit` (label, bar and percentage), in widget pixels."""
        row = max(_MIN_ROW, min(_ROW, (self.height() - 2 * _PAD - _HEADER) / 10.0))
        return QRectF(_PAD, _PAD + _HEADER + digit * row, self.width() - 2 * _PAD, row)

    def digit_at(self, pos: QPointF) -> int | None:
        """The digit whose row is under `pos`, if bars are shown."""
        if self._probabilities is None:
            return None
        for d in range(10):
            if self.bar_rect(d).contains(pos):
                return d
        return None

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._probabilities is None:
            self._paint_hint(painter)
        else:
            self._paint_header(painter, self._probabilities)
            for d in range(10):
                self._paint_row(painter, d, self._probabilities)
        painter.end()

    def _accent(self) -> QColor:
        return _NOT_SURE if self._not_sure else self.palette().color(QPalette.ColorRole.Highlight)

    def _muted(self) -> QColor:
        color = QColor(self.palette().color(QPalette.ColorRole.WindowText))
        color.setAlphaF(0.55)
        return color

    def _paint_hint(self, painter: QPainter) -> None:
        area = QRectF(_PAD, _PAD, self.width() - 2 * _PAD, self.height() - 2 * _PAD)
        font = QFont(self.font())
        font.setPointSizeF(self.font().pointSizeF() * 1.6)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(self._muted())
        top = QRectF(area.x(), area.y(), area.width(), area.height() / 2.0)
        painter.drawText(top, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                         self._hint)
        if self._subhint:
            font.setBold(False)
            font.setPointSizeF(self.font().pointSizeF())
            painter.setFont(font)
            bottom = QRectF(area.x(), area.center().y() + 6, area.width(), area.height() / 2.0)
            painter.drawText(bottom, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             self._subhint)

    def _paint_header(self, painter: QPainter, p: np.ndarray) -> None:
        order = np.argsort(p)[::-1]
        top, second = int(order[0]), int(order[1])
        text_color = self.palette().color(QPalette.ColorRole.WindowText)
        digit_box = QRectF(_PAD, _PAD, 96.0, _HEADER - 12.0)
        big = QFont(self.font())
        big.setPixelSize(int(_HEADER * 0.8))
        big.setBold(True)
        painter.setFont(big)
        painter.setPen(self._accent() if self._not_sure else text_color)
        painter.drawText(digit_box, Qt.AlignmentFlag.AlignCenter,
                         "?" if self._not_sure else str(top))

        info = QRectF(digit_box.right() + 8, _PAD, self.width() - digit_box.right() - 8 - _PAD,
                      _HEADER - 12.0)
        title = QFont(self.font())
        title.setPointSizeF(self.font().pointSizeF() * 1.35)
        title.setBold(True)
        painter.setFont(title)
        if self._not_sure:
            painter.setPen(_NOT_SURE)
            headline = "Not sure"
            detail = (f"maybe {a_digit(top)} ({p[top]:.0%})\n"
                      f"or {a_digit(second)} ({p[second]:.0%})")
        else:
            painter.setPen(text_color)
            headline = f"It's {a_digit(top)}"
            detail = f"{p[top]:.0%} sure"
        half = QRectF(info.x(), info.y(), info.width(), info.height() * 0.45)
        painter.drawText(half, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, headline)
        painter.setFont(self.font())
        painter.setPen(self._muted())
        rest = QRectF(info.x(), half.bottom() + 4, info.width(), info.height() - half.height())
        painter.drawText(rest, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, detail)

    def _paint_row(self, painter: QPainter, d: int, p: np.ndarray) -> None:
        row = self.bar_rect(d)
        top = int(np.argmax(p))
        pal = self.palette()
        text_color = pal.color(QPalette.ColorRole.WindowText)
        if self._hover == d:
            hover = QColor(pal.color(QPalette.ColorRole.Highlight))
            hover.setAlphaF(0.12)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(hover)
            painter.drawRoundedRect(row, 4.0, 4.0)

        font = QFont(self.font())
        font.setBold(d == top)
        painter.setFont(font)
        painter.setPen(text_color if d == top else self._muted())
        label = QRectF(row.x() + 4, row.y(), 22.0, row.height())
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter, str(d))

        pct_w = 58.0
        track = QRectF(label.right() + 6, row.y() + 6, row.width() - label.width() - pct_w - 16,
                       row.height() - 12)
        trough = QColor(text_color)
        trough.setAlphaF(0.08)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(trough)
        painter.drawRoundedRect(track, 3.0, 3.0)
        fill = QRectF(track)
        fill.setWidth(max(track.width() * float(p[d]), 0.0))
        if fill.width() >= 1.0:
            if d == top:
                color = self._accent()
            else:
                color = QColor(text_color)
                color.setAlphaF(0.35)
            painter.setBrush(color)
            painter.drawRoundedRect(fill, 3.0, 3.0)

        pct = QRectF(track.right() + 4, row.y(), pct_w, row.height())
        painter.setPen(text_color if d == top else self._muted())
        if self._taught == d:
            painter.setPen(_TAUGHT)
            painter.drawText(pct, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             "✓ taught")
        else:
            painter.drawText(pct, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             _percent(float(p[d])))

    # ------------------------------------------------------------------ mouse

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        digit = self.digit_at(event.position())
        if digit != self._hover:
            self._hover = digit
            if digit is None:
                self.unsetCursor()
                self.setToolTip("")
            else:
                self.setCursor(Qt.CursorShape.PointingHandCursor)
                self.setToolTip(f"Wrong answer? Click to teach: this is {a_digit(digit)} "
                                f"(or press {digit})")
            self.update()

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.unsetCursor()
        self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        digit = self.digit_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and digit is not None:
            self.digit_clicked.emit(digit)
            event.accept()
        else:
            super().mousePressEvent(event)


def a_digit(d: int) -> str:
    """"a 7", "an 8"."""
    return f"an {d}" if d == 8 else f"a {d}"


def _percent(p: float) -> str:
    if p >= 0.995:
        return "100%"
    if p >= 0.1:
        return f"{p:.0%}"
    if p >= 0.001:
        return f"{p:.1%}"
    return "<0.1%"
