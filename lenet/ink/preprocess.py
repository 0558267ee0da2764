"""Make what people draw look like MNIST to the network.

MNIST digits are pen strokes size-normalised so that the longer side of the ink fits a
20x20 box (aspect ratio kept), anti-aliased, and placed in a 28x28 frame with the intensity
centre of mass at the centre; white ink (1.0) on black (0.0), strokes about 2-3 px wide.
This module turns canvas strokes, image files and arrays into exactly that, through one
path::

    strokes --render_strokes--> ink (H, W) --preprocess_ink--> Preprocessed (28x28)
    image   --to_ink----------> ink (H, W) --preprocess_ink--> Preprocessed (28x28)

`preprocess_ink` does: drop faint noise and isolated specks → crop to the ink → resample
the crop to a working resolution (long side 80-160 px) → binarise → estimate the stroke
width (ink area and a Crofton perimeter estimate, solved for a round-capped stroke) →
grow or shrink the strokes with an anti-aliased signed-distance offset (exact Euclidean
distance transform, numba) to the MNIST stroke width *relative to the digit's size* →
area-average (BOX filter) the longer side onto 20 px and place the result in 28x28 with its
centre of mass at the MNIST centre (sub-pixel accurate, clamped so ink never leaves the
frame) → peak 1.0.

All images here are float32 ink maps (H, W) in [0, 1], ink = 1, indexed [row, column];
boxes are (x0, y0, x1, y1) in pixels with x1, y1 exclusive (like a PIL crop box).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit
from PIL import Image, ImageDraw, UnidentifiedImageError

__all__ = [
    "BOX",
    "CENTRE",
    "FRAME",
    "TARGET_STROKE",
    "ImageError",
    "Preprocessed",
    "Stroke",
    "label_components",
    "load_image",
    "preprocess_image",
    "preprocess_ink",
    "preprocess_strokes",
    "render_strokes",
    "stroke_width",
    "to_ink",
    "warm_up",
]

# ----------------------------------------------------------------------------- constants

FRAME = 28
"""Side of the network's input image, px."""
BOX = 20
"""The longer side of the ink is scaled to this many px (MNIST's 20x20 box)."""
CENTRE = 14.0
"""Where the ink's centre of mass lands, in pixel-index coordinates of the 28x28 frame
(pixel i spans [i, i+1), so 14.0 is the centre of pixel 14): MNIST's mean centre of mass
(row, column) in these coordinates is (13.99, 14.00), spread 0.3 px."""
MARGIN = 0.0
"""Ink is kept at least this many px inside the frame: the centring shift is clamped so
that no ink is cut off. MNIST itself centres exactly (1.4 % of its digits touch the outer
row or column, 12 % come within 2 px), so no extra margin is reserved."""
TARGET_STROKE = 3.0
"""Stroke width in px at 28x28 for a digit whose longer side is 20 px: the median MNIST
stroke width measured with this module's own estimator (`stroke_width` of the working
mask), 3.0 px (inter-quartile range 2.6-3.5; a "1" has a mean ink sum of 3.2 per row)."""
NOISE_LEVEL = 0.1
"""Ink below this fraction of the peak is treated as noise (zeroed) before anything else."""
MASK_LEVEL = 0.35
"""Binarisation level (fraction of the peak) for the stroke shape at the working size."""
MIN_INK_PIXELS = 6
"""Fewer ink pixels (≥ NOISE_LEVEL) than this is an empty input."""
MIN_EXTENT = 6
"""An ink box whose longer side is smaller than this many input px is empty."""
DOT_RATIO = 2.5
"""Ink whose box's longer side is below DOT_RATIO x its stroke width is a dot → empty."""
SPECK_FRACTION = 0.05
"""A component with fewer pixels than this fraction of the largest one is a speck..."""
SPECK_EXTENT = 0.25
"""... if its box is also shorter than this fraction of the largest component's box and it
lies outside the main ink's box (grown by this fraction): specks are dropped."""
WORK_MIN = 80
"""The crop is upsampled (integer factor) so that its longer side is at least this, px."""
WORK_MAX = 160
"""The crop is max-pooled (integer factor) so that its longer side is at most this, px."""
SUPERSAMPLE = 4
"""Stroke rendering draws at this many times the output resolution, then box-averages."""
RENDER_LONG = 128
"""`preprocess_strokes` renders the digit's box at this many px on its longer side."""
MAX_LOAD_SIDE = 1024
"""`load_image` downscales so that the longer side is at most this many px."""
MAX_DECODE_BYTES = 512 * 2**20
"""`load_image` refuses to decode an image whose raw pixels would need more than this."""

