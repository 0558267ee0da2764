"""Status-bar messages shown whole: the permanent labels make room, a long one wraps.

A QStatusBar draws its message only up to its permanent widgets and cuts the rest off, with
no ellipsis. `StatusFit` hides the labels a message would run into (the least needed first)
while that message is shown, and brings them back when it goes or when the bar is wide
enough again; a message wider than the whole bar (a narrow window) is drawn wrapped, the
bar as tall as it needs. `one_line(text)` turns a warning of several lines into one status
line, file paths shortened to the file's name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QStatusBar, QStyle, QStyleOption

MESSAGE_LEFT, MESSAGE_RIGHT = 6, 12  # px: where QStatusBar puts its message, from its edges
_PATH = re.compile(r"(?:[A-Za-z]:)?[/\\](?:[^\s/\\:]+[/\\])+([^\s/\\:]+)")


def one_line(text: str) -> str:
    """A message's lines joined into one ("…cannot be used:\\nIt is empty." → "…cannot be
    used: It is empty."), blank lines dropped, "/some/folder/name.png" → "name.png"."""
    line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return _PATH.sub(r"\1", line)


class StatusFit(QObject):
    """Watches `status`; `labels` are its permanent labels, the first to give way first."""

    def __init__(self, status: QStatusBar, labels: Sequence[QLabel]) -> None:
        super().__init__(status)
        self._status = status
        self._labels = list(labels)
        self._hidden: list[QLabel] = []  # hidden by this, to show again
        self._wrapped = False  # the message is wider than the bar: drawn here, wrapped
        status.messageChanged.connect(self._fit)
        status.installEventFilter(self)

    def hidden(self) -> list[QLabel]:
        """The labels hidden now to make room for the message."""
        return list(self._hidden)

    def is_wrapped(self) -> bool:
        """True while the message is drawn on more than one line."""
        return self._wrapped

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Resize:
            self._fit(self._status.currentMessage())
        elif kind == QEvent.Type.Paint and self._wrapped and self._status.currentMessage():
            self._paint_wrapped()
            return True
        return False

    def _fit(self, message: str) -> None:
        status = self._status
        for label in self._hidden:
            label.show()
        self._hidden = []
        wrapped = False
        if message:
            need = status.fontMetrics().horizontalAdvance(message)
            for label in [label for label in self._labels if label.isVisibleTo(status)]:
                if need <= self._room():
                    break
                label.hide()
                self._hidden.append(label)
            wrapped = need > self._room()
        if wrapped != self._wrapped or wrapped:
            self._wrapped = wrapped
            lines = self._text_rect(message).height() if wrapped else 0
            status.setMinimumHeight(lines + 6 if wrapped else 0)
            status.update()

    def _room(self) -> int:
        """The message's width before the first label shown, as QStatusBar works it out."""
        status = self._status
        layout = status.layout()
        if layout is not None:
            layout.activate()  # the labels where they are now, not at the next turn
        right = status.width() - MESSAGE_RIGHT
        lefts = [label.x() - 2 for label in self._labels if label.isVisibleTo(status)]
        return min([right, *lefts]) - MESSAGE_LEFT

    def _text_rect(self, message: str) -> QRect:
        """The wrapped message's size, in the bar's width."""
        width = max(40, self._status.width() - MESSAGE_LEFT - MESSAGE_RIGHT)
        return self._status.fontMetrics().boundingRect(
            QRect(0, 0, width, 10000), int(Qt.TextFlag.TextWordWrap), message)

    def _paint_wrapped(self) -> None:
        """What QStatusBar paints, the message wrapped instead of cut (every label is hidden)."""
        status = self._status
        painter = QPainter(status)
        option = QStyleOption()
        option.initFrom(status)
        status.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option,
                                     painter, status)
        painter.setPen(status.palette().windowText().color())
        rect = QRect(MESSAGE_LEFT, 0, status.width() - MESSAGE_LEFT - MESSAGE_RIGHT,
                     status.height())
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter
                                   | Qt.TextFlag.TextWordWrap), status.currentMessage())
        painter.end()
