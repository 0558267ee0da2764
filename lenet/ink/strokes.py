"""Pen strokes and their anti-aliased, round-capped rendering into an ink map.

All ink maps are float32 (H, W) in [0, 1], ink = 1, indexed [row, column]; points are
(x, y) in canvas pixels (pixel i spans [i, i+1)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["SUPERSAMPLE", "Stroke", "pen_widths", "render_strokes"]

SUPERSAMPLE = 4
"""Stroke rendering draws at this many times the output resolution, then box-averages."""


@dataclass(frozen=True)
class Stroke:
    """One pen stroke.

    points: (K, 2) float (x, y) in canvas pixels (pixel i spans [i, i+1)).
    width: pen width in canvas pixels.
    pressures: optional (K,) in 0..1, multiplying `width` at each point.
    erase: an eraser stroke removes ink instead of adding it.
    """

    points: np.ndarray
    width: float
    pressures: np.ndarray | None = None
    erase: bool = False


def pen_widths(stroke: Stroke, width: float | None) -> np.ndarray:
    """Per-point pen widths (K,) in canvas px: `width` if given, else width x pressure."""
    k = len(stroke.points)
    if width is not None:
        return np.full(k, float(width))
    if stroke.pressures is None:
        return np.full(k, float(stroke.width))
    p = np.clip(np.asarray(stroke.pressures, dtype=np.float64).reshape(-1), 0.0, 1.0)
    if len(p) < k:
        p = np.concatenate([p, np.full(k - len(p), p[-1] if len(p) else 1.0)])
    return float(stroke.width) * p[:k]


def render_strokes(
    strokes: Sequence[Stroke],
    size: tuple[int, int],
    *,
    origin: tuple[float, float] = (0.0, 0.0),
    scale: float = 1.0,
    width: float | None = None,
    supersample: int = SUPERSAMPLE,
) -> np.ndarray:
    """Anti-aliased, round-capped rendering of strokes into a (W, H) = `size` image.

    Returns (H, W) float32 ink in [0, 1]. Canvas point p lands at output pixel coordinate
    (p - origin) x scale; pen widths are scaled too. Drawn with Pillow at `supersample`x
    and box-averaged down. `width` (canvas px), if given, replaces every stroke's own width
    and pressures. Eraser strokes clear ink drawn before them.
    """
    w_out, h_out = int(size[0]), int(size[1])
    if w_out <= 0 or h_out <= 0:
        return np.zeros((max(h_out, 0), max(w_out, 0)), np.float32)
    ss = int(supersample)
    img = Image.new("L", (w_out * ss, h_out * ss), 0)
    draw = ImageDraw.Draw(img)
    k = scale * ss
    for stroke in strokes:
        pts = np.asarray(stroke.points, dtype=np.float64).reshape(-1, 2)
        if len(pts) == 0:
            continue
        # continuous coordinates → PIL's pixel-centre coordinates (pixel j centred at j)
        xy = (pts - np.asarray(origin, dtype=np.float64)) * k - 0.5
        widths = pen_widths(stroke, width) * k
        fill = 0 if stroke.erase else 255
        uniform = bool(np.all(widths == widths[0]))
        if len(xy) > 1:
            if uniform:
                lw = round(widths[0])
                if lw > 0:
                    draw.line([tuple(p) for p in xy], fill=fill, width=lw)
            else:  # tapered segments: quadrilaterals between the two end discs
                seg = np.diff(xy, axis=0)
                length = np.hypot(seg[:, 0], seg[:, 1])
                for i in np.flatnonzero(length > 1e-9):
                    nx, ny = -seg[i, 1] / length[i], seg[i, 0] / length[i]
                    r0, r1 = 0.5 * widths[i], 0.5 * widths[i + 1]
                    (ax, ay), (bx, by) = xy[i], xy[i + 1]
                    quad = [
                        (ax + nx * r0, ay + ny * r0),
                        (bx + nx * r1, by + ny * r1),
                        (bx - nx * r1, by - ny * r1),
                        (ax - nx * r0, ay - ny * r0),
                    ]
                    draw.polygon(quad, fill=fill)
        # round caps and joins: a disc at every point
        for i in range(len(xy)):
            r = 0.5 * widths[i] - 0.5  # PIL's ellipse box spans pixel centres
            if r < 0.0:
                continue
            x, y = xy[i]
            draw.ellipse([x - r, y - r, x + r, y + r], fill=fill)
    if ss > 1:
        img = img.reduce(ss)
    return np.asarray(img, dtype=np.float32) * np.float32(1.0 / 255.0)
