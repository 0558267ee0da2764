"""The stroke verifier: P(a run of strokes is exactly one whole digit), logistic.

Its inputs are the classifier's output on the run (confidence, entropy, the class's usual
aspect) and the run's `StrokeGeometry` (size in line heights, how many strokes, how much it
overlaps the strokes drawn just before and after it, the gaps to them and between its own
strokes). The constants are fitted by `python -m lenet.devtools.fit_reader --strokes` on
strips drawn from MNIST *training* digits, so that the drawn-digit figures stay honest.
"""

from __future__ import annotations

import math

import numpy as np

from lenet.ink.stroke_candidates import StrokeGeometry
from lenet.ink.verifier import ASPECT_LOG_MEAN, ASPECT_LOG_SD

__all__ = ["STROKE_COUNT_BIAS", "STROKE_FEATURES", "log_p_run", "stroke_features"]

STROKE_FEATURES = (
    "log p1",  # the classifier's top probability
    "log p2",  # its second probability
    "entropy",  # of the classifier's output, nats
    "aspect z^2",  # squared z-score of log(w/h) under the predicted class
    "log aspect",
    "height",  # of the run's ink box, line heights
    "width",
    "log height",
    "strokes",
    "overlap before",  # x-overlap with the stroke drawn just before (fraction of narrower)
    "overlap after",
    "gap before",  # empty x-distance to it, line heights (negative: overlapping)
    "gap after",
    "inner gap",  # widest empty x-stretch between the run's own strokes, line heights
    "log p1 x strokes",
)
# Fitted by `python -m lenet.devtools.fit_reader --strokes`: feature means, scales, then
# intercept + weights.
STROKE_MEAN = np.array([
    -0.13377, -6.9728, 0.27766, 5.1132, -0.016087, 0.88364, 0.94378, -0.18345,
    1.8469, 0.25607, 0.2699, 0.3827, 0.38935, 0.049461, -0.29237,
])
STROKE_SCALE = np.array([
    0.24311, 4.7167, 0.41682, 7.9425, 0.56825, 0.22413, 0.44116, 0.41597,
    0.91464, 0.36615, 0.38342, 0.90035, 0.89408, 0.11836, 0.58747,
])
STROKE_WEIGHTS = np.array([
    -7.5342, -2.027, -1.2104, -0.72914, -0.1701, 1.7771, -17.794, -2.4464,
    32.522, -1.2318, -1.1447, -2.0283, -0.10371, -0.11201, -3.2461, 2.0363,
])
STROKE_COUNT_BIAS = 1.5
"""Added to each digit's log P (as `verifier.COUNT_BIAS`); chosen on training-digit strips."""


def stroke_features(g: StrokeGeometry, probabilities: np.ndarray) -> np.ndarray:
    """The stroke verifier's inputs (len(STROKE_FEATURES),) for one run of strokes."""
    p = np.asarray(probabilities, np.float64)
    k = int(p.argmax())
    top = np.sort(p)[::-1]
    log_aspect = math.log(max(g.width, 1e-3) / max(g.height, 1e-3))
    z = (log_aspect - ASPECT_LOG_MEAN[k]) / ASPECT_LOG_SD[k]
    if k == 1:
        z = max(z, 0.0)  # a thin "1" drawn with a thin pen is fine
    log_p1 = math.log(top[0] + 1e-6)
    return np.array([
        log_p1, math.log(top[1] + 1e-6), float(-(p * np.log(p + 1e-9)).sum()),
        min(z * z, 50.0), log_aspect, g.height, g.width, math.log(max(g.height, 1e-3)),
        g.strokes, g.overlap_before, g.overlap_after, g.gap_before, g.gap_after,
        min(g.inner_gap, 2.0), log_p1 * g.strokes,
    ])


def log_p_run(x: np.ndarray, params: tuple | None = None) -> np.ndarray:
    """log P(the run is exactly one whole digit) for features x (N, F).

    params: (feature mean, feature scale, intercept + weights); None: the fitted constants.
    """
    mean, scale, w = params or (STROKE_MEAN, STROKE_SCALE, STROKE_WEIGHTS)
    return -np.logaddexp(0.0, -((x - mean) / scale @ w[1:] + w[0]))
