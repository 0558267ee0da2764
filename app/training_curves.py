"""TrainingCurves: live loss and accuracy plots of a training run (pyqtgraph).

The x axis is in epochs (fractional within an epoch). Training points are the trainer's
running means, one per progress report; validation points come once per epoch.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

SMOOTHING = 0.05
"""Weight of each new batch in the drawn moving average (about the last 20 batches)."""


class TrainingCurves(QWidget):
    """Loss and accuracy (%) side by side, restyled when the palette changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._x: list[float] = []
        self._loss: list[float] = []
        self._acc: list[float] = []
        self._val_x: list[float] = []
        self._val_loss: list[float] = []
        self._val_acc: list[float] = []
        self._last: tuple[int, int, float, float] | None = None  # epoch, batch, means
        self._smooth: tuple[float, float] | None = None  # loss, accuracy

        pg.setConfigOptions(antialias=True)
        self.loss_plot = pg.PlotWidget(self)
        self.acc_plot = pg.PlotWidget(self)
        self._style_plot(self.loss_plot, "Loss")
        self._style_plot(self.acc_plot, "Accuracy (%)")
        self.acc_plot.setYRange(0, 100, padding=0.02)
        for plot in (self.loss_plot, self.acc_plot):
            plot.setXRange(0, 1, padding=0.02)
        train_pen = pg.mkPen(color=(76, 154, 255), width=2)
        val_pen = pg.mkPen(color=(230, 138, 30), width=2)
        self.loss_curve = self.loss_plot.plot([], [], pen=train_pen, name="training")
        self.val_loss_curve = self.loss_plot.plot([], [], pen=val_pen, symbol="o", symbolSize=6,
                                                  symbolBrush=(230, 138, 30), name="validation")
        self.acc_curve = self.acc_plot.plot([], [], pen=train_pen, name="training")
        self.val_acc_curve = self.acc_plot.plot([], [], pen=val_pen, symbol="o", symbolSize=6,
                                                symbolBrush=(230, 138, 30), name="validation")
        plots = QGridLayout(self)
        plots.setContentsMargins(0, 0, 0, 0)
        plots.addWidget(self.loss_plot, 0, 0)
        plots.addWidget(self.acc_plot, 0, 1)
        legend = QLabel("<span style='color:#4c9aff'>━</span> training (smoothed)   "
                        "<span style='color:#e68a1e'>━●</span> validation (end of epoch)", self)
        legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        plots.addWidget(legend, 1, 0, 1, 2)

    def reset(self, epochs: int) -> None:
        """Forget every point; the x axis spans `epochs`."""
        for series in (self._x, self._loss, self._acc, self._val_x, self._val_loss,
                       self._val_acc):
            series.clear()
        self._last, self._smooth = None, None
        self._redraw()
        for plot in (self.loss_plot, self.acc_plot):
            plot.setXRange(0, epochs, padding=0.02)

    def add(self, p: Any) -> None:
        """Add a progress report (epoch, batch, batches, loss, accuracy 0..1 as running means
        over the epoch so far and, at the end of an epoch, val_loss and val_accuracy).

        The running means restart every epoch (a sawtooth on a chart); what is drawn is an
        exponential moving average over batches, recovered from them, that runs on across
        epochs."""
        x = (p.epoch - 1) + p.batch / max(p.batches, 1)
        same_epoch = self._last is not None and self._last[0] == p.epoch
        done_before = self._last[1] if same_epoch else 0
        new = p.batch - done_before
        if new > 0:
            before = (self._last[2], self._last[3]) if same_epoch else (0.0, 0.0)
            loss = (float(p.loss) * p.batch - before[0] * done_before) / new
            acc = (float(p.accuracy) * p.batch - before[1] * done_before) / new
            if self._smooth is None:
                self._smooth = (loss, acc)
            else:
                w = 1.0 - (1.0 - SMOOTHING) ** new
                self._smooth = (self._smooth[0] + w * (loss - self._smooth[0]),
                                self._smooth[1] + w * (acc - self._smooth[1]))
            self._last = (p.epoch, p.batch, float(p.loss), float(p.accuracy))
            self._x.append(x)
            self._loss.append(self._smooth[0])
            self._acc.append(100.0 * self._smooth[1])
        if p.val_accuracy is not None:
            self._val_x.append(float(p.epoch))
            self._val_loss.append(float(p.val_loss) if p.val_loss is not None else float("nan"))
            self._val_acc.append(100.0 * float(p.val_accuracy))
        self._redraw()

    def _redraw(self) -> None:
        self.loss_curve.setData(self._x, self._loss)
        self.acc_curve.setData(self._x, self._acc)
        self.val_loss_curve.setData(self._val_x, self._val_loss)
        self.val_acc_curve.setData(self._val_x, self._val_acc)
        recent = self._acc[len(self._acc) // 4:] + self._val_acc
        if recent:  # zoom in on the interesting part as the accuracy climbs
            low = max(0.0, min(min(recent) - 2.0, 98.0))
            self.acc_plot.setYRange(low, 100.0, padding=0.02)

    def _style_plot(self, plot: pg.PlotWidget, title: str) -> None:
        pal = self.palette()
        plot.setBackground(pal.color(QPalette.ColorRole.Base))
        fg = pal.color(QPalette.ColorRole.WindowText)
        plot.setTitle(title, color=fg.name(), size="10pt")
        plot.setLabel("bottom", "epoch", color=fg.name())
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        plot.getAxis("left").enableAutoSIPrefix(False)
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setPen(pg.mkPen(fg))
            plot.getAxis(axis).setTextPen(pg.mkPen(fg))
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setMinimumHeight(150)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "loss_plot"):
            self._style_plot(self.loss_plot, "Loss")
            self._style_plot(self.acc_plot, "Accuracy (%)")
        super().changeEvent(event)
