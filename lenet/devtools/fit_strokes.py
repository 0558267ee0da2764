"""Fit `lenet.ink.stroke_verifier`: P(a run of strokes is exactly one whole digit).

``python -m lenet.devtools.fit_reader --strokes`` draws multi-digit strips from MNIST
*training* digits, lists every run of strokes `read_strokes` would consider, labels it 1
when it is exactly one digit's strokes (the strips know which strokes are whose), fits a
logistic regression on `stroke_features` and picks STROKE_COUNT_BIAS on a second set of
training-digit strips.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from lenet.devtools.drawn import DrawnStrip
from lenet.ink import number_reader as rn
from lenet.ink import stroke_reader as sr
from lenet.ink.grouping import segment_digits
from lenet.ink.stroke_candidates import StrokeCandidate, stroke_candidates
from lenet.ink.stroke_verifier import log_p_run


def strip_runs(strip: DrawnStrip, classifier: rn.ClassifierLike, scale: float = 1.0
               ) -> tuple[list[StrokeCandidate], np.ndarray, np.ndarray]:
    """The runs of strokes of a strip, their features (N, F) and probabilities (N, 10)."""
    ink = sr._render(strip.strokes, strip.size, scale)
    line = rn.line_height(segment_digits(ink))
    cands = stroke_candidates([sr._render([s], strip.size, scale) for s in strip.strokes],
                              line)
    probs, x = sr.run_features(cands, classifier)
    return cands, x, probs


def digit_spans(strip: DrawnStrip) -> set[tuple[int, int]]:
    """The (start, stop) stroke range of each digit of a strip."""
    ends = np.cumsum([0, *strip.digit_strokes])
    return {(int(a), int(b)) for a, b in itertools.pairwise(ends)}


def stroke_training_set(strips: Sequence[DrawnStrip], classifier: rn.ClassifierLike,
                        scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, list]:
    """(features (N, F), labels (N,) 0/1, per strip (runs, features, probabilities))."""
    xs, ys, per_strip = [], [], []
    for strip in strips:
        cands, x, probs = strip_runs(strip, classifier, scale)
        spans = digit_spans(strip)
        ys += [float((c.start, c.stop) in spans) for c in cands]
        xs.append(x)
        per_strip.append((cands, x, probs))
    return np.concatenate(xs), np.asarray(ys), per_strip


def stroke_exact_rate(strips: Sequence[DrawnStrip], per_strip: list, params: tuple,
                      bias: float) -> float:
    """Fraction of strips whose chain of runs reads exactly the number (no cuts inside a
    stroke: the strips never draw two digits in one stroke)."""
    ok = 0
    for strip, (cands, x, probs) in zip(strips, per_strip, strict=True):
        by_count = sr.chains_by_count([(c.start, c.stop) for c in cands],
                                      log_p_run(x, params) + bias,
                                      [True] * len(strip.strokes))
        _, chain = max(by_count.values(), key=lambda tc: tc[0], default=(0.0, []))
        order = sorted(chain, key=lambda k: 2 * cands[k].origin[0]
                       + sum(cands[k].preprocessed.box[::2]))
        ok += "".join(str(int(probs[k].argmax())) for k in order) == strip.number
    return ok / max(len(strips), 1)
