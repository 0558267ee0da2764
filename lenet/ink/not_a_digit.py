"""Not a digit: P(a 28x28 input is junk, not a digit), a small logistic model.

Its inputs are the classifier's calibrated probabilities (top, second, entropy) and the
shape of the network's input itself (how much of the frame and of the ink box is filled,
the box's aspect against the predicted class's, connected pieces, loops against the
predicted class's, stroke length per box side, how many strokes the rows and the columns
cross). Nothing depends on one model's hidden units, so the rule stays with a retrained
model (its probabilities change, the geometry does not). The constants are fitted by
``python -m lenet.devtools.fit_not_a_digit`` on junk drawings (`lenet.devtools.junk`) and
drawn MNIST *training* digits, so that the held-out figures (other seeds, test digits)
stay honest. A solid patch of ink never reaches the network (`Preprocessed.solid`).
"""

from __future__ import annotations

import math

import numpy as np

from lenet.ink.components import label_components
from lenet.ink.normalise import MASK_LEVEL, TARGET_STROKE
from lenet.ink.verifier import ASPECT_LOG_MEAN, ASPECT_LOG_SD

__all__ = ["FEATURES", "THRESHOLD", "expand", "features", "is_not_a_digit", "p_not_a_digit"]

FEATURES = (
    "log p1",  # the classifier's top probability
    "log p2",  # its second
    "entropy",  # of the ten probabilities, nats
    "frame fill",  # ink sum / 784
    "box fill",  # ink sum / area of the ink box
    "log aspect",  # log(width / height) of the ink box
    "aspect z^2",  # squared z-score of log aspect under the predicted class (MNIST training)
    "pieces",  # 8-connected pieces of ink, beyond the first
    "loops",  # holes in the ink (background not reached from the border)
    "loops - class loops",  # minus the predicted class's mean number of loops
    "(loops - class loops)^2",
    "length / box",  # centre-line length (ink / stroke width) over the box's longer side
    "row crossings q90",  # 90 % quantile over the inked rows of the ink runs a row crosses
    "column crossings q90",
    "row crossings mean",
    "column crossings mean",
    "rows crossing 3+",  # share of the inked rows that cross three runs or more (M, W, E)
    "columns crossing 3+",
)

CLASS_LOOPS = np.array([0.91, 0.0, 0.43, 0.03, 0.06, 0.03, 0.79, 0.01, 1.59, 0.79])
"""Mean number of loops of each class's MNIST training digits (20 000, measured by `_loops`)."""


def _loops(mask: np.ndarray) -> int:
    """Holes of a (H, W) bool ink mask: background pieces that do not touch the border."""
    labels, st = label_components(np.pad(~mask, 1))
    if len(st) <= 1:
        return 0
    outside = labels[0, 0]
    return int(np.count_nonzero(np.delete(st[:, 0], outside - 1) >= 2))


def _crossings(mask: np.ndarray) -> list[float]:
    """Ink runs crossed by each inked row and column of a (H, W) bool mask: their 90 %
    quantiles, means and shares of 3 or more (rows, then columns)."""
    m = mask.astype(np.int8)
    rows = (np.diff(m, axis=1) == 1).sum(axis=1) + m[:, 0]
    cols = (np.diff(m, axis=0) == 1).sum(axis=0) + m[0, :]
    rows, cols = rows[rows > 0], cols[cols > 0]
    return [float(np.quantile(rows, 0.9)), float(np.quantile(cols, 0.9)), float(rows.mean()),
            float(cols.mean()), float((rows >= 3).mean()), float((cols >= 3).mean())]


