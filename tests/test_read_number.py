"""Reading numbers with touching digits (lenet.ink.number_reader) and fitting its verifier."""

from __future__ import annotations

import os

import numpy as np
import pytest

from lenet.devtools.fit_reader import exact_rate, fit_logistic, training_set
from lenet.ink import (
    Stroke,
    candidates,
    preprocess_ink,
    read_number,
    read_strokes,
    render_strokes,
    verifier,
)
from lenet.ink import number_reader as rn
from lenet.ink.components import label_components
from lenet.ink.cuts import CUT_HEIGHT, MAX_CUTS, MIN_CUT_SHARE, find_cuts
from tests.test_preprocess import GLYPHS, digit
from tests.test_segment import PEN, H, strip, strip_strokes

PAIRS = ["00", "70", "20", "80", "14", "27", "52", "38", "04", "84"]
"""Glyph pairs drawn touching (one connected blob of ink)."""
# Every pair is read right from the image too. Until the candidates were classified by all
# three networks (2026-12-04) "14" read "4" (a "1" touching the next digit along its whole
# height leaves no low-ink seam) and "52" read "527" (the 2 in two runs of skeleton pieces,
# its top a 7). "00", which the cuts alone read "60", is read from the skeleton pieces.
TOUCHING_FLOOR = 0.525
STROKES_TOUCHING_FLOOR = 0.75
"""Drawn strips in which *every* neighbouring pair touches (40 strips of MNIST test digits,
seed 0), read exactly. Measured (2026-12-01, bundled model): from the image 0.575 (0.50
when groups narrower than 0.8 x their height were never cut, where a "1" touches a 0 or
an 8; by the cuts alone, without the skeleton pieces, 0.225; straight vertical cuts at the
expected positions, an older reader, 0.10); from the strokes 0.875."""


@pytest.fixture(scope="module")
def model():
    from lenet.model_file import bundled_model_path, load_model

    return load_model(bundled_model_path())


def _read(ink: np.ndarray, model) -> str:
    return "".join(str(d.digit) for d in read_number(ink, model))


@pytest.mark.parametrize("names", PAIRS)
def test_touching_pair_is_read_from_the_image(names: str, model) -> None:
    ink, singles = strip(names, touching=(1,))
    _, stats = label_components(ink > 0.1)
    assert len(stats) == 1  # the two digits really touch
    digits = read_number(ink, model)
    read = "".join(str(d.digit) for d in digits)
    assert read == names
    for d, single in zip(digits, singles, strict=True):
        alone = preprocess_ink(single).box
        assert abs(0.5 * (d.box[0] + d.box[2]) - 0.5 * (alone[0] + alone[2])) < 0.15 * H


@pytest.mark.parametrize("names", PAIRS)
def test_touching_pair_is_read_from_the_strokes(names: str, model) -> None:
    each, size = strip_strokes(names, touching=(1,))
    digits = read_strokes([s for d in each for s in d], size, model)
    assert "".join(str(d.digit) for d in digits) == names
    for d, own in zip(digits, each, strict=True):
        alone = preprocess_ink(render_strokes(own, size)).box
        assert abs(0.5 * (d.box[0] + d.box[2]) - 0.5 * (alone[0] + alone[2])) < 0.1 * H


def test_touching_pair_among_spaced_digits(model) -> None:
    ink, _ = strip("1700", touching=(3,))
    assert _read(ink, model) == "1700"
    each, size = strip_strokes("1700", touching=(3,))
    strokes = [s for d in each for s in d]
    assert "".join(str(d.digit) for d in read_strokes(strokes, size, model)) == "1700"


def test_strokes_of_one_digit_stay_together(model) -> None:
    each, size = strip_strokes("205834")  # the "5" is two strokes, the "4" too
    strokes = [s for d in each for s in d]
    assert len(strokes) >= 8
    digits = read_strokes(strokes, size, model, scale=0.5)
    assert "".join(str(d.digit) for d in digits) == "205834"
    assert all(d.box[2] <= size[0] * 0.5 + 1 for d in digits)  # boxes at the render scale


def test_strokes_with_an_eraser_are_read_from_the_image(model) -> None:
    each, size = strip_strokes("70", touching=(1,))
    strokes = [s for d in each for s in d]
    rubbed = [*strokes, Stroke(np.array([[5.0, 5.0], [10.0, 5.0]]), 4.0, None, True)]
    image = read_number(render_strokes(rubbed, size), model)
    assert [d.digit for d in read_strokes(rubbed, size, model)] == [d.digit for d in image]
    assert read_strokes([], size, model) == []


