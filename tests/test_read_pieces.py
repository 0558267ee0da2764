"""Touching digits read from the image as runs of skeleton pieces (lenet.ink.skeleton_pieces,
piece_candidates, piece_verifier) and the fit tool's piece part."""

from __future__ import annotations

import numpy as np
import pytest

from lenet.ink import number_reader as rn
from lenet.ink import read_number, render_strokes
from lenet.ink.grouping import segment_digits
from lenet.ink.piece_candidates import piece_candidates
from lenet.ink.skeleton_pieces import skeleton_pieces
from lenet.ink.strokes import Stroke
from lenet.ink.verifier import FEATURES
from tests.test_preprocess import GLYPHS, centred
from tests.test_read_number import test_digits  # noqa: F401  (a fixture)
from tests.test_segment import strip


@pytest.fixture(scope="module")
def model():
    from lenet.model_file import bundled_model_path, load_model

    return load_model(bundled_model_path())


def _bars(*lines: tuple[tuple[float, float], tuple[float, float]], size=(160, 160)):
    return render_strokes([Stroke(np.array(line, float), 9.0) for line in lines], size)


def test_a_tee_is_three_pieces_covering_its_ink() -> None:
    ink = _bars(((20, 30), (140, 30)), ((80, 30), (80, 140)))
    labels, n, pen = skeleton_pieces(ink)
    assert n == 3
    assert 7.0 < pen < 11.0
    assert np.all(labels[ink > 0] > 0)  # every bit of ink is in a piece
    assert np.all(labels[ink == 0] == 0)
    assert set(np.unique(labels[labels > 0])) == set(range(1, n + 1))


def test_a_lone_bar_is_one_piece() -> None:
    assert skeleton_pieces(_bars(((20, 30), (140, 30))))[1] == 1


def test_pieces_are_numbered_left_to_right() -> None:
    labels, n, _ = skeleton_pieces(_bars(((20, 30), (140, 30)), ((80, 30), (80, 140))))
    cols = np.arange(labels.shape[1])[None, :].repeat(labels.shape[0], 0)
    centres = [cols[labels == k].mean() for k in range(1, n + 1)]
    assert centres == sorted(centres)


@pytest.mark.parametrize("names", ["00"])
def test_touching_pair_the_cuts_misread_is_read_from_its_pieces(names: str, model) -> None:
    ink, _ = strip(names, touching=(1,))
    (group,) = segment_digits(ink)
    line = rn.line_height([group])
    area = float(ink.size)
    by_cuts = "".join(str(d.digit) for d in rn.read_group(group, line, model, area, False))
    assert by_cuts != names  # measured: "60"
    assert "".join(str(d.digit) for d in read_number(ink, model)) == names


@pytest.mark.parametrize("name", sorted(GLYPHS))
def test_a_digit_of_several_strokes_stays_one_digit(name: str, model) -> None:
    digits = read_number(render_strokes(centred(name), (280, 280)), model)
    assert len(digits) == 1


def test_a_narrow_group_has_no_piece_candidates() -> None:
    ink = _bars(((80, 20), (80, 140)))
    (group,) = segment_digits(ink)
    assert piece_candidates(group.ink, 120.0) == ([], 0)


def test_piece_fit_pipeline(test_digits, model) -> None:  # noqa: F811
    """`fit_reader --pieces` on a few strips (test digits only to keep the test offline and
    small; the tool uses training digits): labels, and the exact rate it optimises is what
    `read_number` reads."""
    from lenet.devtools.drawn import make_number_strips, render_strip
    from lenet.devtools.fit_pieces import (
        combined_exact_rate,
        piece_training_set,
        strip_group_readings,
    )
    from lenet.devtools.fit_reader import COVERAGE, PURITY, _owners
    from lenet.ink import to_ink
    from lenet.ink.piece_verifier import PIECE_COUNT_BIAS, PIECE_VERIFIER

    strips = make_number_strips(*test_digits, 6, 5, touch_probability=1.0)
    x, y = piece_training_set(strips, model, _owners, PURITY, COVERAGE)
    assert x.shape == (len(y), len(FEATURES))
    assert 0 < y.sum() < 0.5 * len(y)
    readings = [strip_group_readings(s, model) for s in strips]
    read = ["".join(str(d.digit) for d in read_number(to_ink(render_strip(s)), model))
            for s in strips]
    assert combined_exact_rate(strips, readings, PIECE_VERIFIER, PIECE_COUNT_BIAS) == (
        pytest.approx(np.mean([r == s.number for r, s in zip(read, strips, strict=True)])))

