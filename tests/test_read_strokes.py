"""Reading a number from its strokes (lenet.ink.stroke_reader): overlapping digits come
apart, the strokes of one digit stay together.

The digits are drawn from the writing-style templates (`lenet.devtools.styles.templates`,
pure geometry) with one pen; only the bundled model is needed.
"""

from __future__ import annotations

import numpy as np
import pytest

from lenet.devtools.styles import templates as t
from lenet.ink import NUMBER_INK_SCALE, Stroke, read_number, read_strokes, render_strokes
from lenet.ink.components import label_components
from lenet.ink.stroke_reader import chains_by_count

H = 160.0  # digit height, canvas px (read at NUMBER_INK_SCALE, as the app does)
PEN = 12.0
TOP = 40.0
OVERLAP = 0.35
"""Neighbouring digits' ink boxes overlap by this fraction of the narrower one's width."""


@pytest.fixture(scope="module")
def model():
    from lenet.model_file import bundled_model_path, load_model

    return load_model(bundled_model_path())


def _place(polys: list[np.ndarray], x: float) -> tuple[list[Stroke], float]:
    """Template strokes (digit units) with their ink's left edge at x; and the ink's width."""
    pts = np.concatenate(polys)
    x0 = pts[:, 0].min()
    strokes = [Stroke((p - [x0, 0.0]) * H + [x + 0.5 * PEN, TOP], PEN) for p in polys]
    return strokes, float((pts[:, 0].max() - x0) * H + PEN)


def number_strokes(polys: list[list[np.ndarray]], overlap: float = OVERLAP
                   ) -> tuple[list[list[Stroke]], tuple[int, int]]:
    """Digits (template strokes each) side by side, each one's ink box overlapping the
    previous one's by `overlap` of the narrower width; strokes per digit, canvas size."""
    x, prev_w = 40.0, None
    each: list[list[Stroke]] = []
    for p in polys:
        _, w = _place(p, 0.0)
        if prev_w is not None:
            x -= overlap * min(w, prev_w)
        strokes, _ = _place(p, x)
        each.append(strokes)
        x, prev_w = x + w, w
    return each, (int(x + 40), int(H + 2 * TOP))


def _read(strokes: list[Stroke], size: tuple[int, int], model) -> str:
    return "".join(str(d.digit) for d in read_strokes(strokes, size, model, NUMBER_INK_SCALE))


def _box_x(strokes: list[Stroke]) -> tuple[float, float]:
    pts = np.concatenate([s.points for s in strokes])
    return float(pts[:, 0].min() - 0.5 * PEN), float(pts[:, 0].max() + 0.5 * PEN)


def test_overlapping_pairs_of_every_digit_combination_are_two_digits(model) -> None:
    """All 100 ordered pairs "00".."99", plain forms (a 4 and a 5 in two strokes), the
    second digit's ink box overlapping the first's by OVERLAP of the narrower width."""
    wrong = []
    for a in range(10):
        for b in range(10):
            rng = np.random.default_rng([a, b])
            each, size = number_strokes([t.PLAIN[a](rng), t.PLAIN[b](rng)])
            (a0, a1), (b0, b1) = _box_x(each[0]), _box_x(each[1])
            assert b0 < a1 - 0.3 * min(a1 - a0, b1 - b0)  # the ink boxes really overlap
            read = _read([s for d in each for s in d], size, model)
            if read != f"{a}{b}":
                wrong.append((f"{a}{b}", read))
    assert wrong == []


def _eight_in_two(rng: np.random.Generator) -> list[np.ndarray]:
    """An 8 drawn as two loops, one over the other."""
    return [t.arc(0.3, 0.25, t._u(rng, 0.18, 0.24), 0.25, 0.0, 360.0),
            t.arc(0.3, 0.75, 0.28, 0.25, 90.0, 450.0)]


def _five_flag_apart(rng: np.random.Generator) -> list[np.ndarray]:
    """A 5 whose flag does not touch its body."""
    body = np.concatenate([t.line((0.1, 0.14), (0.07, 0.42)),
                           t.arc(0.3, 0.69, 0.29, 0.3, t._u(rng, 120.0, 140.0), -150.0)])
    return [body, t.line((0.15, 0.02), (t._u(rng, 0.5, 0.62), 0.0))]


def _four_apart(rng: np.random.Generator) -> list[np.ndarray]:
    """A 4 whose stem does not touch its arm."""
    bar = t._u(rng, 0.58, 0.66)
    return [t.line((0.3, 0.0), (0.0, bar), (0.75, bar)), t.line((0.52, 0.12), (0.52, 1.0))]


