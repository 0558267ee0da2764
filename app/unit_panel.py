"""UnitPanel: what drives the unit selected in the network view, beside it.

For a conv map: its value at the pixel pointed at and its 5×5 filter (one per input map for
conv2), with the input window it sees for conv1; for a pool: what it takes the largest of;
for fc1: its weights laid out as pool2's maps; for later dense units and the output: the
inputs whose activation × weight adds most. Weights are blue (negative) to red (positive).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.heatmap import activation_image, weight_colour, weight_image
from app.network_layout import Unit
from app.network_units import (
    Contribution,
    stage_caption,
    top_contributions,
    unit_value,
    unit_weights,
)

TIMES = "\N{MULTIPLICATION SIGN}"
MINUS = "\N{MINUS SIGN}"
_LINE = 18.0


def _signed(v: float) -> str:
    return f"{MINUS if v < 0 else '+'}{abs(v):.2f}"


class UnitPanel(QWidget):
    """Paints `set_unit(stages, activations, unit, pinned)`; `shown_weights()`, `value()`
    and `contributions()` are what it shows (for tests and screen readers)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stages: list[Any] | None = None
        self._acts: dict[str, np.ndarray] | None = None
        self._unit: Unit | None = None
        self._pinned = False
        self._number_mode = False
        self._weights: np.ndarray | None = None
        self._weight_images: list[QImage] = []
        self._weights_key: tuple[int, int, int] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setFixedWidth(250)  # the dock sets it to its share of the width
        self.setMinimumHeight(170)
        self.setAccessibleName("Selected unit")

    def sizeHint(self) -> QSize:
        return QSize(250, 230)

    # ------------------------------------------------------------------ state

    def set_number_mode(self, on: bool) -> None:
        """Number mode: the view shows one digit of a number (the hint says so)."""
        if on != self._number_mode:
            self._number_mode = on
            self.update()

    def set_unit(self, stages: list[Any] | None, acts: dict[str, np.ndarray] | None,
                 unit: Unit | None, pinned: bool = False) -> None:
        """Explain `unit` of `stages` with `acts` (None: nothing selected or drawn)."""
        self._stages, self._acts, self._unit, self._pinned = stages, acts, unit, pinned
        key = None if unit is None or stages is None else (id(stages), unit.stage, unit.index)
        if key != self._weights_key:
            self._weights_key = key
            self._weights = None if key is None else unit_weights(stages, unit)
            self._weight_images = self._images_of(self._weights)
        self.update()

    def unit(self) -> Unit | None:
        return self._unit

    def shown_weights(self) -> np.ndarray | None:
        """The weights drawn: a conv filter (C_in, K, K), fc1's column as (C, H, W), a later
        dense unit's column (D_in,); None when there are none."""
        return None if self._weights is None else self._weights.copy()

    def value(self) -> float | None:
        """The selected unit's activation (None before a digit is drawn)."""
        if self._unit is None or self._acts is None or self._stages is None:
            return None
        return unit_value(self._acts, self._stages, self._unit)

    def contributions(self) -> list[Contribution]:
        """A dense unit's strongest inputs, largest first ([] otherwise)."""
        u, stages = self._unit, self._stages
        if u is None or stages is None or self._acts is None or u.stage == 0:
            return []
        if stages[u.stage].kind != "dense":
            return []
        return top_contributions(self._acts, stages, u, 7)

    @staticmethod
    def _images_of(weights: np.ndarray | None) -> list[QImage]:
        if weights is None or weights.ndim != 3:
            return []
        peak = float(np.abs(weights).max()) or 1.0  # one scale for all: they compare
        return [weight_image(w, peak) for w in weights]

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        muted = QColor(text)
        muted.setAlphaF(0.62)
        area = QRectF(6.0, 4.0, self.width() - 12.0, self.height() - 8.0)
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1.0))
        painter.drawLine(0, 6, 0, self.height() - 6)
        u, stages = self._unit, self._stages
        if u is None or stages is None:
            painter.setPen(muted)
            hint = ("Write a number and every layer lights up for one of its digits."
                    if self._number_mode else "Draw a digit and every layer lights up.")
            hint += "\n\nPoint at a map or a cell to see what drives it; click to keep it shown."
            painter.drawText(area, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignVCenter,
                             hint)
            painter.end()
            return
        y = self._paint_title(painter, area, text, muted)
        stage = stages[u.stage]
        if stage.kind == "conv":
            self._paint_filters(painter, area, y, muted)
        elif stage.kind == "pool":
            before = stage_caption(stages, u.stage - 1)[0]
            k = stage.kernel
            painter.setPen(muted)
            painter.drawText(QRectF(area.x(), y, area.width(), 80.0), Qt.TextFlag.TextWordWrap,
                             f"The largest value in each {k}{TIMES}{k} window of {before}'s "
                             f"map {u.index + 1}: it halves the map and learns nothing.")
        elif stage.kind == "dense" and self._weight_images:
            self._paint_filters(painter, area, y, muted)
        elif stage.kind == "dense":
            self._paint_contributions(painter, area, y, text, muted)
        if self._pinned:
            painter.setPen(muted)
            painter.drawText(QRectF(area.x(), area.bottom() - _LINE, area.width(), _LINE),
                             Qt.AlignmentFlag.AlignLeft, "Pinned: click it again to let go")
        painter.end()

    def _paint_title(self, painter: QPainter, area: QRectF, text: QColor,
                     muted: QColor) -> float:
        u, stages = self._unit, self._stages
        assert u is not None and stages is not None
        stage = stages[u.stage]
        name = stage_caption(stages, u.stage)[0]
        count = stage.shape[0]
        if stage.kind == "input":
            title = f"input {TIMES} pixel row {u.y + 1}, column {u.x + 1}"
        elif u.stage == len(stages) - 1:
            title = f"{name}: the digit {u.index}"
        elif len(stage.shape) == 3:
            title = f"{name}: map {u.index + 1} of {count}"
        else:
            title = f"{name}: unit {u.index + 1} of {count}"
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(QRectF(area.x(), area.y(), area.width(), _LINE),
                         Qt.AlignmentFlag.AlignLeft, title)
        painter.setFont(self.font())
        value = self.value()
        if value is None:
            line = "Draw a digit to see its value"
        elif u.stage == len(stages) - 1:
            line = f"score {value:.2f} (before the softmax)"
        elif len(stage.shape) == 3 and stage.kind != "input":
            line = f"{value:.2f} at row {u.y + 1}, column {u.x + 1}"
        else:
            line = f"activation {value:.2f}"
        painter.setPen(muted)
        painter.drawText(QRectF(area.x(), area.y() + _LINE, area.width(), _LINE),
                         Qt.AlignmentFlag.AlignLeft, line)
        return area.y() + 2 * _LINE + 4.0

    def _paint_filters(self, painter: QPainter, area: QRectF, y: float, muted: QColor) -> None:
        """The unit's weights as small blue-red images (a conv's filters, fc1's maps)."""
        u, stages, w = self._unit, self._stages, self._weights
        assert u is not None and stages is not None and w is not None
        stage = stages[u.stage]
        before = stage_caption(stages, u.stage - 1)[0]
        n, kh, kw = w.shape
        if stage.kind == "conv":
            what = (f"Its {kh}{TIMES}{kw} filter" if n == 1 else
                    f"Its {kh}{TIMES}{kw} filters, one per {before} map")
        else:
            what = f"Its {w.size} weights, laid out as {before}'s maps"
        painter.setPen(muted)
        painter.drawText(QRectF(area.x(), y, area.width(), _LINE), Qt.AlignmentFlag.AlignLeft,
                         what)
        y += _LINE + 2.0
        room = area.bottom() - y - (2 * _LINE if self._pinned else _LINE)
        patch = self._input_patch() if n == 1 else None
        tiles = n + (1 if patch is not None else 0)
        cols = max(1, min(tiles, math.ceil(math.sqrt(tiles * area.width() / max(room, 1.0)))))
        rows = math.ceil(tiles / cols)
        gap = 12.0 if patch is not None else 4.0
        side = min((area.width() - gap * (cols - 1)) / cols, (room - 3.0 * (rows - 1)) / rows, 84.0)
        side = max(6.0, float(int(side)))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        images = list(self._weight_images) + ([patch] if patch is not None else [])
        for k, image in enumerate(images):
            r, c = divmod(k, cols)
            rect = QRectF(area.x() + c * (side + gap), y + r * (side + 3.0), side, side)
            painter.drawImage(rect, image)
        y += rows * (side + 3.0) + 2.0
        note = (f"the input it sees: {TIMES} weights, summed, = its value" if patch is not None
                else f"bias {_signed(float(stage.bias[u.index]))}; blue {MINUS}, red +")
        painter.drawText(QRectF(area.x(), y, area.width(), _LINE), Qt.AlignmentFlag.AlignLeft,
                         note)

    def _input_patch(self) -> QImage | None:
        """conv1: the input window under the unit's filter (zero where it hangs over)."""
        u, stages, acts = self._unit, self._stages, self._acts
        if u is None or stages is None or acts is None or u.stage != 1:
            return None
        stage = stages[1]
        k, p = stage.kernel, stage.padding
        padded = np.pad(acts[stages[0].name][0], p)
        y, x = u.y * stage.stride, u.x * stage.stride
        return activation_image(padded[y : y + k, x : x + k], 1.0)

    def _paint_contributions(self, painter: QPainter, area: QRectF, y: float, text: QColor,
                             muted: QColor) -> None:
        """A dense unit's strongest inputs as signed bars: activation × weight."""
        u, stages = self._unit, self._stages
        assert u is not None and stages is not None
        before = stage_caption(stages, u.stage - 1)[0]
        painter.setPen(muted)
        painter.drawText(QRectF(area.x(), y, area.width(), _LINE), Qt.AlignmentFlag.AlignLeft,
                         f"Strongest inputs ({before} activation {TIMES} weight)")
        y += _LINE + 2.0
        rows = self.contributions()
        if not rows:
            painter.drawText(QRectF(area.x(), y, area.width(), _LINE),
                             Qt.AlignmentFlag.AlignLeft, "Draw a digit to see them")
            return
        peak = max(abs(c.amount) for c in rows) or 1.0
        room = area.bottom() - y - (2 * _LINE if self._pinned else _LINE)
        row_h = max(12.0, min(_LINE, room / len(rows)))
        label_w, value_w = 62.0, 46.0
        bar_w = area.width() - label_w - value_w
        zero = area.x() + label_w + bar_w / 2.0
        for c in rows:
            if y + row_h > area.bottom() - (_LINE if self._pinned else 0.0):
                break
            painter.setPen(muted)
            painter.drawText(QRectF(area.x(), y, label_w, row_h),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             f"{before} #{c.index + 1}")
            length = bar_w / 2.0 * abs(c.amount) / peak
            left = zero if c.amount >= 0 else zero - length
            painter.fillRect(QRectF(left, y + 3.0, length, row_h - 6.0),
                             weight_colour(c.amount, peak))
            painter.setPen(text)
            painter.drawText(QRectF(area.right() - value_w, y, value_w, row_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             _signed(c.amount))
            y += row_h
        painter.setPen(QPen(muted, 1.0))
        painter.drawLine(int(zero), int(y - len(rows) * row_h), int(zero), int(y))
