"""The drawing as data: an opened picture under the strokes, the finished strokes and the
one being drawn, with undo.

Strokes are `InkStroke`s in canvas units, independent of the widget's size; the picture is an
`ImageLayer`. Finishing a stroke, clearing and opening a picture go through a QUndoStack, so
all three are undoable (their names, `STEP_NAMES`, are what Undo and Redo say). `refit` moves
the whole drawing, undo history included, onto a canvas of another size (Number Mode's).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.image_layer import ImageLayer
from app.ink import InkStroke

STEP_NAMES = ("Stroke", "Erase", "Clear", "Open Image")
"""Every undoable step's name ("Undo Stroke", "Redo Open Image"...)."""


class Drawing:
    """A picture (or none), finished strokes and the stroke being drawn; finishing a stroke,
    clearing and opening a picture are undoable.

    `restored(stroke)` is called when redo brings a stroke back, `reset()` when undo, a
    clear or a picture replaces what is there: the owner repaints and tells its listeners.
    """

    def __init__(self, parent: QObject, restored: Callable[[InkStroke], None],
                 reset: Callable[[], None]) -> None:
        self.strokes: list[InkStroke] = []  # finished, in drawing order
        self.current: InkStroke | None = None  # between pen-down and pen-up
        self.image: ImageLayer | None = None  # an opened picture, under the strokes
        self.undo_stack = QUndoStack(parent)
        self._restored = restored
        self._reset = reset

    def copy(self) -> list[InkStroke]:
        """Deep copies of the finished strokes and the one being drawn (if it has points)."""
        out = [copy.deepcopy(s) for s in self.strokes]
        if self.current is not None and self.current.points:
            out.append(copy.deepcopy(self.current))
        return out

    def is_blank(self) -> bool:
        """True when there is no picture and no stroke, finished or being drawn."""
        return self.image is None and not self.strokes and self.current is None

    def begin(self, x: float, y: float, width: float, pressure: float | None,
              erase: bool) -> InkStroke:
        """Start the stroke being drawn at (x, y) canvas units (pressure 0..1 or None)."""
        stroke = InkStroke(width=width, pressures=None if pressure is None else [], erase=erase)
        stroke.add(x, y, pressure)
        self.current = stroke
        return stroke

    def extend(self, x: float, y: float, pressure: float | None) -> InkStroke | None:
        """Add (x, y) to the stroke being drawn; None if there is none or (x, y) is within
        half a canvas unit of its last point."""
        stroke = self.current
        if stroke is None:
            return None
        last = stroke.points[-1]
        if abs(last[0] - x) < 0.5 and abs(last[1] - y) < 0.5:
            return None  # not worth a point
        stroke.add(x, y, pressure)
        return stroke

    def finish(self) -> InkStroke | None:
        """End the stroke being drawn: it becomes one undoable step (None if none)."""
        stroke = self.current
        if stroke is None:
            return None
        self.current = None
        self.undo_stack.push(_AddStroke(self, stroke))
        return stroke

    def clear(self) -> bool:
        """Drop the stroke being drawn and remove the finished ones and the picture in one
        undoable step; False when there were none (nothing pushed)."""
        self.current = None
        if not self.strokes and self.image is None:
            return False
        self.undo_stack.push(_Replace(self, "Clear", None))
        return True

    def open_image(self, image: ImageLayer) -> None:
        """Replace the drawing by `image` (no strokes) in one undoable step."""
        self.current = None
        self.undo_stack.push(_Replace(self, "Open Image", image))

    def refit(self, old_size: tuple[int, int], new_size: tuple[int, int]) -> None:
        """Move the drawing from a canvas of `old_size` (w, h) onto one of `new_size`: every
        stroke, those in the undo history too, in place (see `refit_transform`)."""
        self.current = None
        s, dx, dy = refit_transform(old_size, new_size, ink_bounds(self.strokes), self.image)
        for stroke in self._history_strokes():
            stroke.points = [(x * s + dx, y * s + dy) for x, y in stroke.points]
            stroke.width *= s

    # ------------------------------------------------------------------ undo plumbing

    def _history_strokes(self) -> list[InkStroke]:
        """Every stroke the undo history holds (each finished stroke is one `_AddStroke`;
        undone ones and those a clear removed included): all a refit must move."""
        stack = self.undo_stack
        commands = (stack.command(i) for i in range(stack.count()))
        return [c.stroke for c in commands if isinstance(c, _AddStroke)]

    def _append(self, stroke: InkStroke, first: bool) -> None:
        self.strokes.append(stroke)
        if not first:
            self._restored(stroke)

    def _pop(self) -> None:
        if self.strokes:
            self.strokes.pop()
        self._reset()

    def _replace(self, strokes: list[InkStroke], image: ImageLayer | None) -> None:
        self.strokes, self.image = strokes, image
        self._reset()


