"""From a drawing (or a picture) to an answer: preprocessing + the classifier. No widgets.

The GUI calls these on its own thread, throttled (see `app.throttle`): preprocessing takes a
few milliseconds and a LeNet-5 forward pass well under one. The engine (`lenet.*`) is
imported lazily so that the GUI modules import before the engine is loaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from app.ink import MIN_PRESSURE_SCALE, InkStroke, render_ink


class ClassifierLike(Protocol):
    """What the app needs from `lenet.classifier.Classifier`."""

    metadata: dict

    def predict_proba(self, images: np.ndarray) -> np.ndarray: ...

    def classify(self, image: np.ndarray) -> Any: ...

    def proba_and_stability(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def prediction_from(self, probabilities: np.ndarray, stability: float | None = None
                        ) -> Any: ...

    def stages(self) -> list[Any]: ...

    def activations(self, image: np.ndarray) -> dict[str, np.ndarray]: ...


@dataclass
class DigitResult:
    """One classified 28×28 input (one digit of number mode, or the whole drawing)."""

    image: np.ndarray  # (28, 28) float32, what the network saw
    digit: int
    confidence: float
    probabilities: np.ndarray  # (10,)
    not_sure: bool
    box: tuple[int, int, int, int] | None = None
    count_uncertain: bool = False  # number mode: the reader doubts how many digits are here
    not_a_digit: bool = False  # a scribble, a letter, a shape (see lenet.ink.not_a_digit)
    activations: dict[str, np.ndarray] | None = None  # number mode: the network view's stages

    @property
    def doubtful(self) -> bool:
        """Not sure of the digit, or of how many digits there are (number mode)."""
        return self.not_sure or self.count_uncertain


@dataclass
class Result:
    """The outcome of one prediction. `empty`: nothing was drawn (or only a tap);
    `solid`: ink too solid to be strokes (a filled blob), not a digit, with no `digit`."""

    empty: bool
    digit: DigitResult | None = None
    activations: dict[str, np.ndarray] | None = None  # every stage's output, by stage name
    digits: list[DigitResult] = field(default_factory=list)  # number mode, left to right
    elapsed_ms: float = 0.0
    solid: bool = False

    @property
    def not_a_digit(self) -> bool:
        """The drawing is not a digit: solid, or the rule says so about the one digit."""
        return self.solid or (self.digit is not None and self.digit.not_a_digit)

    @property
    def number(self) -> str:
        """Number mode: the digits read left to right ("" if none)."""
        return "".join(str(d.digit) for d in self.digits)


def to_engine_strokes(strokes: Sequence[InkStroke]) -> list[Any]:
    """The app's strokes as `lenet.ink.Stroke`s (widths as the canvas draws them)."""
    from lenet.ink import Stroke

    out = []
    for s in strokes:
        if not s.points:
            continue
        pressures = None
        if s.pressures is not None:  # the engine multiplies width by pressure
            p = np.clip(np.asarray(s.pressures, dtype=np.float64), 0.0, 1.0)
            pressures = MIN_PRESSURE_SCALE + (1.0 - MIN_PRESSURE_SCALE) * p
        out.append(Stroke(np.asarray(s.points, dtype=np.float64).reshape(-1, 2), float(s.width),
                          pressures, bool(s.erase)))
    return out


class Predictor:
    """Turns drawings and pictures into `Result`s with the current classifier."""

    def __init__(self, classifier: ClassifierLike | None = None) -> None:
        self._classifier = classifier

    @property
    def classifier(self) -> ClassifierLike | None:
        """The classifier in use (None: predictions are empty)."""
        return self._classifier

    def set_classifier(self, classifier: ClassifierLike | None) -> None:
        """Use another classifier from now on."""
        self._classifier = classifier

    def _classify(self, preprocessed: Any, want_maps: bool) -> Result:
        if self._classifier is not None and preprocessed.solid:
            return Result(empty=False, solid=True)
        if preprocessed.empty or preprocessed.image is None or self._classifier is None:
            return Result(empty=True)
        from lenet.ink.not_a_digit import not_a_digit_for

        image = np.asarray(preprocessed.image, dtype=np.float32)
        pred = self._classifier.classify(image)
        probabilities = np.asarray(pred.probabilities, dtype=np.float32)
        digit = DigitResult(image, int(pred.digit), float(pred.confidence), probabilities,
                            bool(pred.not_sure), preprocessed.box,
                            not_a_digit=not_a_digit_for(self._classifier, image,
                                                        probabilities))
        acts = self._classifier.activations(image) if want_maps else None
        return Result(empty=False, digit=digit, activations=acts)

    def predict_strokes(self, strokes: Sequence[InkStroke], canvas_size: tuple[int, int],
                        want_maps: bool = False) -> Result:
        """Classify a drawing (strokes in canvas units on a canvas of `canvas_size` (w, h))."""
        from lenet.ink import preprocess_strokes

        start = time.perf_counter()
        engine_strokes = to_engine_strokes(strokes)
        if not engine_strokes:
            return Result(empty=True)
        result = self._classify(preprocess_strokes(engine_strokes, canvas_size), want_maps)
        result.elapsed_ms = (time.perf_counter() - start) * 1000.0
        return result

    def predict_ink(self, ink: np.ndarray, want_maps: bool = False) -> Result:
        """Classify an ink array (H, W) float in [0, 1], ink = 1: a picture's (`to_ink` of a
        decoded file: the same answer as `lenet predict`), or a picture drawn on."""
        from lenet.ink import preprocess_ink

        start = time.perf_counter()
        result = self._classify(preprocess_ink(np.asarray(ink, dtype=np.float32)), want_maps)
        result.elapsed_ms = (time.perf_counter() - start) * 1000.0
        return result

    def predict_number(self, strokes: Sequence[InkStroke], canvas_size: tuple[int, int],
                       scale: float = 1.0, want_maps: bool = False) -> Result:
        """Number mode: read the digits of a drawing left to right (see
        `lenet.ink.read_strokes`; the ink is rendered at `scale` x the canvas); `want_maps`:
        each digit with its `activations` too (about 0.15 ms a digit).

        Tries cuts through touching digits and classifies every candidate, so it takes tens
        of milliseconds: the window runs it off the GUI thread.
        """
        from lenet.ink import read_strokes

        start = time.perf_counter()
        engine_strokes = to_engine_strokes(strokes)
        if self._classifier is None or not engine_strokes:
            return Result(empty=True)
        read = read_strokes(engine_strokes, canvas_size, self._classifier, scale)
        return self._number(read, start, want_maps)

    def predict_number_ink(self, ink: np.ndarray, want_maps: bool = False) -> Result:
        """Number mode on an ink array (H, W) float in [0, 1], ink = 1 (an opened picture,
        drawn on or not): see `lenet.ink.read_number`; boxes in the array's pixels. Tens
        of milliseconds, like `predict_number`."""
        from lenet.ink import read_number

        start = time.perf_counter()
        if self._classifier is None:
            return Result(empty=True)
        read = read_number(np.asarray(ink, dtype=np.float32), self._classifier)
        return self._number(read, start, want_maps)

    def _number(self, read: Sequence[Any], start: float, want_maps: bool) -> Result:
        """The digits `lenet.ink` read (`ReadDigit`s), as a Result timed from `start`."""
        assert self._classifier is not None
        digits = []
        # every digit and its test-time variants in one batch (the "not sure" rule reads both)
        probs, stable = (self._classifier.proba_and_stability(
            np.stack([d.preprocessed.image for d in read])) if read else ([], []))
        for d, p, s in zip(read, probs, stable, strict=True):
            pred = self._classifier.prediction_from(p, float(s))
            image = d.preprocessed.image
            digits.append(DigitResult(image, pred.digit, pred.confidence,
                                      pred.probabilities, pred.not_sure, d.box,
                                      bool(d.count_uncertain), activations=(
                                          self._classifier.activations(image)
                                          if want_maps else None)))
        result = Result(empty=not digits, digit=digits[0] if digits else None, digits=digits)
        result.elapsed_ms = (time.perf_counter() - start) * 1000.0
        return result


