"""Not a digit: P(a 28x28 input is junk, not a digit), a small logistic model.

Its inputs are the classifier's calibrated probabilities (top, second, entropy) and the
shape of the network's input itself (how much of the frame and of the ink box is filled,
the box's aspect against the predicted class's, connected pieces, loops against the
predicted class's, stroke length per box side, how many strokes the rows and the columns
cross, straight bars, how closely the ink fills the box's corners, the skeleton's free ends
and forks) and, when the model carries novelty statistics (`lenet.training.novelty`), how
far the input lies from every digit class in the network's own features: fitted on digits
only, that one knows no kind of junk, so it also serves junk nobody thought of; an input
past the *novelty gate* is not a digit whatever the rest says. A model without the
statistics gets the plain rule (`PLAIN_RULE`). The novelty is measured in units of the
model's own training digits, so the rule stays with a retrained model (as do the
geometry's features; its probabilities change). The constants are fitted by
``python -m lenet.devtools.fit_not_a_digit`` on junk drawings (`lenet.devtools.junk`) and
drawn MNIST *training* digits, so that the held-out figures (other seeds, test digits)
stay honest; writing styles (`lenet.devtools.styles`, flat and bold digits among them) are
among the fitting digits so that they are kept. A solid patch of ink never reaches the
network (`Preprocessed.solid`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lenet.ink import not_a_digit_fitted as fitted
from lenet.ink.components import label_components
from lenet.ink.normalise import MASK_LEVEL, TARGET_STROKE
from lenet.ink.thinning import skeleton_ends_and_forks
from lenet.ink.verifier import ASPECT_LOG_MEAN, ASPECT_LOG_SD

__all__ = ["FEATURES", "NOVELTY_FEATURE", "NOVELTY_RULE", "PLAIN_RULE", "Rule", "expand",
           "features", "is_not_a_digit", "not_a_digit_for", "novelty_of", "p_not_a_digit",
           "rule_for"]

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
NOVELTY_FEATURE = "log novelty"
"""Read after FEATURES when the model has novelty statistics: log `novelty_of` the input."""

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


def features(image: np.ndarray, probabilities: np.ndarray,
             novelty: float | None = None) -> np.ndarray:
    """The rule's inputs (len(FEATURES),) for one (28, 28) input in [0, 1] and its (10,)
    probabilities; with its `novelty` (`novelty_of`), NOVELTY_FEATURE after them."""
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
        *([] if novelty is None else [math.log(max(float(novelty), 1e-6))]),
    ])


def expand(x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Features (N, F) → the model's inputs (N, F + F(F+1)/2): z and the products z_i z_j."""
    z = (np.atleast_2d(x) - mean) / scale
    i, j = np.triu_indices(z.shape[1])
    return np.hstack([z, z[:, i] * z[:, j]])


@dataclass(frozen=True)
class Rule:
    """A fitted rule: feature `mean`, `scale` (F,), `weights` (intercept + weights of
    `expand`), `threshold` on P(not a digit); `gate`: with NOVELTY_FEATURE (the last
    feature), an input at least this novel is not a digit whatever P says (inf: none)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    threshold: float
    gate: float = math.inf

    def p(self, x: np.ndarray) -> np.ndarray:
        """P(not a digit) (N,) for features x (N, F) (or one (F,))."""
        return 1.0 / (1.0 + np.exp(-(expand(x, self.mean, self.scale) @ self.weights[1:]
                                     + self.weights[0])))

    def rejects(self, x: np.ndarray) -> np.ndarray:
        """(N,) bool: not a digit, for features x (N, F) (or one (F,))."""
        x = np.atleast_2d(x)
        return (self.p(x) >= self.threshold) | (x[:, -1] >= self.gate)


PLAIN_RULE = Rule(fitted.PLAIN_MEAN, fitted.PLAIN_SCALE, fitted.PLAIN_WEIGHTS,
                  fitted.PLAIN_THRESHOLD)
"""The rule for a model without novelty statistics: the 26 FEATURES."""
NOVELTY_RULE = Rule(fitted.NOVELTY_MEAN, fitted.NOVELTY_SCALE, fitted.NOVELTY_WEIGHTS,
                    fitted.NOVELTY_THRESHOLD, fitted.NOVELTY_GATE)
"""The rule for a model with them: FEATURES + NOVELTY_FEATURE, and the novelty gate."""


def rule_for(x: np.ndarray) -> Rule:
    """The fitted rule that reads features x (N, F) or (F,): with the novelty or without."""
    return PLAIN_RULE if np.shape(x)[-1] == len(FEATURES) else NOVELTY_RULE


def p_not_a_digit(x: np.ndarray, rule: Rule | None = None) -> np.ndarray:
    """P(not a digit) (N,) for features x (N, F) (or one (F,)); rule None: `rule_for(x)`."""
    return (rule or rule_for(x)).p(x)


def novelty_of(classifier: object, images: np.ndarray) -> np.ndarray | None:
    """(N,): how novel images (N, 28, 28) or one (28, 28) are to the classifier, the
    distance to its nearest digit class (`Classifier.novelty_distances`; 1: a typical
    training digit); None if it has no novelty statistics (the plain rule is used)."""
    distances = getattr(classifier, "novelty_distances", None)
    d = distances(images) if distances is not None else None
    return None if d is None else d.min(axis=1)


def is_not_a_digit(image: np.ndarray, probabilities: np.ndarray,
                   novelty: float | None = None) -> bool:
    """True when the (28, 28) input with these (10,) probabilities, and its `novelty_of`
    if the model has novelty statistics, is not a digit."""
    x = features(image, probabilities, novelty)
    return bool(rule_for(x).rejects(x)[0])


def not_a_digit_for(classifier: object, image: np.ndarray, probabilities: np.ndarray) -> bool:
    """`is_not_a_digit` of the (28, 28) input that `classifier` read as these (10,)
    probabilities, with its novelty if the classifier has novelty statistics (one more
    pass through the network's convolutions, about 0.1 ms)."""
    novelty = novelty_of(classifier, image)
    return is_not_a_digit(image, probabilities, None if novelty is None else float(novelty[0]))
