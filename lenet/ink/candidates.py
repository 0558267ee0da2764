"""Candidate digits of one ink group: runs of pieces between cuts.

Each candidate carries its ink, its preprocessed 28x28 and the shape measurements
(`geometry`) that the verifier (`lenet.ink.verifier`) needs besides the classifier's output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenet.ink.cuts import CUT_HEIGHT, drop_stubs, find_cuts
from lenet.ink.normalise import MASK_LEVEL, Preprocessed, preprocess_ink
from lenet.ink.stroke_width import stroke_width

__all__ = ["Candidate", "group_candidates"]

MIN_SPLIT_ASPECT = 0.5
"""Groups narrower than this x their height are read as one digit without trying cuts. (A
"1" touching a 0 or an 8 makes a group no wider than one digit: at 0.8, 400 drawn strips of
test digits, seed 21, read 82.5 % exactly, at 0.5 85.25 %, the apart ones unchanged; see
the model card.)"""
NARROW_GROUP = 0.8
"""A group narrower than this x its height holds two digits at most (a "1" beside another) ..."""
NARROW_MAX_CUTS = 4
"""... so it gets at most this many cuts (not `cuts.MAX_CUTS`): a third of the candidates to
classify, and the same readings on the development strips (2 to 6 cuts read alike)."""
MIN_PIECE_INK = 0.03
"""A candidate digit holds at least this fraction of its group's ink."""
MAX_PIECE_WIDTH = 1.8
"""A candidate digit (other than a whole group) is at most this x the line height wide."""


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


def group_candidates(ink: np.ndarray, line_height: float) -> tuple[list[Candidate], int]:
    """Candidate digits of one group's ink (h, w) and its number of pieces.

    The whole group is always a candidate (unless it preprocesses as empty).
    """
    h, w = ink.shape
    if w < MIN_SPLIT_ASPECT * h:
        cuts = []
    else:
        cuts = find_cuts(ink, NARROW_MAX_CUTS) if w < NARROW_GROUP * h else find_cuts(ink)
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
                piece = drop_stubs(np.where(inside, ink, np.float32(0.0)), edges[i], edges[j])
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
