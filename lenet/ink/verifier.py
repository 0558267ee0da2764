"""The verifier: P(a candidate is exactly one whole digit), a 15-feature logistic model.

Its inputs are the classifier's output on the candidate (confidence, entropy) and the
candidate's shape (class-conditional aspect z-score from MNIST training statistics, height
and width relative to its group and to the line, ink share, ink crossed by its cuts, ...).
The constants are fitted by `python -m lenet.devtools.fit_reader` on strips drawn from
MNIST *training* digits, so that the drawn-digit figures (test digits) stay honest.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["COUNT_BIAS", "FEATURES", "features", "log_p_digit"]

ASPECT_LOG_MEAN = np.array(
    [-0.108, -0.943, -0.074, -0.240, -0.247, -0.077, -0.333, -0.270, -0.288, -0.403]
)
"""Mean of log(width / height) of each class's ink box over MNIST's 60 000 training digits."""
ASPECT_LOG_SD = np.array([0.200, 0.462, 0.222, 0.214, 0.216, 0.263, 0.219, 0.218, 0.224, 0.207])
"""Its standard deviation, per class."""

FEATURES = (
    "log p1",  # the classifier's top probability
    "log p2",  # its second probability
    "entropy",  # of the classifier's output, nats
    "aspect z^2",  # squared z-score of log(w/h) under the predicted class (a "1" only when wide)
    "log aspect",  # log(w / h) of the candidate's ink box
    "height / group height",
    "width / group height",
    "height / line height",
    "width / line height",
    "ink share",  # fraction of the group's ink
    "left cut ink",  # ink crossed by the cut on the left, in stroke widths (0 at the edge)
    "right cut ink",
    "pieces",  # how many pieces between cuts it spans
    "whole group",  # 1 if it is the whole group
    "whole x log(width / line height)",
)
# Fitted by `python -m lenet.devtools.fit_reader` (400 strips of MNIST training digits, seed 100,
# half the neighbours touching; 39 335 candidates, 6.4 % of them whole digits): feature
# means, scales, then intercept + weights.
FEATURE_MEAN = np.array([
    -0.18365, -5.0412, 0.37046, 7.3664, -0.3421, 0.76565, 0.5895, 0.76896, 0.5861, 0.38887,
    1.1783, 1.1746, 4.5517, 0.025499, -0.0021118,
])
FEATURE_SCALE = np.array([
    0.25749, 4.0502, 0.40982, 13.386, 0.70609, 0.29264, 0.4004, 0.30106, 0.38312, 0.2701,
    0.69682, 0.69696, 2.9184, 0.15763, 0.091723,
])
VERIFIER_WEIGHTS = np.array([
    -6.2525, -0.672, -0.99728, -0.85166, -2.34, 1.0965, 0.97198, 0.7546, 1.5022, -1.3959,
    -0.090807, -0.87004, -0.92383, 0.16332, 0.042095, -0.37228,
])
COUNT_BIAS = 2.5
"""Added to each digit's log P: offsets the verifier's low base rate (most candidates are not
digits) so that splitting is not penalised per digit; chosen on training-digit strips."""


def features(geometry: tuple[float, ...], probabilities: np.ndarray) -> np.ndarray:
    """The verifier's inputs (len(FEATURES),) for one candidate."""
    ph, pw, h, line, share, left, right, pieces, whole = geometry
    p = np.asarray(probabilities, np.float64)
    k = int(p.argmax())
    top = np.sort(p)[::-1]
    log_aspect = math.log(pw / ph)
    z = (log_aspect - ASPECT_LOG_MEAN[k]) / ASPECT_LOG_SD[k]
    if k == 1:
        z = max(z, 0.0)  # a thin "1" drawn with a thin pen is fine
    return np.array([
        math.log(top[0] + 1e-6), math.log(top[1] + 1e-6), float(-(p * np.log(p + 1e-9)).sum()),
        z * z, log_aspect, ph / h, pw / h, ph / line, pw / line, share,
        min(left, 10.0), min(right, 10.0), pieces, whole, whole * math.log(pw / line),
    ])


def log_p_digit(x: np.ndarray, params: tuple | None = None) -> np.ndarray:
    """The verifier: log P(candidate is exactly one whole digit) for features x (N, F).

    params: (feature mean, feature scale, intercept + weights); None: the fitted constants.
    """
    mean, scale, w = params or (FEATURE_MEAN, FEATURE_SCALE, VERIFIER_WEIGHTS)
    return -np.logaddexp(0.0, -((x - mean) / scale @ w[1:] + w[0]))
