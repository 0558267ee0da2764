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
    -4.1378, -0.046179, 1.5107, 0.95872, 0.43162, 0.16574, 0.14689, -0.25744,
    -0.0073964, 0.0037652, 0.42317, 0.79631, 0.35826, -0.09853, 0.059871, 0.96312,
    -0.69902, -0.35308, -0.7148, 0.059559, 0.31644, -0.034998, 0.080565, -0.17934,
    0.30416, 0.029571, -0.0045343, -0.10825, -0.15255, -0.052925, -0.049243, -0.2035,
    -0.13069, 0.13432, 0.043812, -0.18792, 0.13901, -0.25034, 0.013286, 0.052481,
    -0.19434, 0.46991, 0.039845, 0.24782, 0.036472, -0.49423, 0.13761, 0.22704,
    -0.19504, -0.26896, 0.37755, 0.20167, -0.097084, -0.34309, 0.10136, -0.19205,
    -0.098197, -0.087459, 0.022011, -0.098417, 0.0041235, 0.07503, 0.060197, -0.039163,
    0.16687, 0.16847, -0.26066, -0.13717, 0.15619, 0.098362, 0.41816, 0.297,
    -0.24224, -0.24507, -0.06941, 0.045676, -0.13702, 0.0097849, 0.33084, -0.15511,
    0.019818, 0.018324, -0.12684, -0.26491, -0.3738, 0.1038, 0.13343, 0.050503,
    -0.18997, -0.18286, -0.43103, -0.020116, 0.25504, -0.048403, -0.24504, -0.13292,
    0.035532, 0.1154, -0.0087251, 0.030679, 0.11013, 0.53192, 0.1801, 0.19821,
    0.20943, -0.26671, 0.079577, -0.13273, 0.078155, -0.023117, -0.0010123, -0.14652,
    0.036636, -0.14793, -0.2686, 0.4045, 0.01625, -0.21649, 0.039616, -0.20336,
    -0.053259, 0.10764, 0.16075, 0.20833, 0.029706, -0.16521, -0.16452, -0.87479,
    -0.06685, 0.047934, 0.21011, -0.11269, 0.46753, 0.023817, -0.26625, -0.13321,
    -0.11262, 0.022726, 0.021195, -0.13237, 0.19307, 0.23903, 0.15428, -0.095281,
    0.0079698, 0.20033, -0.022493, -0.090315, 0.037238, -0.05982, 0.46719, -0.20608,
    -0.089381, -0.19965, 0.013575, 0.023965, 0.088061, -0.043891, 0.10953, -0.018019,
    0.081848, 0.064709, 0.26626, -0.13269, 0.066622, -0.063943, -0.15972, -0.22629,
    -0.2739, 0.013683, -0.088194, 0.10141, -0.042175, 0.052177, 0.34111, 0.058763,
    -0.32036, 0.20502, -0.0031596, 0.19281, 0.13295, -0.26619, 0.013385, -0.39696,
    0.23275, -0.0059963, 0.14521, 0.089291, 0.6008, 0.033469,
])
THRESHOLD = 0.7932


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
