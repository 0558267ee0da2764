"""How sure the number reader is of how many digits it read (`ReadDigit.count_uncertain`)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lenet.ink import Stroke, read_number, read_strokes, render_strokes
from lenet.ink.candidates import Candidate, group_candidates
from lenet.ink.grouping import segment_digits
from lenet.ink.number_reader import (
    MIN_P_ONE_DIGIT,
    best_by_count,
    close_readings_differ,
    count_margin,
    line_height,
    scored_choice,
)
from lenet.ink.piece_candidates import piece_candidates
from lenet.ink.piece_verifier import PIECE_COUNT_BIAS, PIECE_VERIFIER
from tests.test_segment import strip


def _cand(start: int, stop: int) -> Candidate:
    return Candidate(start, stop, np.zeros((1, 1), np.float32), None, ())  # type: ignore[arg-type]


def test_best_by_count_keeps_the_best_chain_for_each_number_of_digits():
    # pieces [0, 3): the whole (1 digit), 0-1 + 1-3 (2), 0-2 + 2-3 (2), three singles (3)
    cands = [_cand(0, 3), _cand(0, 1), _cand(1, 3), _cand(0, 2), _cand(2, 3), _cand(1, 2)]
    scores = np.array([-0.5, -1.0, -2.0, -0.2, -0.1, -3.0])
    by_count = best_by_count(cands, scores, 3)
    assert by_count == pytest.approx({1: -0.5, 2: -0.3, 3: -4.1})
    assert count_margin(cands, scores, 3, 2) == pytest.approx(0.2)  # 2 digits vs the whole
    assert count_margin(cands[:1], scores[:1], 3, 1) == math.inf  # nothing else is possible


@pytest.fixture(scope="module")
def model():
    from lenet.model_file import bundled_model_path, load_model

    return load_model(bundled_model_path())


def _ring(cx: float, a0: float = 0.0) -> list[tuple[float, float]]:
    return [(cx + 120 * math.sin(a0 + 2 * math.pi * t / 40),
             256 - 170 * math.cos(a0 + 2 * math.pi * t / 40)) for t in range(41)]


def test_digits_written_apart_are_read_without_doubt(model):
    one = Stroke(np.array([(300.0, 80.0), (300.0, 430.0)]), 24.0)
    zero = Stroke(np.array(_ring(650.0)), 24.0)
    digits = read_strokes([one, zero], (1024, 512), model, 0.5)
    assert [d.digit for d in digits] == [1, 0]
    assert not any(d.count_uncertain for d in digits)
    assert min(d.p_one_digit for d in digits) > MIN_P_ONE_DIGIT


def test_two_zeros_merged_in_one_stroke_are_not_one_sure_digit(model):
    blob = Stroke(np.array(_ring(380.0)[:-1] + _ring(620.0, math.pi)[::-1]), 24.0)
    digits = read_strokes([blob], (1024, 512), model, 0.5)
    assert len(digits) == 1  # read as one digit, but...
    assert digits[0].count_uncertain and digits[0].p_one_digit < 0.5


def _chain(*digits: int) -> list:
    return [(None, np.eye(10, dtype=np.float32)[d], 1.0, False) for d in digits]


def test_readings_that_differ_and_nearly_tie_are_in_doubt():
    assert close_readings_differ((2.3, _chain(5)), (2.6, _chain(1, 5)))
    assert not close_readings_differ((1.0, _chain(5)), (2.6, _chain(1, 5)))  # 1.6 nats apart
    assert not close_readings_differ((2.3, _chain(1, 5)), (2.6, _chain(1, 5)))  # same digits
    assert not close_readings_differ((2.3, _chain(1, 7)), (-math.inf, []))  # no piece reading


def test_a_touching_pair_whose_two_readings_nearly_tie_is_marked(model):
    ink, _ = strip("15", touching=(1,))
    (group,) = segment_digits(ink)
    line = line_height([group])
    cands, n = group_candidates(group.ink, line)
    by_cuts = scored_choice(cands, n, model)
    by_pieces = scored_choice(*piece_candidates(group.ink, line), model,
                              PIECE_VERIFIER, PIECE_COUNT_BIAS)
    assert close_readings_differ(by_cuts, by_pieces)  # measured: "5" 2.3 vs "15" 2.6
    digits = read_number(ink, model)
    assert digits and all(d.count_uncertain for d in digits)


def test_a_short_stray_tick_beside_the_digits_is_in_doubt(model):
    ink, _ = strip("70")
    h, w = ink.shape
    ys = np.nonzero(ink > 0.5)[0]
    line = ys.max() - ys.min()
    top = float(ys.min())
    tick = Stroke(np.array([(w - 30.0, top), (w - 30.0, top + 0.25 * line)]), 6.0)
    wider = np.zeros((h, w + 40), np.float32)
    wider[:, :w] = ink
    wider = np.maximum(wider, render_strokes([tick], (w + 40, h)))
    plain = read_number(ink, model)
    assert not any(d.count_uncertain for d in plain)  # the two digits alone: no doubt
    digits = read_number(wider, model)
    assert len(digits) == 3
    assert [d.count_uncertain for d in digits] == [False, False, True]
