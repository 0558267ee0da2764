"""The network, layer by layer, live: every stage of the LeNet-5 from input to output.

`NetworkView.set_network(stages, activations, probabilities)` draws one labelled column per
stage (`lenet.nn.stages`): maps as small heat maps, dense layers as cells, the output as ten
labelled rows. Pointing at a unit selects it (`selection_changed(Unit | None)`), a click pins
it until clicked again; the selected unit is outlined with what feeds it — the window a map
pixel sees in the layer before and in the input, a dense unit's strongest inputs.
`app.network_dock` puts the view beside the `UnitPanel` that explains the selected unit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.heatmap import ACTIVATION_LUT, activation_images, activation_index
from app.network_layout import LABEL_H, StageBox, Unit, hit, layout_network
from app.network_units import receptive_rects, stage_caption, top_contributions

TOP_INPUTS = 6  # a dense unit's strongest inputs outlined in the layer before


class NetworkView(QWidget):
    """The diagram. State: `stages` (or None: no model), `activations` by stage name (None:
    nothing drawn yet), the output's `probabilities` (10,); `hovered`/`pinned` units."""

    selection_changed = Signal(object)  # Unit | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stages: list[Any] | None = None
        self._acts: dict[str, np.ndarray] | None = None
        self._probabilities: np.ndarray | None = None
        self._images: dict[int, list[QImage]] = {}  # spatial stages' map images
        self._cells: dict[int, np.ndarray] = {}  # dense stages' colours (D, 3) uint8
        self._boxes: list[StageBox] = []
        self._hovered: Unit | None = None
        self._pinned: Unit | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(420, 170)
        self.setAccessibleName("Network layers")
        self.setToolTip("")

    def sizeHint(self) -> QSize:
        return QSize(820, 230)

    # ------------------------------------------------------------------ state

    def stages(self) -> list[Any] | None:
        """The stages drawn (None without a model)."""
        return self._stages

    def activations(self) -> dict[str, np.ndarray] | None:
        """The activations shown, by stage name (None before anything is drawn)."""
        return self._acts

    def captions(self) -> list[tuple[str, str]]:
        """Every column's (name, shape) label, input to output."""
        stages = self._stages or []
        return [stage_caption(stages, i) for i in range(len(stages))]

    def selected(self) -> Unit | None:
        """The pinned unit, else the one pointed at."""
        return self._pinned or self._hovered

    def pinned(self) -> Unit | None:
        return self._pinned

    def set_network(self, stages: list[Any] | None, activations: dict[str, np.ndarray] | None,
                    probabilities: np.ndarray | None = None) -> None:
        """Show `stages` with `activations` (None: the layers, empty); a different network
        drops the selection."""
        if stages is not self._stages:
            self._stages = stages
            self._hovered = self._pinned = None
            self._relayout()
            self.selection_changed.emit(None)
        self._acts = activations if stages is not None else None
        self._probabilities = (None if probabilities is None
                               else np.asarray(probabilities, dtype=np.float32))
        self._images, self._cells = {}, {}
        if self._acts is not None and stages is not None:
            for i, stage in enumerate(stages):
                a = self._acts[stage.name]
                if a.ndim == 3:
                    self._images[i] = activation_images(a)
                else:
                    self._cells[i] = ACTIVATION_LUT[activation_index(a)]
        self.update()

    def unit_center(self, unit: Unit) -> QPointF:
        """Where `unit` is drawn (its map pixel's centre), in widget pixels."""
        tile = self._boxes[unit.stage].tiles[unit.index]
        hw = self._boxes[unit.stage].map_hw
        if hw is None:
            return tile.center()
        h, w = hw
        return QPointF(tile.left() + (unit.x + 0.5) * tile.width() / w,
                       tile.top() + (unit.y + 0.5) * tile.height() / h)

    # ------------------------------------------------------------------ pointer

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        unit = hit(self._boxes, event.position().x(), event.position().y())
        if unit != self._hovered:
            self._hovered = unit
            if self._pinned is None:
                self.selection_changed.emit(unit)
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        unit = hit(self._boxes, event.position().x(), event.position().y())
        if unit is None or unit.same_place(self._pinned):
            self._pinned = None  # a click on the pinned unit (or beside the units) lets go
        else:
            self._pinned = unit
        self.selection_changed.emit(self.selected())
        self.update()

    def leaveEvent(self, event: Any) -> None:
        self._hovered = None
        if self._pinned is None:
            self.selection_changed.emit(None)
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._relayout()

    def _relayout(self) -> None:
        shapes = [(s.kind, tuple(s.shape)) for s in (self._stages or [])]
        self._boxes = layout_network(shapes, self.width() - 8.0, self.height() - 4.0)
        for box in self._boxes:  # a 4 px margin on the left
            box.column.translate(4.0, 0.0)
            box.caption.translate(4.0, 0.0)
            for tile in box.tiles:
                tile.translate(4.0, 0.0)

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        muted = QColor(text)
        muted.setAlphaF(0.6)
        if not self._stages:
            painter.setPen(muted)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "The network's layers appear here once a model is loaded")
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        empty = QColor(pal.color(QPalette.ColorRole.Base)).darker(112)
        self._paint_captions(painter, text, muted)
        for box in self._boxes:
            if box.stage == len(self._stages) - 1:
                self._paint_output(painter, box, text, muted)
            elif box.map_hw is not None:
                images = self._images.get(box.stage)
                for k, tile in enumerate(box.tiles):
                    if images is None:
                        painter.fillRect(tile, empty)
                    else:
                        painter.drawImage(tile, images[k])
            else:
                colours = self._cells.get(box.stage)
                for k, tile in enumerate(box.tiles):
                    painter.fillRect(tile, empty if colours is None else QColor(*colours[k]))
        self._paint_arrows(painter, muted)
        if self.selected() is not None:
            self._paint_selection(painter, self.selected(), pal)
        painter.end()

    def _paint_captions(self, painter: QPainter, text: QColor, muted: QColor) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.88))
        for box, (name, shape) in zip(self._boxes, self.captions(), strict=True):
            top = QRectF(box.caption.x() - 6, 0.0, box.caption.width() + 12, LABEL_H / 2.0)
            bottom = top.translated(0.0, LABEL_H / 2.0 - 2.0)
            painter.setFont(bold)
            painter.setPen(text)
            painter.drawText(top, Qt.AlignmentFlag.AlignCenter, name)
            painter.setFont(small)
            painter.setPen(muted)
            painter.drawText(bottom, Qt.AlignmentFlag.AlignCenter, shape)
        painter.setFont(self.font())

    def _paint_arrows(self, painter: QPainter, muted: QColor) -> None:
        painter.setPen(QPen(muted, 1.3))
        mid = LABEL_H + (self.height() - LABEL_H) / 2.0
        for left, right in zip(self._boxes, self._boxes[1:], strict=False):
            x0, x1 = left.column.right() + 4.0, right.column.left() - 4.0
            if x1 - x0 < 6.0:
                continue
            painter.drawLine(QPointF(x0, mid), QPointF(x1, mid))
            painter.drawLine(QPointF(x1 - 4.0, mid - 3.5), QPointF(x1, mid))
            painter.drawLine(QPointF(x1 - 4.0, mid + 3.5), QPointF(x1, mid))

    def _paint_output(self, painter: QPainter, box: StageBox, text: QColor,
                      muted: QColor) -> None:
        p = self._probabilities
        top = int(np.argmax(p)) if p is not None else -1
        bar = QColor(self.palette().color(QPalette.ColorRole.Highlight))
        track = QColor(muted)
        track.setAlphaF(0.18)
        for d, row in enumerate(box.tiles):
            label = QRectF(row.x(), row.y(), 14.0, row.height())
            font = QFont(self.font())
            font.setBold(d == top)
            painter.setFont(font)
            painter.setPen(text if d == top else muted)
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, str(d))
            cell = QRectF(label.right() + 4.0, row.y() + 2.0, row.width() - 20.0,
                          max(2.0, row.height() - 4.0))
            painter.fillRect(cell, track)
            if p is not None:
                painter.fillRect(QRectF(cell.x(), cell.y(), cell.width() * float(p[d]),
                                        cell.height()), bar if d == top else muted)
        painter.setFont(self.font())

    def _paint_selection(self, painter: QPainter, unit: Unit, pal: QPalette) -> None:
        accent = QColor(0x22, 0xD3, 0xEE)  # cyan: stands out on the dark-to-yellow maps
        box = self._boxes[unit.stage]
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 2.0))
        painter.drawRect(box.tiles[unit.index].adjusted(-2, -2, 2, 2))
        stages = self._stages or []
        painter.setPen(QPen(accent, 1.5))
        if box.map_hw is not None:
            self._mark(painter, box, unit.index, (unit.y, unit.x, unit.y + 1, unit.x + 1))
            for index, window in receptive_rects(stages, unit).items():
                before = self._boxes[index]
                channels = ([unit.index] if stages[unit.stage].kind == "pool"
                            and index == unit.stage - 1 else range(len(before.tiles)))
                for c in channels:
                    self._mark(painter, before, c, window)
        elif unit.stage > 0 and self._acts is not None:
            before = self._boxes[unit.stage - 1]
            for c in top_contributions(self._acts, stages, unit, TOP_INPUTS):
                painter.setPen(QPen(accent if c.amount >= 0 else QColor(0xF4, 0x72, 0xB6), 1.5))
                painter.drawRect(before.tiles[c.index].adjusted(-1.5, -1.5, 1.5, 1.5))

    @staticmethod
    def _mark(painter: QPainter, box: StageBox, tile_index: int,
              window: tuple[int, int, int, int]) -> None:
        """Outline rows top..bottom, columns left..right (exclusive) of one map tile."""
        tile = box.tiles[tile_index]
        h, w = box.map_hw or (1, 1)
        top, left, bottom, right = window
        sy, sx = tile.height() / h, tile.width() / w
        painter.drawRect(QRectF(tile.left() + left * sx, tile.top() + top * sy,
                                (right - left) * sx, (bottom - top) * sy))
