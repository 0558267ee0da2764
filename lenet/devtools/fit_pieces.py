"""Fit `lenet.ink.piece_verifier`: P(a run of skeleton pieces is exactly one whole digit).

``python -m lenet.devtools.fit_reader --pieces`` draws multi-digit strips from MNIST
*training* digits, lists every run of skeleton pieces (`lenet.ink.piece_candidates`) of the
groups `read_number` also reads as pieces (`number_reader.reads_pieces`), labels each as
`fit_reader` labels cut candidates (by the strip's ground truth: PURITY and COVERAGE of one
digit's ink), fits a logistic regression on the same `lenet.ink.verifier.features`, and
picks PIECE_COUNT_BIAS on a second set of training-digit strips, reading each group as
`read_number` does (the better of the cut reading and the piece reading).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lenet.devtools.drawn import DrawnStrip, render_strip
from lenet.ink import number_reader as rn
from lenet.ink.candidates import group_candidates
from lenet.ink.image import to_ink
from lenet.ink.normalise import MASK_LEVEL
from lenet.ink.piece_candidates import piece_candidates
from lenet.ink.verifier import COUNT_BIAS


def _scored(cands: list, n: int, classifier: rn.ClassifierLike) -> tuple:
    if not cands:
        return cands, n, np.zeros((0, 15)), np.zeros((0, 10))
    probs, x = rn.classify_candidates(cands, classifier)
    return cands, n, x, probs


def strip_groups(strip: DrawnStrip) -> tuple[list, float]:
    """The ink groups of the rendered strip, as `read_number` finds them (fragments such as
    a 5's flag drawn apart joined to their digit), and their line height."""
    return rn.digit_groups(to_ink(render_strip(strip)))


def strip_group_readings(strip: DrawnStrip, classifier: rn.ClassifierLike) -> list[tuple]:
    """Per group of the rendered strip: (box, cut (cands, n, x, probs), piece (cands, n, x,
    probs)); the piece part is empty for a group `read_number` reads by its cuts only."""
    groups, line = strip_groups(strip)
    out = []
    for g in groups:
        cut = _scored(*group_candidates(g.ink, line), classifier)
        if rn.reads_pieces(g.ink, cut[1]):
            pieces = _scored(*piece_candidates(g.ink, line), classifier)
        else:
            pieces = ([], 0, np.zeros((0, 15)), np.zeros((0, 10)))
        out.append((g.box, cut, pieces))
    return out


def candidate_labels(cands: list, own: np.ndarray, totals: np.ndarray, purity: float,
                     coverage: float) -> list[float]:
    """1.0 for each candidate whose ink (within the group, `own`: the digit each pixel
    belongs to, -1 none) is at least `purity` one digit's and covers at least `coverage` of
    that digit's ink (`totals` per digit), else 0.0 (cuts and pieces alike)."""
    ys = []
    for c in cands:
        o = own[(c.ink >= MASK_LEVEL) & (own >= 0)]
        label = 0
        if o.size:
            k = int(np.bincount(o).argmax())
            hits = int(np.count_nonzero(o == k))
            label = int(hits >= purity * o.size and hits >= coverage * totals[k])
        ys.append(float(label))
    return ys


def piece_training_set(strips: Sequence[DrawnStrip], classifier: rn.ClassifierLike,
                       owners, purity: float, coverage: float) -> tuple:
    """(features (N, F), labels (N,) 0/1) of every run of pieces in `strips`."""
    xs, ys = [np.zeros((0, 15))], []
    for strip in strips:
        owner = owners(strip)
        totals = np.bincount(owner[owner >= 0], minlength=len(strip.number))
        for (x0, y0, x1, y1), _, (cands, _, x, _) in strip_group_readings(strip, classifier):
            ys += candidate_labels(cands, owner[y0:y1, x0:x1], totals, purity, coverage)
            xs.append(x)
    return np.concatenate(xs), np.asarray(ys, np.float64)


def _best(cands: list, n: int, scores: np.ndarray) -> tuple[float, list[int]]:
    if not cands:
        return -np.inf, []
    chain = rn.best_chain(cands, scores, n)
    return (float(scores[chain].sum()) if chain else -np.inf), chain


def combined_exact_rate(strips: Sequence[DrawnStrip], readings: list[list[tuple]],
                        params: tuple, bias: float) -> float:
    """Fraction of strips read exactly when each cut group takes the better of its cut
    reading and its piece reading (piece verifier `params`, count bias `bias`)."""
    ok = 0
    for strip, groups in zip(strips, readings, strict=True):
        digits = []
        for _, (cc, cn, cx, cp), (pc, pn, px, pp) in groups:
            total, chain = _best(cc, cn, rn.candidate_log_p(cc, cp, cx) + COUNT_BIAS)
            probs = cp
            if pc:
                p_total, p_chain = _best(pc, pn, rn.candidate_log_p(pc, pp, px, params) + bias)
                if p_total > total:
                    chain, probs = p_chain, pp
            digits += [str(int(probs[k].argmax())) for k in chain]
        ok += "".join(digits) == strip.number
    return ok / max(len(strips), 1)
