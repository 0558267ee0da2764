"""How the window shares its space: the canvas takes it, the side panel gets a fair share.

`CanvasPanelLayout` puts the answer panel beside the canvas (a square paper) or below it (the
wide paper of number mode), whichever gives the paper more room, and sizes the panel to what
the paper leaves over instead of a fixed width: no bands around a small canvas. `set_dock_visible`
shows or hides a dock and, when showing it made the window taller, gives that height back.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QDockWidget, QLayout, QLayoutItem, QMainWindow, QWidget

MARGIN = 10
SPACING = 14
PANEL_SHARE = 0.36  # at most this much of the width goes to a panel beside the canvas
PANEL_BELOW_SHARE = 0.4  # ... of the height, to a panel below it


class CanvasPanelLayout(QLayout):
    """`canvas` (with `canvas_size()`, the paper's (w, h)) and `panel`, in `parent`."""

    def __init__(self, parent: QWidget, canvas: QWidget, panel: QWidget) -> None:
        super().__init__(parent)
        self._canvas, self._panel = canvas, panel
        self._items: list[QLayoutItem] = []
        self.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        self.setSpacing(SPACING)
        self.addWidget(canvas)
        self.addWidget(panel)

    # ------------------------------------------------------------------ QLayout

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def _combined(self, canvas: QSize, panel: QSize) -> QSize:
        """The size of the canvas and the panel side by side (or stacked), with margins."""
        if self._below():
            size = QSize(max(canvas.width(), panel.width()),
                         canvas.height() + SPACING + panel.height())
        else:
            size = QSize(canvas.width() + SPACING + panel.width(),
                         max(canvas.height(), panel.height()))
        return size + QSize(2 * MARGIN, 2 * MARGIN)

    def sizeHint(self) -> QSize:
        return self._combined(self._canvas.sizeHint(), self._panel.sizeHint())

    def minimumSize(self) -> QSize:
        canvas = self._canvas.minimumSizeHint().expandedTo(self._canvas.minimumSize())
        return self._combined(canvas, self._min_panel())

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        canvas_rect, panel_rect = self.arrange(rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN))
        self._canvas.setGeometry(canvas_rect)
        self._panel.setGeometry(panel_rect)

    # ------------------------------------------------------------------ the rule

    def _aspect(self) -> float:
        w, h = self._canvas.canvas_size()
        return max(0.1, w / max(h, 1))

    def _below(self) -> bool:
        return self._aspect() >= 1.5

    def _min_panel(self) -> QSize:
        return self._panel.minimumSizeHint().expandedTo(self._panel.minimumSize())

    def arrange(self, area: QRect) -> tuple[QRect, QRect]:
        """(canvas, panel) rectangles in `area`: the paper (aspect w / h) as large as it
        can be, the panel the rest; extra room the paper cannot use is shared out evenly
        on both sides of the pair, not left as a gap between them."""
        a, pmin = self._aspect(), self._min_panel()
        w, h = area.width(), area.height()
        if self._below():  # the panel: what a full-width paper leaves, but room to read it
            want = max(pmin.height(), min(self._panel.sizeHint().height(),
                                          int(h * PANEL_BELOW_SHARE)))
            panel_h = max(want, h - SPACING - int(w / a))
            canvas_h = max(0, h - SPACING - panel_h)
            canvas_w = min(w, int(canvas_h * a) + 2)
            left = area.x() + (w - canvas_w) // 2
            return (QRect(left, area.y(), canvas_w, canvas_h),
                    QRect(area.x(), area.y() + canvas_h + SPACING, w, panel_h))
        panel_w = max(pmin.width(), min(int(w * PANEL_SHARE), w - SPACING - int(h * a)))
        canvas_w = max(0, min(w - SPACING - panel_w, int(h * a) + 2))
        left = area.x() + (w - canvas_w - SPACING - panel_w) // 2
        return (QRect(left, area.y(), canvas_w, h),
                QRect(left + canvas_w + SPACING, area.y(), panel_w, h))


def set_dock_visible(window: QMainWindow, dock: QDockWidget, visible: bool) -> None:
    """Show or hide `dock`; if showing it made `window` grow taller (the dock did not fit
    beside the other widgets' minimum sizes), hiding it shrinks the window back."""
    grown = int(dock.property("grew_window_by") or 0)
    if visible != dock.isHidden():  # already so (isVisible is False in a hidden window)
        return
    if visible:
        before = window.height()
        dock.setVisible(True)
        window.layout().activate()
        dock.setProperty("grew_window_by", max(0, window.height() - before))
        return
    dock.setVisible(False)
    dock.setProperty("grew_window_by", 0)
    if grown and not (window.isMaximized() or window.isFullScreen()):
        window.layout().activate()
        window.resize(window.width(), max(window.minimumSizeHint().height(),
                                          window.height() - grown))