def ink_bounds(strokes: list[InkStroke]) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) around the pen strokes' ink (half a width beyond their points), in
    canvas units; None without any."""
    boxes = [(min(x for x, _ in s.points) - s.width / 2, min(y for _, y in s.points) - s.width / 2,
              max(x for x, _ in s.points) + s.width / 2, max(y for _, y in s.points) + s.width / 2)
             for s in strokes if s.points and not s.erase]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def refit_transform(old_size: tuple[int, int], new_size: tuple[int, int],
                    bounds: tuple[float, float, float, float] | None,
                    image: ImageLayer | None) -> tuple[float, float, float]:
    """(scale, dx, dy) taking canvas units of `old_size` to `new_size`: p' = scale * p + d.

    With a picture, the strokes follow it (it is refitted to the canvas, `ImageLayer.rect_in`).
    Without, the ink keeps its size and the canvases' centres meet (512x512 to 1024x512 and
    back is exact), shifted just enough to stay on the paper; ink `bounds` wider or taller
    than the new canvas is scaled down to fit it.
    """
    if image is not None:
        before, after = image.rect_in(old_size), image.rect_in(new_size)
        s = after.width() / max(before.width(), 1e-9)
        return s, after.x() - s * before.x(), after.y() - s * before.y()
    (ow, oh), (nw, nh) = old_size, new_size
    if bounds is None:
        return 1.0, (nw - ow) / 2.0, (nh - oh) / 2.0
    x0, y0, x1, y1 = bounds
    s = min(1.0, nw / max(x1 - x0, 1e-9), nh / max(y1 - y0, 1e-9))
    moved = []
    for lo, hi, old, new in ((x0, x1, ow, nw), (y0, y1, oh, nh)):
        centre = (lo + hi) / 2.0 + (new - old) / 2.0  # where the centres meet
        half = s * (hi - lo) / 2.0
        centre = min(max(centre, half), new - half)  # on the paper
        moved.append(centre - s * (lo + hi) / 2.0)
    return s, moved[0], moved[1]


class _AddStroke(QUndoCommand):
    def __init__(self, drawing: Drawing, stroke: InkStroke) -> None:
        super().__init__("Erase" if stroke.erase else "Stroke")
        self._drawing, self.stroke, self._first = drawing, stroke, True

    def redo(self) -> None:
        self._drawing._append(self.stroke, first=self._first)
        self._first = False

    def undo(self) -> None:
        self._drawing._pop()


class _Replace(QUndoCommand):
    """Clear (`image` None) or open a picture: the strokes go, `image` takes the picture's place."""

    def __init__(self, drawing: Drawing, name: str, image: ImageLayer | None) -> None:
        super().__init__(name)
        self._drawing, self._image = drawing, image
        self._before = (list(drawing.strokes), drawing.image)

    def redo(self) -> None:
        self._drawing._replace([], self._image)

    def undo(self) -> None:
        self._drawing._replace(list(self._before[0]), self._before[1])
