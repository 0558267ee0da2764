"""Per-image numba kernels of the augmentation pipeline, each beside its plain-NumPy twin.

Every kernel runs in parallel over images and has a ``*_numpy`` twin that is the readable
reference; ``tests/test_augment.py`` pins each kernel to its twin.  Shapes (N images of H×W):

* :func:`morph_kernel` — images (N, H, W) float32, ops (N,) int8 (:data:`OP_NONE`,
  :data:`OP_DILATE`, :data:`OP_ERODE`), square (N,) bool, strength (N,) float32
  → (N, H, W) float32: 3×3 grey dilation/erosion blended with the input;
* :func:`ink_bbox_kernel` — images (N, H, W), threshold → (N, 4) float64 ink boxes
  (x_min, x_max, y_min, y_max) in pixels, NaN for an image without ink;
* :func:`smooth_fields` — noise (M, 2, H, W) uint8, weights (2r+1,) from
  :func:`gaussian_weights`, alpha in px → (M, 2, H, W) float32 elastic displacement fields
  (NumPy matrix products: no kernel needed);
* :func:`warp_kernel` — images (N, H, W) float32, inv (N, 2, 3) float64 output→source
  matrices, disp (M, 2, H, W) float32, disp_idx (N,) int64 (−1: none) → (N, H, W) float32
  in [0, 1], bilinear, zero outside the frame.

Coordinates: ``x`` is the column, ``y`` the row, pixel centres sit at integer coordinates.
The kernels use numba's thread pool; callers hold it with
:func:`lenet.nn.kernels.threads.hold_thread_pool`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

# Morphology op codes (the ``ops`` argument of morph_kernel).
OP_NONE = 0
OP_DILATE = 1
OP_ERODE = 2


# --------------------------------------------------------------------------------------------
# Morphology: 3×3 grey dilation / erosion, blended with the input.
# Out-of-frame neighbours are ignored (as if padded with -inf for max, +inf for min).
# --------------------------------------------------------------------------------------------


@njit(cache=True, nogil=True, parallel=True)
def morph_kernel(
    images: np.ndarray, ops: np.ndarray, square: np.ndarray, strength: np.ndarray
) -> np.ndarray:
    """Per-image grey dilation/erosion blended with the input.

    images (N, H, W) float32; ops (N,) int8 in {0 none, 1 dilate, 2 erode}; square (N,) bool
    (3×3 square element, else the 5-pixel cross); strength (N,) float32 blend factor in [0, 1].
    Returns (N, H, W) float32: ``img + strength · (morph(img) − img)``.

    Erosion is computed as ``−dilate(−img)``; the image is copied into a buffer padded with
    −inf so the inner loops have no bounds checks (the square is done separably).
    """
    n, h, w = images.shape
    out = np.empty_like(images)
    neg_inf = np.float32(-np.inf)
    for i in prange(n):
        op = ops[i]
        if op == OP_NONE:  # loops, not out[i] = images[i] (compiles error formatting)
            for y in range(h):
                for x in range(w):
                    out[i, y, x] = images[i, y, x]
            continue
        sign = np.float32(1.0) if op == OP_DILATE else np.float32(-1.0)
        s = strength[i]
        pad = np.full((h + 2, w + 2), neg_inf, dtype=np.float32)
        for y in range(h):
            for x in range(w):
                pad[y + 1, x + 1] = sign * images[i, y, x]
        m = np.empty((h, w), dtype=np.float32)
        if square[i]:
            rows = np.empty((h + 2, w), dtype=np.float32)  # max over x-1, x, x+1
            for y in range(h + 2):
                for x in range(w):
                    rows[y, x] = max(pad[y, x], max(pad[y, x + 1], pad[y, x + 2]))
            for y in range(h):
                for x in range(w):
                    m[y, x] = max(rows[y, x], max(rows[y + 1, x], rows[y + 2, x]))
        else:
            for y in range(h):
                for x in range(w):
                    c = max(pad[y + 1, x], max(pad[y + 1, x + 1], pad[y + 1, x + 2]))
                    m[y, x] = max(c, max(pad[y, x + 1], pad[y + 2, x + 1]))
        for y in range(h):
            for x in range(w):
                v = images[i, y, x]
                out[i, y, x] = v + s * (sign * m[y, x] - v)
    return out


def _neighbourhood_stack(img: np.ndarray, square: bool, fill: float) -> np.ndarray:
    """(K, H, W) stack of the image shifted by each offset of the 3×3 square or cross element;
    pixels shifted in from outside the frame get ``fill``."""
    h, w = img.shape
    padded = np.full((h + 2, w + 2), fill, dtype=np.float64)
    padded[1:-1, 1:-1] = img
    offsets = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if square or dy == 0 or dx == 0]
    return np.stack([padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] for dy, dx in offsets])


def dilate_numpy(img: np.ndarray, square: bool = True) -> np.ndarray:
    """Grey dilation (max over the 3×3 square or cross) of one (H, W) image."""
    return _neighbourhood_stack(img, square, -np.inf).max(axis=0).astype(np.float32)


def erode_numpy(img: np.ndarray, square: bool = False) -> np.ndarray:
    """Grey erosion (min over the 3×3 square or cross) of one (H, W) image."""
    return _neighbourhood_stack(img, square, np.inf).min(axis=0).astype(np.float32)


def morph_numpy(
    images: np.ndarray, ops: np.ndarray, square: np.ndarray, strength: np.ndarray
) -> np.ndarray:
    """NumPy twin of :func:`morph_kernel` (same arguments and result)."""
    out = images.astype(np.float32, copy=True)
    for i, img in enumerate(images):
        if ops[i] == OP_DILATE:
            m = dilate_numpy(img, bool(square[i]))
        elif ops[i] == OP_ERODE:
            m = erode_numpy(img, bool(square[i]))
        else:
            continue
        out[i] = img + strength[i] * (m - img)
    return out


# --------------------------------------------------------------------------------------------
# Ink bounding box (used to keep the warped digit inside the frame).
# --------------------------------------------------------------------------------------------


@njit(cache=True, nogil=True, parallel=True)
def ink_bbox_kernel(images: np.ndarray, threshold: float) -> np.ndarray:
    """Bounding box of pixels > threshold: (N, 4) float64 rows (x_min, x_max, y_min, y_max)
    in pixel coordinates; an image without ink gets NaNs."""
    n, h, w = images.shape
    out = np.empty((n, 4), dtype=np.float64)
    for i in prange(n):
        x0 = w
        x1 = -1
        y0 = h
        y1 = -1
        for y in range(h):
            for x in range(w):
                if images[i, y, x] > threshold:
                    if x < x0:
                        x0 = x
                    if x > x1:
                        x1 = x
                    if y < y0:
                        y0 = y
                    y1 = y
        if x1 < 0:
            out[i, :] = np.nan
        else:
            out[i, 0] = x0
            out[i, 1] = x1
            out[i, 2] = y0
            out[i, 3] = y1
    return out


def ink_bbox_numpy(images: np.ndarray, threshold: float) -> np.ndarray:
    """NumPy twin of :func:`ink_bbox_kernel`."""
    out = np.full((len(images), 4), np.nan)
    for i, img in enumerate(images):
        ys, xs = np.nonzero(img > threshold)
        if xs.size:
            out[i] = xs.min(), xs.max(), ys.min(), ys.max()
    return out


# --------------------------------------------------------------------------------------------
# Elastic displacement fields: uniform noise smoothed by a separable Gaussian (zero padding).
# --------------------------------------------------------------------------------------------


def gaussian_weights(sigma: float, size: int) -> np.ndarray:
    """Unit-sum 1-D Gaussian of standard deviation ``sigma`` px, radius min(⌈3σ⌉, size − 1)."""
    r = max(1, min(math.ceil(3.0 * sigma), size - 1))
    k = np.arange(-r, r + 1, dtype=np.float64)
    g = np.exp(-0.5 * (k / sigma) ** 2)
    return g / g.sum()


def _noise_to_float(noise: np.ndarray) -> np.ndarray:
    """Map uint8 noise bytes to a symmetric uniform grid on (−1, 1): ``(b + 0.5) / 128 − 1``."""
    return (noise.astype(np.float64) + 0.5) / 128.0 - 1.0


def _band(n: int, weights: np.ndarray, dtype) -> np.ndarray:
    """(n, n) matrix of the 1-D convolution with `weights` (zero padding): row i holds
    weights[k + r] at column i + k."""
    r = (len(weights) - 1) // 2
    g = np.zeros((n, n), dtype=dtype)
    for i in range(n):
        for k in range(-r, r + 1):
            if 0 <= i + k < n:
                g[i, i + k] = weights[k + r]
    return g


def smooth_fields(noise: np.ndarray, weights: np.ndarray, alpha: float) -> np.ndarray:
    """Displacement fields: uniform noise smoothed by a separable Gaussian (zero padding).

    noise (M, C, H, W) uint8 random bytes, read as uniform(−1, 1) values ``(b + 0.5)/128 − 1``;
    weights (2r+1,) float64 unit-sum 1-D kernel; alpha scale in pixels.
    Returns (M, C, H, W) float32 ``alpha · G_h @ f @ G_wᵀ``: two matrix products over all the
    fields at once (BLAS), with the banded matrices G of the 1-D convolution. A numba loop
    over 25 taps of 28-pixel rows did the same at a twentieth of the speed.
    """
    m, c, h, w = noise.shape
    f = (noise.astype(np.float32) + np.float32(0.5)) * np.float32(1 / 128) - np.float32(1)
    gw = _band(w, weights, np.float32)
    gh = _band(h, weights, np.float32) * np.float32(alpha)
    rows = (f.reshape(-1, w) @ gw.T).reshape(m * c, h, w)  # along x
    cols = rows.transpose(0, 2, 1).reshape(-1, h) @ gh.T  # along y, on the transposed fields
    return np.ascontiguousarray(cols.reshape(m, c, w, h).transpose(0, 1, 3, 2))


def smooth_numpy(noise: np.ndarray, weights: np.ndarray, alpha: float) -> np.ndarray:
    """Readable float64 twin of :func:`smooth_fields`: ``alpha · G_h @ f @ G_wᵀ`` with ``f``
    the noise mapped to (−1, 1), field by field."""
    h, w = noise.shape[-2:]
    gh, gw = _band(h, weights, np.float64), _band(w, weights, np.float64)
    return (alpha * (gh @ _noise_to_float(noise) @ gw.T)).astype(np.float32)


# --------------------------------------------------------------------------------------------
# Warp: inverse affine map + optional displacement field, bilinear, zero outside.
# --------------------------------------------------------------------------------------------


@njit(cache=True, nogil=True, parallel=True)
def warp_kernel(
    images: np.ndarray, inv: np.ndarray, disp: np.ndarray, disp_idx: np.ndarray
) -> np.ndarray:
    """Resample each image at ``inv @ (x, y, 1) + d(x, y)``.

    images (N, H, W) float32; inv (N, 2, 3) float64, maps output pixel (x, y) to source
    (x, y); disp (M, 2, H, W) float32 displacement fields in source pixels (channel 0 = x,
    1 = y); disp_idx (N,) int64 row of ``disp`` for each image, or −1 for none.
    Returns (N, H, W) float32 in [0, 1] (bilinear, zero outside the source frame).
    """
    n, h, w = images.shape
    out = np.empty_like(images)
    for i in prange(n):
        # zero border of one pixel: every in-range 2×2 neighbourhood is read without checks
        pad = np.zeros((h + 2, w + 2), dtype=np.float32)
        for y in range(h):
            for x in range(w):
                pad[y + 1, x + 1] = images[i, y, x]
        a = inv[i, 0, 0]
        b = inv[i, 0, 1]
        c = inv[i, 0, 2]
        d = inv[i, 1, 0]
        e = inv[i, 1, 1]
        f = inv[i, 1, 2]
        k = disp_idx[i]
        for y in range(h):
            for x in range(w):
                sx = a * x + b * y + c
                sy = d * x + e * y + f
                if k >= 0:
                    sx += disp[k, 0, y, x]
                    sy += disp[k, 1, y, x]
                x0f = math.floor(sx)
                y0f = math.floor(sy)
                if x0f < -1.0 or x0f > w - 1 or y0f < -1.0 or y0f > h - 1:
                    out[i, y, x] = 0.0
                    continue
                fx = sx - x0f
                fy = sy - y0f
                px = int(x0f) + 1
                py = int(y0f) + 1
                top = (1.0 - fx) * pad[py, px] + fx * pad[py, px + 1]
                bottom = (1.0 - fx) * pad[py + 1, px] + fx * pad[py + 1, px + 1]
                v = (1.0 - fy) * top + fy * bottom
                out[i, y, x] = min(max(v, 0.0), 1.0)
    return out


def warp_numpy(
    images: np.ndarray, inv: np.ndarray, disp: np.ndarray, disp_idx: np.ndarray
) -> np.ndarray:
    """NumPy twin of :func:`warp_kernel` (same arguments and result)."""
    n, h, w = images.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.empty((n, h, w), dtype=np.float32)
    for i in range(n):
        sx = inv[i, 0, 0] * xs + inv[i, 0, 1] * ys + inv[i, 0, 2]
        sy = inv[i, 1, 0] * xs + inv[i, 1, 1] * ys + inv[i, 1, 2]
        if disp_idx[i] >= 0:
            sx = sx + disp[disp_idx[i], 0]
            sy = sy + disp[disp_idx[i], 1]
        x0 = np.floor(sx).astype(np.int64)
        y0 = np.floor(sy).astype(np.int64)
        fx = sx - x0
        fy = sy - y0

        def at(yy: np.ndarray, xx: np.ndarray, img: np.ndarray = images[i]) -> np.ndarray:
            inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            vals = img[np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)].astype(np.float64)
            return np.where(inside, vals, 0.0)

        v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * (
            (1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1)
        )
        out[i] = np.clip(v, 0.0, 1.0)
    return out
