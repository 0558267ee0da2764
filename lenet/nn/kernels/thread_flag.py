"""`ThreadFlag`: a switch that is on only in the thread that turned it on, for a block."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ThreadFlag"]


class ThreadFlag:
    """``with flag.turned_on(): ...`` in one thread; ``flag.on`` is True there, inside the
    block (nested blocks too), and False in every other thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def on(self) -> bool:
        return getattr(self._local, "on", False)

    @contextmanager
    def turned_on(self) -> Iterator[None]:
        before = self.on
        self._local.on = True
        try:
            yield
        finally:
            self._local.on = before