_SQRT2 = math.sqrt(2.0)


class ImageError(ValueError):
    """An image file could not be read: missing, not an image, corrupt, or too large."""


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


@dataclass(frozen=True)
class Preprocessed:
    """What the network sees, and where it came from.

    image: (28, 28) float32 in [0, 1], ink = 1, peak 1.0; None when `empty`.
    empty: nothing classifiable (no ink, a few pixels, a dot).
    box: the ink's bounding box (x0, y0, x1, y1) in the input's pixel coordinates
        (exclusive x1, y1), None when there is no ink at all.
    ink_fraction: fraction of the input's area covered by ink (sum of ink / (H·W)).
    stroke_width: estimated stroke width of the input in input pixels (None if no ink).
    """

    image: np.ndarray | None
    empty: bool
    box: tuple[int, int, int, int] | None
    ink_fraction: float = 0.0
    stroke_width: float | None = None


# ------------------------------------------------------------------------- numba kernels


@njit(cache=True)
def _dt1d(f: np.ndarray, n: int, d: np.ndarray, v: np.ndarray, z: np.ndarray) -> None:
    """1-D squared distance transform of samples f[:n] (Felzenszwalb & Huttenlocher)."""
    k = 0
    v[0] = 0
    z[0] = -1e30
    z[1] = 1e30
    for q in range(1, n):
        p = v[k]
        s = ((f[q] + q * q) - (f[p] + p * p)) / (2.0 * (q - p))
        while s <= z[k]:  # z[0] = -1e30 is never reached: |f| ≤ 2(h² + w²) + 1
            k -= 1
            p = v[k]
            s = ((f[q] + q * q) - (f[p] + p * p)) / (2.0 * (q - p))
        k += 1
        v[k] = q
        z[k] = s
        z[k + 1] = 1e30
    k = 0
    for q in range(n):
        while z[k + 1] < q:
            k += 1
        p = v[k]
        d[q] = (q - p) * (q - p) + f[p]


@njit(cache=True)
def _sq_edt(feature: np.ndarray) -> np.ndarray:
    """Exact squared Euclidean distance (px²) from every pixel to the nearest True pixel.

    feature: (H, W) bool. Returns (H, W) float64; ≥ a huge value where there is no feature.
    """
    h, w = feature.shape
    big = 2.0 * (h * h + w * w) + 1.0
    n = max(h, w)
    f = np.empty(n)
    d = np.empty(n)
    v = np.empty(n, np.int64)
    z = np.empty(n + 1)
    out = np.empty((h, w))
    for x in range(w):
        for y in range(h):
            f[y] = 0.0 if feature[y, x] else big
        _dt1d(f, h, d, v, z)
        for y in range(h):
            out[y, x] = d[y]
    for y in range(h):
        for x in range(w):
            f[x] = out[y, x]
        _dt1d(f, w, d, v, z)
        for x in range(w):
            out[y, x] = d[x]
    return out


@njit(cache=True)
def _find(parent: np.ndarray, a: int) -> int:
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@njit(cache=True)
def _union(parent: np.ndarray, best: int, lab: int) -> int:
    """Join the tree of provisional label `lab` with root `best` (0: none); the new root."""
    r = _find(parent, lab)
    if best == 0 or r == best:
        return r
    if r < best:
        parent[best] = r
        return r
    parent[r] = best
    return best


