"""Read a number written as digits side by side ("2026"), touching digits included.

Segmentation by recognition: `lenet.ink.grouping.segment_digits` finds the digit groups
(connected ink, merged when it overlaps in x; a fragment much shorter than the line, such as
a 5's flag drawn apart, then joins the group next to it: `attach_fragments`). A group at
least MIN_SPLIT_ASPECT as wide as tall may hold touching digits, so candidate cuts are
traced through it: seams from top to bottom (and bottom to top) through the least ink, found
by dynamic programming on the group scaled to CUT_HEIGHT rows. Every run of consecutive
pieces between two cuts is a candidate digit; each is preprocessed and classified (the mean
of the classifier's networks: `candidate_probabilities`), and a small logistic verifier
turns the classifier's output and the candidate's shape into P(this is exactly one whole
digit). The reading of a group is the chain of candidates from its left to its right edge
that maximises sum(log P + COUNT_BIAS), by dynamic programming over the cuts. The same DP,
kept per number of digits, tells how close the best reading with another count comes: a
margin under COUNT_MARGIN, or a digit the verifier doubts is one digit (P < MIN_P_ONE_DIGIT),
marks the group's digits `count_uncertain` ("is this one digit or two?").

Two digits touching along a stroke leave no low-ink seam, but the ink's skeleton forks
where they meet: a group that is cut at all is also read as runs of its skeleton pieces
(`lenet.ink.skeleton_pieces`, `lenet.ink.piece_candidates`, scored by
`lenet.ink.piece_verifier`), and the reading with the higher total score is kept; when the
two give different digits and nearly tie, the group's digits are `count_uncertain` too.

A group too narrow to hold two digits, or one that no chain of candidates beats as a
whole, is read exactly as the single-digit path reads it. The parts: `lenet.ink.cuts`
(seams), `lenet.ink.candidates` (candidate digits), `lenet.ink.verifier` (P(one digit)).

`lenet.ink.stroke_reader.read_strokes` (the app's number mode) knows the strokes too, and
reads runs of consecutive strokes instead of cutting ink.

Images are float32 ink maps (H, W) in [0, 1] (ink = 1); boxes are (x0, y0, x1, y1) in
pixels of the whole image with exclusive x1, y1.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from lenet.ink.candidates import Candidate, group_candidates
from lenet.ink.grouping import FRAGMENT_HEIGHT, DigitBox, attach_fragments, segment_digits
from lenet.ink.normalise import Preprocessed
from lenet.ink.piece_candidates import piece_candidates
from lenet.ink.piece_verifier import PIECE_COUNT_BIAS, PIECE_VERIFIER
from lenet.ink.verifier import COUNT_BIAS, features, log_p_digit

if TYPE_CHECKING:
    from lenet.ink.stroke_candidates import StrokeCandidate

__all__ = ["NUMBER_INK_SCALE", "ClassifierLike", "ReadDigit", "digit_groups", "read_number"]

NUMBER_INK_SCALE = 0.5
"""The scale at which the app's number mode and `lenet predict --multi` render a drawing's
strokes for `read_strokes` (half the canvas: 4-6 digits in tens of milliseconds)."""

COUNT_MARGIN = 1.0
"""A reading with another number of digits within this many nats of the best one (e^1: under
three times less likely) leaves the count uncertain."""
MIN_ONE_HEIGHT = 0.8
"""A part of a group read as "1" is a candidate only if it is at least this x the line height
tall: a 4's diagonal, the lower half of a 2 or a flagged 1's flag beside its stem is a fine
"1" to the classifier, but shorter than the digits of its line, and each read as an extra
"1" ("142" read "1142"). On 200 strips of style-template digits (development seed 200)
88.5 -> 90.5 % exact; 0.85 / 0.9 each lost a strip of MNIST digits (development seed 3)."""
MIN_P_ONE_DIGIT = 0.3
"""A digit the verifier gives less than this chance of being exactly one digit (a blob of two
merged digits, a scribble) leaves the count uncertain. With COUNT_MARGIN, on 150 strips of
MNIST test digits drawn as strokes (seed 5, the bundled model retrained with writing
styles): 68 % of the strips read wrong are flagged, and 24 % of those read right (at 0.2:
63 % and 20 %, but a merged "00" drawn in one stroke, P = 0.26, was one sure 0)."""


class ClassifierLike(Protocol):
    """What the readers need from a classifier (`lenet.classifier.Classifier`)."""

    def predict_proba(self, images: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class ReadDigit:
    """One digit of a number: what the network saw and what it answered.

    preprocessed: the 28x28 input, its box in the whole image's pixels; probabilities: (10,).
    p_one_digit: the verifier's P(this is exactly one whole digit); count_uncertain: the
    reader is unsure how many digits this digit's group holds.
    """

    preprocessed: Preprocessed
    probabilities: np.ndarray
    p_one_digit: float = 1.0
    count_uncertain: bool = False

    @property
    def digit(self) -> int:
        return int(self.probabilities.argmax())

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())

    @property
    def box(self) -> tuple[int, int, int, int] | None:
        return self.preprocessed.box


# ----------------------------------------------------------------------------- reading


def candidate_probabilities(classifier: ClassifierLike, images: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray]:
    """For candidate digits (N, 28, 28): the probabilities (N, 10) the reader answers with,
    and the softmax (N, 10) its verifiers read. Both are the mean over the classifier's
    networks (itself and its second opinions, `Classifier.second_opinions`): of their
    calibrated probabilities, and of their own softmax(logits) — the verifiers were fitted on
    a network's uncalibrated softmax, so a temperature is undone for them. Three networks
    choose between cuts better than one: 31 more of 2,400 held-out strips read exactly from
    the image (net; models/MODEL_CARD.md, "Three networks choose the cuts")."""
    nets = (classifier, *getattr(classifier, "second_opinions", ()))
    shown, raw = [], []
    for net in nets:
        p = net.predict_proba(images)
        shown.append(p)
        raw.append(uncalibrated(p, float(getattr(net, "temperature", 1.0))))
    return np.mean(shown, axis=0, dtype=np.float32), np.mean(raw, axis=0, dtype=np.float32)


def classify_candidates(
    cands: list[Candidate], classifier: ClassifierLike
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (N, 10) and verifier features (N, F) of candidates (N ≥ 1), from
    `candidate_probabilities`."""
    probs, raw = candidate_probabilities(
        classifier, np.stack([c.preprocessed.image for c in cands]))
    x = np.stack([features(c.geometry, p) for c, p in zip(cands, raw, strict=True)])
    return probs, x


