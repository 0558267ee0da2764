"""AnswerPanel: the column beside the canvas, what the network sees and what it answers.

The network's 28×28 input (`InputView`) above the answer: the ten probability bars for one
digit, or in number mode the number read (`NumberView`), one stacked over the other.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from app.input_view import InputView
from app.number_view import NumberView
from app.predictor import Result
from app.probability_bars import ProbabilityBars

ANSWER_FILE_ENV = "LENET_DIGITS_ANSWER_FILE"
"""If set, every answer shown is also written to this file ("7 0.998", or "number 2026"),
so that a script driving the real app (the X11 smoke test) can read what it says."""


def _tell(text: str) -> None:
    path = os.environ.get(ANSWER_FILE_ENV)
    if path:
        try:
            Path(path).write_text(text + "\n", encoding="utf-8")
        except OSError:
            pass


class AnswerPanel(QWidget):
    """`input_view` above `stack`, which holds `bars` and `number_view`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input_view = InputView(self)
        self.bars = ProbabilityBars(self)
        self.number_view = NumberView(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.bars)
        self.stack.addWidget(self.number_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.input_view, 1)
        layout.addSpacing(6)
        layout.addWidget(self.stack, 1)
        self.setMinimumWidth(240)  # its width is set by the window's layout (window_layout)

    def set_number_mode(self, on: bool) -> None:
        """Show the number read instead of the bars (each digit then shows its own input)."""
        self.stack.setCurrentWidget(self.number_view if on else self.bars)
        self.input_view.setVisible(not on)
        # the hidden bars must not hold the panel (and with it the canvas) to their height
        policy = QSizePolicy.Policy.Ignored if on else QSizePolicy.Policy.Preferred
        self.bars.setSizePolicy(policy, policy)
        self.bars.setMinimumHeight(0 if on else self.bars.minimumSizeHint().height())
        self.stack.updateGeometry()
        self.layout().invalidate()
        self.updateGeometry()  # the window lays the panel out anew (below a wide canvas)

    def show_result(self, result: Result, number: bool, taught: int | None) -> None:
        """Show `result` as a number (`number`) or as one digit's bars, marking the bar of
        `taught` (the digit this drawing was stored as, if any)."""
        if number:
            self.number_view.set_digits([(d.digit, d.confidence,
                                          d.not_sure or d.count_uncertain, d.image)
                                         for d in result.digits])
            self.input_view.set_image(result.digit.image if result.digit else None)
            _tell("number " + "".join(str(d.digit) for d in result.digits))
            return
        if result.empty or result.digit is None:
            self.bars.clear()
            self.input_view.set_image(None)
            return
        self.bars.set_probabilities(result.digit.probabilities, result.digit.not_sure)
        if taught is not None:
            self.bars.set_taught(taught)  # still the drawing that was corrected
        self.input_view.set_image(result.digit.image)
        _tell(f"{result.digit.digit} {result.digit.confidence:.3f}")
