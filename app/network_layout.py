"""Where each layer of the network diagram goes: columns of tiles, left (input) to right.

`layout_network(shapes, width, height)` places one column per stage — maps as a grid of
square tiles, dense layers as a grid of small cells, the output as ten labelled rows — at the
largest scale that fits, and `hit(boxes, x, y)` says which unit is under a point. No painting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QRectF

LABEL_H = 36.0  # two caption lines above each column: name, shape
COLUMN_GAP = 14.0
TILE_GAP = 3.0
CELL_GAP = 1.0
OUTPUT_W = 64.0
MIN_COLUMN_W = 44.0  # with the gaps beside it, room for a caption like "16@10×10"

# a map tile's side relative to the input-sized (28 x 28) tile: smaller maps, smaller tiles
_SPATIAL_SCALE = {"input": 1.15, "conv": 1.0, "pool": 0.72}


@dataclass(frozen=True)
class Unit:
    """One unit of the diagram: stage `stage`, map or neuron `index`, pixel (y, x) of a map."""

    stage: int
    index: int
    y: int = 0
    x: int = 0

    def same_place(self, other: Unit | None) -> bool:
        """The same map or neuron (any pixel)."""
        return other is not None and (self.stage, self.index) == (other.stage, other.index)


@dataclass
class StageBox:
    """A stage's column: `caption` above `tiles` (one per map or neuron), in `grid` (rows,
    cols); `map_hw` is a map's (H, W) for spatial stages, None for dense ones."""

    stage: int
    kind: str
    column: QRectF
    caption: QRectF
    tiles: list[QRectF] = field(default_factory=list)
    grid: tuple[int, int] = (1, 1)
    map_hw: tuple[int, int] | None = None


def _grid(count: int, side: float, gap: float, height: float) -> tuple[int, int]:
    """(rows, cols) for `count` tiles in `height`: as many rows as fit, but a full last
    column when one is within reach (16 maps as 4 x 4 or 2 x 8, not 3 x 6 with a straggler)."""
    fit = max(1, min(count, int((height + gap) // (side + gap))))
    rows = next((r for r in range(fit, (fit - 1) // 2, -1) if count % r == 0), fit)
    cols = math.ceil(count / rows)
    return math.ceil(count / cols), cols


def _tile_side(kind: str, h: int, unit: float) -> float:
    base = _SPATIAL_SCALE.get(kind, 1.0) * unit * (h / 28.0) ** 0.4
    return max(4.0, float(int(base)))


def _columns(shapes: list[tuple[str, tuple[int, ...]]], unit: float, height: float,
             last_output: bool) -> list[tuple[float, tuple[int, int], float]]:
    """(width, grid, tile side) per stage at scale `unit` (a 28 x 28 map's tile side)."""
    cols: list[tuple[float, tuple[int, int], float]] = []
    previous: tuple[int, tuple[int, int]] | None = None  # (channels, grid) of the last stage
    for i, (kind, shape) in enumerate(shapes):
        if last_output and i == len(shapes) - 1:
            cols.append((OUTPUT_W, (shape[0], 1), min(20.0, height / shape[0])))
            continue
        if len(shape) == 3:
            c, h, _w = shape
            side = min(_tile_side(kind, h, unit), height)
            if kind == "pool" and previous is not None and previous[0] == c:
                grid = previous[1]  # a pool keeps its conv's arrangement: map k beside map k
                side = min(side, (height - (grid[0] - 1) * TILE_GAP) / grid[0])
            else:
                grid = _grid(c, side, TILE_GAP, height)
            previous = (c, grid)
            width = grid[1] * side + (grid[1] - 1) * TILE_GAP
        else:
            side = max(3.0, min(14.0, float(int(unit * 0.17))))
            grid = _grid(shape[0], side, CELL_GAP, height)
            width = grid[1] * side + (grid[1] - 1) * CELL_GAP
            previous = None
        cols.append((max(width, MIN_COLUMN_W), grid, side))
    return cols


def layout_network(shapes: list[tuple[str, tuple[int, ...]]], width: float, height: float,
                   last_output: bool = True) -> list[StageBox]:
    """Boxes for stages given as (kind, shape) in a `width` x `height` px area; the last stage
    is drawn as labelled output rows when `last_output`."""
    if not shapes:
        return []
    body_h = max(20.0, height - LABEL_H - 6.0)
    total = lambda u: (sum(c[0] for c in _columns(shapes, u, body_h, last_output))  # noqa: E731
                       + COLUMN_GAP * (len(shapes) - 1))
    lo, hi = 8.0, max(8.0, body_h / 1.15)
    for _ in range(24):  # the largest scale whose columns fit the width
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if total(mid) <= width else (lo, mid)
    columns = _columns(shapes, lo, body_h, last_output)
    x = max(0.0, (width - total(lo)) / 2.0)
    boxes = []
    for i, ((kind, shape), (col_w, (rows, cols), side)) in enumerate(zip(shapes, columns,
                                                                       strict=True)):
        box = StageBox(i, kind, QRectF(x, 0.0, col_w, height), QRectF(x, 0.0, col_w, LABEL_H),
                       grid=(rows, cols), map_hw=tuple(shape[1:]) if len(shape) == 3 else None)
        count = shape[0]
        if last_output and i == len(shapes) - 1:
            top = LABEL_H + (body_h - rows * side) / 2.0
            box.tiles = [QRectF(x, top + r * side, col_w, side) for r in range(count)]
        else:
            gap = TILE_GAP if len(shape) == 3 else CELL_GAP
            grid_w = cols * side + (cols - 1) * gap
            left = x + (col_w - grid_w) / 2.0
            top = LABEL_H + 2.0 + (body_h - (rows * side + (rows - 1) * gap)) / 2.0
            for k in range(count):  # column-major: maps run down, then across
                c, r = divmod(k, rows)
                box.tiles.append(QRectF(left + c * (side + gap), top + r * (side + gap),
                                        side, side))
        boxes.append(box)
        x += col_w + COLUMN_GAP
    return boxes


def hit(boxes: list[StageBox], x: float, y: float) -> Unit | None:
    """The unit under (x, y), with the map pixel for spatial stages; None between units."""
    for box in boxes:
        if not box.column.contains(x, y):
            continue
        for k, tile in enumerate(box.tiles):
            if tile.contains(x, y):
                if box.map_hw is None:
                    return Unit(box.stage, k)
                h, w = box.map_hw
                py = min(h - 1, int((y - tile.top()) / tile.height() * h))
                px = min(w - 1, int((x - tile.left()) / tile.width() * w))
                return Unit(box.stage, k, py, px)
    return None
