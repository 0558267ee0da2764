"""Number mode off the GUI thread: reading a number takes tens of milliseconds.

`NumberWorker` lives on its own QThread. The window `submit`s the drawing (or, with an
opened picture, `submit_ink`s the drawing's ink) at any rate; the worker reads only the
newest request when it gets to it (older ones are dropped) and
emits `read(revision, Result)`, so the window can ignore answers for a drawing that has
changed since.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.ink import InkStroke
from app.predictor import Predictor, Result


class NumberWorker(QObject):
    """Runs `Predictor.predict_number` (or `predict_number_ink`) on a thread of its own; the
    latest request wins."""

    read = Signal(int, object)  # revision, Result
    failed = Signal(str)
    _wake = Signal()

    def __init__(self, predictor: Predictor) -> None:
        super().__init__()  # no parent: the worker moves to its own thread
        self._predictor = predictor
        self._lock = threading.Lock()
        self._latest: tuple[int, Callable[[], Result]] | None = None
        self._thread = QThread()
        self._thread.setObjectName("NumberWorker")
        self.moveToThread(self._thread)
        self._wake.connect(self._run)  # queued: this object lives in the worker thread
        self._thread.start()

    def submit(self, revision: int, strokes: Sequence[InkStroke], canvas_size: tuple[int, int],
               scale: float = 1.0, want_maps: bool = False) -> None:
        """Ask for the number drawn (see `Predictor.predict_number`; `want_maps`: with each
        digit's activations); replaces any request not started yet."""
        strokes = list(strokes)
        self._request(revision, lambda: self._predictor.predict_number(
            strokes, canvas_size, scale, want_maps))

    def submit_ink(self, revision: int, ink: np.ndarray, want_maps: bool = False) -> None:
        """Ask for the number in an ink array (H, W) (see `Predictor.predict_number_ink`; the
        array must not change afterwards); replaces any request not started yet."""
        self._request(revision, lambda: self._predictor.predict_number_ink(ink, want_maps))

    def _request(self, revision: int, read: Callable[[], Result]) -> None:
        with self._lock:
            self._latest = (revision, read)
        self._wake.emit()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Drop pending requests, stop the thread; True if it ended within the timeout."""
        with self._lock:
            self._latest = None
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    @Slot()
    def _run(self) -> None:
        with self._lock:
            job, self._latest = self._latest, None
        if job is None:  # an earlier wake-up already took it
            return
        revision, read = job
        try:
            result = read()
        except Exception as exc:  # an engine bug must not kill the thread
            traceback.print_exc()
            self.failed.emit(str(exc) or type(exc).__name__)
            return
        self.read.emit(revision, result)
