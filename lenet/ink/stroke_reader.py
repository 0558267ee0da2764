"""Read a number from its strokes (the app's number mode): runs of strokes, not cuts.

Strokes know what the image does not: two digits that touch or overlap were still drawn
with different strokes, and the strokes of one digit follow each other. Every run of up to
MAX_RUN strokes consecutive in drawing order is a candidate digit
(`lenet.ink.stroke_candidates`); each is classified (by every network of the classifier:
`number_reader.candidate_probabilities`), the stroke verifier
(`lenet.ink.stroke_verifier`) gives P(it is exactly one whole digit), and the reading is the
chain of runs covering the strokes that maximises sum(log P + STROKE_COUNT_BIAS), by dynamic
programming over the strokes (kept per number of digits, as in `lenet.ink.number_reader`,
to tell how sure the count is). A stroke may be left out, at SKIP_SCORE (a dot).

A digit read from one wide stroke may still hold two digits written in one stroke ("00"):
its ink is read as `lenet.ink.number_reader.read_number` reads a group, cuts and all (see
`_one_stroke`).

Ink maps are float32 (H, W) in [0, 1] (ink = 1); boxes are (x0, y0, x1, y1) in pixels of
the ink rendered at `scale` x the canvas, exclusive x1, y1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lenet.ink.grouping import DigitBox, segment_digits
from lenet.ink.number_reader import (
    COUNT_MARGIN,
    MIN_P_ONE_DIGIT,
    ClassifierLike,
    ReadDigit,
    candidate_probabilities,
    line_height,
    read_group,
    read_number,
    shifted,
)
from lenet.ink.stroke_candidates import StrokeCandidate, stroke_candidates
from lenet.ink.stroke_verifier import STROKE_COUNT_BIAS, log_p_run, stroke_features
from lenet.ink.strokes import Stroke, render_strokes

__all__ = ["read_strokes"]

ONE_STROKE_ASPECT = 0.8
"""A one-stroke run narrower than this x its height is never cut (it is one digit's stroke)."""
MAX_P_TO_CUT = 0.5
"""A one-stroke digit the stroke verifier gives at least this P(one digit) is never cut
(strokes drawn digit by digit hold one digit each, as a rule)."""
SKIP_SCORE = -3.0
"""Score of leaving a stroke out of every digit (a dot, a stray flick: a stroke that no run
reads as well as that)."""


def _render(strokes: Sequence[Stroke], canvas_size: tuple[int, int], scale: float) -> np.ndarray:
    w, h = canvas_size
    scaled = [Stroke(s.points * scale, s.width * scale, s.pressures, s.erase) for s in strokes]
    return render_strokes(scaled, (max(1, round(w * scale)), max(1, round(h * scale))))


def run_features(cands: list[StrokeCandidate], classifier: ClassifierLike
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (N, 10) and stroke-verifier features (N, F) of runs (N ≥ 1), from every
    network of the classifier (`number_reader.candidate_probabilities`)."""
    probs, raw = candidate_probabilities(
        classifier, np.stack([c.preprocessed.image for c in cands]))
    x = np.stack([stroke_features(c.geometry, p) for c, p in zip(cands, raw, strict=True)])
    return probs, x


def score_runs(cands: list[StrokeCandidate], classifier: ClassifierLike
               ) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (N, 10) and stroke-verifier log P(one digit) (N,) of runs (N ≥ 1)."""
    probs, x = run_features(cands, classifier)
    return probs, log_p_run(x)


def chains_by_count(spans: Sequence[tuple[int, int]], scores: np.ndarray,
                    skippable: Sequence[bool]) -> dict[int, tuple[float, list[int]]]:
    """For each number of digits, the best chain of spans [start, stop) covering positions
    [0, len(skippable)) (a skippable one may be left out, at SKIP_SCORE): count → (total
    score, indices of spans)."""
    n = len(skippable)
    best: list[dict[int, tuple[float, list[int]]]] = [{} for _ in range(n + 1)]
    best[0][0] = (0.0, [])
    ending: list[list[int]] = [[] for _ in range(n + 1)]
    for k, (_, stop) in enumerate(spans):
        ending[stop].append(k)
    for j in range(1, n + 1):
        here = best[j]
        for count, (total, chain) in best[j - 1].items():  # stroke j-1 left out
            if skippable[j - 1] and total + SKIP_SCORE > here.get(count, (-np.inf,))[0]:
                here[count] = (total + SKIP_SCORE, chain)
        for k in ending[j]:
            for count, (total, chain) in best[spans[k][0]].items():
                if total + scores[k] > here.get(count + 1, (-np.inf,))[0]:
                    here[count + 1] = (total + scores[k], [*chain, k])
    return best[n]


def _one_stroke(c: StrokeCandidate, probs: np.ndarray, p_one: float, unsure: bool,
                line: float, classifier: ClassifierLike, area: float) -> list[ReadDigit]:
    """A run's digit; a one-stroke run at least a line height wide and ONE_STROKE_ASPECT as
    wide as tall may hold digits written in one stroke ("00"): its ink is read as the image
    reader reads a group, by its cuts only (skeleton pieces stand for strokes, and the
    strokes are known here). Its digits are kept when the stroke verifier doubts the run
    (P(one digit) < MAX_P_TO_CUT); otherwise the run stays one digit, with the image
    reader's doubt about it added to its own."""
    h, w = c.ink.shape
    if c.stop - c.start == 1 and w >= ONE_STROKE_ASPECT * h and w >= line:
        x0, y0 = c.origin
        read = read_group(DigitBox((x0, y0, x0 + w, y0 + h), c.ink), line, classifier, area,
                          pieces=False)
        if len(read) > 1 and p_one < MAX_P_TO_CUT:
            return read
        if read:
            p_one = min(p_one, 0.5 if len(read) > 1 else read[0].p_one_digit)
            unsure = unsure or len(read) > 1 or read[0].count_uncertain
    return [shifted(c, probs, *c.origin, area, p_one, unsure or p_one < MIN_P_ONE_DIGIT)]


def read_strokes(
    strokes: Sequence[Stroke],
    canvas_size: tuple[int, int],
    classifier: ClassifierLike,
    scale: float = 1.0,
) -> list[ReadDigit]:
    """The digits of a drawing (strokes in drawing order on a (W, H) canvas), left to right.

    The ink is rendered at `scale` x the canvas, and boxes are in those pixels. With eraser
    strokes the image alone is read (`read_number`).
    """
    strokes = [s for s in strokes if len(s.points)]
    ink = _render(strokes, canvas_size, scale)
    if any(s.erase for s in strokes):
        return read_number(ink, classifier)
    groups = segment_digits(ink)
    if not groups:
        return []
    area = float(max(ink.shape[0] * ink.shape[1], 1))
    line = line_height(groups)
    cands = stroke_candidates([_render([s], canvas_size, scale) for s in strokes], line)
    if not cands:
        return read_number(ink, classifier)
    probs, log_p = score_runs(cands, classifier)
    by_count = chains_by_count([(c.start, c.stop) for c in cands], log_p + STROKE_COUNT_BIAS,
                               [True] * len(strokes))
    if not by_count:  # no chain of readable runs covers the strokes
        return read_number(ink, classifier)
    count = max(by_count, key=lambda k: by_count[k][0])
    total, chain = by_count[count]
    others = [t for k, (t, _) in by_count.items() if k != count]
    unsure = bool((others and total - max(others) < COUNT_MARGIN)
                  or any(log_p[k] < np.log(MIN_P_ONE_DIGIT) for k in chain))
    out: list[ReadDigit] = []
    for k in chain:
        c = cands[k]
        out += _one_stroke(c, probs[k], float(np.exp(log_p[k])), unsure, line, classifier,
                           area)
    out.sort(key=lambda d: 0.5 * (d.box[0] + d.box[2]))
    return out