def test_two_ones_drawn_over_each_other_are_two_digits(model) -> None:
    """Two slanted "1"s whose ink overlaps in x: one blob of ink, but two strokes."""
    first = Stroke(np.array([[60.0, 30.0], [40.0, 160.0]]), 10.0)
    second = Stroke(np.array([[68.0, 30.0], [52.0, 160.0]]), 10.0)
    ink = render_strokes([first, second], (140, 190))
    _, stats = label_components(ink > 0.1)
    assert len(stats) == 1
    assert [d.digit for d in read_strokes([first, second], (140, 190), model)] == [1, 1]
    four = digit("4", 30, 20, 150, 10)  # two strokes that cross: one digit
    assert [d.digit for d in read_strokes(four, (200, 200), model)] == [4]


def test_single_digit_equals_the_single_digit_path(model) -> None:
    for name in ("5", "8", "1", "4", "0"):
        ink = render_strokes(digit(name, 60, 40, 180, 14), (280, 280))
        (d,) = read_number(ink, model)
        ref = preprocess_ink(ink)
        assert d.box == ref.box and np.array_equal(d.preprocessed.image, ref.image)
        assert d.preprocessed.ink_fraction == pytest.approx(ref.ink_fraction)
        every = [net.predict_proba(ref.image)[0] for net in (model, *model.second_opinions)]
        assert np.allclose(d.probabilities, np.mean(every, axis=0))  # the networks' mean


@pytest.mark.parametrize("name", ["0", "2", "4", "5", "8"])
def test_wide_single_digits_are_not_split(name: str, model) -> None:
    for stretch in (1.3, 1.8):  # box aspect up to about 1.4
        strokes = [Stroke(p * np.array([H * stretch, H]) + 20, PEN) for p in GLYPHS[name]]
        ink = render_strokes(strokes, (int(H * 2 * stretch) + 60, H + 60))
        assert _read(ink, model) == name


def test_boxes_are_in_image_coordinates_left_to_right(model) -> None:
    ink, singles = strip("2071")
    digits = read_number(ink, model)
    assert [d.box for d in digits] == [preprocess_ink(s).box for s in singles]
    assert all(d.preprocessed.image.shape == (28, 28) for d in digits)
    assert 0 < sum(d.preprocessed.ink_fraction for d in digits) <= 1


def test_empty_input(model) -> None:
    assert read_number(np.zeros((60, 200), np.float32), model) == []
    speck = np.zeros((60, 200), np.float32)
    speck[30, 30] = 1.0
    assert read_number(speck, model) == []


def test_cuts_are_ordered_apart_and_leave_ink_on_both_sides() -> None:
    ink, _ = strip("802", touching=(1, 2))
    cuts = find_cuts(ink)
    assert 2 <= len(cuts) <= MAX_CUTS
    h, w = ink.shape
    total = ink.sum()
    cols = np.arange(w)[None, :]
    shares = []
    for (c, crossed), nxt in zip(cuts, [*cuts[1:], (np.full(h, w), 0.0)], strict=True):
        assert c.shape == (h,) and (np.abs(np.diff(c)) <= np.ceil(w / ws(ink)) + 1).all()
        assert (c <= nxt[0]).all()  # never crossing the next cut
        assert crossed >= 0
        shares.append(ink[cols < c[:, None]].sum() / total)
    assert min(shares) >= MIN_CUT_SHARE - 0.02 and max(shares) <= 1 - MIN_CUT_SHARE + 0.02
    assert shares == sorted(shares)


def ws(ink: np.ndarray) -> int:
    """Columns of the copy the cuts are traced on."""
    h, w = ink.shape
    return max(3, round(w * min(1.0, CUT_HEIGHT / h)))


def test_narrow_group_is_never_cut(model) -> None:
    ink = render_strokes(digit("1", 20, 20, 150, 10), (200, 200))
    cands, n = candidates.group_candidates(ink, 150.0)
    assert n == 1 and len(cands) == 1