def features(image: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """The rule's inputs (len(FEATURES),) for one (28, 28) input in [0, 1] and its (10,)
    probabilities."""
    x = np.asarray(image, np.float64)
    p = np.asarray(probabilities, np.float64)
    k = int(p.argmax())
    top = np.sort(p)[::-1]
    mask = x >= MASK_LEVEL
    if not mask.any():
        mask = x > 0
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    h, w = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    ink = float(x.sum())
    log_aspect = math.log(w / h)
    z = (log_aspect - ASPECT_LOG_MEAN[k]) / ASPECT_LOG_SD[k]
    if k == 1:
        z = max(z, 0.0)  # a thin "1" is fine
    pieces = len(label_components(mask)[1]) - 1
    loops = _loops(mask)
    extra = loops - CLASS_LOOPS[k]
    return np.array([
        math.log(top[0] + 1e-6), math.log(top[1] + 1e-6), float(-(p * np.log(p + 1e-9)).sum()),
        ink / x.size, ink / (h * w), log_aspect, z * z, pieces, loops, extra, extra * extra,
        ink / TARGET_STROKE / max(h, w), *_crossings(mask),
    ])


# Fitted by `python -m lenet.devtools.fit_not_a_digit` (1200 junk drawings and 2000 drawn
# MNIST training digits, seed 100, both paths, + 3000 MNIST training digits): feature means
# and scales, then intercept + weights of the standardised features z and of their products
# z_i z_j (i ≤ j); THRESHOLD on P(not a digit) rejects 0.5 % of other training digits
# (2000 drawn with seed 101, 5000 MNIST).
FEATURE_MEAN = np.array([
    -0.094155, -8.4087, 0.19094, 0.151, 0.40834, -0.18422, 2.7201, 0.072064,
    0.56696, 0.096306, 0.45844, 1.9659, 1.8192, 2.1113, 1.3405, 1.5442,
    0.029996, 0.097802,
])
FEATURE_SCALE = np.array([
    0.23718, 4.2779, 0.41123, 0.046165, 0.097615, 0.45192, 8.5496, 0.45791,
    0.86942, 0.6702, 1.9396, 0.5962, 0.59533, 0.68963, 0.30673, 0.36999,
    0.098591, 0.1508,
])
WEIGHTS = np.array([
    -3.938, -0.025399, 1.6736, 1.2659, 0.68112, 0.35172, 0.33231, -0.51309,
    -0.14817, -0.099381, 0.19094, 0.37523, 0.46768, -0.12314, 0.051407, 0.67774,
    -0.56125, -0.36973, -0.7007, -0.041777, 0.41467, 0.0097469, 0.050123, -0.12935,
    0.061795, -0.019806, -0.026898, -0.14817, -0.10285, -0.31827, -0.076456, -0.13336,
    0.077878, 0.12652, -0.1518, -0.079404, -0.047119, -0.50299, 0.28117, -0.33028,
    -0.13538, 0.34225, -0.14778, 0.15675, -0.029505, -0.10566, 0.18383, 0.081793,
    -0.0037515, -0.022375, 0.41618, 0.04908, -0.092393, -0.28779, 0.11729, -0.19863,
    -0.029729, 0.038374, 0.017859, 0.0088852, -0.32875, -0.084081, 0.33822, -0.01724,
    0.074374, -0.077267, -0.20884, 0.17351, 0.075564, -0.061837, 0.53502, 0.37039,
    -0.06567, -0.28639, -0.099313, 0.029739, -0.066679, -0.0055343, 0.39341, -0.27774,
    -0.046351, 0.072042, -0.091935, -0.33428, -0.48843, 0.1049, 0.033403, 0.041997,
    -0.16246, -0.46056, -0.29068, 0.05133, 0.31361, -0.1209, -0.10688, -0.14525,
    0.20199, 0.11957, -0.15522, 0.038676, 0.049651, 0.54419, 0.51575, -0.29875,
    -0.61952, -0.14969, 0.25498, -0.090504, 0.14865, -0.058453, 0.0051988, -0.25856,
    0.033167, -0.12064, -0.31937, 0.29392, 0.64169, -0.24668, 0.096965, -0.21399,
    -0.050807, 0.031445, 0.1567, 0.28279, 0.029594, -0.20182, -0.25539, -0.84947,
    -0.047893, -0.013003, 0.25037, -0.22945, 0.38324, -0.065329, -0.11251, -0.099172,
    -0.053207, 0.048473, -0.033718, -0.090372, 0.078854, 0.27528, -0.041828, -0.078232,
    -0.090147, 0.092319, 0.020981, -0.049874, 0.052683, 0.0083261, 0.30115, 0.064334,
    -0.033918, -0.33277, 0.017346, 0.0046998, 0.091553, 0.16649, 0.0065002, 0.014391,
    0.11609, 0.31211, 0.28055, -0.30576, 0.020005, -0.10682, -0.15498, -0.29753,
    -0.33533, 0.088534, -0.12854, 0.12973, -0.10773, 0.073259, 0.46756, 0.069143,
    -0.27725, 0.15426, 0.014385, 0.23979, 0.11245, -0.21858, 0.011047, -0.25687,
    0.16588, -0.018753, 0.093314, 0.083742, 0.61985, 0.068442,
])
THRESHOLD = 0.8201


def expand(x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Features (N, F) → the model's inputs (N, F + F(F+1)/2): z and the products z_i z_j."""
    z = (np.atleast_2d(x) - mean) / scale
    i, j = np.triu_indices(z.shape[1])
    return np.hstack([z, z[:, i] * z[:, j]])


def p_not_a_digit(x: np.ndarray, params: tuple | None = None) -> np.ndarray:
    """P(not a digit) (N,) for features x (N, F) (or one (F,)).

    params: (feature mean, feature scale, intercept + weights); None: the fitted constants.
    """
    mean, scale, w = params or (FEATURE_MEAN, FEATURE_SCALE, WEIGHTS)
    return 1.0 / (1.0 + np.exp(-(expand(x, mean, scale) @ w[1:] + w[0])))


def is_not_a_digit(image: np.ndarray, probabilities: np.ndarray) -> bool:
    """True when the (28, 28) input with these (10,) probabilities is not a digit."""
    return bool(p_not_a_digit(features(image, probabilities))[0] >= THRESHOLD)
