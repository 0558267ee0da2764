"""Writing-style synthesis on 28×28 digit images, by label: the forms MNIST rarely shows.

MNIST is mostly North-American handwriting.  :func:`synthesise_styles` adds, per image and
with a probability per style, the strokes (or gaps) that turn an MNIST digit into another
common way of writing it, drawn on the 28×28 at about the digit's own stroke width:

    1  a long lead-in flag at the top (continental 1), sometimes with a base as well
    7  a crossing bar through the stem (continental 7)
    0  a slash through it, or a gap at the top (a 0 left open)
    4  the left arm pulled up towards the stem's top (a 4 that nearly closes)
    6  the loop's end overshooting the stem to the left
    9  a foot that curls to the left at the bottom
    any  bold: one or two more grey dilations (loops nearly filled); flat: a wide aspect

Flat is not drawn here but returned as per-image aspect and scale factors for the affine
warp in :mod:`lenet.data.augment`.  All randomness is a fixed number of uniform draws per
image from the caller's generator, so the result is deterministic per generator state and
images of other labels are left exactly as they were.  Coordinates are (x, y) = (column,
row) at pixel centres.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

__all__ = ["StyleConfig", "StyleDraws", "draw_styles", "synthesise_styles"]

# Uniform draws per image: one chooser per style plus this many shape parameters.
_N_PARAMS = 8


@dataclass(frozen=True)
class StyleConfig:
    """Probability of each style for an image of its label (bold and flat: any label but 1).

    flat_aspect: (min, max) of the width/height factor of a flat digit (log-uniform); the
        warp also shrinks it so it stays about MNIST's 20 px wide.
    """

    one_flag: float = 0.25
    one_base: float = 0.35  # given a flag
    seven_bar: float = 0.3
    zero_slash: float = 0.12
    zero_open: float = 0.12
    four_near_closed: float = 0.0  # off: tried at 0.12, it taught MNIST's 9s to read 4
    six_overshoot: float = 0.15
    nine_curl: float = 0.2
    bold: float = 0.04
    flat: float = 0.04
    flat_aspect: tuple[float, float] = (1.8, 3.5)
    enabled: bool = True

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float) and not 0.0 <= v <= 1.0:
                raise ValueError(f"{f.name} must be in [0, 1]")
        lo, hi = self.flat_aspect
        if not 1.0 <= lo <= hi:
            raise ValueError("flat_aspect must satisfy 1 <= min <= max")
        if self.zero_slash + self.zero_open > 1.0:
            raise ValueError("zero_slash + zero_open must be <= 1")


@dataclass(frozen=True)
class StyleDraws:
    """The per-image uniform draws: choose (N, 4) and params (N, _N_PARAMS) in [0, 1)."""

    choose: np.ndarray
    params: np.ndarray


def draw_styles(n: int, rng: np.random.Generator) -> StyleDraws:
    """Draw every image's style randomness (a fixed number of draws, whatever the labels)."""
    return StyleDraws(rng.random((n, 4)), rng.random((n, _N_PARAMS)))


# ------------------------------------------------------------------------ drawing on 28×28


