"""`lenet predict`: the JSON contract on good, empty, corrupt and huge files, and --multi."""

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from lenet.cli import main
from tests.datasets import real_mnist


def drawing(path, strokes, size=280, width=18, ink="black", paper="white"):
    """Save strokes (lists of (x, y) in 0..1) as a PNG drawn with a round pen."""
    img = Image.new("RGB", (size, size), paper)
    pen = ImageDraw.Draw(img)
    for stroke in strokes:
        pts = [(x * size, y * size) for x, y in stroke]
        pen.line(pts, fill=ink, width=width, joint="curve")
        for x, y in pts:
            pen.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=ink)
    img.save(path)
    return str(path)


ONE = [[(0.5, 0.15), (0.5, 0.85)]]
SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]]


def run(capsys, *args):
    code = main(["predict", "--json", *map(str, args)])
    lines = capsys.readouterr().out.strip().splitlines()
    return code, [json.loads(line) for line in lines]


def test_json_contract_for_good_files(tmp_path, capsys):
    one = drawing(tmp_path / "one.png", ONE)
    seven = drawing(tmp_path / "seven.png", SEVEN, ink="white", paper="black")
    code, results = run(capsys, one, seven)
    assert code == 0
    assert [r["file"] for r in results] == [one, seven]  # exactly as given, in order
    assert [r["digit"] for r in results] == [1, 7]
    for r in results:
        assert set(r) >= {"file", "digit", "confidence", "probabilities", "not_a_digit"}
        assert r["not_a_digit"] is False
        assert len(r["probabilities"]) == 10 and sum(r["probabilities"]) == pytest.approx(1, 1e-4)
        assert r["confidence"] == max(r["probabilities"])


# a scribble, a letter H, and a filled blob (solid ink: no digit at all)
SCRIBBLE = [[(0.5 + 0.23 * np.sin(1.3 * t) + 0.08 * np.cos(3.1 * t),
              0.5 + 0.2 * np.cos(1.7 * t + 0.5) + 0.06 * np.sin(2.3 * t))
             for t in np.linspace(0.0, 6 * np.pi, 120)]]
LETTER_H = [[(0.25, 0.15), (0.25, 0.85)], [(0.75, 0.15), (0.75, 0.85)], [(0.25, 0.5), (0.75, 0.5)]]
BLOB = [[(0.3, 0.35), (0.7, 0.35), (0.7, 0.45), (0.3, 0.45), (0.3, 0.55), (0.7, 0.55),
         (0.7, 0.65), (0.3, 0.65)]]


def test_not_a_digit_is_in_every_answer(tmp_path, capsys):
    seven = drawing(tmp_path / "seven.png", SEVEN)
    scribble = drawing(tmp_path / "scribble.png", SCRIBBLE, width=10)
    letter = drawing(tmp_path / "h.png", LETTER_H)
    blob = drawing(tmp_path / "blob.png", BLOB, width=40)
    code, results = run(capsys, seven, scribble, letter, blob)
    assert code == 0
    assert [r["not_a_digit"] for r in results] == [False, True, True, True]
    assert results[0]["digit"] == 7 and isinstance(results[1]["digit"], int)
    assert results[3]["digit"] is None and results[3]["probabilities"] is None
    assert main(["predict", seven, scribble, blob]) == 0
    said = capsys.readouterr().out.splitlines()
    assert "not a digit" not in said[0] and "not a digit" in said[1] and "not a digit" in said[2]


def test_bad_files_get_errors_and_the_others_still_answered(tmp_path, capsys):
    good = drawing(tmp_path / "good.png", ONE)
    text = tmp_path / "notes.png"
    text.write_text("this is not an image")
    empty_file = tmp_path / "zero.png"
    empty_file.write_bytes(b"")
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    missing = tmp_path / "missing.png"
    code, results = run(capsys, text, good, empty_file, blank, missing)
    assert code != 0
    by_file = {r["file"]: r for r in results}
    assert len(results) == 5
    assert by_file[good]["digit"] == 1
    for bad in (text, empty_file, blank, missing):
        assert set(by_file[str(bad)]) == {"file", "error"} and by_file[str(bad)]["error"]
    assert "no digit" in by_file[str(blank)]["error"]


def test_huge_image_is_downscaled_not_exhausting_memory(tmp_path, capsys):
    big = Image.new("L", (10_000, 10_000), 255)
    ImageDraw.Draw(big).line([(5000, 1500), (5000, 8500)], fill=0, width=600)
    path = tmp_path / "huge.png"
    big.save(path, optimize=True)
    del big
    code, results = run(capsys, path)
    assert code == 0 and results[0]["digit"] == 1


def test_multi_reads_a_strip_of_mnist_digits(tmp_path, capsys):
    mnist = real_mnist()
    rng = np.random.default_rng(0)
    paths, numbers = [], []
    for k, count in enumerate([2, 3, 4, 5, 6, 4]):
        idx = rng.choice(len(mnist.test_images), count, replace=False)
        gap = -2 if k == 5 else 6  # the last strip has touching digits
        strip = np.zeros((28, count * (28 + gap) + 20), np.float32)
        for j, i in enumerate(idx):
            x = 10 + j * (28 + gap)
            strip[:, x : x + 28] = np.maximum(strip[:, x : x + 28], mnist.test_images[i] / 255)
        img = Image.fromarray((255 - strip * 255).astype(np.uint8)).resize(
            (strip.shape[1] * 4, 112), Image.Resampling.BILINEAR
        )
        paths.append(tmp_path / f"strip{k}.png")
        img.save(paths[-1])
        numbers.append("".join(str(mnist.test_labels[i]) for i in idx))
    code, results = run(capsys, "--multi", *paths)
    assert code == 0
    read = [r["number"] for r in results]
    assert sum(a == b for a, b in zip(read, numbers, strict=True)) >= 5, (read, numbers)
    for r in results:
        assert len(r["digits"]) == len(r["number"])
        xs = [d["box"][0] for d in r["digits"]]
        assert xs == sorted(xs)


def test_multi_on_a_single_digit_matches_the_single_path(tmp_path, capsys):
    seven = drawing(tmp_path / "seven.png", SEVEN)
    _, (single,) = run(capsys, seven)
    _, (multi,) = run(capsys, "--multi", seven)
    assert multi["number"] == "7" == str(single["digit"])
    assert multi["digits"][0]["confidence"] == pytest.approx(single["confidence"], abs=1e-6)


def test_a_file_name_that_is_not_utf8_does_not_stop_the_batch(tmp_path):
    """Run as a program with strict UTF-8 output: the name is printed escaped."""
    import os
    import subprocess
    import sys

    odd = os.fsdecode(os.fsencode(str(tmp_path)) + b"/\xff\xfe.png")
    drawing(odd, ONE)
    good = drawing(tmp_path / "one.png", ONE)
    env = dict(os.environ, PYTHONIOENCODING="utf-8:strict")
    proc = subprocess.run([sys.executable, "-m", "lenet", "predict", odd, good],
                          capture_output=True, env=env, timeout=300)
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    lines = out.strip().splitlines()
    assert len(lines) == 2 and ": 1  " in lines[0]
    assert "\\udcff" in lines[0] and lines[1].startswith(good)