WIDE_ASPECT = 1.6
"""Ink this many times wider than tall is wider than one digit."""


def looks_like_several_digits(ink: np.ndarray) -> bool:
    """True when an ink array (H, W) float in [0, 1] looks like more than one digit: its
    ink is over WIDE_ASPECT times as wide as tall, or it falls into separate digit groups
    (`lenet.ink.digit_groups`: a fragment such as a 5's flag drawn apart is no digit of its
    own, as the number reader reads it)."""
    from lenet.ink import digit_groups

    rows = np.flatnonzero((ink > 0.5).any(axis=1))
    cols = np.flatnonzero((ink > 0.5).any(axis=0))
    if rows.size == 0:
        return False
    if cols[-1] - cols[0] + 1 > WIDE_ASPECT * (rows[-1] - rows[0] + 1):
        return True
    return len(digit_groups(np.asarray(ink, dtype=np.float32))[0]) >= 2


def warm_up(classifier: ClassifierLike, ready: Callable[[], None] = lambda: None) -> float:
    """Run every engine path once (numba compiles or loads its cache); returns seconds taken.

    First a drawing is read, with its network view, in plain NumPy (nothing to compile) and
    `ready()` is called: live prediction starts at once, in NumPy. Meanwhile this thread
    makes the compiled kernels of that first screen ready (`lenet.compile_ahead`: on the
    very first start they compile in parallel processes) and reads the drawing with them;
    then every thread switches to them (`lenet.nn.kernels.readiness`). If they cannot be
    compiled, NumPy goes on answering and the error is raised. Then the rest, still on
    this thread: eraser strokes, batches, and number mode, on strokes and on an image,
    with touching digits drawn in one stroke (cutting them classifies a batch of
    candidates, a path of its own that would otherwise compile at the first number read).
    """
    from lenet.compile_ahead import compile_ahead
    from lenet.nn.kernels import readiness

    start = time.perf_counter()
    predictor = Predictor(classifier)
    seven = [InkStroke(points=[(120.0, 110.0), (380.0, 110.0), (230.0, 420.0)], width=26.0)]
    readiness.plain_numpy_until_compiled()
    predictor.predict_strokes(seven, (512, 512), want_maps=True)
    ready()
    with readiness.compiled_in_this_thread():
        compile_ahead()
        predictor.predict_strokes(seven, (512, 512), want_maps=True)
    readiness.compiled_everywhere()
    erased = [*seven, InkStroke(points=[(300.0, 100.0), (310.0, 120.0)], width=10.0, erase=True)]
    predictor.predict_strokes(erased, (512, 512))
    classifier.predict_proba(np.zeros((2, 28, 28), dtype=np.float32))
    eleven = [InkStroke(points=[(x, 60.0), (x, 440.0)], width=24.0) for x in (300.0, 700.0)]
    touching = [*eleven, InkStroke(points=[(300.0, 250.0), (700.0, 250.0)], width=24.0)]
    predictor.predict_number(touching, (1024, 512), 0.5)
    zigzag = [InkStroke(points=[(200.0, 100.0), (330.0, 420.0), (460.0, 100.0), (590.0, 420.0),
                                (720.0, 100.0), (850.0, 420.0)], width=30.0)]
    predictor.predict_number(zigzag, (1024, 512), 0.5)
    predictor.predict_number_ink(render_ink([*touching, *zigzag], (1024, 512), 0.5))
    return time.perf_counter() - start
