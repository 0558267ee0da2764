"""AnswerPanel: the column beside the canvas, what the network sees and what it answers.

The network's 28×28 input (`InputView`) above the answer: the ten probability bars for one
digit, in words "That doesn't look like a digit" for a scribble, a letter or a shape (the
`not_a_digit` page), or in number mode the number read (`NumberView`), stacked.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from app.input_view import InputView
from app.number_view import NumberView
from app.predictor import Result
from app.probability_bars import ProbabilityBars

ANSWER_FILE_ENV = "LENET_DIGITS_ANSWER_FILE"
"""If set, every answer shown is also written to this file ("7 0.998", or "number 2026"),
so that a script driving the real app (the X11 smoke test) can read what it says."""

NOT_A_DIGIT = "That doesn't look like a digit"
NOT_A_DIGIT_DETAIL = ("A scribble, a letter or a shape?\nDraw one digit, 0 to 9.\n"
                      "If it is one, press its key to teach it.")


def _tell(text: str) -> None:
    path = os.environ.get(ANSWER_FILE_ENV)
    if path:
        try:
            Path(path).write_text(text + "\n", encoding="utf-8")
        except OSError:
            pass


class AnswerPanel(QWidget):
    """`input_view` above `stack`, which holds `bars`, `not_a_digit` and `number_view`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input_view = InputView(self)
        self.bars = ProbabilityBars(self)
        self.number_view = NumberView(self)
        self.not_a_digit = QLabel(f"<h2>{NOT_A_DIGIT}</h2><p>"
                                  + NOT_A_DIGIT_DETAIL.replace("\n", "<br>") + "</p>", self)
        self.not_a_digit.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.not_a_digit.setWordWrap(True)
        self.not_a_digit.setContentsMargins(10, 40, 10, 10)
        self.not_a_digit.setAccessibleName(NOT_A_DIGIT)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.bars)
        self.stack.addWidget(self.not_a_digit)
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

    def says_not_a_digit(self) -> bool:
        """True while the words "That doesn't look like a digit" are shown."""
        return self.stack.currentWidget() is self.not_a_digit

    def show_result(self, result: Result, number: bool, taught: int | None) -> None:
        """Show `result` as a number (`number`) or as one digit's bars, marking the bar of
        `taught` (the digit this drawing was stored as, if any)."""
        if number:
            self.number_view.set_digits([(d.digit, d.confidence, d.doubtful, d.image)
                                         for d in result.digits])
            self.input_view.set_image(result.digit.image if result.digit else None)
            _tell("number " + result.number)
            return
        rejected = result.not_a_digit and taught is None  # a taught drawing is that digit
        self.stack.setCurrentWidget(self.not_a_digit if rejected else self.bars)
        if result.empty or result.digit is None:
            self.bars.clear()
            self.input_view.set_image(None)
            if result.solid:
                _tell("not a digit")
            return
        self.bars.set_probabilities(result.digit.probabilities, result.digit.not_sure)
        if taught is not None:
            self.bars.set_taught(taught)  # still the drawing that was corrected
        self.input_view.set_image(result.digit.image)
        _tell("not a digit" if rejected
              else f"{result.digit.digit} {result.digit.confidence:.3f}")