@njit(cache=True)
def _label8(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected component labels (1..n, 0 = background) by two-pass union-find."""
    h, w = mask.shape
    labels = np.zeros((h, w), np.int32)
    # at most ceil(h/2)·ceil(w/2) provisional labels: isolated pixels need a gap each way
    parent = np.zeros((h + 1) * (w + 1) // 4 + 2, np.int32)
    nxt = 1
    for y in range(h):
        for x in range(w):
            if not mask[y, x]:
                continue
            best = 0
            if x > 0 and labels[y, x - 1] != 0:
                best = _union(parent, best, labels[y, x - 1])
            if y > 0:
                if x > 0 and labels[y - 1, x - 1] != 0:
                    best = _union(parent, best, labels[y - 1, x - 1])
                if labels[y - 1, x] != 0:
                    best = _union(parent, best, labels[y - 1, x])
                if x + 1 < w and labels[y - 1, x + 1] != 0:
                    best = _union(parent, best, labels[y - 1, x + 1])
            if best == 0:
                parent[nxt] = nxt
                best = nxt
                nxt += 1
            labels[y, x] = best
    remap = np.zeros(nxt, np.int32)
    n = 0
    for i in range(1, nxt):
        r = _find(parent, i)
        if remap[r] == 0:
            n += 1
            remap[r] = n
        remap[i] = remap[r]
    for y in range(h):
        for x in range(w):
            if labels[y, x] != 0:
                labels[y, x] = remap[labels[y, x]]
    return labels, n


@njit(cache=True)
def _component_stats(labels: np.ndarray, n: int) -> np.ndarray:
    """Per component 1..n: row i-1 = (pixel count, x0, y0, x1, y1) with exclusive x1, y1."""
    h, w = labels.shape
    st = np.zeros((n, 5), np.int64)
    for i in range(n):
        st[i, 1] = w
        st[i, 2] = h
    for y in range(h):
        for x in range(w):
            i = labels[y, x] - 1
            if i < 0:
                continue
            st[i, 0] += 1
            if x < st[i, 1]:
                st[i, 1] = x
            if y < st[i, 2]:
                st[i, 2] = y
            if x >= st[i, 3]:
                st[i, 3] = x + 1
            if y >= st[i, 4]:
                st[i, 4] = y + 1
    return st


def label_components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """8-connected components of a boolean mask.

    mask: (H, W) bool. Returns labels (H, W) int32 (0 = background, components 1..n) and
    stats (n, 5) int64: pixel count, x0, y0, x1, y1 (exclusive x1, y1) of component i+1.
    """
    labels, n = _label8(np.ascontiguousarray(mask, dtype=np.bool_))
    return labels, _component_stats(labels, n)


# ------------------------------------------------------------------------ stroke rendering


def _stroke_widths(stroke: Stroke, width: float | None) -> np.ndarray:
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


def _render(
    strokes: Sequence[Stroke],
    size: tuple[int, int],
    origin: tuple[float, float] = (0.0, 0.0),
    scale: float = 1.0,
    width: float | None = None,
    supersample: int = SUPERSAMPLE,
) -> np.ndarray:
    """Render strokes into a (h, w) = (size[1], size[0]) float32 ink image.

    Canvas point p lands at output pixel coordinate (p - origin) x scale; pen widths are
    scaled too. `width` (canvas px) overrides every stroke's width and pressure.
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
        widths = _stroke_widths(stroke, width) * k
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


def render_strokes(
    strokes: Sequence[Stroke],
    size: tuple[int, int],
    *,
    width: float | None = None,
    supersample: int = SUPERSAMPLE,
) -> np.ndarray:
    """Anti-aliased, round-capped rendering of strokes on a (W, H) = `size` canvas.

    Returns (H, W) float32 ink in [0, 1]. Drawn with Pillow at `supersample`x and
    box-averaged down. `width` (canvas px), if given, replaces every stroke's own width and
    pressures. Eraser strokes clear ink drawn before them.
    """
    return _render(strokes, size, width=width, supersample=supersample)


# ------------------------------------------------------------------------- image → ink


def _as_float(arr: np.ndarray) -> np.ndarray:
    """An integer/bool/float array scaled to float32 roughly in [0, 1]."""
    if arr.dtype == np.bool_:
        return arr.astype(np.float32)
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) * np.float32(1.0 / 255.0)
    if arr.dtype == np.uint16:
        return arr.astype(np.float32) * np.float32(1.0 / 65535.0)
    a = arr.astype(np.float32)
    if a.size == 0:
        return a
    hi = float(np.nanmax(a))
    if np.issubdtype(arr.dtype, np.integer):
        div = 255.0 if hi <= 255 else 65535.0 if hi <= 65535 else hi
    else:  # floats are taken as 0..1; anything brighter is rescaled by its maximum
        div = 1.0 if hi <= 1.0 else hi
    a = np.nan_to_num(a, nan=0.0) / np.float32(div)
    return np.clip(a, 0.0, 1.0)


