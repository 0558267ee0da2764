"""Candidate digits of a drawing: runs of strokes consecutive in drawing order.

People write a number digit by digit, each digit's strokes one after another, so every run
of up to MAX_RUN consecutive strokes is a candidate digit, wherever its ink lies: a "5"
whose flag does not touch its body, a "4" in two strokes, and two digits drawn over each
other are all runs. Each candidate carries its ink, its preprocessed 28x28 and its
`StrokeGeometry`, the measurements `lenet.ink.stroke_verifier` needs besides the
classifier's output.

Ink maps are float32 (H, W) in [0, 1] (ink = 1); boxes are (x0, y0, x1, y1) in pixels of
the whole ink map with exclusive x1, y1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenet.ink.normalise import Preprocessed, preprocess_ink

__all__ = ["MAX_RUN", "StrokeCandidate", "StrokeGeometry", "stroke_boxes", "stroke_candidates"]

MAX_RUN = 4
"""A digit is drawn with at most this many strokes."""
MAX_RUN_WIDTH = 1.8
"""A run of several strokes is at most this x the line height wide (one stroke always is a
candidate, however wide: it may be cut into digits later), unless its other strokes lie
within the x-range of its widest one (ALONG_WIDEST): a 2 whose base is drawn as a long
stroke of its own, a 5's long flag, a flat digit."""
ALONG_WIDEST = 1.1
"""A run this x as wide as its widest stroke, or less, lies along that stroke."""
INSIDE = 0.8
"""A run whose box lies this much inside the box of the stroke drawn just before or after it
is part of that stroke's digit, never a digit of its own: digits side by side overlap a
little, never one inside the other."""
INK_LEVEL = 0.1
"""A stroke's box holds its pixels with at least this much ink."""


@dataclass(frozen=True)
class StrokeGeometry:
    """What the verifier measures of a run of strokes besides the classifier's output.

    All lengths in line heights; overlaps are fractions of the narrower x-range (0: none).
    height, width: of the run's ink box; strokes: how many; overlap_before/_after: of the
    run's x-range with the stroke drawn just before / after it; gap_before/_after: the empty
    x-distance to that stroke (negative: they overlap; GAP_NONE when there is none);
    inner_gap: the widest empty x-stretch between the run's own strokes.
    """

    height: float
    width: float
    strokes: int
    overlap_before: float
    overlap_after: float
    gap_before: float
    gap_after: float
    inner_gap: float


GAP_NONE = 2.0
"""The gap to a neighbour that does not exist (the first or last stroke): far apart."""


@dataclass
class StrokeCandidate:
    """Strokes [start, stop) of the drawing (in drawing order) read as one digit.

    ink: (y1 - y0, x1 - x0) the run's own ink inside `origin` = (x0, y0), its box in the
    whole ink map; preprocessed: its 28x28 with the box in the whole map's pixels.
    """

    start: int
    stop: int
    ink: np.ndarray
    origin: tuple[int, int]
    preprocessed: Preprocessed
    geometry: StrokeGeometry


def stroke_boxes(parts: list[np.ndarray]) -> np.ndarray:
    """(N, 4) int boxes (x0, y0, x1, y1) of strokes rendered alone (each (H, W)); a stroke
    without ink gets an empty box at 0."""
    boxes = np.zeros((len(parts), 4), np.int64)
    for k, part in enumerate(parts):
        inked = part >= INK_LEVEL
        rows = np.flatnonzero(inked.any(axis=1))
        cols = np.flatnonzero(inked.any(axis=0))
        if len(rows):
            boxes[k] = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)
    return boxes


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Overlap of x-ranges a and b as a fraction of the narrower one."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return max(0.0, inter / max(1, min(a[1] - a[0], b[1] - b[0])))


def _gap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Empty x-distance between ranges a and b, px (negative: how much they overlap)."""
    return float(max(a[0], b[0]) - min(a[1], b[1]))


def _inner_gap(ranges: np.ndarray) -> float:
    """The widest empty stretch between x-ranges (K, 2), px (0 when they cover one span)."""
    order = np.argsort(ranges[:, 0], kind="stable")
    reach, widest = ranges[order[0], 1], 0.0
    for x0, x1 in ranges[order[1:]]:
        widest = max(widest, float(x0 - reach))
        reach = max(reach, x1)
    return widest


def run_geometry(boxes: np.ndarray, start: int, stop: int, line: float) -> StrokeGeometry:
    """The geometry of strokes [start, stop) of all strokes' `boxes` (N, 4), line height
    `line` px."""
    run = boxes[start:stop]
    span = (int(run[:, 0].min()), int(run[:, 2].max()))
    height = float(run[:, 3].max() - run[:, 1].min())

    def neighbour(k: int) -> tuple[float, float]:
        if not 0 <= k < len(boxes):
            return 0.0, GAP_NONE
        other = (int(boxes[k, 0]), int(boxes[k, 2]))
        return _overlap(span, other), float(np.clip(_gap(span, other) / line, -2.0, 2.0))

    ob, gb = neighbour(start - 1)
    oa, ga = neighbour(stop)
    return StrokeGeometry(height / line, (span[1] - span[0]) / line, stop - start, ob, oa,
                          gb, ga, _inner_gap(run[:, [0, 2]]) / line)


def _inside(box: tuple[int, int, int, int], other: np.ndarray) -> float:
    """The fraction of `box`'s area (x0, y0, x1, y1) that lies inside box `other` (4,)."""
    w = min(box[2], other[2]) - max(box[0], other[0])
    h = min(box[3], other[3]) - max(box[1], other[1])
    return max(0, w) * max(0, h) / max(1, (box[2] - box[0]) * (box[3] - box[1]))


def stroke_candidates(parts: list[np.ndarray], line: float) -> list[StrokeCandidate]:
    """Every run of at most MAX_RUN consecutive strokes (each rendered alone, (H, W)) that
    is not too wide for one digit, not empty and not INSIDE the box of the stroke drawn
    just before or after it (a 0's slash, a 7's bar: part of that digit), for a line `line`
    px high."""
    boxes = stroke_boxes(parts)
    n = len(parts)
    out: list[StrokeCandidate] = []
    for i in range(n):
        for j in range(i + 1, min(n, i + MAX_RUN) + 1):
            run = boxes[i:j]
            x0, y0 = int(run[:, 0].min()), int(run[:, 1].min())
            x1, y1 = int(run[:, 2].max()), int(run[:, 3].max())
            widest = float((run[:, 2] - run[:, 0]).max())
            if j - i > 1 and x1 - x0 > max(MAX_RUN_WIDTH * line, ALONG_WIDEST * widest):
                continue  # not break: a longer run may lie along a still wider stroke
            if x1 <= x0 or y1 <= y0:
                continue
            box = (x0, y0, x1, y1)
            if any(0 <= k < n and _inside(box, boxes[k]) >= INSIDE for k in (i - 1, j)):
                continue
            ink = parts[i][y0:y1, x0:x1]
            for k in range(i + 1, j):
                ink = np.maximum(ink, parts[k][y0:y1, x0:x1])
            pre = preprocess_ink(ink)
            if pre.empty:
                continue
            out.append(StrokeCandidate(i, j, ink, (x0, y0), pre,
                                       run_geometry(boxes, i, j, line)))
    return out
