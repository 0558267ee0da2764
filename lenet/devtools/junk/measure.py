"""The "not a digit" rule measured: junk and digits through the product's paths.

Every drawing goes through both paths (strokes → `preprocess_strokes`, the app's canvas;
rendered image → `preprocess_image`, ``lenet predict``); MNIST digits go through the image
path as they are. `Judged` keeps, per input, whether it was empty, solid (ink too thick to
be strokes: rejected without asking the network) or classified, with the rule's features
(with the novelty feature when the classifier has novelty statistics).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lenet.classifier import Classifier
from lenet.devtools.drawn.redraw import CANVAS, make_drawn_set, render_drawn_set
from lenet.devtools.junk.shapes import make_junk_set
from lenet.ink import Preprocessed, Stroke, preprocess_image, preprocess_strokes
from lenet.ink.not_a_digit import FEATURES, Rule, features, novelty_of, rule_for


@dataclass
class Judged:
    """Inputs judged by the rule: `empty`, `solid` (N,) bool, `x` (N, F) features of the
    classified ones (NaN rows for the others), `digit` (N,) predicted class (-1: none)."""

    empty: np.ndarray
    solid: np.ndarray
    x: np.ndarray
    digit: np.ndarray

    def rejected(self, rule: Rule | None = None) -> np.ndarray:
        """(N,) bool: "not a digit" (solid, or classified and rejected by `rule`; None: the
        fitted rule for these features, `rule_for`)."""
        out = self.solid.copy()
        ok = ~self.empty & ~self.solid
        if ok.any():
            out[ok] = (rule or rule_for(self.x)).rejects(self.x[ok])
        return out

    def subset(self, keep: np.ndarray) -> Judged:
        return Judged(self.empty[keep], self.solid[keep], self.x[keep], self.digit[keep])


def judge(inputs: Sequence[Preprocessed], classifier: Classifier) -> Judged:
    """The rule's view of preprocessed inputs, with the probabilities of the answers the app
    and `lenet predict` give (`Classifier.proba_and_stability`: with second opinions the
    networks' mean)."""
    n = len(inputs)
    empty = np.array([p.empty and not p.solid for p in inputs], bool)
    solid = np.array([p.solid for p in inputs], bool)
    with_novelty = novelty_of(classifier, np.zeros((1, 28, 28), np.float32)) is not None
    x = np.full((n, len(FEATURES) + with_novelty), np.nan)
    digit = np.full(n, -1, np.int64)
    real = [i for i, p in enumerate(inputs) if p.image is not None]
    if real:
        images = np.stack([inputs[i].image for i in real])
        probs = classifier.proba_and_stability(images)[0]
        novelty = novelty_of(classifier, images) if with_novelty else [None] * len(real)
        for i, p, v in zip(real, probs, novelty, strict=True):
            x[i] = features(inputs[i].image, p, v)
            digit[i] = int(p.argmax())
    return Judged(empty, solid, x, digit)


def both_paths(drawings: Sequence[Sequence[Stroke]], classifier: Classifier,
               canvas: int = CANVAS) -> tuple[Judged, Judged]:
    """(strokes path, image path) judgements of the drawings."""
    by_strokes = [preprocess_strokes(d, (canvas, canvas)) for d in drawings]
    by_image = [preprocess_image(im) for im in render_drawn_set(drawings, canvas)]
    return judge(by_strokes, classifier), judge(by_image, classifier)


def junk_judged(n: int, seed: int, classifier: Classifier) -> tuple[list[str], Judged, Judged]:
    """The kinds of n junk drawings (seed) and their (strokes, image) judgements."""
    drawings, kinds = make_junk_set(n, seed)
    return kinds, *both_paths(drawings, classifier)


def digits_judged(images: np.ndarray, labels: np.ndarray, n: int, seed: int,
                  classifier: Classifier) -> tuple[np.ndarray, Judged, Judged]:
    """Labels of n drawn MNIST digits (from `images`, seed) and their judgements."""
    drawings, truth = make_drawn_set(images, labels, n, seed)
    return truth, *both_paths(drawings, classifier)


def styles_judged(n: int, seed: int,
                  classifier: Classifier) -> tuple[list[str], Judged, Judged]:
    """The style name of n drawings of every writing style (`lenet.devtools.styles`, seed)
    and their (strokes, image) judgements: digits the rule must keep."""
    from lenet.devtools.styles import CANVAS as STYLE_CANVAS
    from lenet.devtools.styles import STYLES, draw_style_set

    drawings, names = [], []
    for style in STYLES:
        drawings += draw_style_set(style, n, seed)[0]
        names += [style.name] * n
    return names, *both_paths(drawings, classifier, STYLE_CANVAS)


def mnist_judged(images: np.ndarray, classifier: Classifier) -> Judged:
    """MNIST digits (N, 28, 28) uint8 as they are, through the image path."""
    return judge([preprocess_image(im) for im in images], classifier)


def rates(kinds: Sequence[str], judged: Judged, rule: Rule | None = None) -> dict[str, float]:
    """Share rejected per kind, and "all" (rule None: the fitted one, `rule_for`)."""
    rej = judged.rejected(rule)
    k = np.asarray(kinds)
    out = {kind: float(rej[k == kind].mean()) for kind in dict.fromkeys(kinds)}
    out["all"] = float(rej.mean())
    return out