def _pil_to_array(im: Image.Image) -> np.ndarray:
    """A PIL image of any mode → float32 (H, W) grey, or (H, W, 4) RGBA if it has alpha."""
    mode = im.mode
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode in ("PA", "LA", "La", "RGBa") or (mode == "L" and "transparency" in im.info):
        im = im.convert("RGBA")
    elif mode == "RGB" and "transparency" in im.info:
        im = im.convert("RGBA")
    elif mode == "1":
        im = im.convert("L")
    elif mode.startswith("I;16"):
        return np.asarray(im).astype(np.float32) * np.float32(1.0 / 65535.0)
    elif mode not in ("L", "RGB", "RGBA", "I", "F"):
        im = im.convert("RGB")
    arr = np.asarray(im)
    return _as_float(arr)


def _luminance_alpha(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Split a float image (H, W) / (H, W, C) into luminance (H, W) and optional alpha."""
    if arr.ndim == 2:
        return arr, None
    if arr.ndim != 3 or arr.shape[2] not in (1, 2, 3, 4):
        raise ValueError(f"expected an image (H, W), (H, W, 3) or (H, W, 4), got {arr.shape}")
    c = arr.shape[2]
    if c == 1:
        return arr[:, :, 0], None
    if c == 2:
        return arr[:, :, 0], arr[:, :, 1]
    lum = arr[:, :, 0] * 0.299 + arr[:, :, 1] * 0.587 + arr[:, :, 2] * 0.114
    return lum.astype(np.float32), (arr[:, :, 3] if c == 4 else None)


def _border(a: np.ndarray) -> np.ndarray:
    """The pixels of a ring along the image's edges (≈2 % of the shorter side, ≥ 1 px)."""
    h, w = a.shape
    b = max(1, min(h, w) // 50)
    if 2 * b >= min(h, w):
        return a.reshape(-1)
    return np.concatenate(
        [a[:b].reshape(-1), a[-b:].reshape(-1), a[b:-b, :b].reshape(-1), a[b:-b, -b:].reshape(-1)]
    )


def to_ink(image: np.ndarray | Image.Image) -> np.ndarray:
    """Any image → float32 (H, W) ink in [0, 1] (ink = 1, background = 0).

    Accepts arrays (H, W), (H, W, 1|2|3|4) of uint8/uint16/other ints/bool/float, or a PIL
    image in any mode. Transparency is composited over a background that contrasts with the
    visible content; colour becomes luminance (ITU-R 601). The background level is the
    median of the border ring, and the polarity follows from it (dark-on-light and
    light-on-dark give the same ink). Background noise (3σ from the border's median absolute
    deviation) is subtracted and the contrast stretched so that the ink's level is 1.
    """
    arr = _pil_to_array(image) if isinstance(image, Image.Image) else _as_float(np.asarray(image))
    lum, alpha = _luminance_alpha(arr)
    lum = np.asarray(lum, dtype=np.float32)
    if lum.size == 0:
        return np.zeros(lum.shape, np.float32)
    if alpha is not None and float(alpha.min()) < 0.99:
        a = np.clip(alpha.astype(np.float32), 0.0, 1.0)
        wsum = float(a.sum())
        visible = float((lum * a).sum()) / wsum if wsum > 0 else 0.0
        back = np.float32(1.0 if visible < 0.5 else 0.0)
        lum = lum * a + back * (1.0 - a)
    border = _border(lum)
    bg = float(np.median(border))
    lo, hi = float(lum.min()), float(lum.max())
    dev = (bg - lum) if (bg - lo) > (hi - bg) else (lum - bg)
    noise = 3.0 * 1.4826 * float(np.median(np.abs(border - bg)))
    top = float(dev.max())
    if top - noise <= 0.02:
        return np.zeros(lum.shape, np.float32)
    strong = dev[dev > 0.5 * top]
    peak = float(np.percentile(strong, 95)) if strong.size else top
    peak = max(peak, noise + 0.02)
    ink = (dev - np.float32(noise)) * np.float32(1.0 / (peak - noise))
    return np.clip(ink, 0.0, 1.0).astype(np.float32)


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image file with Pillow, downscaled so its longer side is ≤ MAX_LOAD_SIDE.

    Returns float32 in [0, 1]: (H, W) grey, or (H, W, 4) RGBA when the file has
    transparency; feed it to `to_ink` / `preprocess_image`. JPEGs are decoded at reduced
    size (`draft`); other formats are decoded in their own compact mode and box-reduced
    before any float conversion. The EXIF orientation of photos is applied; the first
    frame of an animation is used. Raises ImageError for a missing, unreadable, empty,
    non-image, corrupt, or too large (decompression bomb) file.
    """
    path = os.fspath(path)
    try:
        if os.path.getsize(path) == 0:
            raise ImageError(f"{path}: the file is empty (0 bytes)")
    except OSError as exc:
        raise ImageError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    try:
        with warnings.catch_warnings():
            # Between Pillow's warning and error limits we downscale instead of refusing.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                return _decode_small(im, path)
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageError(
            f"{path}: the image is too large to open safely (decompression bomb guard): {exc}"
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageError(f"{path}: not an image file Pillow can read") from exc
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise ImageError(f"{path}: the image file is corrupt or truncated ({exc})") from exc


def _decode_small(im: Image.Image, path: str) -> np.ndarray:
    """Decode an opened image at ≤ MAX_LOAD_SIDE px on the longer side (see load_image)."""
    if getattr(im, "n_frames", 1) > 1:
        im.seek(0)
    long_side = max(im.size)
    if long_side > MAX_LOAD_SIDE and im.format == "JPEG":
        im.draft(im.mode, (MAX_LOAD_SIDE, MAX_LOAD_SIDE))  # DCT-domain downscale, cheap
    w, h = im.size
    if w <= 0 or h <= 0:
        raise ImageError(f"{path}: the image has no pixels ({w}x{h})")
    bytes_per_pixel = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2}.get(im.mode, 4)
    if w * h * bytes_per_pixel > MAX_DECODE_BYTES:
        raise ImageError(
            f"{path}: the image is too large to decode ({w}x{h} px, {im.mode}); "
            f"limit {MAX_DECODE_BYTES // 2**20} MiB of pixels"
        )
    try:
        orientation = int(im.getexif().get(_EXIF_ORIENTATION, 1))
    except Exception:  # a broken EXIF block only loses the orientation
        orientation = 1
    im.load()
    factor = math.ceil(max(w, h) / MAX_LOAD_SIDE)
    if factor > 1:
        if im.mode == "1":
            im = im.convert("L")
        elif im.mode.startswith("I;16"):
            im = im.convert("I")
        elif im.mode == "P":
            im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        im = im.reduce(factor)  # area average of factor x factor blocks
    if orientation in _EXIF_TRANSPOSE:  # photos: as the camera meant them to be seen
        im = im.transpose(_EXIF_TRANSPOSE[orientation])
    return _pil_to_array(im)


_EXIF_ORIENTATION = 0x0112
_EXIF_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


# ----------------------------------------------------------------------- ink → 28x28


def _crofton_perimeter(mask: np.ndarray) -> float:
    """Perimeter (px) of a binary shape by Crofton's formula over 4 directions."""
    p = np.pad(mask, 1)
    n0 = np.count_nonzero(p[:, 1:] != p[:, :-1])
    n90 = np.count_nonzero(p[1:, :] != p[:-1, :])
    n45 = np.count_nonzero(p[1:, 1:] != p[:-1, :-1])
    n135 = np.count_nonzero(p[1:, :-1] != p[:-1, 1:])
    return math.pi / 8.0 * (n0 + n90 + (n45 + n135) / _SQRT2)


def _width_from(area: float, perimeter: float) -> float:
    """Stroke width w of a round-capped stroke with `area` and `perimeter` (px).

    Model: area = L·w + π w²/4 and perimeter = 2L + π w (L: centre-line length), so
    (π/4) w² − (P/2) w + A = 0; a blob with no such solution gives its disc diameter.
    """
    if area <= 0:
        return 0.0
    half = 0.5 * perimeter
    disc = half * half - math.pi * area
    if disc <= 0:
        return math.sqrt(4.0 * area / math.pi)
    return (half - math.sqrt(disc)) / (0.5 * math.pi)


def stroke_width(mask: np.ndarray) -> float:
    """Estimated stroke width (px) of the binary ink `mask` (H, W) bool."""
    m = np.asarray(mask, dtype=np.bool_)
    return _width_from(float(np.count_nonzero(m)), _crofton_perimeter(m))


def _noise_mask(a: np.ndarray, peak: float) -> np.ndarray:
    """(H, W) bool: the pixels of `a` that are ink, i.e. ≥ NOISE_LEVEL x peak."""
    return a >= np.float32(NOISE_LEVEL * peak)


def _specks(st: np.ndarray) -> np.ndarray:
    """(n,) bool over components (stats rows as from `label_components`): the specks to
    drop, i.e. small and short compared with the largest component and lying outside the
    other components' box grown by SPECK_EXTENT of its size."""
    counts = st[:, 0]
    ext = np.maximum(st[:, 3] - st[:, 1], st[:, 4] - st[:, 2])
    big = int(np.argmax(counts))
    small = (counts < SPECK_FRACTION * counts[big]) & (ext < SPECK_EXTENT * ext[big])
    if not small.any():
        return small
    keep = ~small
    x0, y0 = st[keep, 1].min(), st[keep, 2].min()
    x1, y1 = st[keep, 3].max(), st[keep, 4].max()
    g = SPECK_EXTENT * max(x1 - x0, y1 - y0)
    outside = (st[:, 3] < x0 - g) | (st[:, 1] > x1 + g) | (st[:, 4] < y0 - g) | (st[:, 2] > y1 + g)
    return small & outside


def _finite(a: np.ndarray) -> tuple[np.ndarray, float]:
    """`a` with NaN/inf replaced by 0 (only if there are any), and its maximum (0 if empty)."""
    peak = float(a.max()) if a.size else 0.0
    if not math.isfinite(peak):  # NaN propagates into the maximum; -inf is never ink
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
        peak = float(a.max())
    return a, peak


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) exclusive box of True pixels, None if none."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _working_mask(crop: np.ndarray) -> tuple[np.ndarray, float]:
    """Binary stroke shape of `crop` at the working size, and work px per input px."""
    h, w = crop.shape
    long_side = max(h, w)
    if long_side > WORK_MAX:
        f = math.ceil(long_side / WORK_MAX)
        m = crop >= MASK_LEVEL
        hp, wp = -(-h // f) * f, -(-w // f) * f
        if (hp, wp) != (h, w):
            m = np.pad(m, ((0, hp - h), (0, wp - w)))
        # max-pool: a thin line stays a (thin) line however far it is reduced
        pooled = m[::f, ::f].copy()
        for dy in range(f):
            for dx in range(f):
                if dy or dx:
                    pooled |= m[dy::f, dx::f]
        return pooled, 1.0 / f
    if long_side < WORK_MIN:
        u = math.ceil(WORK_MIN / long_side)
        up = Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32), mode="F").resize(
            (w * u, h * u), Image.Resampling.BILINEAR
        )
        return np.asarray(up) >= MASK_LEVEL, float(u)
    return crop >= MASK_LEVEL, 1.0


