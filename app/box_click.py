"""A click inside a digit's box selects it; a press that moves draws, as anywhere else.

`BoxClick` watches the canvas's pointer events (mouse and pen tablet) for Number Mode. A
press inside a box is held back: once the pointer moves more than `CLICK_SLOP` pixels it is
handed to the canvas after all, and the stroke starts where the pen went down (nothing of
it is lost); a release before that is a click, and `clicked(index)` says which box it was.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtWidgets import QApplication, QWidget

CLICK_SLOP = 4.0  # widget pixels a click may wander: more, and the press was a stroke's start

PRESSES = (QEvent.Type.MouseButtonPress, QEvent.Type.TabletPress)
MOVES = (QEvent.Type.MouseMove, QEvent.Type.TabletMove)
RELEASES = (QEvent.Type.MouseButtonRelease, QEvent.Type.TabletRelease)


class BoxClick(QObject):
    """Tells a click inside a box (`box_at(pos)`: its index, or None) from a stroke on `canvas`.

    `filter(event)` is called from the canvas's event filter; True means the event is taken.
    """

    clicked = Signal(int)

    def __init__(self, canvas: QWidget, box_at: Callable[[QPointF], int | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._canvas = canvas
        self._box_at = box_at
        self._held: tuple[QEvent, QPointF, int] | None = None  # (press, where, box)
        self._replaying = False

    def is_holding(self) -> bool:
        """True between a press inside a box and its release or first real movement."""
        return self._held is not None

    def filter(self, event: QEvent) -> bool:
        """Hold a press inside a box back, and decide: a click or a stroke."""
        kind = event.type()
        if self._replaying:
            return False
        if kind in PRESSES:
            if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
                return False
            pos = QPointF(event.position())  # type: ignore[attr-defined]
            box = self._box_at(pos)
            if box is None:
                return False
            self._held = (event.clone(), pos, box)  # type: ignore[attr-defined]
            event.accept()  # (a pen's press, accepted, makes no mouse press of its own)
            return True
        if self._held is None:
            return False
        press, start, box = self._held
        if kind in MOVES:
            delta = QPointF(event.position()) - start  # type: ignore[attr-defined]
            if max(abs(delta.x()), abs(delta.y())) <= CLICK_SLOP:
                event.accept()
                return True
            self._held = None  # a stroke after all: it begins at the press
            self._replaying = True
            try:
                QApplication.sendEvent(self._canvas, press)
            finally:
                self._replaying = False
            return False  # this move goes on to the canvas and extends the stroke
        if kind in RELEASES:
            self._held = None
            event.accept()
            self.clicked.emit(box)
            return True
        return False
