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
# Fitted by `python -m lenet.devtools.fit_reader --strokes` (400 strips of MNIST training
# digits, seed 100, half the neighbours touching; 4 749 runs, 32.8 % of them whole digits):
# feature means, scales, then intercept + weights.
STROKE_MEAN = np.array([
    -0.13482, -6.9464, 0.27783, 5.194, -0.0073573, 0.88203, 0.94906, -0.18461,
    1.833, 0.25293, 0.2668, 0.3842, 0.38962, 0.049472, -0.29388,
])
STROKE_SCALE = np.array([
    0.24303, 4.7273, 0.41373, 7.9821, 0.56268, 0.2236, 0.44142, 0.41196,
    0.90419, 0.36565, 0.38261, 0.90128, 0.89165, 0.11886, 0.58948,
])
STROKE_WEIGHTS = np.array([
    -8.6435, -2.6096, -1.2129, -0.98692, -0.18618, 1.8137, -21.725, -2.4031,
    38.874, -1.194, -1.2134, -2.1009, -0.12665, -0.12817, -3.811, 2.5849,
])
STROKE_COUNT_BIAS = 2.5
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
