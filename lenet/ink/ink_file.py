"""Ink files: a drawing's pen strokes as JSON, as the app saves them and `lenet predict` reads.

    {
      "format": "lenet-digits-ink",  "version": 1,
      "canvas_size": [W, H],                 # canvas width and height in pixels
      "strokes": [                           # in drawing order
        {"points": [[x, y], ...],            # canvas pixels, (0, 0) top left, y down
         "width": 14.0,                      # pen width in canvas pixels
         "pressures": [0.5, ...],            # optional, 0..1 per point, scales the width
         "erase": false}                     # optional, an eraser stroke removes ink
      ]
    }

The app's stored corrections hold the same `canvas_size` and `strokes`, so they can be read
as ink files too (their other keys are ignored; a pen tablet's pressures are stored there as
the tablet reported them, before the app maps them to widths).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lenet.atomic import atomic_write
from lenet.ink.strokes import Stroke

__all__ = ["INK_FORMAT", "Ink", "InkFileError", "load_ink", "save_ink"]

INK_FORMAT = "lenet-digits-ink"
VERSION = 1


class InkFileError(ValueError):
    """An ink file that cannot be read; the message says why, for people."""


@dataclass(frozen=True)
class Ink:
    """A drawing: strokes in drawing order on a canvas of canvas_size (W, H) pixels."""

    strokes: list[Stroke]
    canvas_size: tuple[int, int]


def _stroke(data: object, k: int) -> Stroke:
    if not isinstance(data, dict):
        raise InkFileError(f"stroke {k + 1} is not an object with points and a width")
    try:
        points = np.asarray(data["points"], dtype=np.float64).reshape(-1, 2)
        width = float(data["width"])
        pressures = data.get("pressures")
        if pressures is not None:
            pressures = np.asarray(pressures, dtype=np.float64).reshape(-1)
    except (KeyError, TypeError, ValueError) as e:
        raise InkFileError(f"stroke {k + 1} needs points [[x, y], ...] and a width ({e})") from e
    if not np.isfinite(points).all() or not np.isfinite(width) or width <= 0:
        raise InkFileError(f"stroke {k + 1} has a point or width that is not a positive number")
    if pressures is not None and len(pressures) != len(points):
        raise InkFileError(f"stroke {k + 1} has {len(pressures)} pressures for "
                           f"{len(points)} points")
    return Stroke(points, width, pressures, bool(data.get("erase", False)))


def parse_ink(record: object) -> Ink:
    """The Ink held by a decoded JSON object (see the module docstring)."""
    if not isinstance(record, dict) or "strokes" not in record or "canvas_size" not in record:
        raise InkFileError("not an ink file: it needs \"canvas_size\" and \"strokes\"")
    fmt = record.get("format", INK_FORMAT)
    if fmt != INK_FORMAT:
        raise InkFileError(f"not an ink file (its format is {fmt!r})")
    if int(record.get("version", VERSION)) > VERSION:
        raise InkFileError(f"written by a newer version (ink file version {record['version']})")
    size = record["canvas_size"]
    if (not isinstance(size, list) or len(size) != 2
            or not all(isinstance(v, int | float) and 0 < v <= 100_000 for v in size)):
        raise InkFileError("\"canvas_size\" must be [width, height] in pixels")
    if not isinstance(record["strokes"], list):
        raise InkFileError("\"strokes\" must be a list")
    strokes = [_stroke(s, k) for k, s in enumerate(record["strokes"])]
    return Ink(strokes, (int(size[0]), int(size[1])))


def load_ink(path: str | Path) -> Ink:
    """Read an ink file; raises InkFileError (a ValueError) saying what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InkFileError(f"cannot read {Path(path).name}: {e}") from e
    try:
        record = json.loads(text)
    except json.JSONDecodeError as e:
        raise InkFileError(f"not an ink file: broken JSON at line {e.lineno}") from e
    return parse_ink(record)


def ink_record(strokes: Sequence[Stroke], canvas_size: tuple[int, int]) -> dict:
    """The JSON object of an ink file."""
    def one(s: Stroke) -> dict:
        out: dict = {"points": np.round(np.asarray(s.points, float), 2).tolist(),
                     "width": float(s.width), "erase": bool(s.erase)}
        if s.pressures is not None:
            out["pressures"] = np.round(np.asarray(s.pressures, float), 3).tolist()
        return out

    return {"format": INK_FORMAT, "version": VERSION,
            "canvas_size": [int(canvas_size[0]), int(canvas_size[1])],
            "strokes": [one(s) for s in strokes]}


def save_ink(path: str | Path, strokes: Sequence[Stroke], canvas_size: tuple[int, int]) -> None:
    """Write an ink file atomically (a crash leaves the old file or none)."""
    with atomic_write(Path(path)) as f:
        f.write(json.dumps(ink_record(strokes, canvas_size)).encode())
