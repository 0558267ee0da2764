"""Affine geometry of the augmentation warp: 2×2 linear maps, 2×3 output→source matrices,
and keeping the warped ink inside the frame.

The forward map of one image is ``out = c + shift + lin · (src − c)`` about the image centre
``c = ((W − 1) / 2, (H − 1) / 2)``; :func:`lenet.data.augment_kernels.warp_kernel` needs its
inverse.  Coordinates: ``x`` is the column, ``y`` the row (pointing down), pixel centres at
integers; a positive angle turns the digit counter-clockwise on screen, a positive shear
slants it like italics.  Lengths and shifts are in pixels, angles in degrees.
"""

from __future__ import annotations

import numpy as np


def linear_part(
    angle_deg: np.ndarray, scale: np.ndarray, aspect: np.ndarray, shear: np.ndarray
) -> np.ndarray:
    """Forward linear maps ``R(angle) · Shear(k) · diag(sx, sy)``: (N, 2, 2) float64.

    ``sx = scale·√aspect``, ``sy = scale/√aspect``; shear is ``x' = x + k·y``; rotation is
    counter-clockwise on screen (y points down).
    """
    t = np.deg2rad(np.asarray(angle_deg, dtype=np.float64))
    cos, sin = np.cos(t), np.sin(t)
    root = np.sqrt(np.asarray(aspect, dtype=np.float64))
    sx = np.asarray(scale, dtype=np.float64) * root
    sy = np.asarray(scale, dtype=np.float64) / root
    k = np.asarray(shear, dtype=np.float64)
    # R = [[cos, sin], [-sin, cos]], Sh = [[1, k], [0, 1]], S = diag(sx, sy)
    lin = np.empty((t.size, 2, 2))
    lin[:, 0, 0] = cos * sx
    lin[:, 0, 1] = (cos * k + sin) * sy
    lin[:, 1, 0] = -sin * sx
    lin[:, 1, 1] = (-sin * k + cos) * sy
    return lin


def inverse_matrices(lin: np.ndarray, shift: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Output→source 2×3 matrices for ``out = c + shift + lin · (src − c)`` about the image
    centre ``c``.  lin (N, 2, 2), shift (N, 2) in px as (dx, dy); returns (N, 2, 3) float64."""
    h, w = shape
    centre = np.array([(w - 1) / 2.0, (h - 1) / 2.0])
    lin_inv = np.linalg.inv(lin) if len(lin) else np.empty((0, 2, 2))
    inv = np.empty((len(lin), 2, 3))
    inv[:, :, :2] = lin_inv
    inv[:, :, 2] = centre - np.einsum("nij,nj->ni", lin_inv, centre + shift)
    return inv


def affine_matrices(
    shape: tuple[int, int],
    angle_deg: np.ndarray | float = 0.0,
    scale: np.ndarray | float = 1.0,
    shift: np.ndarray | tuple[float, float] = (0.0, 0.0),
    shear: np.ndarray | float = 0.0,
    aspect: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Output→source matrices (N, 2, 3) for explicit warp parameters (broadcast to N ≥ 1).

    shape (H, W); angle in degrees (counter-clockwise on screen); shift (…, 2) as (dx, dy) in
    pixels; shear factor ``x' = x + k·y``; aspect multiplies width/height (area preserved).
    """
    a, s, k, r = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (angle_deg, scale, shear, aspect))
    )
    shift_arr = np.broadcast_to(np.asarray(shift, dtype=np.float64), (a.size, 2))
    return inverse_matrices(linear_part(a, s, r, k), shift_arr, shape)


def fit_in_frame(
    lin: np.ndarray,
    shift: np.ndarray,
    bbox: np.ndarray,
    shape: tuple[int, int],
    margin: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Shrink ``lin`` and clamp ``shift`` so the warped ink box stays ``margin`` px inside.

    lin (N, 2, 2), shift (N, 2), bbox (N, 4) as (x_min, x_max, y_min, y_max) or NaN (no ink).
    Returns new (lin, shift).
    """
    h, w = shape
    centre = np.array([(w - 1) / 2.0, (h - 1) / 2.0])
    half = np.maximum(centre - margin, 0.0)  # allowed |offset| from the centre, per axis
    empty = np.isnan(bbox[:, 0])
    box = np.where(empty[:, None], np.array([centre[0], centre[0], centre[1], centre[1]]), bbox)
    corners = np.stack(
        [box[:, [0, 0, 1, 1]] - centre[0], box[:, [2, 3, 2, 3]] - centre[1]], axis=1
    )  # (N, 2, 4) corner offsets from the centre
    warped = lin @ corners  # (N, 2, 4)
    lo, hi = warped.min(axis=2), warped.max(axis=2)  # (N, 2)
    extent = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(extent > 0, 2.0 * half / extent, np.inf)
    fit = np.minimum(1.0, ratio.min(axis=1))  # (N,)
    lin = lin * fit[:, None, None]
    lo, hi = lo * fit[:, None], hi * fit[:, None]
    shift_lo = -half - lo
    shift_hi = half - hi
    shift = np.minimum(np.maximum(shift, shift_lo), np.maximum(shift_hi, shift_lo))
    return lin, shift
