"""Pictures for the app's tests, as scans (black ink on white): bars, and real MNIST test
digits side by side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.datasets import real_mnist


def bar_scan(path: Path, bars: list[tuple[int, int]], size: tuple[int, int] = (160, 200)) -> Path:
    """Save a picture (w, h) = `size` with vertical bars between the (x0, x1) given (30 px
    from the top and the bottom); returns `path`."""
    pixels = np.full((size[1], size[0]), 255, np.uint8)
    for x0, x1 in bars:
        pixels[30 : size[1] - 30, x0:x1] = 0
    Image.fromarray(pixels).save(path)
    return path


def one_scan(folder: Path) -> Path:
    """A "1" in the middle of a 160 x 200 picture (x 72..88), in `folder`."""
    return bar_scan(folder / "one.png", [(72, 88)])


def mnist_number_png(path: Path, number: str, gap: int = 6, scale: int = 4,
                     blank_slots: int = 0) -> Path:
    """Save the first MNIST test image of each digit of `number`, side by side `gap` px
    apart (then `blank_slots` empty digit widths of paper), as black ink on white scaled
    `scale` times; returns `path`. Skips without LENET_DATA_DIR."""
    data = real_mnist()
    images, labels = data.test_images, data.test_labels
    tiles = []
    for ch in number:
        tiles.append(images[int(np.flatnonzero(labels == int(ch))[0])])
        tiles.append(np.zeros((28, gap), np.uint8))
    tiles += [np.zeros((28, 28 + gap), np.uint8)] * blank_slots
    strip = np.pad(np.concatenate(tiles, axis=1), ((6, 6), (gap, 0)))
    picture = Image.fromarray(255 - strip)
    picture = picture.resize((picture.width * scale, picture.height * scale),
                             Image.Resampling.BILINEAR)
    picture.save(path)
    return path
