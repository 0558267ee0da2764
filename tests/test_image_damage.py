"""Damaged image files: `load_image` gives an image or an ImageError, never another
exception; `lenet predict` answers every other file of the batch."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

from lenet.ink import ImageError, load_image
from tests.test_predict import ONE, drawing, run

FORMATS = ["PNG", "JPEG", "BMP", "TIFF", "GIF", "WEBP", "ICO", "PPM", "TGA"]


def _digit_bytes(fmt: str) -> bytes:
    img = Image.new("L", (48, 48), 255)
    img.paste(0, (20, 8, 28, 40))
    buf = io.BytesIO()
    img.convert("RGB" if fmt in ("JPEG", "PPM") else "L").save(buf, format=fmt)
    return buf.getvalue()


def _tiff_without_dimensions() -> bytes:
    """A two-page TIFF whose second page has no ImageWidth tag (256, renamed): Pillow's
    n_frames raises TypeError("Missing dimensions") while counting the pages."""
    pages = [Image.new("L", (48, 48), 255), Image.new("L", (48, 48), 0)]
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    data = bytearray(buf.getvalue())
    (first,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, first)
    (second,) = struct.unpack_from("<I", data, first + 2 + 12 * count)
    (count,) = struct.unpack_from("<H", data, second)
    for k in range(count):
        at = second + 2 + 12 * k
        if struct.unpack_from("<H", data, at)[0] == 256:
            struct.pack_into("<H", data, at, 0xFFF0)
    return bytes(data)


def test_a_tiff_without_dimensions_is_an_image_error(tmp_path):
    path = tmp_path / "broken.tif"
    path.write_bytes(_tiff_without_dimensions())
    with pytest.raises(ImageError, match="damaged"):
        load_image(path)


def test_one_damaged_file_does_not_stop_the_batch(tmp_path, capsys):
    good = drawing(tmp_path / "one.png", ONE)
    bad = tmp_path / "broken.tif"
    bad.write_bytes(_tiff_without_dimensions())
    code, results = run(capsys, bad, good)
    assert code == 1
    assert [r["file"] for r in results] == [str(bad), good]
    assert "error" in results[0] and "Pillow" not in results[0]["error"]
    assert results[1]["digit"] == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_mutated_images_of_every_format(tmp_path, fmt):
    """Seeded byte flips and truncations: an (H, W[, 4]) float image in [0, 1], or an
    ImageError that names the file."""
    original = _digit_bytes(fmt)
    rng = np.random.default_rng(sum(map(ord, fmt)))
    path = tmp_path / f"mutated.{fmt.lower()}"
    for trial in range(120):
        data = bytearray(original)
        if trial % 4 == 3:
            data = data[: int(rng.integers(0, len(data)))]
        else:
            for pos in rng.integers(0, len(data), size=int(rng.integers(1, 6))):
                data[pos] = int(rng.integers(0, 256))
        path.write_bytes(bytes(data))
        try:
            image = load_image(path)
        except ImageError as e:
            assert str(path) in str(e)
            continue
        assert image.dtype == np.float32 and image.ndim in (2, 3)
        assert np.isfinite(image).all() and image.min() >= 0 and image.max() <= 1
