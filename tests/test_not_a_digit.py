"""Not a digit (lenet.ink.not_a_digit): the reject set, junk drawings, clean digits.

The junk side needs only the bundled model; the digit side needs MNIST's test files in the
folder named by LENET_DATA_DIR and is skipped (with that reason) when the variable is unset.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image, ImageDraw

from lenet.devtools.drawn import load_test_digits, make_drawn_set
from lenet.devtools.drawn.redraw import to_uint8
from lenet.devtools.fit_not_a_digit import FIT_SEED
from lenet.devtools.junk import KINDS, LETTERS, make_junk_set
from lenet.devtools.junk.measure import both_paths, rates, styles_judged
from lenet.devtools.styles import CANVAS as STYLE_CANVAS
from lenet.devtools.styles import Style, draw_style_set, style_named
from lenet.devtools.styles.templates import PLAIN
from lenet.ink import Stroke, preprocess_image, preprocess_strokes, render_strokes
from lenet.ink.not_a_digit import (
    FEATURES,
    NOVELTY_FEATURE,
    features,
    is_not_a_digit,
    not_a_digit_for,
    novelty_of,
)
from lenet.model_file import bundled_model_path, load_model

HELD_OUT_SEED = 2
N_JUNK = 360
JUNK_FLOOR = 0.80
"""Share of junk rejected on a held-out seed, per path: the goal. Measured with the bundled
model (its novelty statistics read): n=360, seed 2: 92.8 % (strokes), 93.6 % (image; the
plain rule 92.5 %, 94.2 %); n=1200, seed 1: see the model card. Losing a kind of junk (30
of 360) or most of the squares and letters fails it."""
N_DIGITS = 500
DIGITS_CEILING = 0.01
"""Share of drawn MNIST test digits (n=500, seed 0) wrongly rejected, per path: the goal.
Measured 0.4 % (strokes) and 0.4 % (image); n=1000: 0.3 % and 0.2 % (the plain rule: 0.2 %
and 0.0 %; 0.4 % and 0.3 %)."""
N_SQUARES = 60
SQUARE_FLOOR = 0.80
"""Share of held-out squares (seed 2) rejected, per path. Measured 97 % and 98 % (the plain
rule 88 % and 92 %; 19 % on the strokes path before it read the box's corners)."""
N_ZEROS = 30
ZEROS_CEILING = 0.025
"""Share of 0s (round, slashed, open, flat up to 4:1; 30 of each, seed 0) rejected, per
path. Measured 0 % on both; 3 of 120 fails."""
N_PER_STYLE = 20
STYLES_CEILING = 0.01
PER_STYLE_CEILING = 0.10
"""Writing-style digits (20 per style, seed 0) rejected, per path, in all and per style.
Measured 0.2 % on each path, 5 % of the flat (strokes) and of the bold (image) digits at
most (the plain rule: 0.0 % and 0.2 %); before the rule was fitted with styles 23 % of flat
digits were rejected."""
CANVAS = 512

needs_mnist = pytest.mark.skipif(
    not os.environ.get("LENET_DATA_DIR"),
    reason="LENET_DATA_DIR is not set: the digit side is drawn from MNIST's test digits",
)


@pytest.fixture(scope="module")
def classifier():
    return load_model(bundled_model_path())


def _line(points, width: float = 20.0) -> Stroke:
    return Stroke(np.asarray(points, np.float64), width)


def _letter(char: str) -> list[Stroke]:
    return [_line(np.asarray(s, np.float64) * 14.0 + 60.0) for s in LETTERS[char]]


def _scribble() -> list[Stroke]:
    t = np.linspace(0.0, 6 * np.pi, 120)
    x = 256 + 120 * np.sin(1.3 * t) + 40 * np.cos(3.1 * t)
    y = 256 + 100 * np.cos(1.7 * t + 0.5) + 30 * np.sin(2.3 * t)
    return [_line(np.stack([x, y], axis=1), 14.0)]


def _filled_blob() -> list[Stroke]:
    zigzag = []
    for i, y in enumerate(np.linspace(170.0, 340.0, 9)):
        zigzag += [(170.0, y), (340.0, y)][:: 1 if i % 2 == 0 else -1]
    return [_line(zigzag, 40.0)]


JUNK = {
    "scribble": _scribble,
    "letter H": lambda: _letter("H"),
    "letter M": lambda: _letter("M"),
    "horizontal line": lambda: [_line([(90, 250), (256, 256), (420, 252)], 22.0)],
    "filled blob": _filled_blob,
}


def _rejected(classifier, pre) -> bool:
    """What the app and `lenet predict` say: solid ink, or the rule on the network's answer."""
    if pre.solid:
        return True
    assert pre.image is not None, "the drawing came out empty"
    return not_a_digit_for(classifier, pre.image, classifier.predict_proba(pre.image)[0])


@pytest.mark.parametrize("name", sorted(JUNK))
def test_each_kind_of_junk_is_not_a_digit_on_canvas_and_as_a_picture(classifier, name):
    strokes = JUNK[name]()
    picture = to_uint8(render_strokes(strokes, (CANVAS, CANVAS)))
    assert _rejected(classifier, preprocess_strokes(strokes, (CANVAS, CANVAS)))
    assert _rejected(classifier, preprocess_image(picture))


def test_a_solid_blob_is_not_empty_but_solid():
    pre = preprocess_strokes(_filled_blob(), (CANVAS, CANVAS))
    picture = np.zeros((200, 200), np.uint8)
    ImageDraw.Draw(im := Image.fromarray(picture)).ellipse((40, 50, 160, 150), fill=255)
    assert pre.solid and pre.image is None
    assert preprocess_image(np.asarray(im)).solid
    tap = preprocess_strokes([_line([(100.0, 100.0)], 20.0)], (CANVAS, CANVAS))
    assert tap.empty and not tap.solid  # a tap is nothing yet, not junk


def test_the_reject_generator_is_seeded_and_draws_every_kind():
    a, kinds = make_junk_set(24, HELD_OUT_SEED)
    b, _ = make_junk_set(24, HELD_OUT_SEED)
    c, _ = make_junk_set(24, HELD_OUT_SEED + 1)
    assert set(kinds) == set(KINDS)
    assert all(np.array_equal(s.points, t.points) for d, e in zip(a, b, strict=True)
               for s, t in zip(d, e, strict=True))
    assert not np.array_equal(a[0][0].points, c[0][0].points)
    for strokes in a:
        for s in strokes:
            assert s.points.ndim == 2 and s.points.shape[1] == 2 and s.width > 0
            assert (s.points >= 0).all() and (s.points <= 280).all()


def test_features_are_finite_and_named(classifier):
    """The bundled model has novelty statistics: the rule reads the novelty last."""
    pre = preprocess_strokes(_letter("A"), (CANVAS, CANVAS))
    novelty = float(novelty_of(classifier, pre.image)[0])
    x = features(pre.image, classifier.predict_proba(pre.image)[0], novelty)
    assert x.shape == (len(FEATURES) + 1,) and np.isfinite(x).all()
    assert FEATURES[-1] != NOVELTY_FEATURE and x[-1] == pytest.approx(np.log(novelty))


def test_the_reject_set_on_a_held_out_seed(classifier):
    assert HELD_OUT_SEED != FIT_SEED
    drawings, kinds = make_junk_set(N_JUNK, HELD_OUT_SEED)
    by_strokes, by_image = both_paths(drawings, classifier)
    for judged in (by_strokes, by_image):
        assert rates(kinds, judged)["all"] >= JUNK_FLOOR


@needs_mnist
def test_drawn_test_digits_are_seldom_rejected(classifier):
    images, labels = load_test_digits()
    drawings, _ = make_drawn_set(images, labels, N_DIGITS, 0)
    for judged in both_paths(drawings, classifier):
        assert judged.rejected().mean() <= DIGITS_CEILING


@needs_mnist
def test_clean_digits_of_every_class_are_digits(classifier):
    """Per class, the first five MNIST test digits the model reads right and sure: the plain
    rule keeps every one; the novelty gate, which does not ask how sure the answer is, may
    reject one unusual one of the 50 (it rejects test digit 54, a sure 6 whose loop crosses
    its stem, as 2.5 times as novel as a typical digit, past the gate's 2.4; see the model
    card, "Novelty")."""
    images, labels = load_test_digits()
    pres = [preprocess_image(im) for im in images[:400]]
    probs = classifier.predict_proba(np.stack([p.image for p in pres]))
    rejected = []
    for c in range(10):
        clean = np.flatnonzero((labels[:400] == c) & (probs.argmax(axis=1) == c)
                               & (probs.max(axis=1) > 0.99))[:5]
        assert len(clean) == 5
        for i in clean:
            assert not is_not_a_digit(pres[i].image, probs[i]), (c, int(i))  # the plain rule
            if not_a_digit_for(classifier, pres[i].image, probs[i]):
                rejected.append((c, int(i)))
    assert len(rejected) <= 1, rejected


def test_squares_are_not_a_digit(classifier):
    """The hard pair's junk side: a drawn square reads as a flat 0 to the network."""
    drawings, _ = make_junk_set(N_SQUARES, HELD_OUT_SEED, kinds=["square"])
    for judged in both_paths(drawings, classifier):
        assert judged.rejected().mean() >= SQUARE_FLOOR


def test_zeros_round_open_slashed_and_flat_are_kept(classifier):
    """The hard pair's digit side: 0s of every width, which the corner gaps tell from squares."""
    styles = [style_named(n) for n in ("plain 0", "0 slashed", "0 open at top")]
    styles.append(Style("flat 0", (0,), (PLAIN[0],), aspect=(2.0, 4.0)))
    drawings = [d for style in styles for d in draw_style_set(style, N_ZEROS, 0)[0]]
    for judged in both_paths(drawings, classifier, STYLE_CANVAS):
        assert judged.rejected().mean() <= ZEROS_CEILING


def test_writing_styles_are_kept(classifier):
    """Crossed 7s, slashed and open 0s, open 4s, flagged 1s, bold and flat digits (seed 0;
    the rule was fitted on seed 1) are digits, on the canvas and as pictures."""
    names, by_strokes, by_image = styles_judged(N_PER_STYLE, 0, classifier)
    for judged in (by_strokes, by_image):
        shares = rates(names, judged)
        assert shares.pop("all") <= STYLES_CEILING
        assert max(shares.values()) <= PER_STYLE_CEILING, shares
