"""Background jobs on a QThread: engine start-up and the MNIST download.

A job declares typed signals on the class, runs `work()` in its own thread, polls a stop
flag through `should_stop()`, and never touches a widget: the window connects to it.
`stop()` sets the flag; `wait()` joins the thread.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

EXPECTED_ERRORS = (ValueError, OSError, RuntimeError)
"""What bad input, a full disk, no network or a diverging run raise in the engine (its
ModelFileError, IdxError, DownloadError, TrainingDiverged are among them): the user gets
the message, and the terminal no traceback."""


class BackgroundJob(QObject):
    """Runs `work()` once in a new QThread and reports how it ended (exactly one of
    `finished(result)`, `failed(message)`, `cancelled()`)."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()  # no parent: the job moves to its own thread
        self._stop = threading.Event()
        self._thread: QThread | None = None
        self._done = threading.Event()

    # ------------------------------------------------------------------ to override

    def work(self) -> Any:
        """The job itself, run in the worker thread; returns the result for `finished`."""
        raise NotImplementedError

    def cancel_exceptions(self) -> tuple[type[BaseException], ...]:
        """Exceptions that mean "stopped on request"."""
        return ()

    def describe_error(self, exc: BaseException) -> str:
        """The message shown to the user for an exception from `work()`."""
        if isinstance(exc, MemoryError):
            return "Out of memory."
        if isinstance(exc, OSError) and exc.errno == 28:
            return f"The disk is full: {exc}"
        text = str(exc) or type(exc).__name__
        return text if isinstance(exc, EXPECTED_ERRORS) else f"{type(exc).__name__}: {text}"

    # ------------------------------------------------------------------ control

    def start(self) -> None:
        """Start the job in a new thread (once)."""
        if self._thread is not None:
            raise RuntimeError("a job runs only once")
        thread = QThread()
        thread.setObjectName(type(self).__name__)
        self.moveToThread(thread)
        thread.started.connect(self._run)
        self._thread = thread
        thread.start()

    def stop(self) -> None:
        """Ask the job to stop at its next check (returns at once; see `wait`)."""
        self._stop.set()

    def should_stop(self) -> bool:
        """True once `stop()` was called (the job polls this)."""
        return self._stop.is_set()

    def is_running(self) -> bool:
        """True from `start()` until the thread has finished."""
        return self._thread is not None and not self._done.is_set()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Wait for the thread to end (forever when negative); True if it has ended."""
        if self._thread is None:
            return True
        if timeout_ms < 0:
            return self._thread.wait()
        return self._thread.wait(int(timeout_ms))

    @Slot()
    def _run(self) -> None:
        try:
            result = self.work()
        except BaseException as exc:
            if isinstance(exc, self.cancel_exceptions()) or (
                self.should_stop() and not isinstance(exc, MemoryError)
            ):
                self.cancelled.emit()
            else:
                if not isinstance(exc, EXPECTED_ERRORS):  # a bug: its traceback helps
                    traceback.print_exc()
                self.failed.emit(self.describe_error(exc))
        else:
            if self.should_stop():
                self.cancelled.emit()
            else:
                self.finished.emit(result)
        finally:
            self._done.set()
            QThread.currentThread().quit()


class DownloadWorker(BackgroundJob):
    """Downloads MNIST into `dest` with the engine's downloader.

    progress(object): (filename, bytes_done, bytes_total or None); finished(Path).
    """

    def __init__(self, dest: Path, download: Callable[..., Path] | None = None) -> None:
        super().__init__()
        self._dest = Path(dest)
        self._download = download
        self._last = 0.0

    def _on_progress(self, name: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last >= 0.05 or (total is not None and done >= total):
            self._last = now
            self.progress.emit((name, int(done), total))

    def work(self) -> Path:
        download = self._download
        if download is None:
            from lenet.data.download import download_mnist

            download = download_mnist
        return Path(download(self._dest, on_progress=self._on_progress,
                             should_stop=self.should_stop))

    def cancel_exceptions(self) -> tuple[type[BaseException], ...]:
        try:
            from lenet.data.download import DownloadCancelled
        except ImportError:
            return ()
        return (DownloadCancelled,)


class EngineLoader(BackgroundJob):
    """Start-up: load the model (with fallback) and warm the engine up, off the GUI thread.

    progress(LoadedModel) as soon as the first screen's kernels are ready (live prediction
    can start; the rest of the warm-up goes on here), finished(LoadedModel) at the end.
    """

    def __init__(self, load: Callable[[], Any],
                 warm_up: Callable[[Any, Callable[[], None]], Any] | None) -> None:
        super().__init__()
        self._load = load
        self._warm_up = warm_up

    def work(self) -> Any:
        loaded = self._load()
        if loaded.classifier is not None and self._warm_up is not None:
            self._warm_up(loaded.classifier, lambda: self.progress.emit(loaded))
        return loaded
