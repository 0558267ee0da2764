"""Not a digit: P(a 28x28 input is junk, not a digit), a small logistic model.

Its inputs are the classifier's calibrated probabilities (top, second, entropy) and the
shape of the network's input itself (how much of the frame and of the ink box is filled,
the box's aspect against the predicted class's, connected pieces, loops against the
predicted class's, stroke length per box side, how many strokes the rows and the columns
cross, straight bars, how closely the ink fills the box's corners, the skeleton's free ends
and forks). Nothing depends on one model's hidden units, so the rule stays with a retrained
model (its probabilities change, the geometry does not). The constants are fitted by
``python -m lenet.devtools.fit_not_a_digit`` on junk drawings (`lenet.devtools.junk`) and
drawn MNIST *training* digits, so that the held-out figures (other seeds, test digits)
stay honest; writing styles (`lenet.devtools.styles`, flat and bold digits among them) are
among the fitting digits so that they are kept. A solid patch of ink never reaches the
network (`Preprocessed.solid`).
"""

from __future__ import annotations

import math

import numpy as np

from lenet.ink.components import label_components
from lenet.ink.normalise import MASK_LEVEL, TARGET_STROKE
from lenet.ink.thinning import skeleton_ends_and_forks
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
    "widest row band",  # most of the box's width that 3 adjacent rows cover (a straight bar)
    "tallest column band",  # the same for 3 adjacent columns and the box's height
    "corner gap 1",  # distance from a corner of the ink box to the nearest ink, per long side,
    "corner gap 2",  # the four corners sorted (a square or an H fills its corners, a 0 not)
    "corner gap 3",
    "corner gap 4",
    "skeleton ends",  # free ends of the one-pixel skeleton (E, H, K, X, stars: many)
    "skeleton forks",  # its pixels where three branches or more meet
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


def _box_shape(box: np.ndarray) -> list[float]:
    """Straight bars, filled corners and the skeleton's ends and forks of the ink in its
    (H, W) bool box: the last eight FEATURES."""
    h, w = box.shape
    p = np.pad(box, 1)
    row_bands = (p[:-2] | p[1:-1] | p[2:])[:, 1:-1]  # a slightly tilted bar stays in one band
    column_bands = (p[:, :-2] | p[:, 1:-1] | p[:, 2:])[1:-1]
    ys, xs = np.nonzero(box)
    corners = np.array([[0, 0], [0, w - 1], [h - 1, 0], [h - 1, w - 1]], np.float64)
    gaps = np.sqrt(((ys[None] - corners[:, :1]) ** 2 + (xs[None] - corners[:, 1:]) ** 2)
                   .min(axis=1)) / max(h, w)
    return [float(row_bands.sum(axis=1).max() / w), float(column_bands.sum(axis=0).max() / h),
            *np.sort(gaps).tolist(), *skeleton_ends_and_forks(box)]


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
        *_box_shape(mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]),
    ])


