"""Split multi-digit ink ("2026" written side by side) into single digits, left to right.

`segment_digits` labels the 8-connected components of the ink, sets specks aside, merges
components that overlap substantially in x (a "5" drawn in two strokes, a "4" whose strokes
do not touch), splits a group that is much wider than tall (touching digits) with straight
vertical cuts near the expected positions (through the fewest strokes, no loop, then the
least ink), and gives the specks back to the digit they sit on.
`preprocess_segments` then runs `preprocess_ink` on every digit's own ink.

Images are float32 ink maps (H, W) in [0, 1] (ink = 1); boxes are (x0, y0, x1, y1) in
pixels of the full image with exclusive x1, y1.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np

from lenet.preprocess import (
    SPECK_EXTENT,
    SPECK_FRACTION,
    Preprocessed,
    _finite,
    _noise_mask,
    label_components,
    preprocess_ink,
)

__all__ = ["DigitBox", "preprocess_segments", "segment_digits"]

MERGE_OVERLAP = 0.5
"""Two groups merge when their x-ranges overlap by at least this fraction of the narrower."""
SPLIT_ASPECT = 1.2
"""A group wider than SPLIT_ASPECT x its height may hold touching digits and is split where
a plausible cut exists (11 % of MNIST digits are wider than tall, 1 % wider than 1.43)."""
DIGIT_ASPECT = 0.8
"""Expected width / height of one handwritten digit (MNIST's median box is 0.8): a
wide group holds round(width / (DIGIT_ASPECT x height)) digits."""
MAX_CROSSED = 2
"""A cut may cross at most this many strokes (two: after a "2", "3" or "7" whose right side
has two ends), and never the inside of a loop."""
CUT_WINDOW = 0.3
"""Each cut is searched within ±CUT_WINDOW x the expected digit width of its expected x."""
MIN_PIECE_HEIGHT = 0.6
"""A split is kept only if every piece is at least this fraction of the group's height
(cutting the bar off a wide "7" or a "5" would leave a flat piece)."""


@dataclass(frozen=True)
class DigitBox:
    """One digit found in a larger ink map.

    box: (x0, y0, x1, y1) in the full image's pixels, exclusive x1, y1.
    ink: (y1 - y0, x1 - x0) float32, the crop of the ink holding only this digit's pixels.
    """

    box: tuple[int, int, int, int]
    ink: np.ndarray

    @property
    def x0(self) -> int:
        """Left edge (inclusive), px."""
        return self.box[0]

    @property
    def y0(self) -> int:
        """Top edge (inclusive), px."""
        return self.box[1]

    @property
    def x1(self) -> int:
        """Right edge (exclusive), px."""
        return self.box[2]

    @property
    def y1(self) -> int:
        """Bottom edge (exclusive), px."""
        return self.box[3]


@dataclass
class _Group:
    """Components that form one digit (or, before splitting, several touching digits)."""

    labels: list[int]
    x0: int
    y0: int
    x1: int
    y1: int

    def absorb(self, other: _Group) -> None:
        self.labels += other.labels
        self.x0, self.y0 = min(self.x0, other.x0), min(self.y0, other.y0)
        self.x1, self.y1 = max(self.x1, other.x1), max(self.y1, other.y1)


def _x_overlap(a: _Group, b: _Group) -> float:
    """Overlap of the x-ranges of a and b as a fraction of the narrower one."""
    inter = min(a.x1, b.x1) - max(a.x0, b.x0)
    return inter / max(1, min(a.x1 - a.x0, b.x1 - b.x0))


def _merge_overlapping(groups: list[_Group]) -> list[_Group]:
    """Merge groups whose x-ranges overlap by ≥ MERGE_OVERLAP of the narrower, to a fixpoint."""
    groups = sorted(groups, key=lambda g: g.x0)
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if _x_overlap(groups[i], groups[j]) >= MERGE_OVERLAP:
                    groups[i].absorb(groups.pop(j))
                    merged = True
                    break
            if merged:
                break
    return groups


def _holes(own: np.ndarray) -> np.ndarray:
    """(h, w) bool: background pixels enclosed by the ink (the inside of a loop)."""
    back = np.pad(~own, 1, constant_values=True)
    labels, _ = label_components(back)
    outside = labels[0, 0]
    return ((labels != outside) & back)[1:-1, 1:-1]


def _cuts(own: np.ndarray, ink: np.ndarray, n: int) -> list[tuple[int, int]]:
    """n - 1 candidate cut columns for a group of touching digits.

    own: (h, w) bool, the group's pixels; ink: (h, w) its ink. Each cut is searched within
    ±CUT_WINDOW of an expected digit width around its expected column, and goes where it
    crosses the fewest strokes (ink runs in the column), then where the column holds the
    least ink, then nearest the expected column. A column through the inside of a loop
    counts as crossing MAX_CROSSED + 1 strokes. Returns (column, strokes crossed) pairs.
    """
    w = own.shape[1]
    runs = own[0].astype(np.int64) + np.count_nonzero(own[1:] & ~own[:-1], axis=0)
    runs = np.where(_holes(own).any(axis=0), np.maximum(runs, MAX_CROSSED + 1), runs)
    ink_sum = np.where(own, ink, 0.0).sum(axis=0)
    smooth = np.convolve(ink_sum, np.ones(3) / 3.0, mode="same")
    scale = 1.0 / (float(smooth.max()) + 1.0)
    step = w / n
    cuts: list[tuple[int, int]] = []
    for k in range(1, n):
        expected = k * step
        lo = max(int(expected - CUT_WINDOW * step), (cuts[-1][0] + 1) if cuts else 1)
        hi = min(int(expected + CUT_WINDOW * step) + 1, w - 1)
        if hi <= lo:
            continue
        cols = np.arange(lo, hi)
        cost = runs[lo:hi] + scale * smooth[lo:hi] + 1e-6 * np.abs(cols - expected)
        best = int(cols[int(np.argmin(cost))])
        cuts.append((best, int(runs[best])))
    return cuts


def _split(own: np.ndarray, ink: np.ndarray) -> list[int]:
    """Cut columns (relative to the group's box) of a group of touching digits; [] when the
    group is one digit. own: (h, w) bool, the group's pixels; ink: (h, w) its ink.

    Only groups wider than SPLIT_ASPECT x their height are split, into about
    round(width / (DIGIT_ASPECT x height)) digits. A cut must cross at most MAX_CROSSED
    strokes and no loop (which keeps a wide "0", "2", "4" or "8" whole), and cuts that
    would leave a piece lower than MIN_PIECE_HEIGHT x the group's height (the bar of a
    wide "7") are dropped.
    """
    h, w = own.shape
    n = round(w / (DIGIT_ASPECT * h))
    if w <= SPLIT_ASPECT * h or n < 2:
        return []
    cuts = [c for c, crossed in _cuts(own, ink, n) if crossed <= MAX_CROSSED]
    while cuts:
        heights = []
        for c0, c1 in itertools.pairwise([0, *cuts, w]):
            rows = np.flatnonzero(own[:, c0:c1].any(axis=1))
            heights.append(rows[-1] - rows[0] + 1 if rows.size else 0)
        short = [i for i, ph in enumerate(heights) if ph < MIN_PIECE_HEIGHT * h]
        if not short:
            break
        cuts.pop(max(short[0] - 1, 0))  # merge the low piece with a neighbour
    return cuts


def segment_digits(ink: np.ndarray) -> list[DigitBox]:
    """Split an ink map (H, W) float in [0, 1] into digits, left to right.

    Each DigitBox holds the digit's box in `ink`'s coordinates and the crop of `ink` with
    only that digit's pixels (neighbours' ink inside the box zeroed). Returns [] when there
    is no ink. Ink below NOISE_LEVEL of the peak is ignored, as in `preprocess_ink`.
    """
    a = np.asarray(ink, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"expected an ink map (H, W), got shape {a.shape}")
    a, peak = _finite(a)
    if peak <= 1e-3:
        return []
    labels, st = label_components(_noise_mask(a, peak))
    if len(st) == 0:
        return []
    counts = st[:, 0]
    ext = np.maximum(st[:, 3] - st[:, 1], st[:, 4] - st[:, 2])
    big = int(np.argmax(counts))
    speck = (counts < SPECK_FRACTION * counts[big]) & (ext < SPECK_EXTENT * ext[big])

    groups = [
        _Group([i + 1], int(st[i, 1]), int(st[i, 2]), int(st[i, 3]), int(st[i, 4]))
        for i in range(len(st))
        if not speck[i]
    ]
    groups = _merge_overlapping(groups)

    # split groups much wider than tall (touching digits), see _split
    pieces: list[tuple[_Group, int, int]] = []  # group, column range [c0, c1) in the image
    for g in groups:
        w, h = g.x1 - g.x0, g.y1 - g.y0
        cuts: list[int] = []
        if w > SPLIT_ASPECT * h:
            own = np.isin(labels[g.y0 : g.y1, g.x0 : g.x1], g.labels)
            cuts = _split(own, a[g.y0 : g.y1, g.x0 : g.x1])
        for c0, c1 in itertools.pairwise([0, *cuts, w]):
            pieces.append((g, g.x0 + c0, g.x0 + c1))

    # give each speck to the piece whose box (grown by SPECK_EXTENT of its height) holds it
    owners: list[list[int]] = [[] for _ in pieces]
    for i in np.flatnonzero(speck):
        cx = 0.5 * (st[i, 1] + st[i, 3])
        cy = 0.5 * (st[i, 2] + st[i, 4])
        for k, (g, c0, c1) in enumerate(pieces):
            grow = SPECK_EXTENT * (g.y1 - g.y0)
            if c0 - grow <= cx < c1 + grow and g.y0 - grow <= cy < g.y1 + grow:
                owners[k].append(int(i) + 1)
                break

    out: list[DigitBox] = []
    for (g, c0, c1), extra in zip(pieces, owners, strict=True):
        members = np.asarray(g.labels + extra, dtype=np.int32)
        xs0 = min([c0] + [int(st[m - 1, 1]) for m in extra])
        xs1 = max([c1] + [int(st[m - 1, 3]) for m in extra])
        ys0 = min([g.y0] + [int(st[m - 1, 2]) for m in extra])
        ys1 = max([g.y1] + [int(st[m - 1, 4]) for m in extra])
        own = np.isin(labels[ys0:ys1, xs0:xs1], members)
        if extra or (c0, c1) != (g.x0, g.x1):
            # a split piece keeps its own columns only (specks keep theirs)
            cols = np.arange(xs0, xs1)
            in_piece = (cols >= c0) & (cols < c1)
            is_extra = np.isin(labels[ys0:ys1, xs0:xs1], np.asarray(extra, dtype=np.int32))
            own &= in_piece[None, :] | is_extra
        rows = np.flatnonzero(own.any(axis=1))
        colsnz = np.flatnonzero(own.any(axis=0))
        if rows.size == 0:
            continue
        y0, y1 = ys0 + int(rows[0]), ys0 + int(rows[-1]) + 1
        x0, x1 = xs0 + int(colsnz[0]), xs0 + int(colsnz[-1]) + 1
        sel = own[y0 - ys0 : y1 - ys0, x0 - xs0 : x1 - xs0]
        crop = np.where(sel, a[y0:y1, x0:x1], np.float32(0.0)).astype(np.float32)
        out.append(DigitBox((x0, y0, x1, y1), crop))
    out.sort(key=lambda d: (0.5 * (d.x0 + d.x1), d.y0))
    return out


def preprocess_segments(ink: np.ndarray) -> list[Preprocessed]:
    """Every digit of `segment_digits(ink)`, left to right, through `preprocess_ink`.

    Boxes are in `ink`'s coordinates and ink_fraction is relative to the whole image. A
    piece that preprocesses as empty (e.g. a stray dot) stays in the list, marked empty.
    """
    a = np.asarray(ink)
    area = float(max(a.shape[0] * a.shape[1], 1)) if a.ndim == 2 else 1.0
    results: list[Preprocessed] = []
    for d in segment_digits(ink):
        p = preprocess_ink(d.ink)
        box = None
        if p.box is not None:
            bx0, by0, bx1, by1 = p.box
            box = (bx0 + d.x0, by0 + d.y0, bx1 + d.x0, by1 + d.y0)
        frac = p.ink_fraction * d.ink.shape[0] * d.ink.shape[1] / area
        results.append(dataclasses.replace(p, box=box, ink_fraction=frac))
    return results
