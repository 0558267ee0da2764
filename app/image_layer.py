"""An opened picture as the bottom layer of the drawing: its ink, under the strokes.

The picture is shown and read as the engine sees it: its ink (`lenet.ink.to_ink`: paper
removed, dark-on-light and light-on-dark alike), painted in the ink colour, fitted into the
canvas and centred. Strokes go on top; eraser strokes remove the picture's ink too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage


class PictureError(ValueError):
    """A picture file that cannot be used; the message says why, for people."""


@dataclass(frozen=True, eq=False)
class ImageLayer:
    """ink: the picture's ink (H, W) float32 in [0, 1], ink = 1 (`lenet.ink.to_ink` of the
    file as `lenet.ink.load_image` decodes it); name: the file's name."""

    ink: np.ndarray = field(repr=False)
    name: str = ""
    _images: dict[int, QImage] = field(default_factory=dict, repr=False)  # by ink colour

    def size(self) -> tuple[int, int]:
        """The picture's (width, height) in pixels."""
        return int(self.ink.shape[1]), int(self.ink.shape[0])

    def rect_in(self, canvas_size: tuple[int, int]) -> QRectF:
        """Where the picture lies on a canvas of `canvas_size` (w, h), in canvas units:
        as large as fits, keeping its aspect ratio, centred."""
        w, h = self.size()
        cw, ch = canvas_size
        s = min(cw / max(w, 1), ch / max(h, 1))
        return QRectF((cw - w * s) / 2.0, (ch - h * s) / 2.0, w * s, h * s)

    def ink_image(self, color: QColor) -> QImage:
        """The ink as a transparent image in `color` (alpha = ink), at the picture's size."""
        key = color.rgba()
        if key not in self._images:
            alpha = np.clip(self.ink * 255.0 + 0.5, 0, 255).astype(np.uint8)
            h, w = alpha.shape
            rgba = np.empty((h, w, 4), np.uint8)  # premultiplied: colour × alpha
            for k, c in enumerate((color.red(), color.green(), color.blue())):
                rgba[..., k] = (alpha.astype(np.uint16) * c // 255).astype(np.uint8)
            rgba[..., 3] = alpha
            self._images[key] = QImage(rgba.data, w, h, 4 * w,
                                       QImage.Format.Format_RGBA8888_Premultiplied).copy()
        return self._images[key]


def load_image_layer(path: str | os.PathLike[str]) -> ImageLayer:
    """Read a picture file as a layer; raises PictureError (missing, empty, damaged, not a
    picture, too large) with a message for people. A blank picture is a layer without ink."""
    from lenet.ink import ImageError, load_image, to_ink

    try:
        source = load_image(path)
    except (ImageError, OSError, ValueError) as exc:
        raise PictureError(str(exc)) from exc
    return ImageLayer(to_ink(source), Path(path).name)
