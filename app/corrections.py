"""The personal dataset built by "Correct me", and the data mix used to fine-tune on it.

Each correction is two files in the corrections folder with the same stem:
`<time>-<label>.json` (label, what the model said, the strokes, the canvas size) and
`<time>-<label>.png` (the 28×28 input the network saw, white ink on black, MNIST style).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from app.ink import InkStroke


@dataclass(frozen=True)
class Correction:
    """One stored correction."""

    label: int
    image: np.ndarray  # (28, 28) uint8, ink = 255
    strokes: list[InkStroke]
    predicted: int | None
    json_path: Path


@dataclass(frozen=True)
class TrainingData:
    """What `lenet.training.trainer.Trainer` needs: train/test images (N, 28, 28) uint8, labels."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    description: str = "MNIST"


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
        """Delete one correction (its JSON and PNG files)."""
        json_path = Path(json_path)
        try:
            record = json.loads(json_path.read_text(encoding="utf-8"))
            json_path.with_name(str(record.get("image", ""))).unlink(missing_ok=True)
        except (OSError, ValueError):
            pass
        json_path.unlink(missing_ok=True)

    def _json_files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.glob("*.json") if not p.name.startswith("."))

    def count(self) -> int:
        """How many corrections are stored."""
        return len(self._json_files())

    def load_all(self) -> list[Correction]:
        """Every readable correction, oldest first (unreadable ones are skipped)."""
        out = []
        for json_path in self._json_files():
            try:
                record = json.loads(json_path.read_text(encoding="utf-8"))
                label = int(record["label"])
                with Image.open(json_path.with_name(record["image"])) as im:
                    image = np.asarray(im.convert("L"), dtype=np.uint8)
                if image.shape != (28, 28) or not 0 <= label <= 9:
                    continue
                strokes = [InkStroke.from_json(s) for s in record.get("strokes", [])]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            out.append(Correction(label, image, strokes, record.get("predicted"), json_path))
        return out

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """All corrections as images (N, 28, 28) uint8 and labels (N,) uint8."""
        items = self.load_all()
        if not items:
            return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)
        return (np.stack([c.image for c in items]),
                np.array([c.label for c in items], dtype=np.uint8))


def finetune_data(
    mnist: Any,
    images: np.ndarray,
    labels: np.ndarray,
    mnist_images: int = 6000,
    share: float = 0.2,
    seed: int = 0,
) -> TrainingData:
    """A random MNIST training subset plus the corrections, repeated to make up about `share`
    of the mix (so a handful of corrections is not drowned out). MNIST's test set is kept
    for measuring the result."""
    if len(images) == 0:
        raise ValueError("there are no corrections to fine-tune on yet")
    rng = np.random.default_rng(seed)
    n = min(int(mnist_images), len(mnist.train_labels))
    pick = rng.choice(len(mnist.train_labels), size=n, replace=False)
    wanted = share / (1.0 - share) * n
    repeat = int(min(max(1, math.ceil(wanted / len(images))), 200))
    train_images = np.concatenate([mnist.train_images[pick], np.tile(images, (repeat, 1, 1))])
    train_labels = np.concatenate([np.asarray(mnist.train_labels)[pick],
                                   np.tile(labels, repeat)]).astype(np.uint8)
    return TrainingData(train_images.astype(np.uint8), train_labels, mnist.test_images,
                        mnist.test_labels,
                        description=f"MNIST subset ({n}) + {len(images)} corrections x{repeat}")
