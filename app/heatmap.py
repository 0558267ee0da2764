"""Numbers as colours: activations on a dark-to-bright ramp, weights on a blue-red one.

`activation_images(maps)` turns a layer's maps (C, H, W) into one QImage per map, scaled
together (0 dark, the layer's largest bright); `weight_image(w, peak)` shows signed weights
(H, W) blue (negative) through pale grey (0) to red (positive); `weight_colour(v, peak)` is
one value's colour, for cells drawn one by one.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage

from app.ink import rgb_to_qimage


def _ramp(stops: list[list[float]]) -> np.ndarray:
    """A 256-entry colour ramp through (position 0..1, r, g, b) stops, uint8 (256, 3)."""
    s = np.asarray(stops, dtype=np.float64)
    x = np.linspace(0.0, 1.0, 256)
    return np.stack([np.interp(x, s[:, 0], s[:, c]) for c in (1, 2, 3)], axis=1).astype(np.uint8)


# "inferno"-like: black → purple → orange → pale yellow
ACTIVATION_LUT = _ramp([[0.00, 0, 0, 4], [0.25, 87, 16, 110], [0.50, 188, 55, 84],
                        [0.75, 249, 142, 9], [1.00, 252, 255, 164]])
# "cool-warm": blue → pale grey → red, zero in the middle
WEIGHT_LUT = _ramp([[0.00, 40, 80, 200], [0.50, 222, 222, 222], [1.00, 190, 20, 40]])


def activation_index(values: np.ndarray, peak: float | None = None) -> np.ndarray:
    """Ramp indices (uint8, same shape) for activations: 0 → 0, `peak` (default: the
    largest magnitude) → 255; signed values (tanh) are centred on 127."""
    a = np.nan_to_num(np.asarray(values, dtype=np.float32))
    top = float(np.abs(a).max()) if peak is None and a.size else float(peak or 0.0)
    if top <= 0.0:
        return np.zeros(a.shape, dtype=np.uint8)
    if a.min() < 0.0:
        return np.clip((a / top + 1.0) * 127.5, 0, 255).astype(np.uint8)
    return np.clip(a / top * 255.0, 0, 255).astype(np.uint8)


def weight_index(weights: np.ndarray, peak: float | None = None) -> np.ndarray:
    """Ramp indices (uint8) for signed weights: -peak → 0, 0 → 127, +peak → 255."""
    w = np.nan_to_num(np.asarray(weights, dtype=np.float32))
    top = float(np.abs(w).max()) if peak is None and w.size else float(peak or 0.0)
    if top <= 0.0:
        return np.full(w.shape, 127, dtype=np.uint8)
    return np.clip((w / top + 1.0) * 127.5, 0, 255).astype(np.uint8)


def activation_images(maps: np.ndarray) -> list[QImage]:
    """Activation maps (C, H, W) as colour images, scaled together."""
    idx = activation_index(maps)
    return [rgb_to_qimage(ACTIVATION_LUT[m]) for m in idx]


def activation_image(values: np.ndarray, peak: float | None = None) -> QImage:
    """One 2-D array of activations (H, W) as a colour image."""
    return rgb_to_qimage(ACTIVATION_LUT[activation_index(values, peak)])


def weight_image(weights: np.ndarray, peak: float | None = None) -> QImage:
    """Signed weights (H, W) as a blue-grey-red image, ±`peak` at the ends."""
    return rgb_to_qimage(WEIGHT_LUT[weight_index(weights, peak)])


def weight_colour(value: float, peak: float) -> QColor:
    """The colour of one signed weight (or contribution) on the ±`peak` ramp."""
    r, g, b = WEIGHT_LUT[int(weight_index(np.array([value]), peak)[0])]
    return QColor(int(r), int(g), int(b))
