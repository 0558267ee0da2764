"""InputView: the exact 28×28 image the network receives, enlarged pixel for pixel."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.ink import gray_to_qimage

_TITLE_H = 22.0


class InputView(QWidget):
    """The 28×28 image the network receives, enlarged with nearest-neighbour pixels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: np.ndarray | None = None
        self._qimage: QImage | None = None
        self._title = "What the network sees"
        # it scales with the side panel, up to 12 screen pixels per input pixel, and gives
        # way entirely in a short window (the network view, when shown, has the input too)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(self.minimumSizeHint())
        self.setMaximumHeight(int(_TITLE_H + 28 * 12 + 8))
        self.setAccessibleName("What the network sees")
        self.setToolTip("The 28 x 28 picture the network actually classifies: your drawing, "
                        "cropped, scaled and centred like the MNIST digits it learnt from.")

    def sizeHint(self) -> QSize:
        return QSize(300, int(_TITLE_H + 28 * 6 + 8))

    def minimumSizeHint(self) -> QSize:
        return QSize(180, 0)

    def image(self) -> np.ndarray | None:
        """The (28, 28) float image shown, or None."""
        return None if self._image is None else self._image.copy()

    def set_image(self, image: np.ndarray | None) -> None:
        """Show a (28, 28) float image in [0, 1] (ink = 1); None shows an empty grid."""
        if image is None:
            self._image, self._qimage = None, None
        else:
            arr = np.asarray(image, dtype=np.float32)
            if arr.shape != (28, 28):
                raise ValueError(f"expected a 28x28 image, got {arr.shape}")
            self._image = arr.copy()
            self._qimage = gray_to_qimage(arr)
        self.update()


    def paintEvent(self, event: QPaintEvent) -> None:
        if self.height() < _TITLE_H + 2 * 28 + 6:
            return  # no room for even 2 px per input pixel
        painter = QPainter(self)
        pal = self.palette()
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(pal.color(QPalette.ColorRole.WindowText))
        painter.drawText(QRectF(0, 0, self.width(), _TITLE_H),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                         self._title)
        side = max(28.0, min(self.width() - 4.0, self.height() - _TITLE_H - 4.0))
        side = 28.0 * int(side // 28)  # whole screen pixels per input pixel
        target = QRectF((self.width() - side) / 2.0, _TITLE_H + 2.0, side, side)
        painter.fillRect(target, QColor(0, 0, 0))
        if self._qimage is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(target, self._qimage)
        grid = QColor(255, 255, 255, 22)
        painter.setPen(QPen(grid, 1.0))
        step = side / 28.0
        for i in range(1, 28):
            x = target.x() + i * step
            y = target.y() + i * step
            painter.drawLine(int(x), int(target.top()), int(x), int(target.bottom()))
            painter.drawLine(int(target.left()), int(y), int(target.right()), int(y))
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(target.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.end()
