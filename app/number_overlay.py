"""Number Mode's digit boxes over the ink, and corrections of one digit of a number.

`NumberBoxes` is a child of the canvas that covers it and lets the pointer through: it draws
each digit's box with a tab above it ("7 98%"); a doubtful digit, or one whose group the
reader is unsure how many digits it holds, gets a dashed amber box and a "?", and a banner
says so in words. Boxes are kept in canvas units and placed at paint time, so they follow
resizes. `NumberCorrections` feeds the boxes from the reader; a click on a tab, or inside a
box (`app.box_click`: a press that moves draws), selects that digit (`digit_selected`), and
the digit keys (Correct Me) then store its 28×28 as a correction.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from app.box_click import BoxClick
from app.canvas import DrawingCanvas
from app.corrections import CorrectionStore, plural
from app.ink import InkStroke
from app.live_reader import NUMBER_INK_SCALE, LiveReader
from app.paper import ink_color
from app.predictor import DigitResult, Result
from app.probability_bars import a_digit

SURE = QColor(0x2F, 0x7D, 0xD1)
UNSURE = QColor(0xE0, 0x8A, 0x1E)
TAUGHT = QColor(0x3C, 0xA0, 0x5A)
TAB_HEIGHT = 22.0  # px
COUNT_DOUBT = "Not sure how many digits this is: the dashed box may hold two. " \
              "Writing them a little further apart helps."


class NumberBoxes(QWidget):
    """The boxes of the digits read (boxes in ink pixels at `scale` x the canvas)."""

    def __init__(self, canvas: DrawingCanvas, scale: float = NUMBER_INK_SCALE) -> None:
        super().__init__(canvas)
        self._canvas = canvas
        self._scale = scale
        self.digits: list[DigitResult] = []
        self.selected: int | None = None
        self.taught: dict[int, int] = {}  # digit index -> label stored for it
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setGeometry(canvas.rect())
        self.hide()

    def set_digits(self, digits: list[DigitResult]) -> None:
        """Show these digits' boxes (a new reading: nothing selected or taught)."""
        self.digits = [d for d in digits if d.box is not None]
        self.selected = None
        self.taught = {}
        self.setGeometry(self._canvas.rect())
        self.setVisible(bool(self.digits))
        self.raise_()
        self.update()

    def clear(self) -> None:
        """No boxes."""
        self.set_digits([])

    def count_uncertain(self) -> bool:
        """True when the reader doubts how many digits there are."""
        return any(d.count_uncertain for d in self.digits)

    # ------------------------------------------------------------------ geometry

    def canvas_box(self, i: int) -> tuple[float, float, float, float]:
        """Digit i's box in canvas units (x0, y0, x1, y1)."""
        x0, y0, x1, y1 = self.digits[i].box  # type: ignore[misc]
        s = self._scale
        return x0 / s, y0 / s, x1 / s, y1 / s

    def box_rect(self, i: int) -> QRectF:
        """Digit i's box in widget pixels (a little outside the ink)."""
        x0, y0, x1, y1 = self.canvas_box(i)
        top_left = self._canvas.map_from_canvas(x0, y0)
        bottom_right = self._canvas.map_from_canvas(x1, y1)
        return QRectF(top_left, bottom_right).adjusted(-4, -4, 4, 4)

    def tab_rect(self, i: int) -> QRectF:
        """Where digit i's tab is (above its box, or below when there is no room above)."""
        box = self.box_rect(i)
        width = max(box.width(), 64.0)
        x = box.center().x() - width / 2.0
        paper = self._canvas.paper_rect()
        y = box.top() - TAB_HEIGHT
        if y < paper.top():
            y = min(box.bottom(), paper.bottom() - TAB_HEIGHT)
        return QRectF(x, y, width, TAB_HEIGHT)

    def tab_at(self, pos: QPointF) -> int | None:
        """The digit whose tab is under `pos` (widget pixels), if any."""
        return self._digit_at(pos, self.tab_rect)

    def box_at(self, pos: QPointF) -> int | None:
        """The digit whose box is under `pos` (widget pixels), if boxes are shown."""
        return self._digit_at(pos, self.box_rect) if self.isVisible() else None

    def _digit_at(self, pos: QPointF, rect_of: Callable[[int], QRectF]) -> int | None:
        return next((i for i in range(len(self.digits)) if rect_of(i).contains(pos)), None)

    def select(self, i: int | None) -> None:
        """Select digit i (None: none)."""
        self.selected = i
        self.update()

    # ------------------------------------------------------------------ painting

    def _label(self, i: int) -> str:
        d = self.digits[i]
        if i in self.taught:
            return f"✓ {self.taught[i]}"
        return f"{d.digit}{'?' if d.doubtful else ''}  {d.confidence:.0%}"

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        for i, d in enumerate(self.digits):
            color = TAUGHT if i in self.taught else UNSURE if d.doubtful else SURE
            pen = QPen(color, 3.0 if i == self.selected else 1.6)
            if d.doubtful and i not in self.taught:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(self.box_rect(i), 4, 4)
            tab = self.tab_rect(i)
            fill = QColor(color)
            fill.setAlphaF(1.0 if i == self.selected else 0.85)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(tab, 4, 4)
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(tab, Qt.AlignmentFlag.AlignCenter, self._label(i))
        if self.count_uncertain():
            self._paint_banner(painter, COUNT_DOUBT)
        elif self.selected is not None:
            d = self.digits[self.selected]
            self._paint_banner(painter, f"Press the right digit to correct this "
                                        f"{d.digit} (0 to 9)")
        painter.end()

    def _paint_banner(self, painter: QPainter, text: str) -> None:
        paper = self._canvas.paper_rect()
        metrics = QFontMetricsF(painter.font())
        rect = QRectF(paper.left() + 8, paper.bottom() - 8 - 1.6 * metrics.height(),
                      paper.width() - 16, 1.6 * metrics.height())
        back = QColor(ink_color(self.palette()))
        back.setAlphaF(0.08)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(back)
        painter.drawRoundedRect(rect, 6, 6)
        painter.setPen(UNSURE if self.count_uncertain() else ink_color(self.palette()))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                         metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width()))


