"""The personal dataset built by "Correct me" (mixed into training by `app.training_data`).

Each correction is two files in the corrections folder with the same stem:
`<time>-<label>.json` (label, what the model said, the strokes, the canvas size) and
`<time>-<label>.png` (the 28×28 input the network saw, white ink on black, MNIST style).
The label in the JSON is the one that counts (a relabelled correction keeps its file names).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from app.ink import InkStroke


def plural(n: int, word: str) -> str:
    """'1 correction', '12 corrections'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


class _Unusable(ValueError):
    """A correction file that cannot be used; the message says why, for the user."""


@dataclass(frozen=True)
class Correction:
    """One stored correction."""

    label: int
    image: np.ndarray  # (28, 28) uint8, ink = 255
    strokes: list[InkStroke]
    predicted: int | None
    json_path: Path


MAX_JSON_BYTES = 2 * 2**20
"""A correction's JSON (strokes of one drawing) is far smaller: a larger file is skipped."""
MAX_PNG_BYTES = 256 * 2**10
"""Its 28x28 PNG is under 2 KB."""


@dataclass(frozen=True)
class CorrectionScan:
    """The readable corrections, oldest first, and the unreadable files with the reason."""

    good: list[Correction]
    bad: list[tuple[Path, str]]


class CorrectionStore:
    """Reads and writes corrections in one folder (created on the first save)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def add(
        self,
        label: int,
        image28: np.ndarray,
        strokes: list[InkStroke] | None = None,
        canvas_size: tuple[int, int] | None = None,
        predicted: int | None = None,
    ) -> Path:
        """Store one correction; returns the JSON file's path. Raises OSError (disk full...)."""
        if not 0 <= int(label) <= 9:
            raise ValueError(f"label must be a digit 0-9, got {label}")
        img = np.asarray(image28, dtype=np.float32)
        if img.shape != (28, 28):
            raise ValueError(f"expected a 28x28 image, got {img.shape}")
        from lenet.atomic import atomic_write  # lenet is imported only after start-up

        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        stem = f"{stamp}-{int(label)}"
        png_path = self.folder / f"{stem}.png"
        json_path = self.folder / f"{stem}.json"
        pixels = np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)
        with atomic_write(png_path) as f:
            Image.fromarray(pixels, mode="L").save(f, format="PNG")
        record: dict[str, Any] = {
            "label": int(label),
            "predicted": None if predicted is None else int(predicted),
            "created": datetime.now().isoformat(timespec="seconds"),
            "image": png_path.name,
            "canvas_size": list(canvas_size) if canvas_size else None,
            "strokes": [s.to_json() for s in strokes or []],
        }
        try:
            with atomic_write(json_path) as f:
                f.write(json.dumps(record, indent=1).encode())
        except BaseException:
            png_path.unlink(missing_ok=True)
            raise
        return json_path

    def remove(self, json_path: Path) -> None:
        """Delete one correction (its JSON and PNG files), readable or not."""
        json_path = Path(json_path)
        try:
            record = json.loads(json_path.read_text(encoding="utf-8"))
            name = str(record.get("image", "")) if isinstance(record, dict) else ""
            if name and json_path.with_name(name).parent == json_path.parent:
                json_path.with_name(name).unlink(missing_ok=True)
        except (OSError, ValueError):
            pass
        json_path.with_suffix(".png").unlink(missing_ok=True)  # a damaged JSON's picture
        json_path.unlink(missing_ok=True)

    def relabel(self, json_path: Path, label: int) -> None:
        """Give a stored correction another label (its JSON is rewritten atomically).
        Raises ValueError for a label that is not a digit or a file that is not a correction,
        OSError when it cannot be written."""
        if not 0 <= int(label) <= 9:
            raise ValueError(f"label must be a digit 0-9, got {label}")
        from lenet.atomic import atomic_write

        json_path = Path(json_path)
        record = json.loads(json_path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            raise ValueError(f"{json_path.name} does not describe a correction")
        record["label"] = int(label)
        with atomic_write(json_path) as f:
            f.write(json.dumps(record, indent=1).encode())

    def _json_files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.glob("*.json") if not p.name.startswith("."))

    def count(self) -> int:
        """How many corrections are stored (readable or not; see `scan`)."""
        return len(self._json_files())

    def scan(self) -> CorrectionScan:
        """Read every correction; one that cannot be used is listed with the reason, and
        never stops the others from being read."""
        good: list[Correction] = []
        bad: list[tuple[Path, str]] = []
        for json_path in self._json_files():
            try:
                good.append(self._read(json_path))
            except _Unusable as exc:
                bad.append((json_path, str(exc)))
            except Exception:  # a hand-edited or damaged file fails in many ways
                bad.append((json_path, "the file is damaged"))
        return CorrectionScan(good, bad)

    def _read(self, json_path: Path) -> Correction:
        if json_path.stat().st_size > MAX_JSON_BYTES:
            raise _Unusable("the file is far too large for one correction")
        record = json.loads(json_path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            raise _Unusable("the file does not describe a correction")
        label = record.get("label")
        if not isinstance(label, int) or isinstance(label, bool) or not 0 <= label <= 9:
            raise _Unusable(f"its label {label!r} is not a digit")
        image_path = json_path.with_name(str(record.get("image", "")))
        if image_path.parent != json_path.parent or not image_path.is_file():
            raise _Unusable("its 28x28 picture is missing")
        if image_path.stat().st_size > MAX_PNG_BYTES:
            raise _Unusable("its picture is far too large for 28x28")
        try:
            im = Image.open(image_path)
        except Image.DecompressionBombError as exc:
            raise _Unusable("its picture is far too large, not 28x28") from exc
        with im:
            if im.size != (28, 28):  # checked before decoding: a bomb is never inflated
                raise _Unusable(f"its picture is {im.size[0]}x{im.size[1]}, not 28x28")
            image = np.asarray(im.convert("L"), dtype=np.uint8)
        raw_strokes = record.get("strokes") or []
        if not isinstance(raw_strokes, list):
            raise _Unusable("its strokes are not a list")
        strokes = [InkStroke.from_json(s) for s in raw_strokes]
        predicted = record.get("predicted")
        return Correction(label, image, strokes,
                          predicted if isinstance(predicted, int) else None, json_path)

    def load_all(self) -> list[Correction]:
        """Every readable correction, oldest first (see `scan` for the unreadable ones)."""
        return self.scan().good

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """All readable corrections as images (N, 28, 28) uint8 and labels (N,) uint8."""
        items = self.load_all()
        if not items:
            return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)
        return (np.stack([c.image for c in items]),
                np.array([c.label for c in items], dtype=np.uint8))

