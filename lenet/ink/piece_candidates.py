"""Candidate digits of one ink group from its skeleton pieces: runs of neighbouring pieces.

The pieces of `lenet.ink.skeleton_pieces` are numbered left to right; every run [i, j) of
consecutive pieces, no wider than a digit, is a candidate digit, as a run of pieces between
cuts is in `lenet.ink.candidates`. Its geometry is the one the verifier
(`lenet.ink.verifier`) reads for a cut candidate, with the ink "crossed" on each side
measured as the length of the border between the run's ink and the pieces left (right) of
it, in pen widths: where a cut crosses k strokes, a run meets its neighbours across about k
pen widths of border.
"""

from __future__ import annotations

import numpy as np

from lenet.ink.candidates import MAX_PIECE_WIDTH, MIN_PIECE_INK, Candidate
from lenet.ink.normalise import MASK_LEVEL, preprocess_ink
from lenet.ink.skeleton_pieces import skeleton_pieces

__all__ = ["MAX_PIECES", "MIN_RUN_HEIGHT", "piece_candidates"]

MAX_PIECES = 24
"""A group whose skeleton falls into more pieces than this (hatching, a scribble) is left
to the cuts. At 16, a chain of four or five touching digits ("85700") had more pieces and
was left to the cuts alone: 24 read 86 instead of 82 of 100 strips of style-template digits
(development seed 100, most with touching digits), MNIST strips unchanged or better."""
MIN_RUN_HEIGHT = 0.7
"""A run (other than the whole group) is at least this x the line height tall: a stroke of a
digit, such as a 4's diagonal, is often a fine "1" to the classifier, but shorter than the
digits of its line (on drawn seed 3, before the verifier was refitted for it, the floor
changed no reading up to 0.7; 0.75 lost one)."""


def _borders(labels: np.ndarray, n: int) -> np.ndarray:
    """(n + 1, n + 1) how many 4-neighbour pixel pairs join piece a - 1 and piece b - 1
    (row/column 0: no ink), symmetric."""
    pairs = np.zeros((n + 1, n + 1), np.int64)
    for a, b in ((labels[:, 1:], labels[:, :-1]), (labels[1:, :], labels[:-1, :])):
        differ = a != b
        np.add.at(pairs, (a[differ], b[differ]), 1)
    return pairs + pairs.T


def piece_candidates(ink: np.ndarray, line_height: float) -> tuple[list[Candidate], int]:
    """Candidate digits of one group's ink (h, w) from its skeleton pieces, and the number
    of pieces (0 when there is at most one, or more than MAX_PIECES: no candidates)."""
    labels, n, pen = skeleton_pieces(ink)
    if not 2 <= n <= MAX_PIECES:
        return [], 0
    h = ink.shape[0]
    solid = np.where(ink >= MASK_LEVEL * float(ink.max()), labels, 0)
    border = _borders(solid, n)[1:, 1:] / pen
    ink_of = np.bincount(labels.ravel(), weights=ink.ravel(), minlength=n + 1)[1:]
    total = float(ink_of.sum())
    x0, x1 = np.zeros(n, np.int64), np.zeros(n, np.int64)
    for k in range(n):  # each piece's x-range, for the width test before any ink is copied
        c = np.flatnonzero((labels == k + 1).any(axis=0))
        x0[k], x1[k] = c[0], c[-1] + 1
    out: list[Candidate] = []
    for i in range(n):
        for j in range(i + 1, n + 1):
            whole = (i, j) == (0, n)
            span = int(x1[i:j].max() - x0[i:j].min())
            if not whole and span > MAX_PIECE_WIDTH * line_height:
                continue
            share = float(ink_of[i:j].sum()) / total
            if share < MIN_PIECE_INK:
                continue
            inside = (labels > i) & (labels <= j)
            piece = np.where(inside, ink, np.float32(0.0)).astype(np.float32)
            rows = np.flatnonzero(inside.any(axis=1))
            ph, pw = float(rows[-1] - rows[0] + 1), float(span)
            if not whole and ph < MIN_RUN_HEIGHT * line_height:
                continue
            pre = preprocess_ink(piece)
            if pre.empty:
                continue
            left = float(border[i:j, :i].sum())
            right = float(border[i:j, j:].sum())
            geometry = (ph, pw, float(h), line_height, share, left, right, float(j - i),
                        float(whole))
            out.append(Candidate(i, j, piece, pre, geometry))
    return out, n
