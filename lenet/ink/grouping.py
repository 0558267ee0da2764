"""Split multi-digit ink ("2026" written side by side) into digit groups, left to right.

`segment_digits` labels the 8-connected components of the ink, sets specks aside, merges
components that overlap substantially in x (a "5" drawn in two strokes, a "4" whose strokes
do not touch) and gives the specks back to the group they sit on. A group is one digit or
several touching ones; `lenet.ink.number_reader` decides which, and where to cut.

Images are float32 ink maps (H, W) in [0, 1] (ink = 1); boxes are (x0, y0, x1, y1) in
pixels of the full image with exclusive x1, y1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenet.ink.components import label_components
from lenet.ink.normalise import (
    MIN_EXTENT,
    SPECK_EXTENT,
    SPECK_FRACTION,
    finite_ink,
    ink_mask,
)

__all__ = ["DigitBox", "attach_fragments", "segment_digits"]

MERGE_OVERLAP = 0.5
"""Two groups merge when their x-ranges overlap by at least this fraction of the narrower."""
FRAGMENT_HEIGHT = 0.4
"""A group under this x the line height and not taller than wide is a fragment (a 5's flag
drawn apart, a broken stroke's end) ..."""
FRAGMENT_GAP = 0.35
"""... and joins the nearest group within this x the line height of it (`attach_fragments`)."""
MAX_GROUPS = 64
"""At most this many ink pieces are grouped (the largest); the rest count as specks."""


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
    """Components that form one digit, or several touching digits."""

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
    """Merge groups whose x-ranges overlap by ≥ MERGE_OVERLAP of the narrower, to a fixpoint.

    Each pass puts every group (left to right) into the first kept group it overlaps
    enough, else keeps it: O(n²) per pass, and a pass without a merge ends it.
    """
    groups = sorted(groups, key=lambda g: g.x0)
    while True:
        kept: list[_Group] = []
        for g in groups:
            home = next((k for k in kept if _x_overlap(k, g) >= MERGE_OVERLAP), None)
            if home is None:
                kept.append(g)
            else:
                home.absorb(g)
        if len(kept) == len(groups):
            return kept
        groups = sorted(kept, key=lambda g: g.x0)


def _give_specks(groups: list[_Group], st: np.ndarray, specks: np.ndarray) -> None:
    """Give each speck (rows of the stats `st`) to the first group whose box, grown by
    SPECK_EXTENT of its height, holds the speck's centre; the others are dropped."""
    if not groups or len(specks) == 0:
        return
    box = np.array([(g.x0, g.y0, g.x1, g.y1) for g in groups], np.float64)
    grow = SPECK_EXTENT * (box[:, 3] - box[:, 1])
    cx = 0.5 * (st[specks, 1] + st[specks, 3])[:, None]
    cy = 0.5 * (st[specks, 2] + st[specks, 4])[:, None]
    inside = ((box[:, 0] - grow <= cx) & (cx < box[:, 2] + grow)
              & (box[:, 1] - grow <= cy) & (cy < box[:, 3] + grow))
    for i, row in zip(specks, inside, strict=True):
        if row.any():
            groups[int(row.argmax())].absorb(_Group([int(i) + 1], *map(int, st[i, 1:5])))


def segment_digits(ink: np.ndarray) -> list[DigitBox]:
    """Split an ink map (H, W) float in [0, 1] into digit groups, left to right.

    Each DigitBox holds the group's box in `ink`'s coordinates and the crop of `ink` with
    only that group's pixels (neighbours' ink inside the box zeroed). Returns [] when there
    is no ink. Ink below NOISE_LEVEL of the peak is ignored, as in `preprocess_ink`.
    """
    a = np.asarray(ink, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"expected an ink map (H, W), got shape {a.shape}")
    a, peak = finite_ink(a)
    if peak <= 1e-3:
        return []
    labels, st = label_components(ink_mask(a, peak))
    if len(st) == 0:
        return []
    counts = st[:, 0]
    ext = np.maximum(st[:, 3] - st[:, 1], st[:, 4] - st[:, 2])
    big = int(np.argmax(counts))
    speck = (counts < SPECK_FRACTION * counts[big]) & (ext < SPECK_EXTENT * ext[big])
    # too small to be (part of) a readable digit on its own, whatever the rest: dust
    speck |= ext < MIN_EXTENT
    pieces = np.flatnonzero(~speck)
    if len(pieces) > MAX_GROUPS:  # bound the work on a dusty scan: the largest pieces
        speck[pieces[np.argsort(-counts[pieces], kind="stable")[MAX_GROUPS:]]] = True

    groups = [
        _Group([i + 1], int(st[i, 1]), int(st[i, 2]), int(st[i, 3]), int(st[i, 4]))
        for i in range(len(st))
        if not speck[i]
    ]
    groups = _merge_overlapping(groups)
    _give_specks(groups, st, np.flatnonzero(speck))

    out: list[DigitBox] = []
    for g in groups:
        own = np.isin(labels[g.y0 : g.y1, g.x0 : g.x1], np.asarray(g.labels, dtype=np.int32))
        crop = np.where(own, a[g.y0 : g.y1, g.x0 : g.x1], np.float32(0.0)).astype(np.float32)
        out.append(DigitBox((g.x0, g.y0, g.x1, g.y1), crop))
    out.sort(key=lambda d: (0.5 * (d.x0 + d.x1), d.y0))
    return out


def _joined(a: DigitBox, b: DigitBox) -> DigitBox:
    """One DigitBox holding the ink of both (their union box)."""
    x0, y0 = min(a.x0, b.x0), min(a.y0, b.y0)
    x1, y1 = max(a.x1, b.x1), max(a.y1, b.y1)
    ink = np.zeros((y1 - y0, x1 - x0), np.float32)
    for d in (a, b):
        part = ink[d.y0 - y0 : d.y1 - y0, d.x0 - x0 : d.x1 - x0]
        np.maximum(part, d.ink, out=part)
    return DigitBox((x0, y0, x1, y1), ink)


def _gap(a: DigitBox, b: DigitBox) -> float:
    """Distance between the boxes of a and b, px (0 when they overlap)."""
    dx = max(0, max(a.x0, b.x0) - min(a.x1, b.x1))
    dy = max(0, max(a.y0, b.y0) - min(a.y1, b.y1))
    return float(np.hypot(dx, dy))


def attach_fragments(groups: list[DigitBox], line: float) -> list[DigitBox]:
    """`groups` (left to right) with each fragment (FRAGMENT_HEIGHT) joined to the nearest
    other group when that lies within FRAGMENT_GAP line heights; fragments far from every
    group stay as they are."""
    groups = list(groups)
    while True:
        fragments = [i for i, g in enumerate(groups)
                     if g.y1 - g.y0 < FRAGMENT_HEIGHT * line and g.y1 - g.y0 <= g.x1 - g.x0]
        best = None
        for i in fragments:
            for j, g in enumerate(groups):
                if j != i and (gap := _gap(groups[i], g)) <= FRAGMENT_GAP * line:
                    if best is None or gap < best[0]:
                        best = (gap, i, j)
        if best is None:
            return groups
        _, i, j = best
        joined = _joined(groups[i], groups[j])
        groups = [g for k, g in enumerate(groups) if k not in (i, j)] + [joined]
        groups.sort(key=lambda d: (0.5 * (d.x0 + d.x1), d.y0))