def uncalibrated(probs: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits) from softmax(logits / temperature) (N, C)."""
    if temperature == 1.0:
        return probs
    with np.errstate(divide="ignore"):
        z = np.log(np.asarray(probs, np.float64)) * temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


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


def best_by_count(cands: list[Candidate], scores: np.ndarray, n: int) -> dict[int, float]:
    """The highest total score of a chain covering pieces [0, n), for each number of digits
    such a chain can have (empty when none covers them)."""
    best: list[dict[int, float]] = [{} for _ in range(n + 1)]
    best[0][0] = 0.0
    for k in sorted(range(len(cands)), key=lambda k: cands[k].stop):
        c = cands[k]
        for count, total in best[c.start].items():
            here = best[c.stop]
            if total + scores[k] > here.get(count + 1, -np.inf):
                here[count + 1] = total + scores[k]
    return best[n]


def count_margin(cands: list[Candidate], scores: np.ndarray, n: int, count: int) -> float:
    """How much better (in log P) reading `count` digits is than the best reading with any
    other count (inf when no other count is possible)."""
    by_count = best_by_count(cands, scores, n)
    others = [s for c, s in by_count.items() if c != count]
    if count not in by_count or not others:
        return np.inf
    return float(by_count[count] - max(others))


def choose(
    cands: list[Candidate], n: int, classifier: ClassifierLike
) -> list[tuple[Candidate, np.ndarray, float, bool]]:
    """The best chain of candidates covering pieces [0, n): each with its probabilities,
    P(one digit) and whether the group's count is uncertain."""
    return scored_choice(cands, n, classifier)[1]


def scored_choice(
    cands: list[Candidate], n: int, classifier: ClassifierLike,
    params: tuple | None = None, bias: float = COUNT_BIAS,
) -> tuple[float, list[tuple[Candidate, np.ndarray, float, bool]]]:
    """`choose`, with the chain's total score sum(log P + bias) (-inf: no chain), for the
    verifier `params` (None: the cut candidates' own, `lenet.ink.verifier`)."""
    if not cands:
        return -np.inf, []
    probs, x = classify_candidates(cands, classifier)
    log_p = candidate_log_p(cands, probs, x, params)
    chain = best_chain(cands, log_p + bias, n)
    if not chain:
        return -np.inf, []
    margin = count_margin(cands, log_p + bias, n, len(chain))
    doubted = any(log_p[k] < np.log(MIN_P_ONE_DIGIT) for k in chain)
    unsure = bool(margin < COUNT_MARGIN or doubted)
    total = float(sum(log_p[k] + bias for k in chain))
    return total, [(cands[k], probs[k], float(np.exp(log_p[k])), unsure) for k in chain]


def candidate_log_p(cands: list[Candidate], probs: np.ndarray, x: np.ndarray,
                    params: tuple | None = None) -> np.ndarray:
    """log P(one whole digit) (N,) of candidates with probabilities (N, 10) and verifier
    features x (N, F): the verifier `params`' (None: the cut verifier's), -inf for a part
    of its group read as "1" and under MIN_ONE_HEIGHT line heights tall."""
    log_p = log_p_digit(x, params)
    for k, c in enumerate(cands):
        ph, _, _, line, *_, whole = c.geometry
        if not whole and probs[k].argmax() == 1 and ph < MIN_ONE_HEIGHT * line:
            log_p[k] = -np.inf
    return log_p


