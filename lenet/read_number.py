"""Read a number written as digits side by side ("2026"), touching digits included.

Segmentation by recognition: `lenet.segment.segment_digits` finds the digit groups
(connected ink, merged when it overlaps in x). A group at least MIN_SPLIT_ASPECT as wide as
tall may hold touching digits, so candidate cuts are traced through it: seams from top to
bottom (and bottom to top) through the least ink, found by dynamic programming on the
group scaled to CUT_HEIGHT rows. Every run of consecutive pieces between two cuts is a
candidate digit; each is preprocessed and classified, and a small logistic verifier turns
the classifier's output and the candidate's shape into P(this is exactly one whole digit).
The reading of a group is the chain of candidates from its left to its right edge that
maximises sum(log P + COUNT_BIAS), by dynamic programming over the cuts.

A group too narrow to hold two digits, or one that no chain of candidates beats as a
whole, is read exactly as the single-digit path reads it. The verifier's weights are
fitted by `python -m lenet.fit_reader` on strips drawn from MNIST *training* digits, so
the drawn-digit figures (MNIST test digits) stay an honest measurement.

Images are float32 ink maps (H, W) in [0, 1] (ink = 1); boxes are (x0, y0, x1, y1) in
pixels of the whole image with exclusive x1, y1.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PIL import Image

from lenet.preprocess import MASK_LEVEL, Preprocessed, preprocess_ink, stroke_width
from lenet.segment import segment_digits

__all__ = ["ReadDigit", "read_number"]

MIN_SPLIT_ASPECT = 0.8
"""Groups narrower than this x their height are read as one digit without trying cuts."""
CUT_HEIGHT = 40
"""Cuts are traced on the group scaled (area average) to this many rows."""
DIAGONAL_COST = 0.15
"""Extra cost of a seam step to the side (in units of one full ink pixel crossed)."""
MAX_CUTS = 12
"""At most this many candidate cuts per group (the cheapest distinct ones)."""
MIN_CUT_SHARE = 0.05
"""A cut must leave at least this fraction of the group's ink on each side ..."""
CUT_SPACING = 0.03
"""... and differ from every cheaper cut by this fraction of the group's ink."""
MIN_PIECE_INK = 0.03
"""A candidate digit holds at least this fraction of its group's ink."""
MAX_PIECE_WIDTH = 1.8
"""A candidate digit (other than a whole group) is at most this x the line height wide."""

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
# Fitted by `python -m lenet.fit_reader` (400 strips of MNIST training digits, seed 100,
# half the neighbours touching; 39 947 candidates, 5.7 % of them whole digits): feature
# means, scales, then intercept + weights.
FEATURE_MEAN = np.array([
    -0.19215, -4.8749, 0.38676, 7.407, -0.34765, 0.77745, 0.59469, 0.78028, 0.59112, 0.39437,
    1.2135, 1.205, 4.5356, 0.025108, -0.0020794,
])
FEATURE_SCALE = np.array([
    0.26297, 3.9681, 0.41673, 13.268, 0.6952, 0.28916, 0.39774, 0.29743, 0.3805, 0.2718,
    0.71691, 0.71221, 2.909, 0.15645, 0.091018,
])
VERIFIER_WEIGHTS = np.array([
    -6.7632, -0.41699, -1.004, -0.58345, -2.5607, 1.368, 1.2322, 0.70487, 1.3484, -1.4472,
    -0.0032382, -1.0131, -1.0253, 0.09548, 0.0075041, -0.35979,
])
COUNT_BIAS = 3.0
"""Added to each digit's log P: offsets the verifier's low base rate (most candidates are not
digits) so that splitting is not penalised per digit; chosen on training-digit strips."""


class ClassifierLike(Protocol):
    def predict_proba(self, images: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class ReadDigit:
    """One digit of a number: what the network saw and what it answered.

    preprocessed: the 28x28 input, its box in the whole image's pixels; probabilities: (10,).
    """

    preprocessed: Preprocessed
    probabilities: np.ndarray

    @property
    def digit(self) -> int:
        return int(self.probabilities.argmax())

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())

    @property
    def box(self) -> tuple[int, int, int, int] | None:
        return self.preprocessed.box