def _offset(mask: np.ndarray, delta: float) -> np.ndarray:
    """Anti-aliased ink of `mask` grown (delta > 0) or shrunk (delta < 0) by |delta| px.

    Uses the exact Euclidean distance to the shape: pixels inside stay at 1, pixels at
    distance d outside get clip(1 + delta − d) (grow), or d inside gets clip(d + delta)
    (shrink). Shrinking by more than a pixel is limited by `_shrink_limit`, so that thin
    parts of variable-width strokes survive. Returns float32, padded by
    ceil(max(delta, 0)) + 2 px on every side.
    """
    pad = math.ceil(max(delta, 0.0)) + 2
    m = np.pad(mask, pad)
    if delta >= 0:
        d = np.sqrt(_sq_edt(m))
        out = np.clip(1.0 + delta - d, 0.0, 1.0)
    else:
        d = np.sqrt(_sq_edt(~m))
        if delta < -1.0:
            delta = max(delta, -_shrink_limit(d, m))
        out = np.clip(d + delta, 0.0, 1.0)
    return out.astype(np.float32)


def _shrink_limit(d_in: np.ndarray, mask: np.ndarray) -> float:
    """How far (px) a shape may be shrunk so that its thin parts keep about 1 px.

    d_in: (H, W) distance of each ink pixel to the background (0 outside), mask: the ink,
    both with ≥ 1 px of empty border. Local widths are read along the ridge of d_in (its
    8-neighbour local maxima, ≈ 2·d − 1 px); their 20 % quantile sets the limit.
    """
    c = d_in[1:-1, 1:-1]
    h, w = c.shape
    ridge = mask[1:-1, 1:-1].copy()
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            if dy != 1 or dx != 1:
                ridge &= c >= d_in[dy : dy + h, dx : dx + w]
    vals = c[ridge]
    if vals.size == 0:
        return 0.0
    local = 2.0 * float(np.percentile(vals, 20)) - 1.0
    return max(0.0, 0.5 * (local - 1.0))


