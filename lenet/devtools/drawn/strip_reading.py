"""Multi-digit strips read as numbers, and how much of what is missed is the digits alone.

`strip_report` reads every strip from the rendered image (`read_number`, ``lenet predict
--multi``) and from its strokes (`read_strokes`, the app's number mode) and counts the
strips read exactly, twice: with the reader's own digits (those it found them with: the
mean of every network's calibrated probabilities, `number_reader.candidate_probabilities`;
the first network's alone before 2026-12-04) and with the digits as the app and the command
line show them (`Classifier.proba_and_stability`, the same mean for the digit's own input).

It also reads each digit of a strip *alone* (its own strokes, by the same path) and counts
the strips whose every digit is then answered right. A strip of four digits each read
right 98 % of the time is read whole at most 0.98^4 = 92 % of the time, however well the
reader separates them: the share of strips with every digit right alone is that ceiling,
and the exact reading of those strips is the reader's own score (finding and separating
the digits), apart from the single-digit recognition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lenet.classifier import Classifier
from lenet.devtools.drawn.redraw import to_uint8
from lenet.devtools.drawn.strips import DrawnStrip, render_strip
from lenet.ink import (
    preprocess_image,
    preprocess_strokes,
    read_number,
    read_strokes,
    render_strokes,
    to_ink,
)

__all__ = ["strip_report"]


def _shown(read: list, classifier: Classifier) -> tuple[str, bool]:
    """The digits of a reading as they are shown (every network's answer for each), and
    whether the reading is shown with doubt: a digit "not sure", or the reader unsure how
    many digits a group holds."""
    if not read:
        return "", False
    probs, stable = classifier.proba_and_stability(np.stack([d.preprocessed.image for d in read]))
    return ("".join(str(int(k)) for k in probs.argmax(axis=1)),
            bool(classifier.not_sure_flags(probs, stable).any())
            or any(d.count_uncertain for d in read))


def _alone(strip: DrawnStrip) -> list[list]:
    """Each digit's own strokes (strip.digit_strokes counts them, in order)."""
    out, start = [], 0
    for count in strip.digit_strokes:
        out.append(strip.strokes[start : start + count])
        start += count
    return out


def _digits_alone_right(strips: Sequence[DrawnStrip],
                        classifier: Classifier) -> dict[str, np.ndarray]:
    """{path: (S,) bool}: whether every digit of a strip, read alone through that path's
    single-digit preprocessing, is answered right (as the app answers a single digit)."""
    inputs: dict[str, list] = {"strokes": [], "image": []}
    owner: list[int] = []
    truth: list[int] = []
    for k, s in enumerate(strips):
        for label, strokes in zip(s.number, _alone(s), strict=True):
            ink = render_strokes(strokes, s.size)
            inputs["strokes"].append(preprocess_strokes(strokes, s.size).image)
            inputs["image"].append(preprocess_image(to_uint8(ink)).image)
            owner.append(k)
            truth.append(int(label))
    out = {}
    for path, images in inputs.items():
        blank = np.zeros((28, 28), np.float32)
        if not images:
            out[path] = np.ones(len(strips), bool)
            continue
        x = np.stack([blank if im is None else im for im in images])
        probs = classifier.proba_and_stability(x)[0]
        right = (probs.argmax(axis=1) == np.asarray(truth)) \
            & np.array([im is not None for im in images], bool)
        every = np.ones(len(strips), bool)
        np.logical_and.at(every, np.asarray(owner, np.intp), right)
        out[path] = every
    return out


def strip_report(strips: Sequence[DrawnStrip], classifier: Classifier) -> dict[str, Any]:
    """How many `strips` are read exactly from the rendered image (`read_number`) and from
    the strokes (`read_strokes`), all / digits apart / some touching, with the reader's
    digits and (``*_shown``) the shown ones: {n, exact, accuracy, count_correct, touching,
    accuracy_apart/_touching, strokes_accuracy(_apart, _touching), accuracy_shown,
    strokes_accuracy_shown, (strokes_)doubted_wrong / _right (the shares of the misread and of
    the exactly read strips shown with doubt: a digit "not sure" or the count uncertain),
    digits_alone_right, strokes_digits_alone_right (the shares of
    strips whose every digit is answered right alone), accuracy_given_alone_right,
    strokes_accuracy_given_alone_right (the shown reading of those strips), failures (up
    to 30 image-path misses)}."""
    strip_ok, count_ok, touching, by_strokes = [], [], [], []
    shown_ok, shown_strokes_ok, doubted, doubted_strokes = [], [], [], []
    strip_failures = []
    for k, s in enumerate(strips):
        image_read = read_number(to_ink(render_strip(s)), classifier)
        strokes_read = read_strokes(s.strokes, s.size, classifier)
        read = "".join(str(d.digit) for d in image_read)
        from_strokes = "".join(str(d.digit) for d in strokes_read)
        strip_ok.append(read == s.number)
        by_strokes.append(from_strokes == s.number)
        for reading, oks, doubts in ((image_read, shown_ok, doubted),
                                     (strokes_read, shown_strokes_ok, doubted_strokes)):
            shown, doubt = _shown(reading, classifier)
            oks.append(shown == s.number)
            doubts.append(doubt)
        count_ok.append(len(read) == len(s.number))
        touching.append(s.touching > 0)
        if read != s.number and len(strip_failures) < 30:
            strip_failures.append(
                {"item": k, "true": s.number, "read": read, "strokes": from_strokes,
                 "touching": s.touching}
            )
    ok_arr, touch_arr = np.asarray(strip_ok, bool), np.asarray(touching, bool)
    strokes_arr = np.asarray(by_strokes, bool)
    shown_arr, shown_strokes_arr = np.asarray(shown_ok, bool), np.asarray(shown_strokes_ok, bool)
    doubt_arr, doubt_strokes_arr = np.asarray(doubted, bool), np.asarray(doubted_strokes, bool)
    alone = _digits_alone_right(strips, classifier) if all(s.digit_strokes for s in strips) \
        else None

    def rate(sel: np.ndarray, ok: np.ndarray = ok_arr) -> float | None:
        return round(float(ok[sel].mean()), 4) if sel.any() else None

    every = np.ones(len(strips), bool)
    return {
        "n": len(strips),
        "exact": int(ok_arr.sum()),
        "accuracy": rate(every),
        "count_correct": round(float(np.mean(count_ok)), 4) if len(strips) else None,
        "touching": int(touch_arr.sum()),
        "accuracy_apart": rate(~touch_arr),
        "accuracy_touching": rate(touch_arr),
        "strokes_accuracy": rate(every, strokes_arr),
        "strokes_accuracy_apart": rate(~touch_arr, strokes_arr),
        "strokes_accuracy_touching": rate(touch_arr, strokes_arr),
        "accuracy_shown": rate(every, shown_arr),
        "strokes_accuracy_shown": rate(every, shown_strokes_arr),
        # honesty: the share of the misread strips shown with doubt, and of the right ones
        "doubted_wrong": rate(~shown_arr, doubt_arr),
        "doubted_right": rate(shown_arr, doubt_arr),
        "strokes_doubted_wrong": rate(~shown_strokes_arr, doubt_strokes_arr),
        "strokes_doubted_right": rate(shown_strokes_arr, doubt_strokes_arr),
        "digits_alone_right": rate(every, alone["image"]) if alone else None,
        "strokes_digits_alone_right": rate(every, alone["strokes"]) if alone else None,
        "accuracy_given_alone_right": rate(alone["image"], shown_arr) if alone else None,
        "strokes_accuracy_given_alone_right": (rate(alone["strokes"], shown_strokes_arr)
                                               if alone else None),
        "failures": strip_failures,
    }