@dataclass
class Candidate:
    """A run of pieces [start, stop) of a group (pieces are between consecutive cuts).

    ink: the group-sized ink map holding only this candidate's pixels; geometry: the
    shape measurements `features` needs besides the classifier's output.
    """

    start: int
    stop: int
    ink: np.ndarray
    preprocessed: Preprocessed
    geometry: tuple[float, ...]


# ------------------------------------------------------------------------------ cuts


def _seams(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cheapest top-to-bottom seam ending at each bottom column of `cost` (h, w).

    A seam moves at most one column per row (a side step costs DIAGONAL_COST more).
    Returns (w,) total costs and (w, h) column of each seam in each row.
    """
    h, w = cost.shape
    total = cost[0].astype(np.float64)
    step = np.zeros((h, w), np.int64)
    cols = np.arange(w)
    for r in range(1, h):
        left = np.concatenate([[np.inf], total[:-1]]) + DIAGONAL_COST
        right = np.concatenate([total[1:], [np.inf]]) + DIAGONAL_COST
        options = np.stack([left, total, right])
        k = options.argmin(axis=0)
        total = cost[r] + options[k, cols]
        step[r] = k - 1
    paths = np.empty((w, h), np.int64)
    paths[:, -1] = cols
    for r in range(h - 1, 0, -1):
        paths[:, r - 1] = paths[:, r] + step[r, paths[:, r]]
    return total, paths


def find_cuts(ink: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """Candidate cuts through a group's ink (h, w), left to right.

    Each cut is (h,) int, the first column right of the cut in each row, and the ink it
    crosses (in full pixels of the CUT_HEIGHT-row copy). Cuts never cross each other.
    """
    h, w = ink.shape
    scale = min(1.0, CUT_HEIGHT / h)
    hs, ws = max(2, round(h * scale)), max(3, round(w * scale))
    small = Image.fromarray(np.ascontiguousarray(ink, np.float32), mode="F")
    low = np.asarray(small.resize((ws, hs), Image.Resampling.BOX), np.float64)
    total = float(low.sum())
    if total <= 0:
        return []
    down_cost, down = _seams(low)
    up_cost, up = _seams(low[::-1])
    costs = np.concatenate([down_cost, up_cost])
    paths = np.concatenate([down, up[:, ::-1]])
    before = np.concatenate([np.zeros((hs, 1)), np.cumsum(low, axis=1)], axis=1)
    share = before[np.arange(hs)[None, :], paths].sum(axis=1) / total  # ink left of each
    kept: list[int] = []
    for i in np.argsort(costs, kind="stable"):
        if not MIN_CUT_SHARE <= share[i] <= 1.0 - MIN_CUT_SHARE:
            continue
        if any(abs(share[i] - share[k]) < CUT_SPACING for k in kept):
            continue
        kept.append(int(i))
        if len(kept) == MAX_CUTS:
            break
    kept.sort(key=lambda i: share[i])
    rows = np.minimum((np.arange(h) * hs) // h, hs - 1)
    cuts: list[tuple[np.ndarray, float]] = []
    for i in kept:
        cols = np.round((paths[i, rows] + 0.5) * w / ws).astype(np.int64)
        if cuts:
            cols = np.maximum(cols, cuts[-1][0])
        cuts.append((cols, float(costs[i])))
    return cuts


def group_candidates(ink: np.ndarray, line_height: float) -> tuple[list[Candidate], int]:
    """Candidate digits of one group's ink (h, w) and its number of pieces.

    The whole group is always a candidate (unless it preprocesses as empty).
    """
    h, w = ink.shape
    cuts = find_cuts(ink) if w >= MIN_SPLIT_ASPECT * h else []
    n = len(cuts) + 1
    edges = [np.zeros(h, np.int64), *(c for c, _ in cuts), np.full(h, w, np.int64)]
    crossed = [0.0, *(cost for _, cost in cuts), 0.0]
    width = max(stroke_width(ink >= MASK_LEVEL) * min(1.0, CUT_HEIGHT / h), 0.5)
    columns = np.arange(w)[None, :]
    total = float(ink.sum())
    out: list[Candidate] = []
    for i in range(n):
        for j in range(i + 1, n + 1):
            whole = (i, j) == (0, n)
            if whole:
                piece = ink
            else:
                inside = (columns >= edges[i][:, None]) & (columns < edges[j][:, None])
                piece = np.where(inside, ink, np.float32(0.0)).astype(np.float32)
            share = float(piece.sum()) / total
            if share < MIN_PIECE_INK:
                continue
            rows = np.flatnonzero(piece.any(axis=1))
            cols = np.flatnonzero(piece.any(axis=0))
            ph, pw = float(rows[-1] - rows[0] + 1), float(cols[-1] - cols[0] + 1)
            if not whole and pw > MAX_PIECE_WIDTH * line_height:
                continue
            pre = preprocess_ink(piece)
            if pre.empty:
                continue
            geometry = (ph, pw, float(h), line_height, share,
                        crossed[i] / width, crossed[j] / width, float(j - i), float(whole))
            out.append(Candidate(i, j, piece, pre, geometry))
    return out, n


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


def log_p_digit(x: np.ndarray) -> np.ndarray:
    """The verifier: log P(candidate is exactly one whole digit) for features x (N, F)."""
    z = (x - FEATURE_MEAN) / FEATURE_SCALE @ VERIFIER_WEIGHTS[1:] + VERIFIER_WEIGHTS[0]
    return -np.logaddexp(0.0, -z)


# ----------------------------------------------------------------------------- reading


def _best_chain(cands: list[Candidate], scores: np.ndarray, n: int) -> list[int] | None:
    """Indices of the candidates covering pieces [0, n) with the highest total score."""
    best = np.full(n + 1, -np.inf)
    best[0] = 0.0
    back = [-1] * (n + 1)
    for k in sorted(range(len(cands)), key=lambda k: cands[k].stop):
        c = cands[k]
        if best[c.start] + scores[k] > best[c.stop]:
            best[c.stop] = best[c.start] + scores[k]
            back[c.stop] = k
    if not np.isfinite(best[n]):
        return None
    chain, j = [], n
    while j > 0:
        chain.append(back[j])
        j = cands[back[j]].start
    return chain[::-1]


def read_number(ink: np.ndarray, classifier: ClassifierLike) -> list[ReadDigit]:
    """The digits of an ink map (H, W) float in [0, 1], left to right ([] if no ink).

    Single-digit input gives exactly the single-digit path's 28x28 image (and so answer).
    """
    groups = segment_digits(ink)
    if not groups:
        return []
    line = max(float(np.median([g.y1 - g.y0 for g in groups])), 1.0)
    per_group = [group_candidates(g.ink, line) for g in groups]
    flat = [c for cands, _ in per_group for c in cands]
    if not flat:
        return []
    probs = classifier.predict_proba(np.stack([c.preprocessed.image for c in flat]))
    x = np.stack([features(c.geometry, p) for c, p in zip(flat, probs, strict=True)])
    scores = log_p_digit(x) + COUNT_BIAS
    a = np.asarray(ink)
    area = float(max(a.shape[0] * a.shape[1], 1))
    out: list[ReadDigit] = []
    start = 0
    for g, (cands, n) in zip(groups, per_group, strict=True):
        k0, start = start, start + len(cands)
        if not cands:
            continue
        chain = _best_chain(cands, scores[k0:start], n)
        if chain is None:  # no chain of readable pieces: the whole group it is
            chain = [k for k, c in enumerate(cands) if c.stop - c.start == n]
        for k in chain:
            c = cands[k]
            pre = c.preprocessed
            bx0, by0, bx1, by1 = pre.box
            box = (bx0 + g.x0, by0 + g.y0, bx1 + g.x0, by1 + g.y0)
            frac = pre.ink_fraction * c.ink.shape[0] * c.ink.shape[1] / area
            pre = dataclasses.replace(pre, box=box, ink_fraction=frac)
            out.append(ReadDigit(pre, probs[k0 + k]))
    return out
