"""NetworkDock: the network view beside the panel that explains its selected unit.

Docked below the canvas. In single-digit mode it shows the drawing's activations; in Number
Mode those of one digit of the number, the one `app.digit_pick` chooses or the user clicks,
with a caption saying which ("Digit 2 of 4: 7"). The activations come with the answer (the
number's on the number reader's thread): showing them only paints.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QHideEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QDockWidget, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.digit_pick import DigitPick, digit_caption
from app.network_layout import Unit
from app.network_view import NetworkView
from app.unit_panel import UnitPanel


class NetworkDock(QDockWidget):
    """The network view (`view`) beside its unit panel (`panel`), docked below the canvas;
    shown and hidden with View → Network only (no close button). In Number Mode `caption`
    says which digit is shown; `digit_shown(index)` tells when that changes."""

    digit_shown = Signal(object)  # int | None: the digit of the number on screen here

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Network", parent)
        self.view = NetworkView()
        self.panel = UnitPanel()
        self.caption = QLabel(self)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        bold = QFont(self.caption.font())
        bold.setBold(True)
        self.caption.setFont(bold)
        self.caption.setAccessibleName("Digit shown")
        self.caption_hint = QLabel("Click a digit's box, or its picture beside the canvas, "
                                   "to show another", self)
        self.caption_hint.setEnabled(False)  # muted, as the palette greys disabled text
        body = QWidget(self)
        rows = QVBoxLayout(body)
        rows.setContentsMargins(4, 0, 4, 4)
        rows.setSpacing(2)
        header = QHBoxLayout()
        header.setSpacing(12)
        header.addWidget(self.caption)
        header.addWidget(self.caption_hint, 1)
        rows.addLayout(header)
        layout = QHBoxLayout()
        layout.setSpacing(10)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.panel, 0)
        rows.addLayout(layout, 1)
        self.setWidget(body)
        self.setObjectName("feature_maps_dock")  # the saved window state knows it by this
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea
                             | Qt.DockWidgetArea.TopDockWidgetArea)
        self.view.selection_changed.connect(self._on_selection)
        self._classifier: Any = None
        self._stages: list[Any] | None = None
        self._number: Any = None  # Number Mode: the Result whose digits are shown
        self._pick = DigitPick()
        self.shown_digit: int | None = None  # Number Mode: its index
        self._told: int | None = None  # what digit_shown said last
        self._set_caption(None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.panel.setFixedWidth(max(190, min(300, int(self.width() * 0.22))))

    def show_result(self, result: Any, number: bool, classifier: Any) -> None:
        """Show a `Result`'s activations (its digit's probabilities on the output) for the
        model `classifier`; in number mode one of its digits' (see `app.digit_pick`); an
        empty drawing shows the layers empty."""
        stages = self._stages_of(classifier)
        self.panel.set_number_mode(number)
        if number:
            self._number = result
            digits = [] if result.empty else result.digits
            self._show_digit(stages, self._pick.choose(digits))
            return
        self._number = None
        self._set_caption(None)
        acts = result.activations
        if result.empty or result.digit is None or acts is None:
            self.view.set_network(stages, None)
        else:
            self.view.set_network(stages, acts, result.digit.probabilities)
        self._on_selection(self.view.selected())

    def show_digit(self, index: int) -> None:
        """Number Mode: show digit `index` of the number read (the user chose it)."""
        digits = [] if self._number is None else self._number.digits
        if 0 <= index < len(digits):
            self._pick.pick(index, len(digits))
            self._show_digit(self._stages, index)

    def _show_digit(self, stages: list[Any] | None, index: int | None) -> None:
        digit = None if index is None else self._number.digits[index]
        if digit is None or digit.activations is None:
            self.view.set_network(stages, None)
        else:
            self.view.set_network(stages, digit.activations, digit.probabilities)
        self._set_caption(index)
        self._on_selection(self.view.selected())

    def _set_caption(self, index: int | None) -> None:
        number = self._number is not None
        self.caption.setVisible(number)
        self.caption_hint.setVisible(number and index is not None
                                     and len(self._number.digits) > 1)
        self.caption.setText("Write a number: one digit at a time is shown here"
                             if index is None else digit_caption(index, self._number.digits))
        self.shown_digit = index
        self._tell_shown()

    def _tell_shown(self) -> None:
        shown = self.shown_digit if self.isVisible() else None
        if shown != self._told:
            self._told = shown
            self.digit_shown.emit(shown)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._tell_shown()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._tell_shown()

    def _stages_of(self, classifier: Any) -> list[Any] | None:
        if classifier is not self._classifier:
            self._classifier = classifier
            try:
                self._stages = None if classifier is None else classifier.stages()
            except (AttributeError, ValueError):  # a network with layers it cannot draw
                self._stages = None
        return self._stages

    def _on_selection(self, unit: Unit | None) -> None:
        self.panel.set_unit(self.view.stages(), self.view.activations(), unit,
                            self.view.pinned() is not None)
