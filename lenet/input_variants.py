"""Test-time variants of a 28x28 input: the small shifts, turns and size changes a hand makes.

A digit the network reads the same way whatever the pen's small wobble is one it knows; one
whose answer falls apart when it moves by a pixel or turns by 10 degrees is one it guesses.
`Classifier.proba_and_stability` reads every variant and keeps the mean probability they give
the original's answer: the "not sure" rule reads it. The four diagonal 1 px shifts were
added to the first eight because they paid on the development data (more of the errors
caught at the same share of right answers flagged); 2 px shifts, 5 and 15 degree turns,
0.75 / 1.25 scales and a thicker or thinner pen did not.

Images are float32 (N, 28, 28) in [0, 1], ink = 1; variants are resampled bilinearly about
the frame's centre (14, 14), outside the frame is blank.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["VARIANTS", "input_variants"]

VARIANTS: tuple[tuple[float, float, float, float], ...] = (
    # (shift x px, shift y px, turn degrees, scale); the first is the input itself
    (0, 0, 0, 1.0),
    (1, 0, 0, 1.0), (-1, 0, 0, 1.0), (0, 1, 0, 1.0), (0, -1, 0, 1.0),
    (0, 0, -10, 1.0), (0, 0, 10, 1.0),
    (0, 0, 0, 0.85), (0, 0, 0, 1.15),
    (1, 1, 0, 1.0), (-1, -1, 0, 1.0), (1, -1, 0, 1.0), (-1, 1, 0, 1.0),
)


def _sample_points(h: int, w: int, dx: float, dy: float, degrees: float, scale: float):
    """Where each output pixel of a (h, w) image moved by (dx, dy), turned and scaled about
    the centre reads its input: flat indices (4, h*w) into the image padded by one blank
    pixel, and the bilinear weights (4, h*w) float32 of those four neighbours."""
    cy, cx = h / 2.0, w / 2.0
    t = np.deg2rad(degrees)
    cos, sin = np.cos(t) / scale, np.sin(t) / scale
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5  # pixel centres
    u, v = xs - cx - dx, ys - cy - dy  # the inverse map: output pixel -> source position
    sx = cos * u + sin * v + cx - 0.5
    sy = -sin * u + cos * v + cy - 0.5
    x0, y0 = np.floor(sx).astype(np.intp), np.floor(sy).astype(np.intp)
    fx, fy = (sx - x0).astype(np.float32), (sy - y0).astype(np.float32)
    index, weight = [], []
    for oy, ox, wt in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)),
                       (1, 0, (1 - fx) * fy), (1, 1, fx * fy)):
        yy = np.clip(y0 + oy + 1, 0, h + 1)
        xx = np.clip(x0 + ox + 1, 0, w + 1)
        index.append((yy * (w + 2) + xx).ravel())
        weight.append(wt.ravel())
    return np.stack(index), np.stack(weight)


@lru_cache(maxsize=4)
def _sampling(variants: tuple, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """`_sample_points` of every variant after the first, side by side: (4, K*h*w) each."""
    points = [_sample_points(h, w, *v) for v in variants[1:]]
    return (np.concatenate([i for i, _ in points], axis=1),
            np.concatenate([wt for _, wt in points], axis=1))


CHUNK = 1000  # images resampled at a time (bounds the temporary arrays)


def input_variants(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) -> (N, len(VARIANTS), 28, 28) float32; variant 0 is the input itself.

    The sampling points are computed once; a variant is then four gathers (about 0.1 ms
    for one image and all variants)."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 2:
        images = images[None]
    n, h, w = images.shape
    if VARIANTS[0] != (0, 0, 0, 1.0):
        raise ValueError("the first variant must be the input itself")
    index, weight = _sampling(VARIANTS, h, w)
    out = np.empty((n, len(VARIANTS), h, w), np.float32)
    out[:, 0] = images
    for start in range(0, n, CHUNK):
        flat = np.pad(images[start : start + CHUNK], ((0, 0), (1, 1), (1, 1))).reshape(
            -1, (h + 2) * (w + 2))  # blank outside the frame
        acc = flat[:, index[0]] * weight[0]
        for k in range(1, 4):
            acc += flat[:, index[k]] * weight[k]
        out[start : start + CHUNK, 1:] = acc.reshape(-1, len(VARIANTS) - 1, h, w)
    return out
