"""Which digit of the number read the network view shows, in Number Mode.

The user's pick (a click on a digit's box, or on its picture beside the canvas) holds while
the number keeps its count of digits; otherwise the view shows the most doubtful digit (the
one worth a look), or when none is, the last one (while writing left to right: the digit
just written, so the view stays live as in single-digit mode).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.predictor import DigitResult


def default_digit(digits: Sequence[DigitResult]) -> int:
    """The index to show without a pick: the least confident doubtful digit, else the last
    (`digits` not empty)."""
    doubtful = [i for i, d in enumerate(digits) if d.doubtful]
    if doubtful:
        return min(doubtful, key=lambda i: digits[i].confidence)
    return len(digits) - 1


def digit_caption(index: int, digits: Sequence[DigitResult]) -> str:
    """ "Digit 2 of 4: 7" (with "(not sure)" for a doubtful digit)."""
    d = digits[index]
    return (f"Digit {index + 1} of {len(digits)}: {d.digit}"
            + (" (not sure)" if d.doubtful else ""))


class DigitPick:
    """The digit shown: `choose(digits)` at every reading, `pick(index, count)` on a click."""

    def __init__(self) -> None:
        self._picked: int | None = None
        self._count = 0

    def choose(self, digits: Sequence[DigitResult]) -> int | None:
        """The index to show for a new reading (None: no digits)."""
        n = len(digits)
        if n == 0:
            self._picked, self._count = None, 0
            return None
        if self._picked is not None and n == self._count and self._picked < n:
            return self._picked
        self._picked, self._count = None, n
        return default_digit(digits)

    def pick(self, index: int, count: int) -> None:
        """The user chose digit `index` of a number of `count` digits."""
        self._picked, self._count = int(index), int(count)