class NumberCorrections(QObject):
    """Number Mode's boxes on `canvas`, and corrections of one digit into `store`.
    `status(text, ms)` tells the user what happened."""

    stored = Signal(object)  # the JSON path of a correction just stored
    digit_selected = Signal(int)  # the index of the digit the user chose

    def __init__(self, canvas: DrawingCanvas, reader: LiveReader, store: CorrectionStore,
                 status: Callable[[str, int], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._canvas = canvas
        self._reader = reader
        self._store = store
        self._status = status
        self._paths: dict[int, Path] = {}  # digit index -> file stored for this reading
        self.boxes = NumberBoxes(canvas)
        self._click = BoxClick(canvas, self.boxes.box_at, self)
        self._click.clicked.connect(self.select)
        canvas.installEventFilter(self)
        reader.answered.connect(self._on_answer)

    def _on_answer(self, result: Result) -> None:
        self._paths = {}
        if self._reader.reads_number() and not result.empty:
            self.boxes.set_digits(result.digits)
        else:
            self.boxes.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Resize:
            self.boxes.setGeometry(self._canvas.rect())
            return False
        if self._click.is_holding():
            return self._click.filter(event)
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TabletPress) and \
                self.boxes.isVisible() and not self._canvas.is_drawing():
            i = self.boxes.tab_at(event.position())  # type: ignore[attr-defined]
            if i is not None:
                self.select(i)
                event.accept()
                return True  # a click on a tab selects; it does not draw
            if self._click.filter(event):
                return True  # inside a box: a click selects it, a drag draws
            self.boxes.select(None)  # a press elsewhere draws, and deselects
        return False

    def select(self, i: int | None) -> None:
        """Select digit i of the number read (None: none), to correct it with a digit key."""
        if i is not None and not 0 <= i < len(self.boxes.digits):
            return
        self.boxes.select(i)
        if i is not None:
            d = self.boxes.digits[i]
            self._status(f"Press the right digit (0 to 9) to correct this {d.digit}", 6000)
            self.digit_selected.emit(i)

    def teach(self, label: int) -> bool:
        """Store the selected digit's 28×28 as an example of `label`."""
        i = self.boxes.selected
        if i is None or i >= len(self.boxes.digits):
            self._status("Click a digit's box, then press the right digit",
                         5000)
            return False
        d = self.boxes.digits[i]
        if self.boxes.taught.get(i) == int(label):
            self._status(f"Already stored as {a_digit(label)}", 3000)
            return False
        try:
            path = self._store.add(int(label), d.image, self._strokes_in(i),
                                   self._canvas.canvas_size(), predicted=d.digit)
        except (OSError, ValueError) as exc:
            self._status(f"The correction could not be stored: {exc}", 8000)
            return False
        if i in self._paths:  # a slip of the finger: the new label wins
            self._store.remove(self._paths[i])
        self._paths[i] = path
        self.boxes.taught[i] = int(label)
        self.boxes.update()
        n = self._store.count()
        self._status(f"Stored this digit as {a_digit(label)}: {plural(n, 'correction')} so far "
                     "(Model → Fine-tune to learn them)", 8000)
        self.stored.emit(path)
        return True

    def _strokes_in(self, i: int) -> list[InkStroke]:
        """The strokes drawn mostly inside digit i's box (canvas units)."""
        x0, y0, x1, y1 = self.boxes.canvas_box(i)
        mine = []
        for s in self._canvas.strokes():
            inside = sum(x0 <= x <= x1 and y0 <= y <= y1 for x, y in s.points)
            if s.points and inside * 2 >= len(s.points):
                mine.append(s)
        return mine