def shifted(c: Candidate | StrokeCandidate, probs: np.ndarray, x0: int, y0: int, area: float,
            p_one: float = 1.0, unsure: bool = False) -> ReadDigit:
    """A candidate whose ink crop lies at (x0, y0) of an image of `area` px (a cut piece, or
    a run of strokes at its origin), as a ReadDigit with its box in the image's pixels."""
    pre = c.preprocessed
    bx0, by0, bx1, by1 = pre.box
    frac = pre.ink_fraction * c.ink.shape[0] * c.ink.shape[1] / area
    box = (bx0 + x0, by0 + y0, bx1 + x0, by1 + y0)
    return ReadDigit(dataclasses.replace(pre, box=box, ink_fraction=frac), probs, p_one, unsure)


def reads_pieces(ink: np.ndarray, cut_pieces: int) -> bool:
    """Whether a group's ink (h, w), which the cuts split into `cut_pieces`, is also read as
    runs of its skeleton pieces: when it is cut at all (from `candidates.MIN_SPLIT_ASPECT`
    = half as wide as tall, so that a "1" touching a 0 is read; this also splits a few
    single digits, a 6 into "10", see the model card)."""
    return cut_pieces > 1


def read_group(g: DigitBox, line: float, classifier: ClassifierLike, area: float,
               pieces: bool = True, in_doubt: bool = False) -> list[ReadDigit]:
    """The digits of one group: its cut reading, or (`pieces`, a group `reads_pieces`
    allows) its reading as runs of skeleton pieces when that scores higher (touching digits
    that leave no low-ink seam; the piece verifier's scores are calibrated like the cut
    verifier's, on the same training-digit strips). `in_doubt`: the caller doubts the group
    (its digits are `count_uncertain` whatever the reading)."""
    cands, n = group_candidates(g.ink, line)
    total, chosen = scored_choice(cands, n, classifier)
    doubt = in_doubt
    if pieces and reads_pieces(g.ink, n):
        by_pieces, chosen_by_pieces = scored_choice(
            *piece_candidates(g.ink, line), classifier, PIECE_VERIFIER, PIECE_COUNT_BIAS)
        doubt = doubt or close_readings_differ((total, chosen), (by_pieces, chosen_by_pieces))
        if by_pieces > total:
            chosen = chosen_by_pieces
    return [shifted(c, p, g.x0, g.y0, area, p_one, unsure or doubt)
            for c, p, p_one, unsure in chosen]


def close_readings_differ(a: tuple[float, list], b: tuple[float, list]) -> bool:
    """Whether two readings of one group ((total score, chain) from `scored_choice`) give
    different digits with totals under COUNT_MARGIN apart: the group's cut reading and its
    reading as skeleton pieces nearly tie, so which digits it holds is in doubt. Held out
    (400 strips of redrawn MNIST each, image path, seeds 0 / 42; developed on seed 3):
    misread strips shown with doubt 75.0 -> 77.9 % / 78.8 -> 84.6 %, right ones 19.9 ->
    20.8 % / 25.3 -> 25.9 %."""
    (total_a, chain_a), (total_b, chain_b) = a, b
    if not (chain_a and chain_b and np.isfinite(total_a) and np.isfinite(total_b)):
        return False
    digits_a = [int(p.argmax()) for _, p, _, _ in chain_a]
    digits_b = [int(p.argmax()) for _, p, _, _ in chain_b]
    return digits_a != digits_b and abs(total_a - total_b) < COUNT_MARGIN


LINE_GROUPS = 0.6
"""The line height is the median height of the groups at least this x the tallest one's."""


def line_height(groups: list[DigitBox]) -> float:
    """The height of the line's digits, px (at least 1): the median height of the groups
    that are digit-sized, i.e. at least LINE_GROUPS x the tallest (a 5's flag drawn apart,
    a dot or a minus sign is not a digit's height)."""
    heights = np.array([g.y1 - g.y0 for g in groups], np.float64)
    return max(float(np.median(heights[heights >= LINE_GROUPS * heights.max()])), 1.0)


def read_number(ink: np.ndarray, classifier: ClassifierLike) -> list[ReadDigit]:
    """The digits of an ink map (H, W) float in [0, 1], left to right ([] if no ink).

    Single-digit input gives exactly the single-digit path's 28x28 image (and so answer).
    A group shorter than a fragment (FRAGMENT_HEIGHT line heights) that joined no
    neighbour, such as a 4's detached tick, may be no digit at all: its digits are
    `count_uncertain`. (Found on seed 0's misread strips; image path, 400 strips of redrawn
    MNIST each: misread strips shown with doubt one more on seeds 3 and 0, none more on 42;
    no right strip doubted, nor any template strip of seeds 0 and 21.)
    """
    groups, line = digit_groups(ink)
    area = float(max(ink.shape[0] * ink.shape[1], 1))
    return [d for g in groups for d in read_group(
        g, line, classifier, area, in_doubt=g.y1 - g.y0 < FRAGMENT_HEIGHT * line)]


def digit_groups(ink: np.ndarray) -> tuple[list[DigitBox], float]:
    """The digit groups of an ink map (H, W), left to right, as `read_number` reads them
    (`segment_digits`, fragments attached), and the line height, px ([] and 1.0 if no ink)."""
    groups = segment_digits(ink)
    if not groups:
        return [], 1.0
    line = line_height(groups)
    return attach_fragments(groups, line), line
