"""Read a number written as digits side by side ("2026"), touching digits included.

Segmentation by recognition: `lenet.ink.grouping.segment_digits` finds the digit groups
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
fitted by `python -m lenet.devtools.fit_reader` on strips drawn from MNIST *training* digits, so
the drawn-digit figures (MNIST test digits) stay an honest measurement.

`read_strokes` (the app's number mode) knows the strokes too, and splits a group drawn with
several strokes into runs of consecutive strokes instead of cutting it.

Images are float32 ink maps (H, W) in [0, 1] (ink = 1); boxes are (x0, y0, x1, y1) in
pixels of the whole image with exclusive x1, y1.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PIL import Image

from lenet.ink.grouping import DigitBox, segment_digits
from lenet.ink.preprocess import (
    MASK_LEVEL,
    Preprocessed,
    Stroke,
    label_components,
    preprocess_ink,
    render_strokes,
    stroke_width,
)

__all__ = ["ReadDigit", "read_number", "read_strokes"]

MIN_SPLIT_ASPECT = 0.8
"""Groups narrower than this x their height are read as one digit without trying cuts."""
CUT_HEIGHT = 80
"""Cuts are traced on the group scaled (area average) to this many rows."""
DIAGONAL_COST = 0.15
"""Extra cost of a seam step to the side (in units of one full ink pixel crossed)."""
MAX_CUTS = 12
"""At most this many candidate cuts per group (the cheapest distinct ones)."""
MIN_CUT_SHARE = 0.05
"""A cut must leave at least this fraction of the group's ink on each side ..."""
CUT_SPACING = 0.03
"""... and differ from every cheaper cut by this fraction of the group's ink."""
MAX_RUN = 4
"""A digit is drawn with at most this many strokes (see `read_strokes`)."""
MIN_PIECE_INK = 0.03
"""A candidate digit holds at least this fraction of its group's ink."""
MAX_PIECE_WIDTH = 1.8
"""A candidate digit (other than a whole group) is at most this x the line height wide."""
STUB_SHARE = 0.15
"""A bit of a neighbour left beside a cut (a separate blob touching the cut, under this
fraction of the candidate's ink) is dropped from the candidate."""

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
# Fitted by `python -m lenet.devtools.fit_reader` (400 strips of MNIST training digits, seed 100,
# half the neighbours touching; 39 335 candidates, 6.4 % of them whole digits): feature
# means, scales, then intercept + weights.
FEATURE_MEAN = np.array([
    -0.18365, -5.0412, 0.37046, 7.3664, -0.3421, 0.76565, 0.5895, 0.76896, 0.5861, 0.38887,
    1.1783, 1.1746, 4.5517, 0.025499, -0.0021118,
])
FEATURE_SCALE = np.array([
    0.25749, 4.0502, 0.40982, 13.386, 0.70609, 0.29264, 0.4004, 0.30106, 0.38312, 0.2701,
    0.69682, 0.69696, 2.9184, 0.15763, 0.091723,
])
VERIFIER_WEIGHTS = np.array([
    -6.2525, -0.672, -0.99728, -0.85166, -2.34, 1.0965, 0.97198, 0.7546, 1.5022, -1.3959,
    -0.090807, -0.87004, -0.92383, 0.16332, 0.042095, -0.37228,
])
COUNT_BIAS = 2.5
"""Added to each digit's log P: offsets the verifier's low base rate (most candidates are not
digits) so that splitting is not penalised per digit; chosen on training-digit strips."""


class ClassifierLike(Protocol):
    """What the readers need from a classifier (`lenet.classifier.Classifier`)."""

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


