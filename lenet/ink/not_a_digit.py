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
# z_i z_j (i ≤ j); THRESHOLD on P(not a digit) rejects 0.5 % of those training digits.
FEATURE_MEAN = np.array([
    -0.078357, -8.4067, 0.16398, 0.151, 0.40834, -0.18422, 2.4844, 0.072064,
    0.56696, 0.085309, 0.42829, 1.9659, 1.8192, 2.1113, 1.3405, 1.5442,
    0.029996, 0.097802,
])
FEATURE_SCALE = np.array([
    0.19638, 4.1695, 0.34534, 0.046165, 0.097615, 0.45192, 7.2506, 0.45791,
    0.86942, 0.64885, 1.7523, 0.5962, 0.59533, 0.68963, 0.30673, 0.36999,
    0.098591, 0.1508,
])
WEIGHTS = np.array([
    -10.687, 21.212, 4.9452, 16.565, -0.53334, -0.81166, -0.17428, -2.842,
    -3.2065, -3.2939, 2.3894, 4.8816, 3.1452, -0.71118, 1.6153, 3.9699,
    -1.5436, -3.0995, -1.5944, 0.72147, -11.758, 0.81393, -0.80608, -1.3554,
    0.85522, 0.54967, -1.8135, -1.17, 0.18529, 0.38581, 0.83435, 1.2909,
    0.57266, -0.7236, -0.05378, -1.1766, 0.90736, -1.7633, -7.8907, -2.9164,
    -0.19984, 0.66214, -0.061083, 2.5172, 1.3737, -1.7424, -1.2777, 2.6329,
    -0.61234, -1.1957, -1.0639, 1.4513, 2.9599, -0.96981, 0.26533, -2.1642,
    -1.5585, -0.65986, 1.8745, -2.1866, -1.2234, 0.86992, 1.439, 2.8448,
    2.7173, 1.3976, -1.2909, -0.95577, -2.1806, 0.95731, 4.8514, 2.7466,
    -0.67546, -2.1181, 1.5168, 1.2962, -1.6888, -0.56054, -3.8888, -1.0659,
    -1.3084, -1.6606, -0.066681, -3.9018, -4.4698, -0.54069, -1.1588, 0.96658,
    -1.1969, -0.27205, -1.4765, 1.1039, 0.69685, 0.71212, -1.4086, 0.049736,
    0.53538, -0.96123, 0.70987, 0.80601, 2.8922, 0.64448, 3.2367, -2.5479,
    -1.6307, 0.94008, 2.1244, -0.51514, -0.8809, -0.62167, 0.60787, 0.54801,
    0.23968, 1.1116, -5.7994, 5.9432, 4.5221, -0.24726, -0.086518, -1.9317,
    -0.72156, 5.3775, 1.4148, -2.3627, 0.39314, 0.18125, -1.0855, -3.3586,
    -0.3592, 0.21472, 0.2941, 0.1859, 0.93746, -1.4002, -0.049872, 1.7738,
    -5.1216, 2.8623, -2.2266, -1.9387, 3.0029, 1.2868, -0.10543, -1.1792,
    -1.7306, 1.2315, -1.8179, 2.3146, 0.96326, -0.026249, 1.8549, 0.044406,
    -1.8681, 0.037891, 0.75496, 0.80015, 0.17561, -2.6643, 2.1455, -0.94138,
    1.9265, 2.3594, -0.30123, -0.51577, 3.3295, 0.65256, -0.56902, 3.4582,
    2.0176, 1.7452, -0.95177, -1.2065, 0.14741, -1.2417, 1.8641, -1.2293,
    -0.36574, 1.1739, 0.15201, 1.3739, -0.43521, 0.56112, 1.0232, -3.3022,
    0.067777, -2.5746, 0.60408, 1.3694, 3.8296, -0.56372,
])
THRESHOLD = 0.5557


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