def _polyline_ink(points: np.ndarray, width: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Anti-aliased ink (m, H, W) float32 of polylines points (m, K, 2) px, widths (m,) px."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    pts = points.astype(np.float32)
    best = np.full((len(pts), h, w), np.inf, dtype=np.float32)
    for k in range(pts.shape[1] - 1):
        p0, d = pts[:, k], pts[:, k + 1] - pts[:, k]
        length2 = (d * d).sum(axis=1) + np.float32(1e-6)
        rx = xx[None] - p0[:, 0, None, None]
        ry = yy[None] - p0[:, 1, None, None]
        t = (rx * d[:, 0, None, None] + ry * d[:, 1, None, None]) / length2[:, None, None]
        t = np.clip(t, 0.0, 1.0)
        dist = np.hypot(rx - t * d[:, 0, None, None], ry - t * d[:, 1, None, None])
        np.minimum(best, dist, out=best)
    half = (0.5 * width.astype(np.float32))[:, None, None]
    return np.clip(half + np.float32(0.5) - best, 0.0, 1.0)


def _ink_boxes(x: np.ndarray, threshold: float = 0.35) -> np.ndarray:
    """(m, 4) float (x0, y0, x1, y1) inclusive ink box of images (m, H, W)."""
    mask = x > threshold
    rows, cols = mask.any(axis=2), mask.any(axis=1)
    h, w = x.shape[1:]
    y0 = rows.argmax(axis=1)
    y1 = h - 1 - rows[:, ::-1].argmax(axis=1)
    x0 = cols.argmax(axis=1)
    x1 = w - 1 - cols[:, ::-1].argmax(axis=1)
    return np.stack([x0, y0, x1, y1], axis=1).astype(np.float64)


def _row_centre(x: np.ndarray, rows: np.ndarray, band: int = 1) -> np.ndarray:
    """(m,) ink-weighted mean column of rows[i] ± band of each image (centre if empty)."""
    m, h, w = x.shape
    r = np.clip(np.round(rows).astype(np.intp)[:, None] + np.arange(-band, band + 1), 0, h - 1)
    ink = x[np.arange(m)[:, None], r].sum(axis=1)  # (m, W)
    total = ink.sum(axis=1)
    mean = (ink * np.arange(w)).sum(axis=1) / np.maximum(total, 1e-6)
    return np.where(total > 0.1, mean, (w - 1) / 2.0)


def _stroke_widths(x: np.ndarray) -> np.ndarray:
    """(m,) rough stroke width in px: ink area over half the ink's outline length."""
    mask = x > 0.5
    edges = (mask[:, 1:] != mask[:, :-1]).sum(axis=(1, 2)) + (
        mask[:, :, 1:] != mask[:, :, :-1]).sum(axis=(1, 2))
    area = x.sum(axis=(1, 2))
    return np.clip(2.5 * area / np.maximum(edges, 1), 1.6, 4.0)


def _inside(points: np.ndarray, width: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Points (m, K, 2) clipped so a pen of width (m,) leaves the outermost pixels blank."""
    h, w = shape
    margin = (0.5 * width + 1.0)[:, None]
    out = points.copy()
    out[..., 0] = np.clip(out[..., 0], margin, w - 1 - margin)
    out[..., 1] = np.clip(out[..., 1], margin, h - 1 - margin)
    return out


def _draw(x: np.ndarray, points: np.ndarray, width: np.ndarray | None = None) -> np.ndarray:
    """Images x (m, H, W) with polylines points (m, K, 2) drawn on them (pen `width` (m,),
    default each digit's own stroke width), kept inside the frame."""
    width = _stroke_widths(x) if width is None else width
    pts = _inside(points, width, x.shape[1:])
    return np.maximum(x, _polyline_ink(pts, width, x.shape[1:]))


def _lerp(lo: float, hi: float, u: np.ndarray) -> np.ndarray:
    return lo + (hi - lo) * u


# ------------------------------------------------------------------------------ the styles


def _one_flag(x: np.ndarray, u: np.ndarray, base: np.ndarray) -> np.ndarray:
    """A long lead-in flag down-left from the 1's top; where `base`, also a foot."""
    box = _ink_boxes(x)
    hgt = box[:, 3] - box[:, 1] + 1
    top = np.stack([_row_centre(x, box[:, 1] + 0.5), box[:, 1] + 0.5], axis=1)
    length = hgt * _lerp(0.3, 0.6, u[:, 0])
    angle = np.deg2rad(_lerp(20.0, 60.0, u[:, 1]))  # below the horizontal, to the left
    start = top + np.stack([-np.cos(angle), np.sin(angle)], axis=1) * length[:, None]
    bow = 0.12 * length * (u[:, 2] - 0.3)  # a slight curve, mostly upwards
    mid = 0.5 * (start + top) + np.stack([-np.sin(angle), -np.cos(angle)], axis=1) * bow[:, None]
    width = _stroke_widths(x)
    out = _draw(x, np.stack([start, mid, top], axis=1), width)
    if base.any():
        b = np.flatnonzero(base)
        foot = np.stack([_row_centre(x[b], box[b, 3] - 0.5), box[b, 3] - 0.5], axis=1)
        half = (hgt[b] * _lerp(0.15, 0.3, u[b, 3]))[:, None]
        tilt = _lerp(-1.0, 1.0, u[b, 4])
        p0 = foot + np.concatenate([-half, -tilt[:, None]], axis=1)
        p1 = foot + np.concatenate([half, tilt[:, None]], axis=1)
        out[b] = _draw(out[b], np.stack([p0, p1], axis=1), width[b])
    return out


def _seven_bar(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A short bar across the 7's stem a little below the middle."""
    box = _ink_boxes(x)
    hgt = box[:, 3] - box[:, 1] + 1
    y = box[:, 1] + hgt * _lerp(0.45, 0.62, u[:, 0])
    xc = _row_centre(x, y)
    half = hgt * _lerp(0.15, 0.28, u[:, 1])
    shift = half * _lerp(-0.3, 0.3, u[:, 2])
    tilt = _lerp(-1.2, 0.8, u[:, 3])
    p0 = np.stack([xc - half + shift, y + tilt], axis=1)
    p1 = np.stack([xc + half + shift, y - tilt], axis=1)
    return _draw(x, np.stack([p0, p1], axis=1))


def _zero_slash(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A slash through the 0, mostly "/" from upper right to lower left."""
    box = _ink_boxes(x)
    c = 0.5 * (box[:, :2] + box[:, 2:])
    half = 0.5 * (box[:, 2:] - box[:, :2]) * _lerp(0.55, 1.05, u[:, 0])[:, None]
    sign = np.where(u[:, 1] < 0.85, 1.0, -1.0)  # "/" or "\"
    d = np.stack([half[:, 0] * sign, -half[:, 1]], axis=1)
    return _draw(x, np.stack([c + d, c - d], axis=1))


def _zero_open(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A gap erased at the top of the 0 (soft-edged ellipse about the top of the ring)."""
    box = _ink_boxes(x)
    wid = box[:, 2] - box[:, 0] + 1
    hgt = box[:, 3] - box[:, 1] + 1
    cx = _row_centre(x, box[:, 1] + 1) + wid * _lerp(-0.05, 0.2, u[:, 0])
    cy = box[:, 1] + 1
    rx = wid * _lerp(0.1, 0.2, u[:, 1])
    ry = hgt * _lerp(0.2, 0.35, u[:, 2])
    h, w = x.shape[1:]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = np.hypot((xx - cx[:, None, None]) / rx[:, None, None],
                 (yy - cy[:, None, None]) / ry[:, None, None])
    keep = np.clip(2.0 * (r - 0.75), 0.0, 1.0).astype(np.float32)
    return x * keep


def _four_near_closed(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The left arm extended up-right towards the stem's top, stopping short of it."""
    box = _ink_boxes(x)
    mask = x > 0.35
    h, w = x.shape[1:]
    mid = np.round(0.5 * (box[:, 0] + box[:, 2])).astype(np.intp)
    cols = np.arange(w)
    left = mask & (cols[None, None] < mid[:, None, None])
    right = mask & (cols[None, None] >= mid[:, None, None])

    def top_point(m: np.ndarray) -> np.ndarray:
        rows = m.any(axis=2)
        y = np.where(rows.any(axis=1), rows.argmax(axis=1), h // 2)
        ink = m[np.arange(len(m)), y].astype(np.float64)
        xc = (ink * cols).sum(axis=1) / np.maximum(ink.sum(axis=1), 1.0)
        return np.stack([xc, y + 0.5], axis=1)

    a, b = top_point(left), top_point(right)
    end = a + (b - a) * _lerp(0.55, 0.85, u[:, 0])[:, None]
    return _draw(x, np.stack([a, end], axis=1))


def _six_overshoot(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The loop's end crossing the stem and running on a few px to the left."""
    box = _ink_boxes(x)
    hgt = box[:, 3] - box[:, 1] + 1
    y = box[:, 1] + hgt * _lerp(0.45, 0.62, u[:, 0])
    row = x[np.arange(len(x)), np.clip(np.round(y).astype(np.intp), 0, x.shape[1] - 1)] > 0.35
    x_left = np.where(row.any(axis=1), row.argmax(axis=1), box[:, 0]).astype(np.float64)
    p0 = np.stack([x_left + _lerp(1.5, 4.0, u[:, 1]), y + _lerp(0.0, 1.5, u[:, 2])], axis=1)
    p1 = np.stack([x_left - _lerp(1.5, 4.5, u[:, 3]), y - _lerp(0.5, 3.0, u[:, 4])], axis=1)
    return _draw(x, np.stack([p0, p1], axis=1))


def _nine_curl(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A foot that curls to the left (and a little up) at the 9's bottom."""
    box = _ink_boxes(x)
    foot = np.stack([_row_centre(x, box[:, 3] - 0.5), box[:, 3] - 0.5], axis=1)
    size = _lerp(2.5, 5.5, u[:, 0])
    p1 = foot + np.stack([-0.5 * size, 0.4 * np.ones_like(size)], axis=1)
    p2 = foot + np.stack([-size, -size * _lerp(0.2, 0.7, u[:, 1])], axis=1)
    return _draw(x, np.stack([foot, p1, p2], axis=1))


def _dilate(x: np.ndarray) -> np.ndarray:
    """3×3 grey dilation (square element), zero outside the frame."""
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    h, w = x.shape[1:]
    out = x.copy()
    for dy in range(3):
        for dx in range(3):
            np.maximum(out, p[:, dy : dy + h, dx : dx + w], out=out)
    return out


def _bold(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One or two more dilations (a fat pen: loops nearly fill), keeping the ink in frame."""
    out = _dilate(x)
    twice = (u[:, 5] < 0.4) & (x.sum(axis=(1, 2)) < 100.0)  # not the already thick ones
    if twice.any():
        out[twice] = _dilate(out[twice])
    out[:, :1] = out[:, -1:] = 0.0
    out[:, :, :1] = out[:, :, -1:] = 0.0
    return out


def synthesise_styles(
    images: np.ndarray, labels: np.ndarray, draws: StyleDraws, config: StyleConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply the writing styles to images (N, H, W) float32 in [0, 1] with labels (N,).

    Returns (images, aspect, scale): new images (N, H, W) float32 (unchanged where no style
    was drawn), and per-image factors (N,) for the warp's aspect and scale (1 = no change;
    flat digits get aspect > 1 and scale < 1).
    """
    x = np.array(images, dtype=np.float32, copy=True)
    n = len(x)
    aspect, scale = np.ones(n), np.ones(n)
    labels = np.asarray(labels).reshape(-1)
    if labels.shape != (n,):
        raise ValueError(f"need one label per image, got {labels.shape} for {n} images")
    cfg = config
    if not cfg.enabled or n == 0:
        return x, aspect, scale
    c, u = draws.choose, draws.params
    pick = c[:, 0]
    jobs = [
        ((labels == 1) & (pick < cfg.one_flag), None),
        ((labels == 7) & (pick < cfg.seven_bar), _seven_bar),
        ((labels == 0) & (pick < cfg.zero_slash), _zero_slash),
        ((labels == 0) & (pick >= cfg.zero_slash) & (pick < cfg.zero_slash + cfg.zero_open),
         _zero_open),
        ((labels == 4) & (pick < cfg.four_near_closed), _four_near_closed),
        ((labels == 6) & (pick < cfg.six_overshoot), _six_overshoot),
        ((labels == 9) & (pick < cfg.nine_curl), _nine_curl),
    ]
    for sel, style in jobs:
        idx = np.flatnonzero(sel)
        if not idx.size:
            continue
        if style is None:
            x[idx] = _one_flag(x[idx], u[idx], c[idx, 1] < cfg.one_base)
        else:
            x[idx] = style(x[idx], u[idx])
    bold = np.flatnonzero((labels != 1) & (c[:, 2] < cfg.bold))
    if bold.size:
        x[bold] = _bold(x[bold], u[bold])
    flat = (labels != 1) & (c[:, 3] < cfg.flat)
    lo, hi = np.log(cfg.flat_aspect)
    a = np.exp(lo + (hi - lo) * u[:, 6])
    aspect[flat] = a[flat]
    scale[flat] = a[flat] ** -0.25  # width grows by a**0.25, height shrinks by a**-0.75
    return x, aspect, scale