def _drop_stubs(piece: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """`piece` (h, w) without blobs that touch its left or right cut and hold under
    STUB_SHARE of its ink (the end of a neighbour's stroke). Returns float32."""
    labels, st = label_components(piece >= MASK_LEVEL)
    if len(st) < 2:
        return piece.astype(np.float32)
    rows = np.arange(piece.shape[0])
    edge = np.zeros(len(st) + 1, bool)
    w = piece.shape[1]
    for cols in (left, right - 1):
        ok = (cols >= 0) & (cols < w)
        edge[labels[rows[ok], cols[ok]]] = True
    share = st[:, 0] / st[:, 0].sum()
    stub = np.concatenate([[False], edge[1:] & (share < STUB_SHARE)])
    if not stub.any():
        return piece.astype(np.float32)
    # pixels below MASK_LEVEL (anti-aliased rims) go with their nearest blob: dilate the stubs
    drop = stub[labels]
    grown = drop.copy()
    grown[1:] |= drop[:-1]
    grown[:-1] |= drop[1:]
    grown[:, 1:] |= drop[:, :-1]
    grown[:, :-1] |= drop[:, 1:]
    grown &= (labels == 0) | drop
    return np.where(grown, np.float32(0.0), piece).astype(np.float32)


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
                piece = _drop_stubs(np.where(inside, ink, np.float32(0.0)), edges[i], edges[j])
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


def log_p_digit(x: np.ndarray, params: tuple | None = None) -> np.ndarray:
    """The verifier: log P(candidate is exactly one whole digit) for features x (N, F).

    params: (feature mean, feature scale, intercept + weights); None: the fitted constants.
    """
    mean, scale, w = params or (FEATURE_MEAN, FEATURE_SCALE, VERIFIER_WEIGHTS)
    return -np.logaddexp(0.0, -((x - mean) / scale @ w[1:] + w[0]))


def classify_candidates(
    cands: list[Candidate], classifier: ClassifierLike
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (N, 10) and verifier features (N, F) of candidates (N ≥ 1)."""
    probs = classifier.predict_proba(np.stack([c.preprocessed.image for c in cands]))
    x = np.stack([features(c.geometry, p) for c, p in zip(cands, probs, strict=True)])
    return probs, x


# ----------------------------------------------------------------------------- reading


def best_chain(cands: list[Candidate], scores: np.ndarray, n: int) -> list[int]:
    """Indices of the candidates covering pieces [0, n) with the highest total score (the
    whole group, if it is a candidate, when no chain covers them)."""
    best = np.full(n + 1, -np.inf)
    best[0] = 0.0
    back = [-1] * (n + 1)
    for k in sorted(range(len(cands)), key=lambda k: cands[k].stop):
        c = cands[k]
        if best[c.start] + scores[k] > best[c.stop]:
            best[c.stop] = best[c.start] + scores[k]
            back[c.stop] = k
    if not np.isfinite(best[n]):  # no chain of readable pieces: the whole group it is
        return [k for k, c in enumerate(cands) if c.stop - c.start == n]
    chain, j = [], n
    while j > 0:
        chain.append(back[j])
        j = cands[back[j]].start
    return chain[::-1]


def _choose(
    cands: list[Candidate], n: int, classifier: ClassifierLike
) -> list[tuple[Candidate, np.ndarray]]:
    """The best chain of candidates covering pieces [0, n), with their probabilities."""
    if not cands:
        return []
    probs, x = classify_candidates(cands, classifier)
    chain = best_chain(cands, log_p_digit(x) + COUNT_BIAS, n)
    return [(cands[k], probs[k]) for k in chain]


def _shifted(c: Candidate, probs: np.ndarray, x0: int, y0: int, area: float) -> ReadDigit:
    """A candidate cut from an ink crop at (x0, y0) of an image of `area` px, as a ReadDigit
    with its box in the image's pixels."""
    pre = c.preprocessed
    bx0, by0, bx1, by1 = pre.box
    frac = pre.ink_fraction * c.ink.shape[0] * c.ink.shape[1] / area
    box = (bx0 + x0, by0 + y0, bx1 + x0, by1 + y0)
    return ReadDigit(dataclasses.replace(pre, box=box, ink_fraction=frac), probs)


def _read_group(g: DigitBox, line: float, classifier: ClassifierLike, area: float) -> list:
    cands, n = group_candidates(g.ink, line)
    return [_shifted(c, p, g.x0, g.y0, area) for c, p in _choose(cands, n, classifier)]


def line_height(groups: list[DigitBox]) -> float:
    """The median height of the groups, px (at least 1)."""
    return max(float(np.median([g.y1 - g.y0 for g in groups])), 1.0)


def read_number(ink: np.ndarray, classifier: ClassifierLike) -> list[ReadDigit]:
    """The digits of an ink map (H, W) float in [0, 1], left to right ([] if no ink).

    Single-digit input gives exactly the single-digit path's 28x28 image (and so answer).
    """
    groups = segment_digits(ink)
    if not groups:
        return []
    area = float(max(ink.shape[0] * ink.shape[1], 1))
    line = line_height(groups)
    return [d for g in groups for d in _read_group(g, line, classifier, area)]


# ------------------------------------------------------------------------------ strokes


def _render(strokes: Sequence[Stroke], canvas_size: tuple[int, int], scale: float) -> np.ndarray:
    w, h = canvas_size
    scaled = [Stroke(s.points * scale, s.width * scale, s.pressures, s.erase) for s in strokes]
    return render_strokes(scaled, (max(1, round(w * scale)), max(1, round(h * scale))))


def read_strokes(
    strokes: Sequence[Stroke],
    canvas_size: tuple[int, int],
    classifier: ClassifierLike,
    scale: float = 1.0,
) -> list[ReadDigit]:
    """The digits of a drawing (strokes in drawing order on a (W, H) canvas), left to right.

    Strokes know what the image does not: two digits that touch were still drawn with
    different strokes. An ink group (see `read_number`) drawn with several strokes is split
    along strokes: every run of up to MAX_RUN strokes consecutive in drawing order is a
    candidate digit, scored by the verifier as a whole group (a "4" or a "5" drawn in two
    strokes is one run, "11" is two); a group drawn in one stroke is cut as in
    `read_number`. The ink is rendered at `scale` x the canvas, and boxes are in those
    pixels. With eraser strokes the image alone is read.
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
    parts = [_render([s], canvas_size, scale) for s in strokes]
    owner: list[list[int]] = [[] for _ in groups]
    for k, part in enumerate(parts):  # each stroke goes where most of its ink is
        inside = [float(part[g.y0 : g.y1, g.x0 : g.x1][g.ink > 0].sum()) for g in groups]
        if max(inside) > 0:
            owner[int(np.argmax(inside))].append(k)
    out: list[ReadDigit] = []
    for g, mine in zip(groups, owner, strict=True):
        if len(mine) < 2:
            out += _read_group(g, line, classifier, area)
            continue
        crops = [parts[k][g.y0 : g.y1, g.x0 : g.x1] for k in mine]
        cands = _stroke_runs(crops, float(g.y1 - g.y0), line)
        out += [_shifted(c, p, g.x0, g.y0, area) for c, p in _choose(cands, len(mine), classifier)]
    out.sort(key=lambda d: 0.5 * (d.box[0] + d.box[2]))
    return out


def _stroke_runs(parts: list[np.ndarray], height: float, line: float) -> list[Candidate]:
    """Candidate digits of one ink group drawn as len(parts) strokes: every run of at most
    MAX_RUN consecutive ones (each part is one stroke's ink within the group's box)."""
    n = len(parts)
    out: list[Candidate] = []
    for i in range(n):
        ink = np.zeros_like(parts[i])
        for j in range(i + 1, min(n, i + MAX_RUN) + 1):
            ink = np.maximum(ink, parts[j - 1])
            pre = preprocess_ink(ink)
            if pre.empty:
                continue
            x0, y0, x1, y1 = pre.box
            whole = float((i, j) == (0, n))
            geometry = (float(y1 - y0), float(x1 - x0), height, line, 1.0 if whole else 0.5,
                        0.0, 0.0, 1.0, whole)
            out.append(Candidate(i, j, ink, pre, geometry))
    return out
