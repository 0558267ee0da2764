"""Throttle: turn a flood of "the drawing changed" into at most one prediction per interval."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal


class Throttle(QObject):
    """Emits `fired` at most once per `interval_ms` while `request()` keeps being called.

    The first request fires after the interval (never inside the caller's event handler);
    `request_now()` (pen-up) fires on the next turn of the event loop. Requests made while
    disabled are remembered and fire when enabled again.
    """

    fired = Signal()

    def __init__(self, interval_ms: int = 50, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._interval = int(interval_ms)
        self._pending = False
        self._enabled = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # "at most every" means it
        self._timer.timeout.connect(self._on_timeout)

    def interval(self) -> int:
        """The minimum time between two `fired` signals, ms."""
        return self._interval

    def is_pending(self) -> bool:
        """True if a request has not fired yet."""
        return self._pending

    def set_enabled(self, enabled: bool) -> None:
        """Disable (requests wait) or enable (a waiting request fires soon)."""
        self._enabled = bool(enabled)
        if self._enabled and self._pending and not self._timer.isActive():
            self._timer.start(0)

    def request(self) -> None:
        """Ask for a `fired` signal within the interval."""
        self._pending = True
        if self._enabled and not self._timer.isActive():
            self._timer.start(self._interval)

    def request_now(self) -> None:
        """Ask for a `fired` signal as soon as the event loop is free."""
        self._pending = True
        if self._enabled:
            self._timer.start(0)

    def _on_timeout(self) -> None:
        if not self._pending or not self._enabled:
            return
        self._pending = False
        self.fired.emit()
        self._timer.start(self._interval)  # cool-down: coalesce what arrives meanwhile
