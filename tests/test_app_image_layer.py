"""An opened picture is a layer under the strokes: drawn on, erased, undone, cleared, read."""

from __future__ import annotations

import numpy as np
from PIL import Image

from tests.number_pictures import one_scan
from tests.test_app_window import wait_for_answer


def _ink_at(canvas, x: float, y: float) -> float:
    """The drawing's ink (0..1) at canvas point (x, y)."""
    return float(canvas.ink_array()[int(y), int(x)])


# The "1" lies at x 72..88 of 160 px, fitted into the 512 x 512 canvas: x 230..282, y 77..435.
BAR = (256.0, 256.0)
BESIDE = (420.0, 256.0)


def test_drawing_on_a_picture_keeps_it_and_undo_goes_back_step_by_step(window, tmp_path):
    canvas = window.canvas
    assert window.open_image(one_scan(tmp_path))
    picture = canvas.image()
    assert _ink_at(canvas, *BAR) > 0.9 and _ink_at(canvas, *BESIDE) < 0.1
    canvas.add_stroke([(400.0, 150.0), (440.0, 350.0)], width=30.0)
    assert canvas.image() is picture
    assert _ink_at(canvas, *BAR) > 0.9 and _ink_at(canvas, *BESIDE) > 0.9
    canvas.set_eraser(True)
    canvas.add_stroke([(200.0, 256.0), (310.0, 256.0)], width=40.0)  # across the picture's bar
    canvas.set_eraser(False)
    assert canvas.image() is picture
    assert _ink_at(canvas, *BAR) < 0.1  # the eraser removed the picture's ink
    assert _ink_at(canvas, 256.0, 150.0) > 0.9  # but only where it went
    assert window.action("undo").text().replace("&", "") == "Undo Erase"
    canvas.undo()
    assert _ink_at(canvas, *BAR) > 0.9  # the picture's ink is back
    canvas.undo()  # the stroke
    assert canvas.image() is picture and _ink_at(canvas, *BESIDE) < 0.1
    assert window.action("undo").text().replace("&", "") == "Undo Open Image"
    canvas.undo()  # opening the picture
    assert canvas.image() is None and canvas.is_empty()
    canvas.redo()
    assert canvas.image() is picture


def test_clear_removes_the_picture_and_undo_brings_it_back(window, tmp_path):
    canvas = window.canvas
    window.open_image(one_scan(tmp_path))
    canvas.add_stroke([(400.0, 150.0), (440.0, 350.0)])
    picture = canvas.image()
    window.action("clear").trigger()
    assert canvas.image() is None and canvas.is_empty()
    assert canvas.ink_array().max() == 0.0
    assert window.answer.bars.is_empty()
    canvas.undo()
    assert canvas.image() is picture and canvas.stroke_count() == 1
    assert _ink_at(canvas, *BAR) > 0.9 and _ink_at(canvas, *BESIDE) > 0.9


def test_opening_a_picture_replaces_the_drawing_undoably(window, tmp_path):
    canvas = window.canvas
    canvas.add_stroke([(100.0, 100.0), (100.0, 400.0)])
    window.open_image(one_scan(tmp_path))
    assert canvas.stroke_count() == 0 and canvas.image() is not None
    canvas.undo()
    assert canvas.image() is None and canvas.stroke_count() == 1


def test_the_network_reads_the_picture_with_the_strokes_on_it(window, qtbot, tmp_path):
    window.open_image(one_scan(tmp_path))
    wait_for_answer(qtbot, window, 1)  # the file's own pixels, as `lenet predict` reads them
    read: list[np.ndarray] = []
    predict_ink = window.predictor.predict_ink

    def spy(ink, want_maps=False):
        read.append(ink)
        return predict_ink(ink, want_maps)

    window.predictor.predict_ink = spy
    canvas = window.canvas
    canvas.add_stroke([(150.0, 80.0), (360.0, 80.0)], width=30.0)  # a bar across the top: a 7
    qtbot.waitUntil(lambda: bool(read))
    ink = read[-1]  # at half the canvas's size
    assert ink.shape == (256, 256)
    assert ink[int(BAR[1] / 2), int(BAR[0] / 2)] > 0.9  # the picture's "1"
    assert ink[40, 80] > 0.9 and ink[40, 175] > 0.9  # the stroke, beyond the picture's bar
    wait_for_answer(qtbot, window, 7)  # the fake model reads a bar on top of a 1 as a 7


def test_saved_png_holds_the_picture_and_the_strokes(window, tmp_path):
    window.open_image(one_scan(tmp_path))
    window.canvas.add_stroke([(400.0, 150.0), (440.0, 350.0)], width=30.0)
    out = tmp_path / "saved.png"
    assert window.save_drawing(out)
    saved = np.asarray(Image.open(out).convert("L"))
    assert saved.shape == (512, 512)
    assert saved[int(BAR[1]), int(BAR[0])] < 60 and saved[256, 420] < 60  # both, black
    assert saved[256, 100] > 240  # white paper


def test_the_picture_survives_switching_modes(window, tmp_path):
    window.open_image(one_scan(tmp_path))
    picture = window.canvas.image()
    window.action("number_mode").setChecked(True)
    assert window.canvas.image() is picture
    assert window.canvas.ink_array().shape == (512, 1024)
    assert window.canvas.ink_array()[256, 512] > 0.9  # refitted, centred on the wide canvas


def test_tool_bar_buttons_keep_their_place_when_undo_changes_its_text(window, qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication, QToolButton

    bar = window.tool_bar

    def places() -> list[tuple[int, int]]:
        QApplication.processEvents()
        buttons = [w for w in bar.findChildren(QToolButton) if w.isVisible()]
        return sorted((b.x(), b.width()) for b in buttons)

    undo = window.action("undo")
    texts, before = [undo.text()], places()
    canvas = window.canvas
    canvas.add_stroke([(100.0, 100.0), (100.0, 400.0)])
    texts.append(undo.text())
    assert places() == before
    canvas.set_eraser(True)
    canvas.add_stroke([(90.0, 200.0), (110.0, 200.0)])
    texts.append(undo.text())
    assert places() == before
    canvas.undo()
    texts.append(window.action("redo").text())
    assert places() == before
    window.open_image(one_scan(tmp_path))
    texts.append(undo.text())
    assert places() == before
    assert len(set(texts)) == 5  # the texts did change: "Undo", "Undo Stroke", "Redo Erase"...
