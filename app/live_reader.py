"""LiveReader: reads the canvas while it is drawn on, for the window to show.

Changes are throttled to one reading per 50 ms (`throttle`; pen-up reads at once). One
digit is read on the GUI thread; a number is read on a `NumberWorker` thread, and an answer
for a drawing that has changed since is dropped. With an opened picture the network reads
the picture with the strokes on it (`DrawingCanvas.ink_array`), or the picture's own ink at
its own size while nothing is drawn on it in single-digit mode (as `lenet predict` reads it).
Answers come as `answered(Result)`, engine errors as `failed(message)`; in single-digit mode
`number_hint(text)` suggests Number Mode for what looks like several digits ("" when not).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.canvas import DrawingCanvas
from app.number_worker import NumberWorker
from app.predictor import Predictor, Result, looks_like_several_digits
from app.throttle import Throttle

NUMBER_INK_SCALE = 0.5  # number mode reads the ink at half the canvas resolution; so do a
# picture drawn on in single-digit mode (ample for 28 x 28) and the "several digits?" hint
NUMBER_HINT = "Several digits? Number Mode (Ctrl+N) reads them side by side."


class LiveReader(QObject):
    """Reads `canvas` with `predictor`; `ready()`, `number_mode()` and `maps_shown()` (is
    the feature-maps view on screen) are asked at every reading."""

    answered = Signal(object)  # Result
    failed = Signal(str)
    number_hint = Signal(str)  # NUMBER_HINT, or "" when it does not apply

    def __init__(self, canvas: DrawingCanvas, predictor: Predictor, ready: Callable[[], bool],
                 number_mode: Callable[[], bool], maps_shown: Callable[[], bool],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._canvas = canvas
        self._predictor = predictor
        self._ready = ready
        self._number_mode = number_mode
        self._maps_shown = maps_shown
        self.revision = 0  # bumped on every change of the drawing
        self._number_worker: NumberWorker | None = None  # started when number mode is used
        self.throttle = Throttle(50, self)
        self.throttle.fired.connect(self.read_now)

    def drawing_changed(self) -> None:
        """Count the change and read soon (an empty canvas is answered at once)."""
        self.revision += 1
        if self._canvas.is_empty():
            self.answered.emit(Result(empty=True))
            self.throttle.request_now()
        else:
            self.throttle.request()

    def read_now(self) -> Result | None:
        """Read what is on the canvas now (called by the throttle; safe to call directly).

        A number is read on the worker's thread: its answer comes later and this returns None.
        """
        if not self._ready():
            return None
        number_mode = self._number_mode()
        canvas = self._canvas
        # every reading, also mid-stroke: the layer-by-layer pass costs about 0.15 ms (a
        # digit; number mode's digits get theirs on the worker's thread)
        want_maps = self._maps_shown()
        layer = canvas.image()
        rendered: list[np.ndarray] = []

        def half_ink() -> np.ndarray:  # the drawing at half size, rendered once per reading
            if not rendered:
                rendered.append(canvas.ink_array(NUMBER_INK_SCALE))
            return rendered[0]

        try:
            if not number_mode and not canvas.is_drawing():
                several = not canvas.is_empty() and looks_like_several_digits(half_ink())
                self.number_hint.emit(NUMBER_HINT if several else "")
            if canvas.is_empty():
                result = Result(empty=True)
            elif number_mode:
                self.number_hint.emit("")
                if layer is None:
                    self._worker().submit(self.revision, canvas.strokes(), canvas.canvas_size(),
                                          NUMBER_INK_SCALE, want_maps)
                else:  # boxes in the same pixels as for strokes
                    self._worker().submit_ink(self.revision, half_ink(), want_maps)
                return None
            elif layer is not None and not canvas.has_strokes():  # as `lenet predict` reads it
                result = self._predictor.predict_ink(layer.ink, want_maps)
            elif layer is not None:
                result = self._predictor.predict_ink(half_ink(), want_maps)
            else:
                result = self._predictor.predict_strokes(canvas.strokes(), canvas.canvas_size(),
                                                         want_maps)
        except Exception as exc:  # an engine bug must not take the window down
            traceback.print_exc()
            self.failed.emit(str(exc))
            return None
        self.answered.emit(result)
        return result

    def reads_number(self) -> bool:
        """True when the answer is a number (number mode)."""
        return self._number_mode()

    def _worker(self) -> NumberWorker:
        if self._number_worker is None:
            self._number_worker = NumberWorker(self._predictor)
            self._number_worker.read.connect(self._on_number_read)
            self._number_worker.failed.connect(self.failed)
        return self._number_worker

    def _on_number_read(self, revision: int, result: Result) -> None:
        """A number read on the worker thread: answered unless the drawing changed since."""
        if revision == self.revision and self.reads_number() and not self._canvas.is_empty():
            self.answered.emit(result)

    def shutdown(self) -> None:
        """Stop the number worker's thread, if it was started (closing)."""
        if self._number_worker is not None:
            self._number_worker.shutdown()
