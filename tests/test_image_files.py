"""Image files through load_image: huge, JPEG draft, EXIF, bombs, transparency, bad files."""

from __future__ import annotations

import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from lenet.ink import (
    ImageError,
    load_image,
    preprocess_image,
    preprocess_ink,
)
from tests.test_preprocess import GLYPHS, centred, check_mnist_like, diff, digit, ink_of

# ------------------------------------------------------------------ files


def _save_digit_png(path: Path, size: tuple[int, int], scale: float) -> None:
    """A mostly blank white image with a black "7" drawn on it."""
    im = Image.new("L", size, 255)
    draw = ImageDraw.Draw(im)
    pts = [(p[0] * scale, p[1] * scale) for p in GLYPHS["7"][0] + np.array([0.2, 0.1])]
    draw.line(pts, fill=0, width=max(1, int(0.08 * scale)))
    im.save(path)


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("huge") / "huge.png"
    _save_digit_png(path, (10000, 10000), 8000.0)
    return path


def test_huge_image_is_downscaled_without_float_copies(huge_png: Path) -> None:
    assert huge_png.stat().st_size < 5_000_000  # compressed on disk
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no DecompressionBombWarning escapes
            img = load_image(huge_png)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert max(img.shape) <= 1024 and img.dtype == np.float32
    assert peak < 64 * 2**20  # numpy never held a 10000² array (400 MB as float32)
    p = preprocess_image(img)
    check_mnist_like(p)
    ref = preprocess_ink(ink_of(digit("7", 40, 20, 200, 16)))
    assert diff(p, ref) < 0.06


def test_large_jpeg_uses_draft(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    im = Image.new("RGB", (4000, 3000), (235, 230, 220))
    ImageDraw.Draw(im).line([(1500, 500), (2600, 500), (1800, 2500)], fill=(20, 20, 30), width=90)
    im.save(path, quality=85)
    img = load_image(path)
    assert max(img.shape) <= 1024
    check_mnist_like(preprocess_image(img))


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    im = Image.new("L", (300, 200), 255)
    ImageDraw.Draw(im).line([(40, 100), (260, 100)], fill=0, width=12)  # a lying "1"
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: display rotated by 90°
    im.save(path, exif=exif)
    img = load_image(path)
    assert img.shape == (300, 200)
    img28 = check_mnist_like(preprocess_image(img))
    assert img28.max(axis=0).astype(bool).sum() < 6  # upright: a thin vertical bar


def test_decompression_bomb_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "bomb.png"
    _save_digit_png(path, (100, 100), 80.0)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 100² > 2 x 1000: a "bomb"
    with pytest.raises(ImageError, match="too large"):
        load_image(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 6000)  # only Pillow's warning: loads
    assert load_image(path).shape == (100, 100)


def test_transparent_png_round_trip(tmp_path: Path) -> None:
    ink = ink_of(centred("0", width=14))
    rgba = np.zeros((*ink.shape, 4), np.uint8)
    rgba[..., 3] = (ink * 255).astype(np.uint8)
    Image.fromarray(rgba).save(tmp_path / "t.png")
    img = load_image(tmp_path / "t.png")
    assert img.shape == (*ink.shape, 4)
    assert diff(preprocess_image(img), preprocess_ink(ink)) < 0.03


@pytest.mark.parametrize(
    "content", [b"", b"this is not an image\n" * 10, b"\x89PNG\r\n\x1a\n" + b"\0" * 40]
)
def test_bad_files_raise_image_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "digit.png"
    path.write_bytes(content)
    with pytest.raises(ImageError):
        load_image(path)


def test_truncated_and_missing_files_raise_image_error(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    _save_digit_png(good, (300, 300), 240.0)
    data = good.read_bytes()
    bad = tmp_path / "cut.png"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError):
        load_image(bad)
    with pytest.raises(ImageError):
        load_image(tmp_path / "nope.png")
    assert issubclass(ImageError, ValueError)