@pytest.mark.parametrize("name", ["0", "2", "8"])
def test_narrow_single_digits_get_few_cuts_and_stay_whole(name: str, model) -> None:
    # half to 0.8 times as wide as tall: cut (a "1" touching a 0 is no wider), but by at
    # most NARROW_MAX_CUTS cuts, and a digit alone is still read as one
    strokes = [Stroke(p * np.array([0.8 * H, H]) + 20, PEN) for p in GLYPHS[name]]
    ink = render_strokes(strokes, (H + 40, H + 40))
    (group,) = rn.segment_digits(ink)
    h, w = group.ink.shape
    assert candidates.MIN_SPLIT_ASPECT * h <= w < candidates.NARROW_GROUP * h
    _, n = candidates.group_candidates(group.ink, float(h))
    assert 2 <= n <= candidates.NARROW_MAX_CUTS + 1
    assert _read(ink, model) == name


def test_verifier_prefers_whole_digits_to_fragments(model) -> None:
    ink, _ = strip("70", touching=(1,))
    (group,) = rn.segment_digits(ink)
    cands, n = candidates.group_candidates(group.ink, float(group.y1 - group.y0))
    probs = model.predict_proba(np.stack([c.preprocessed.image for c in cands]))
    x = np.stack([verifier.features(c.geometry, p) for c, p in zip(cands, probs, strict=True)])
    assert x.shape == (len(cands), len(verifier.FEATURES)) and np.isfinite(x).all()
    scores = verifier.log_p_digit(x)
    assert (scores <= 0).all()
    chain = rn.best_chain(cands, scores + verifier.COUNT_BIAS, n)
    assert len(chain) == 2
    whole = [k for k, c in enumerate(cands) if c.stop - c.start == n]
    # The pieces with their per-digit bias beat the whole blob. (Not each piece alone: since
    # the model learnt flat digits it reads the whole "70" blob as a wide 0 at 99 %.)
    bias = verifier.COUNT_BIAS
    assert scores[chain].sum() + len(chain) * bias > scores[whole[0]] + bias


def test_fit_logistic_recovers_a_separable_rule() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 3)) * [1.0, 5.0, 0.1] + [0.0, 2.0, 0.0]
    y = (x[:, 0] - 0.2 * x[:, 1] > 0).astype(float)
    mean, scale, w = fit_logistic(x, y)
    z = (x - mean) / scale @ w[1:] + w[0]
    assert np.mean((z > 0) == (y > 0.5)) > 0.97
    assert w[1] > 0 > w[2]


@pytest.fixture(scope="module")
def test_digits():
    if not os.environ.get("LENET_DATA_DIR"):
        pytest.skip("LENET_DATA_DIR is not set: strips are drawn from MNIST's test digits")
    from lenet.devtools.drawn import load_test_digits

    return load_test_digits()


def test_training_labels_and_bias_search(test_digits, model) -> None:
    """The fitting pipeline on a few strips (test digits here only to keep the test offline
    and small; `python -m lenet.devtools.fit_reader` uses training digits): the exact rate it
    optimises is what the reader reads by its cuts alone (the skeleton pieces are fitted
    apart, `tests/test_read_pieces.py`)."""
    from lenet.devtools.drawn import make_number_strips
    from lenet.devtools.fit_reader import _strip_groups

    strips = make_number_strips(*test_digits, 4, 5, touch_probability=0.5)
    x, y = training_set(strips, model)
    assert x.shape == (len(y), len(verifier.FEATURES))
    digits = sum(len(s.number) for s in strips)
    # most digits have a candidate that is exactly them (a digit may have a few, cut a pixel
    # apart: single digits as narrow as half their height are cut too), and most candidates
    # are not digits
    assert 0.5 * digits <= y.sum() <= 3 * digits and y.mean() < 0.3
    groups = [_strip_groups(s, model) for s in strips]
    params = (verifier.FEATURE_MEAN, verifier.FEATURE_SCALE, verifier.VERIFIER_WEIGHTS)
    assert exact_rate(strips, groups, params, verifier.COUNT_BIAS) == pytest.approx(
        np.mean([_read_strip_by_cuts(s, model) == s.number for s in strips])
    )


def _read_strip_by_cuts(s, model) -> str:
    """What `read_number` reads with every group read by its cuts only."""
    from lenet.devtools.drawn import render_strip
    from lenet.ink import to_ink
    ink = to_ink(render_strip(s))
    groups, line = rn.digit_groups(ink)
    return "".join(str(d.digit) for g in groups
                   for d in rn.read_group(g, line, model, float(ink.size), pieces=False))


def _read_strip(s, model) -> str:
    from lenet.devtools.drawn import render_strip
    from lenet.ink import to_ink

    return _read(to_ink(render_strip(s)), model)