def _area_weights(origin: float, scale: float, n_src: int, n_out: int) -> np.ndarray:
    """(n_out, n_src) area-averaging weights: output pixel u spans source
    [origin + u·scale, origin + (u+1)·scale]; each weight is the overlap with source pixel
    [j, j+1] divided by `scale` (exact box filter, mass preserving, any fractional scale)."""
    a = origin + scale * np.arange(n_out, dtype=np.float64)[:, None]
    j = np.arange(n_src, dtype=np.float64)[None, :]
    overlap = np.minimum(a + scale, j + 1.0) - np.maximum(a, j)
    return np.clip(overlap, 0.0, None) * (1.0 / scale)


def _place(ink: np.ndarray) -> np.ndarray:
    """Scale `ink` (its box's longer side → BOX px, exact area averaging) into the
    FRAMExFRAME frame with its centre of mass at (CENTRE, CENTRE), the shift clamped so
    that the ink keeps MARGIN px away from the frame's edges. Returns (28, 28) float32."""
    bb = _bbox(ink > 0)
    assert bb is not None
    x0, y0, x1, y1 = bb
    ink = ink[y0:y1, x0:x1].astype(np.float64)
    h, w = ink.shape
    s = max(h, w) / BOX  # source px per output px
    total = float(ink.sum())
    cy = float(ink.sum(axis=1) @ np.arange(h)) / total
    cx = float(ink.sum(axis=0) @ np.arange(w)) / total
    # output pixel u spans source [o + u·s, o + (u+1)·s]; COM index c has centre c + 0.5
    ox = cx + 0.5 - (CENTRE + 0.5) * s
    oy = cy + 0.5 - (CENTRE + 0.5) * s
    ox = min(max(ox, w - (FRAME - MARGIN) * s), -MARGIN * s)
    oy = min(max(oy, h - (FRAME - MARGIN) * s), -MARGIN * s)
    out = _area_weights(oy, s, h, FRAME) @ ink @ _area_weights(ox, s, w, FRAME).T
    out[out < 1e-3] = 0.0
    peak = float(out.max())
    if peak > 0:
        out *= 1.0 / peak
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def preprocess_ink(ink: np.ndarray) -> Preprocessed:
    """An ink map (H, W) float in [0, 1] (ink = 1) → the network's 28x28 input.

    Noise below NOISE_LEVEL of the peak and isolated specks are dropped; fewer than
    MIN_INK_PIXELS pixels, a box under MIN_EXTENT px, or a dot (box < DOT_RATIO x stroke
    width) is empty. The stroke width is normalised to TARGET_STROKE px at 28x28 (relative
    to the digit's size), the longer side scaled to BOX px with an area-averaging filter
    (aspect ratio kept) and the centre of mass put at (CENTRE, CENTRE). Deterministic and
    translation invariant; about 1-2 ms for a 280x280 canvas.
    """
    a = np.asarray(ink, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"expected an ink map (H, W), got shape {a.shape}")
    h_in, w_in = a.shape
    a, peak = _finite(a)
    if peak <= 1e-3:
        return Preprocessed(None, True, None, 0.0, None)
    labels, st = label_components(_noise_mask(a, peak))
    keep = ~_specks(st)
    kst = st[keep]
    x0, y0 = int(kst[:, 1].min()), int(kst[:, 2].min())
    x1, y1 = int(kst[:, 3].max()), int(kst[:, 4].max())
    bb = (x0, y0, x1, y1)
    sub = labels[y0:y1, x0:x1]
    own = sub > 0 if keep.all() else np.concatenate([[False], keep])[sub]
    crop = np.where(own, np.minimum(a[y0:y1, x0:x1] * np.float32(1.0 / peak), 1.0), 0.0)
    crop = crop.astype(np.float32)
    frac = float(crop.sum()) * peak / float(h_in * w_in)
    if int(kst[:, 0].sum()) < MIN_INK_PIXELS or max(x1 - x0, y1 - y0) < MIN_EXTENT:
        return Preprocessed(None, True, bb, frac, None)
    mask, k = _working_mask(crop)
    mb = _bbox(mask)
    if mb is None:
        return Preprocessed(None, True, bb, frac, None)
    mask = mask[mb[1] : mb[3], mb[0] : mb[2]]
    width = stroke_width(mask)  # work px
    long_side = float(max(mask.shape))
    if long_side < DOT_RATIO * width:
        return Preprocessed(None, True, bb, frac, float(width / k))
    r = TARGET_STROKE / BOX
    target = r * max(long_side - width, 1.0) / (1.0 - r)
    delta = 0.5 * (target - width)
    out = _offset(mask, delta)
    return Preprocessed(_place(out), False, bb, frac, float(width / k))