# Fitted by `python -m lenet.devtools.fit_not_a_digit` (1200 junk drawings and 2000 drawn
# MNIST training digits, seed 100, 1500 writing-style digits, seed 1, both paths, + 3000
# MNIST training digits): feature means and scales, then intercept + weights of the
# standardised features z and of their products z_i z_j (i ≤ j); THRESHOLD on P(not a
# digit) rejects 0.5 % of other training digits (2000 drawn with seed 101, 5000 MNIST).
FEATURE_MEAN = np.array([
    -0.078573, -8.5702, 0.1619, 0.1497, 0.41332, -0.22847, 2.4063, 0.05715,
    0.56656, 0.099535, 0.39488, 1.9487, 1.8177, 2.162, 1.3367, 1.5667,
    0.025284, 0.10742, 0.89121, 0.88336, 0.059739, 0.10765, 0.19622, 0.29625,
    1.831, 1.0612,
])
FEATURE_SCALE = np.array([
    0.21468, 4.2112, 0.37308, 0.042913, 0.094376, 0.4313, 7.6682, 0.41444,
    0.82819, 0.62046, 1.7199, 0.5543, 0.56823, 0.68561, 0.29256, 0.36594,
    0.089756, 0.15202, 0.12978, 0.11737, 0.050961, 0.058052, 0.082043, 0.11329,
    1.2618, 1.8249,
])
WEIGHTS = np.array([
    -4.4453, 0.012903, 1.572, 1.125, 0.41403, -0.19081, 0.30574, -0.49138,
    -0.15738, 0.17807, 0.035166, 0.37159, 0.5775, -0.021538, 0.08297, 0.15752,
    -0.63104, -0.20069, -0.39084, 0.0039465, -0.11413, 0.1764, -0.23582, -0.24562,
    -0.70744, 0.18291, 0.15647, -0.051987, 0.35469, 0.0025764, -0.0046047, -0.10936,
    0.055677, -0.026061, 0.10844, 0.0023695, -0.067179, -0.17961, -0.032709, -0.028631,
    0.18667, 0.070577, -0.044544, 0.012672, -0.11524, -0.13547, 0.038339, -0.0041327,
    -0.041017, 0.019125, 0.051183, 0.26782, -0.17807, -0.52215, 0.23483, -0.036133,
    0.012968, 0.099955, -0.0040546, 0.18484, -0.10954, -0.11714, 0.12534, 0.13934,
    -0.07212, -0.17139, 0.33633, -0.087127, 0.069179, -0.23145, -0.13626, -0.040611,
    0.11962, -0.12747, 0.19281, 0.011936, 0.078405, -0.07702, 0.12384, -0.16948,
    0.0019011, 0.021916, 0.047932, 0.032247, -0.30197, -0.03, 0.19747, -0.097155,
    0.032731, -0.15994, -0.063474, 0.091442, 0.040156, -0.0073692, 0.43441, -0.072541,
    -0.031688, 0.14791, -0.071766, 0.18542, 0.34127, 0.24455, 0.24972, -0.01035,
    -0.13723, -0.30153, 0.10109, -0.037132, -0.049932, 0.041902, 0.24394, -0.15556,
    -0.051584, -0.13218, -0.32683, -0.13964, -0.10618, 0.10804, 0.16596, 0.090626,
    -0.23309, -0.014818, -0.15552, -0.29965, -0.010144, -0.11166, -0.18259, -0.01709,
    0.0068586, -0.52576, -0.26634, 0.085215, -0.024467, -0.12363, 0.051163, -0.38969,
    0.0018963, 0.032468, 0.32105, 0.4162, -0.20105, 0.038054, -0.039878, 0.11848,
    0.26969, 0.46613, -0.094701, -0.023436, 0.007843, 0.42472, 0.058786, -0.20318,
    0.014568, -0.13745, 0.29863, -0.23779, 0.23891, -0.28863, 0.12555, 0.13921,
    -0.064611, 0.13974, 0.11309, 0.17749, -0.10831, 0.073503, -0.12408, 0.19251,
    0.021238, 0.29798, -0.35384, 0.35981, 0.34199, -0.29498, 0.056555, -0.1601,
    -0.018235, -0.039479, 0.11673, 0.35558, -0.024741, 0.045576, -0.23161, 0.067667,
    -0.088184, 0.028039, -0.42097, -0.41095, 0.02804, -0.3476, -0.011458, -0.61405,
    0.097014, -0.14, 0.23589, 0.027108, 0.70011, -0.12037, -0.12592, -0.01824,
    -0.19017, 0.093959, 0.18516, 0.018064, 0.35064, -0.106, -0.7, 0.040983,
    0.024753, 0.048805, -0.031784, -0.10047, 0.0065898, 0.19429, -0.21225, -0.069794,
    -0.15216, 0.0078011, 0.2137, 0.085953, -0.01683, 0.036457, -0.038783, 0.13914,
    0.045502, 0.09111, 0.030447, -0.040645, 0.073385, 0.030228, 0.30841, 0.16507,
    -0.022759, -0.30231, -0.036907, -0.16678, 0.01267, -0.078195, 0.036813, -0.18549,
    0.17005, 0.046723, 0.015092, 0.040928, 0.059359, 0.044618, 0.052568, 0.023235,
    0.083722, 0.19488, -0.16528, 0.092908, 0.032239, -0.14976, -0.087086, -0.0025557,
    -0.063611, 0.025639, 0.24514, -0.13456, 0.011663, -0.1214, -0.2702, -0.14563,
    -0.086126, 0.16069, 0.14432, 0.16157, -0.0836, 0.048461, -0.23986, -0.062504,
    0.016345, 0.093667, -0.2024, 0.10778, -0.17107, 0.047797, 0.15474, 0.081106,
    -0.27102, -0.051408, -0.014334, -0.040273, -0.26208, 0.045841, 0.01296, 0.060691,
    -0.11096, 0.12144, -0.0091629, 0.034569, 0.13001, -0.046172, 0.019731, 0.013208,
    0.029362, 0.44872, 0.13222, 0.20922, 0.048231, -0.24082, 0.035756, -0.17438,
    0.30991, 0.063636, -0.34998, -0.47366, 0.1095, -0.033252, -0.29017, 0.12235,
    0.16552, 0.13501, 0.12973, 0.26748, 0.26623, -0.0077844, 0.29299, 0.015352,
    -0.051174, -0.30414, -0.027066, 0.043509, 0.31039, 0.15641, 0.10365, 0.10437,
    0.22075, -0.16411, 0.12537, 0.20863, 0.064357, -0.077471, -0.29927, 0.19111,
    0.099338, 0.24554, -0.049628, 0.11871, 0.22372, 0.12441, 0.021823, -0.1044,
    -0.39039, -0.047933, 0.2032, 0.45701, -0.42409, -0.18544, -0.033095, 0.030628,
    -0.1033, -0.17898, 0.084206, 0.061059, -0.050389, 0.074169, -0.010912, 0.072051,
    -0.45702, 0.18763, 0.17281, 0.05015, -0.039897, 0.29487, -0.14873, -0.0093732,
    0.1558, 0.3004, 0.20002, -0.37718, 0.38112, 0.024045, -0.36737, 0.10206,
    0.62903, 0.023791,
])
THRESHOLD = 0.7005


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