def _read_strip_strokes(s, model) -> str:
    return "".join(str(d.digit) for d in read_strokes(s.strokes, s.size, model))


def test_touching_strips_floor(test_digits, model) -> None:
    from lenet.devtools.drawn import make_number_strips

    strips = make_number_strips(*test_digits, 40, 0, touch_probability=1.0)
    assert sum(s.touching for s in strips) >= 40
    exact = np.mean([_read_strip(s, model) == s.number for s in strips])
    assert exact >= TOUCHING_FLOOR
    strokes_exact = np.mean([_read_strip_strokes(s, model) == s.number for s in strips])
    assert strokes_exact >= STROKES_TOUCHING_FLOOR


STYLE_STRIPS_FLOORS = {"image": 0.875, "strokes": 0.9}
"""Strips of writing-style template digits (40 strips, seed 7, about half with touching
digits), read exactly. Measured (2026-12-02, bundled model): image 0.975, strokes 0.95
(seed 7 is the tests' own; the model card's figures come from seeds 0 and 21)."""


def test_strips_of_style_digits_floor(model) -> None:
    from lenet.devtools.drawn.strips import make_strips_from
    from lenet.devtools.styles.draw import strip_digits

    strips = make_strips_from(strip_digits(), 40, 7)
    assert 10 <= sum(s.touching > 0 for s in strips) <= 30
    exact = {"image": np.mean([_read_strip(s, model) == s.number for s in strips]),
             "strokes": np.mean([_read_strip_strokes(s, model) == s.number for s in strips])}
    for path, floor in STYLE_STRIPS_FLOORS.items():
        assert exact[path] >= floor, exact


def _five_with_its_flag_apart(x: float) -> list[Stroke]:
    """A "5" whose bar is drawn apart, to the right of its stem: its own group of ink."""
    bar, body = digit("5", x, 20, H, PEN)
    return [Stroke(bar.points + np.array([0.45 * H, -0.06 * H]), PEN), body]


def test_a_fives_flag_drawn_apart_joins_its_digit(model) -> None:
    strokes = [*digit("2", 20, 20, H, PEN), *_five_with_its_flag_apart(20 + 1.4 * H)]
    ink = render_strokes(strokes, (int(3.4 * H), H + 60))
    assert len(rn.segment_digits(ink)) == 3  # the flag is a group of its own ...
    groups, _ = rn.digit_groups(ink)
    assert len(groups) == 2  # ... until it joins the 5
    assert _read(ink, model) == "25"


def test_a_fragment_far_from_every_digit_stays_apart() -> None:
    from lenet.ink.grouping import FRAGMENT_GAP, attach_fragments

    ink = render_strokes(digit("2", 20, 20, H, PEN), (int(4 * H), H + 60))
    dash_x = 20 + 0.75 * H + (FRAGMENT_GAP + 0.3) * H
    ink = np.maximum(ink, render_strokes([Stroke(np.array([[dash_x, 30.0],
                                                           [dash_x + 0.4 * H, 30.0]]), PEN)],
                                         ink.shape[::-1]))
    groups = rn.segment_digits(ink)
    assert len(groups) == 2
    assert len(attach_fragments(groups, float(H))) == 2


def test_a_short_part_read_as_one_is_not_a_digit() -> None:
    """A part of a group read as "1" and shorter than MIN_ONE_HEIGHT line heights (a 4's
    diagonal, the lower half of a 2) is never a candidate digit; the whole group, a taller
    "1" and a short part read as another digit keep the verifier's score."""
    from lenet.ink.candidates import Candidate
    from lenet.ink.verifier import FEATURES

    line = 100.0
    short = rn.MIN_ONE_HEIGHT * line - 5

    def cand(height: float, whole: bool) -> Candidate:
        return Candidate(0, 1, None, None, (height, 30.0, line, line, 0.5, 1.0, 1.0, 1.0,
                                            float(whole)))

    cands = [cand(short, False), cand(short, True), cand(line, False), cand(short, False)]
    probs = np.full((4, 10), 0.01)
    probs[:3, 1] = 0.91
    probs[3, 7] = 0.91
    x = np.zeros((4, len(FEATURES)))
    log_p = rn.candidate_log_p(cands, probs, x)
    assert log_p[0] == -np.inf
    assert np.isfinite(log_p[1:]).all()
    np.testing.assert_allclose(log_p[1:], rn.log_p_digit(x[1:]))
