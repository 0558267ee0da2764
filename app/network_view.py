"""What the network sees: the exact 28×28 input, enlarged, and the conv feature maps.

`InputView.set_image(image28)` shows the network's input pixel for pixel (nearest
neighbour). `FeatureMapsView.set_maps({"conv1": (6,28,28), "conv2": (16,10,10)})` shows the
activations of the first two convolution layers as small heat maps; `FeatureMapsDock`
holds that view in the main window.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QDockWidget, QSizePolicy, QWidget

from app.ink import gray_to_qimage, rgb_to_qimage

_TITLE_H = 22.0


def _colormap_lut() -> np.ndarray:
    """A 256-entry "inferno"-like colour ramp (black → purple → orange → yellow), uint8 (256, 3)."""
    stops = np.array(
        [[0.00, 0, 0, 4], [0.25, 87, 16, 110], [0.50, 188, 55, 84],
         [0.75, 249, 142, 9], [1.00, 252, 255, 164]],
        dtype=np.float64,
    )
    x = np.linspace(0.0, 1.0, 256)
    return np.stack([np.interp(x, stops[:, 0], stops[:, c]) for c in (1, 2, 3)], axis=1).astype(
        np.uint8
    )


_LUT = _colormap_lut()


def _layer_to_images(maps: np.ndarray) -> list[QImage]:
    """Activation maps (C, H, W) as colour images, scaled together (0 dark, max bright)."""
    a = np.nan_to_num(np.asarray(maps, dtype=np.float32))
    peak = float(np.abs(a).max()) if a.size else 0.0
    if peak <= 0.0:
        idx = np.zeros(a.shape, dtype=np.uint8)
    elif a.min() < 0.0:  # signed activations: centre the ramp at zero
        idx = np.clip((a / peak + 1.0) * 127.5, 0, 255).astype(np.uint8)
    else:
        idx = np.clip(a / peak * 255.0, 0, 255).astype(np.uint8)
    return [rgb_to_qimage(_LUT[m]) for m in idx]


class InputView(QWidget):
    """The 28×28 image the network receives, enlarged with nearest-neighbour pixels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: np.ndarray | None = None
        self._qimage: QImage | None = None
        self._title = "What the network sees"
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setMinimumSize(self.minimumSizeHint())
        self.setAccessibleName("What the network sees")
        self.setToolTip("The 28 x 28 picture the network actually classifies: your drawing, "
                        "cropped, scaled and centred like the MNIST digits it learnt from.")

    def sizeHint(self) -> QSize:
        return QSize(300, int(_TITLE_H + 28 * 6 + 8))

    def minimumSizeHint(self) -> QSize:
        return QSize(180, int(_TITLE_H + 28 * 6 + 8))

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

    def set_title(self, title: str) -> None:
        """The caption above the picture."""
        self._title = title
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
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


class FeatureMapsView(QWidget):
    """The activations of conv1 (6 maps, 28×28) and conv2 (16 maps, 10×10) as heat maps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._maps: dict[str, np.ndarray] = {}
        self._images: dict[str, list[QImage]] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(360, 150)
        self.setAccessibleName("Feature maps")
        self.setToolTip("What the first two convolution layers respond to: each small "
                        "picture is one learnt filter's activation (bright = strong).")

    def sizeHint(self) -> QSize:
        return QSize(720, 170)

    def maps(self) -> dict[str, np.ndarray]:
        """The activations shown, by layer name."""
        return {k: v.copy() for k, v in self._maps.items()}

    def set_maps(self, maps: dict[str, np.ndarray] | None) -> None:
        """Show activations by layer name ("conv1", "conv2"); None or {} clears."""
        self._maps = {k: np.asarray(v) for k, v in (maps or {}).items()}
        self._images = {k: _layer_to_images(v) for k, v in self._maps.items() if np.ndim(v) == 3}
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        if not self._images:
            muted = QColor(text)
            muted.setAlphaF(0.55)
            painter.setPen(muted)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Feature maps appear here while you draw")
            painter.end()
            return
        layers = [k for k in ("conv1", "conv2") if k in self._images] or list(self._images)
        band_h = (self.height() - 8.0) / len(layers)
        y = 4.0
        for name in layers:
            images = self._images[name]
            label = f"{name}  ({len(images)} maps)"
            font = QFont(self.font())
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(text)
            label_w = 130.0
            painter.drawText(QRectF(6.0, y, label_w, band_h),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            self._paint_grid(painter, images,
                             QRectF(label_w, y + 3.0, self.width() - label_w - 6.0, band_h - 6.0))
            y += band_h
        painter.end()

    def _paint_grid(self, painter: QPainter, images: list[QImage], area: QRectF) -> None:
        n = len(images)
        gap = 4.0
        best_side, best_cols = 0.0, n
        for rows in range(1, n + 1):  # the layout with the largest tiles that fits
            cols = -(-n // rows)
            side = min((area.width() - gap * (cols - 1)) / cols,
                       (area.height() - gap * (rows - 1)) / rows)
            if side > best_side:
                best_side, best_cols = side, cols
        side = max(4.0, float(int(best_side)))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for i, image in enumerate(images):
            r, c = divmod(i, best_cols)
            painter.drawImage(
                QRectF(area.x() + c * (side + gap), area.y() + r * (side + gap), side, side), image
            )


class FeatureMapsDock(QDockWidget):
    """The feature maps (`view`) docked below or above the canvas, without a close button:
    they are shown and hidden with View → Feature maps only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Feature maps", parent)
        self.view = FeatureMapsView(self)
        self.setObjectName("feature_maps_dock")
        self.setWidget(self.view)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea
                             | Qt.DockWidgetArea.TopDockWidgetArea)