MULTI_STROKE = {
    "4": (t.four, t.four_near_closed, _four_apart),
    "5": (t.five, _five_flag_apart),
    "8": (_eight_in_two,),
    "7": (t.seven_crossed,),
    "1": (t.one_flag_base,),
    "0": (t.zero_slashed,),
}
"""Digits drawn in two strokes, each by its templates."""


@pytest.mark.parametrize("name", sorted(MULTI_STROKE))
def test_multi_stroke_single_digits_stay_whole(name: str, model) -> None:
    for k, template in enumerate(MULTI_STROKE[name]):
        for seed in range(4):
            rng = np.random.default_rng([seed, k, int(name)])
            polys = template(rng)
            assert len(polys) >= 2
            each, size = number_strokes([polys])
            assert _read(each[0], size, model) == name, (template.__name__, seed)
            # ... and between two other digits, boxes overlapping
            each, size = number_strokes([t.PLAIN[3](rng), polys, t.PLAIN[6](rng)])
            read = _read([s for d in each for s in d], size, model)
            assert read == f"3{name}6", (template.__name__, seed)


def _two_long_base(rng: np.random.Generator) -> list[np.ndarray]:
    """A 2 whose base is a stroke of its own, drawn far out on both sides (2 heights wide:
    wider than a run of strokes may be, `stroke_candidates.MAX_RUN_WIDTH`)."""
    hook = t.curve((0.08, 0.22), (0.4, -0.02), (0.7, 0.25), (0.1, 1.0))
    return [hook, t.line((-0.45, 1.0 + t._u(rng, -0.03, 0.03)), (t._u(rng, 1.45, 1.6), 1.0))]


def test_a_digit_along_one_very_wide_stroke_stays_whole(model) -> None:
    """Its other strokes lie within the wide stroke's x-range: one candidate digit (read as
    "7" plus a skipped stroke before, redrawn MNIST 2s with long bases among them)."""
    for seed in range(3):
        rng = np.random.default_rng(seed)
        for b in (9, 3, 1):
            each, size = number_strokes([_two_long_base(rng), t.PLAIN[b](rng)], overlap=0.0)
            assert _read([s for d in each for s in d], size, model) == f"2{b}", seed


def test_digits_drawn_over_each_other_are_read_from_the_strokes_not_the_ink(model) -> None:
    """Two 0s whose strokes cross: one blob of ink (the image reader sees one group), two
    strokes; boxes in the ink rendered at the reading scale."""
    rng = np.random.default_rng(1)
    each, size = number_strokes([t.PLAIN[0](rng), t.PLAIN[0](rng)], overlap=0.4)
    strokes = [s for d in each for s in d]
    _, stats = label_components(render_strokes(strokes, size) > 0.1)
    assert len(stats) == 1
    digits = read_strokes(strokes, size, model, NUMBER_INK_SCALE)
    assert [d.digit for d in digits] == [0, 0]
    for d, own in zip(digits, each, strict=True):
        x0, x1 = _box_x(own)
        assert abs(d.box[0] - x0 * NUMBER_INK_SCALE) <= 3
        assert abs(d.box[2] - x1 * NUMBER_INK_SCALE) <= 3
    assert not any(d.count_uncertain for d in digits)


def test_a_dot_is_left_out_and_nothing_readable_falls_back_to_the_image(model) -> None:
    rng = np.random.default_rng(2)
    each, size = number_strokes([t.PLAIN[2](rng), t.PLAIN[7](rng)], overlap=0.0)
    dot = Stroke(np.array([[20.0, 20.0]]), 3.0)  # far from the digits, too small to read
    assert _read([*each[0], dot, *each[1]], size, model) == "27"
    tiny = [Stroke(np.array([[30.0, 30.0]]), 2.0)]
    assert read_strokes(tiny, (100, 100), model) == read_number(
        render_strokes(tiny, (100, 100)), model)


def test_chains_by_count_skips_only_where_allowed() -> None:
    # positions [0, 3): spans (0, 2), (2, 3), (0, 1), (1, 3)
    spans = [(0, 2), (2, 3), (0, 1), (1, 3)]
    scores = np.array([1.0, 1.0, 0.5, 0.2])
    by_count = chains_by_count(spans, scores, [False, False, False])
    assert by_count[2] == (2.0, [0, 1])  # (0,2)+(2,3) beats (0,1)+(1,3) = 0.7
    assert set(by_count) == {2}
    skip = chains_by_count(spans, scores, [False, False, True])
    assert skip[1][1] == [0] and skip[1][0] == pytest.approx(1.0 - 3.0)