def preprocess_image(image: np.ndarray | Image.Image) -> Preprocessed:
    """Any image (see `to_ink`) → the network's 28x28 input (see `preprocess_ink`)."""
    return preprocess_ink(to_ink(image))


def preprocess_strokes(strokes: Sequence[Stroke], canvas_size: tuple[int, int]) -> Preprocessed:
    """Canvas strokes on a (W, H) = `canvas_size` canvas → the network's 28x28 input.

    Stroke-width normalisation for canvas input is done at rendering time: the strokes are
    re-rendered with a uniform pen width chosen from the digit's size (TARGET_STROKE at
    28x28 once the box is BOX px), ignoring the user's width and pressure, then go through
    `preprocess_ink` like any ink (whose own width correction is then ≈ 0). The digit's box
    is rendered at RENDER_LONG px, so the cost does not depend on the canvas size. With an
    eraser stroke the user's rendering (own widths) goes through `preprocess_ink` instead.
    `box` is the user's ink box in canvas pixels, `stroke_width` the user's widest pen and
    `ink_fraction` an estimate from the strokes' lengths and that pen.
    """
    cw, ch = int(canvas_size[0]), int(canvas_size[1])
    if any(s.erase for s in strokes):
        ink = render_strokes(strokes, (cw, ch))
        return preprocess_ink(ink)
    pts_list = [np.asarray(s.points, dtype=np.float64).reshape(-1, 2) for s in strokes]
    drawn = [(s, p) for s, p in zip(strokes, pts_list, strict=True) if len(p)]
    if not drawn:
        return Preprocessed(None, True, None, 0.0, None)
    allp = np.concatenate([p for _, p in drawn])
    pen = max(float(_stroke_widths(s, None).max()) for s, _ in drawn)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    half = 0.5 * pen
    box = (
        max(0, math.floor(lo[0] - half)),
        max(0, math.floor(lo[1] - half)),
        min(cw, math.ceil(hi[0] + half)),
        min(ch, math.ceil(hi[1] + half)),
    )
    length = sum(float(np.hypot(*np.diff(p, axis=0).T).sum()) for _, p in drawn)
    frac = min(1.0, (length * pen + len(drawn) * math.pi * half * half) / max(cw * ch, 1))
    extent = float(max(hi - lo))
    if extent + pen < MIN_EXTENT or extent + pen < DOT_RATIO * pen:
        return Preprocessed(None, True, box, frac, pen)
    r = TARGET_STROKE / BOX
    width = r * extent / (1.0 - r)  # canvas px; box long side = extent + width
    span = extent + width
    scale = RENDER_LONG / span
    pad = 2.0 / scale  # 2 output px of margin
    origin = (float(lo[0]) - 0.5 * width - pad, float(lo[1]) - 0.5 * width - pad)
    size = (
        math.ceil((hi[0] - lo[0] + width + 2 * pad) * scale),
        math.ceil((hi[1] - lo[1] + width + 2 * pad) * scale),
    )
    # 2x supersampling is enough here: preprocess_ink binarises the shape at this size
    ink = _render(
        [s for s, _ in drawn], size, origin=origin, scale=scale, width=width, supersample=2
    )
    res = preprocess_ink(ink)
    return Preprocessed(res.image, res.empty, box, frac, pen)


def warm_up() -> None:
    """Compile (or load from numba's cache) the kernels now, e.g. in a background thread at
    start-up, so that the first live prediction does not wait ~3 s for the JIT."""
    ink = np.zeros((40, 40), np.float32)
    ink[5:35, 18:22] = 1.0
    ink[5:9, 10:30] = 1.0
    preprocess_ink(ink)
    _offset(ink > 0, -1.5)
