"""Image files and arrays → an ink map: decoding, transparency, colour, polarity.

`load_image` reads a file with Pillow (bounded size, EXIF orientation, first frame);
`to_ink` turns any image into float32 (H, W) ink in [0, 1] (ink = 1, background = 0),
whatever its polarity (dark on light or light on dark).
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

__all__ = ["MAX_DECODE_BYTES", "MAX_LOAD_SIDE", "ImageError", "load_image", "to_ink"]

MAX_LOAD_SIDE = 1024
"""`load_image` downscales so that the longer side is at most this many px."""
MAX_DECODE_BYTES = 512 * 2**20
"""`load_image` refuses to decode an image whose raw pixels would need more than this."""


class ImageError(ValueError):
    """An image file could not be read: missing, not an image, corrupt, or too large."""



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


def _ring(h: int, w: int) -> np.ndarray:
    """(H, W) bool: a ring along the image's edges (≈2 % of the shorter side, ≥ 1 px)."""
    b = max(1, min(h, w) // 50)
    ring = np.zeros((h, w), bool)
    ring[:b], ring[-b:], ring[:, :b], ring[:, -b:] = True, True, True, True
    return ring


def _border(a: np.ndarray) -> np.ndarray:
    """The pixels of `_ring` (flat; only their levels matter, not their order)."""
    return a[_ring(*a.shape)]


FLATTEN_MIN = 0.1
"""A paper whose fitted plane of light changes by at least this much (on a 0..1 scale)
across the image is flattened first (`_flatten_lighting`); a uniform one is left as it is."""


FLATTEN_MIN_SIDE = 32
"""... in images at least this many px on each side (a small scan is a crop of the digit,
whose ink on the ring the fit would take for light) ..."""
FLATTEN_PAPER = 0.8
"""... and when at least this share of the ring lies on the plane (is paper): a digit that
fills its frame puts too much ink on the ring for the fit to be the light's."""


def _flatten_lighting(lum: np.ndarray) -> np.ndarray:
    """`lum` (H, W) with a linear gradient of the light across the paper removed: a plane
    fitted to the border ring's paper pixels (its three lightest quarters, then three times
    the pixels near the last fit), subtracted when it changes by
    FLATTEN_MIN or more (a page lit from one side, a phone's shadow). Returns `lum` itself
    otherwise."""
    h, w = lum.shape
    if min(h, w) < FLATTEN_MIN_SIDE:
        return lum
    ys, xs = np.nonzero(_ring(h, w))
    v = lum[ys, xs].astype(np.float64)
    light_paper = float(np.median(v)) > 0.5 * (float(lum.min()) + float(lum.max()))
    # start from the ring's three lightest quarters (darkest, for light ink on dark paper)
    keep = v >= np.percentile(v, 25) if light_paper else v <= np.percentile(v, 75)
    design = np.stack([np.ones_like(v), xs / w - 0.5, ys / h - 0.5], axis=1)
    for _ in range(3):
        coef = np.linalg.lstsq(design[keep], v[keep], rcond=None)[0]
        resid = v - design @ coef
        spread = 1.4826 * float(np.median(np.abs(resid[keep]))) + 0.01
        keep = np.abs(resid) <= 3.0 * spread
        if keep.sum() < 16:
            return lum
    if keep.mean() < FLATTEN_PAPER:
        return lum
    if abs(coef[1]) + abs(coef[2]) < FLATTEN_MIN:
        return lum
    gx = (np.arange(w) / w - 0.5) * coef[1]
    gy = (np.arange(h) / h - 0.5) * coef[2]
    return (lum - (gy[:, None] + gx[None, :])).astype(np.float32)


def _otsu(lum: np.ndarray) -> float:
    """Otsu's threshold of a float image in [0, 1] (64 bins)."""
    hist, edges = np.histogram(lum, bins=64, range=(0.0, 1.0))
    p = hist / max(hist.sum(), 1)
    centres = 0.5 * (edges[:-1] + edges[1:])
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * centres)
    total = m0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total * w0 - m0) ** 2 / (w0 * (1.0 - w0))
    between[~np.isfinite(between)] = 0.0
    return float(edges[int(np.argmax(between)) + 1])


def _background_level(lum: np.ndarray, border: np.ndarray) -> float:
    """The paper's grey level. Usually the border ring's median; but a bold digit cropped
    tight covers most of the ring, and then the four corners (which handwriting rarely
    fills) outvote it: with two clear grey classes, each corner patch and the ring vote
    for the class that is paper."""
    ring = float(np.median(border))
    h, w = lum.shape
    if min(h, w) < 8:
        return ring
    k = max(1, min(h, w) // 12)
    t = _otsu(lum)
    dark, light = lum[lum <= t], lum[lum > t]
    if dark.size == 0 or light.size == 0 or float(light.mean() - dark.mean()) < 0.2:
        return ring
    corners = [lum[:k, :k], lum[:k, -k:], lum[-k:, :k], lum[-k:, -k:]]
    votes_light = sum(float(np.median(c)) > t for c in corners) + (ring > t)
    if (votes_light >= 3) == (ring > t):
        # the ring's paper pixels only: a digit filling its frame (a 16x16 scan) puts ink,
        # and grey anti-aliased edges, on much of the ring, which pulls its median to ink
        return float(np.median(border[border > t] if ring > t else border[border <= t]))
    return float(np.median(light if votes_light >= 3 else dark))


def to_ink(image: np.ndarray | Image.Image) -> np.ndarray:
    """Any image → float32 (H, W) ink in [0, 1] (ink = 1, background = 0).

    Accepts arrays (H, W), (H, W, 1|2|3|4) of uint8/uint16/other ints/bool/float, or a PIL
    image in any mode. Transparency is composited over a background that contrasts with the
    visible content; colour becomes luminance (ITU-R 601). The background level is the
    median of the border ring's paper pixels (outvoted by the corners when a bold digit
    covers most of the ring), and the polarity follows from it (dark-on-light and
    light-on-dark give the same ink). Background noise (3σ from the median absolute
    deviation of the ring's paper pixels) is subtracted and the contrast stretched so that
    the ink's level is 1.
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
    lum = _flatten_lighting(lum)
    border = _border(lum)
    bg = _background_level(lum, border)
    # the noise is measured on the paper: the ring's pixels near its level, or, when the ink
    # covers most of the ring, the whole image's
    near = border[np.abs(border - bg) <= 0.25]
    if near.size < 16:
        near = lum[np.abs(lum - bg) <= 0.25].reshape(-1)
    border = near if near.size >= 16 else border
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
        raise ImageError(f"{path}: the image is too large to open safely") from exc
    except UnidentifiedImageError as exc:
        raise ImageError(
            f"{path}: not an image file (or a kind this program does not read: use PNG, "
            "JPEG, BMP, TIFF, GIF or WebP)"
        ) from exc
    except MemoryError as exc:
        raise ImageError(f"{path}: the image is too large to open") from exc
    except Exception as exc:
        # A damaged file fails inside the decoders in many ways (OSError, SyntaxError,
        # TypeError from a TIFF's missing dimensions, ...): all of them are a damaged file.
        raise ImageError(f"{path}: the image file is damaged or truncated") from exc


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
