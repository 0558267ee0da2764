"""The strip report's parts that need no MNIST: each digit read alone, and doubt shown."""

import dataclasses

import numpy as np

from lenet.devtools.drawn.strip_reading import _digits_alone_right, _shown
from lenet.devtools.drawn.strips import DrawnStrip
from lenet.ink import Stroke, preprocess_strokes
from lenet.ink.number_reader import ReadDigit
from lenet.model_file import bundled_model_path, load_model


def test_digits_alone_are_read_by_their_own_strokes() -> None:
    """Each digit of a strip is read from its own strokes: a strip labelled "171" whose
    middle digit is drawn as a 0 has a digit wrong alone; "10" drawn as 1, 0 has none."""
    def one(x0: float) -> Stroke:  # a plain vertical 1 at x0
        return Stroke(np.array([[x0, 30.0], [x0, 150.0]]), 10.0)

    def zero(x0: float) -> Stroke:
        t = np.linspace(0, 2 * np.pi, 40)
        return Stroke(np.stack([x0 + 35 * np.cos(t), 90 + 60 * np.sin(t)], axis=1), 10.0)

    good = DrawnStrip([one(40.0), zero(140.0)], (220, 200), "10", 0, (1, 1))
    bad = DrawnStrip([one(40.0), zero(140.0), one(240.0)], (320, 200), "171", 0, (1, 1, 1))
    alone = _digits_alone_right([good, bad], load_model(bundled_model_path()))
    for path in ("strokes", "image"):
        assert alone[path].tolist() == [True, False], path


def test_a_reading_is_shown_with_doubt_when_the_count_or_a_digit_is_doubted() -> None:
    model = load_model(bundled_model_path())
    one = preprocess_strokes([Stroke(np.array([[100.0, 40.0], [100.0, 240.0]]), 16.0)],
                             (280, 280))
    blob = dataclasses.replace(one, image=np.full((28, 28), 0.5, np.float32))
    clear = ReadDigit(one, model.predict_proba(one.image[None])[0])
    assert _shown([clear, clear], model) == ("11", False)
    counted = dataclasses.replace(clear, count_uncertain=True)
    assert _shown([clear, counted], model) == ("11", True)
    grey = ReadDigit(blob, model.predict_proba(blob.image[None])[0])
    assert _shown([clear, grey], model)[1]  # a grey square is no sure digit
    assert _shown([], model) == ("", False)
