"""MainWindow with a fake classifier (and the engine's real preprocessing)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage

from app.main_window import NUMBER_CANVAS, SINGLE_CANVAS
from app.self_test import SAMPLES
from app.throttle import Throttle

ONE = SAMPLES[1][0]
SEVEN = SAMPLES[7][0]


def wait_for_answer(qtbot, window, digit=None, timeout_ms: int = 3000) -> None:
    def answered():
        assert not window.answer.bars.is_empty()
        if digit is not None:
            assert window.answer.bars.predicted_digit() == digit

    qtbot.waitUntil(answered, timeout=timeout_ms)


def test_starts_empty_with_hint(window):
    assert window.is_ready()
    assert window.answer.bars.is_empty()
    assert window.canvas.is_empty()
    assert window.answer.input_view.image() is None
    assert "bundled" in window.model_label.text()
    assert "98.76%" in window.accuracy_label.text()


def test_drawing_with_the_mouse_predicts(window, mouse_draw, qtbot):
    mouse_draw(window.canvas, ONE)
    wait_for_answer(qtbot, window, 1)
    assert window.answer.input_view.image() is not None
    assert window.answer.input_view.image().shape == (28, 28)
    assert "ms" in window.time_label.text()
    assert not window.answer.bars.is_not_sure()


def test_unsure_answer_shows_not_sure(window, qtbot):
    circle = [(256 + 150 * np.cos(t), 256 + 150 * np.sin(t)) for t in np.linspace(0, 6.3, 60)]
    window.canvas.add_stroke(circle)  # the fake classifier hesitates between 4 and 9
    wait_for_answer(qtbot, window, 4)
    assert window.answer.bars.is_not_sure()


def test_predicts_while_the_pen_is_down(window, qtbot):
    canvas = window.canvas
    canvas.begin_stroke(256, 80)
    for y in range(90, 420, 10):
        canvas.extend_stroke(256, y)
    qtbot.waitUntil(lambda: not window.answer.bars.is_empty(), timeout=2000)
    assert canvas.is_drawing()
    canvas.end_stroke()


def test_prediction_is_throttled(window, fake_classifier, qtbot):
    canvas = window.canvas
    qtbot.wait(100)
    calls = fake_classifier.calls
    canvas.begin_stroke(256, 60)
    start = time.monotonic()
    y = 60.0
    while time.monotonic() - start < 0.3:  # a 300 ms drag, a point every ~2 ms
        y = min(y + 1.0, 450.0)
        canvas.extend_stroke(256 + (y % 7), y)
        qtbot.wait(2)
    # live mid-stroke: a prediction comes before the pen is lifted (on a loaded machine the
    # worker may answer only after the drag's last point, hence the wait)
    qtbot.waitUntil(lambda: fake_classifier.calls > calls, timeout=3000)
    made = fake_classifier.calls - calls
    elapsed_ms = (time.monotonic() - start) * 1000
    canvas.end_stroke()
    assert 1 <= made <= elapsed_ms / 50 + 2  # throttled: at most one per 50 ms


def test_throttle_rate(qtbot):
    throttle = Throttle(50)
    fired = []
    throttle.fired.connect(lambda: fired.append(time.monotonic()))
    start = time.monotonic()
    while time.monotonic() - start < 0.4:
        throttle.request()
        qtbot.wait(1)
    qtbot.wait(80)
    assert 4 <= len(fired) <= 9
    gaps = np.diff(fired)
    assert (gaps >= 0.045).all()
    n = len(fired)
    throttle.request_now()
    qtbot.waitUntil(lambda: len(fired) == n + 1, timeout=500)


def test_undo_redo_clear_actions(window, mouse_draw, qtbot):
    mouse_draw(window.canvas, ONE)
    mouse_draw(window.canvas, [(150.0, 100.0), (360.0, 100.0)])
    assert window.canvas.stroke_count() == 2
    window.action("undo").trigger()
    assert window.canvas.stroke_count() == 1
    window.action("redo").trigger()
    assert window.canvas.stroke_count() == 2
    wait_for_answer(qtbot, window)
    window.action("clear").trigger()
    assert window.canvas.is_empty()
    assert window.answer.bars.is_empty()
    assert window.answer.input_view.image() is None


def test_shortcuts_and_status_tips(window):
    def keys(name):
        return [s.toString() for s in window.action(name).shortcuts()]

    assert "Ctrl+Z" in keys("undo")
    assert "Ctrl+Shift+Z" in keys("redo")
    assert {"Esc", "Del"} <= set(keys("clear"))
    assert "7" in keys("teach_7")
    for name in window.action_names():
        action = window.action(name)
        assert not action.shortcut().isEmpty(), name
        assert action.statusTip(), name
    text = window.shortcuts_markdown()
    assert "Ctrl+Z" in text and "Undo" in text


def test_escape_key_clears(window, mouse_draw, qtbot):
    from PySide6.QtCore import Qt

    mouse_draw(window.canvas, ONE)
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert window.canvas.is_empty()


def test_save_drawing_writes_png(window, mouse_draw, tmp_path):
    mouse_draw(window.canvas, ONE)
    path = tmp_path / "digit.png"
    assert window.save_drawing(path)
    image = QImage(str(path))
    assert not image.isNull()
    assert (image.width(), image.height()) == SINGLE_CANVAS
    assert image.pixelColor(258, 250).lightness() < 60  # ink
    assert image.pixelColor(40, 40).lightness() > 240  # paper


def _one_png(path: Path) -> Path:
    pixels = np.full((200, 160), 255, np.uint8)  # black ink on white paper, like a scan
    pixels[30:170, 72:88] = 0
    Image.fromarray(pixels).save(path)
    return path


def test_open_image_classifies_it(window, qtbot, tmp_path):
    assert window.open_image(_one_png(tmp_path / "one.png"))
    assert window.canvas.image() is not None
    wait_for_answer(qtbot, window, 1)
    window.canvas.begin_stroke(10, 10)  # drawing goes on top of the picture
    window.canvas.end_stroke()
    assert window.canvas.image() is not None


def test_open_bad_image_is_reported(window, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    assert not window.open_image(bad)
    assert window.messages and "cannot be used" in window.messages[-1][1]
    assert window.canvas.image() is None


def test_open_damaged_tiff_is_reported(window, tmp_path):
    """Pillow raises TypeError for this one: it used to escape File → Open Image."""
    from tests.test_image_damage import _tiff_without_dimensions

    bad = tmp_path / "scan.tif"
    bad.write_bytes(_tiff_without_dimensions())
    assert not window.open_image(bad)
    assert "damaged" in window.messages[-1][1] and "Pillow" not in window.messages[-1][1]


def test_settings_persist(make_window, settings_path):
    first = make_window()
    first.set_pen_width(40)
    first.set_feature_maps_visible(True)
    first.set_theme("dark")
    first.resize(900, 650)
    first.close()
    assert settings_path.exists()
    second = make_window()
    assert second.canvas.pen_width() == 40
    assert second.action("feature_maps").isChecked()
    assert second.action("theme_dark").isChecked()
    second.action("number_mode").setChecked(True)
    second.set_theme("light")
    second.close()
    third = make_window()
    assert third.action("number_mode").isChecked()
    assert third.canvas.canvas_size() == NUMBER_CANVAS
    assert third.action("theme_light").isChecked()
    third.close()


def test_engine_failure_is_reported(qtbot, app_paths, settings_path, fake_store):
    from app.main_window import MainWindow
    from app.settings import Settings

    def broken_warm_up(classifier, ready):
        raise RuntimeError("numba could not compile")

    window = MainWindow(Settings(settings_path), app_paths, fake_store, warm_up_fn=broken_warm_up)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: bool(window.messages), timeout=5000)
    assert "numba could not compile" in window.messages[-1][1]
    assert not window.is_ready()


def test_number_mode(window, qtbot):
    window.action("number_mode").setChecked(True)
    assert window.canvas.canvas_size() == NUMBER_CANVAS
    assert window.answer.stack.currentWidget() is window.answer.number_view
    window.canvas.add_stroke([(200.0, 100.0), (200.0, 420.0)])
    window.canvas.add_stroke([(600.0, 100.0), (600.0, 420.0)])
    qtbot.waitUntil(lambda: window.answer.number_view.number() == "11", timeout=3000)
    assert not window.teach(3)  # no digit's box was clicked: nothing to correct
    window.action("number_mode").setChecked(False)
    assert window.canvas.canvas_size() == SINGLE_CANVAS
    assert window.answer.stack.currentWidget() is window.answer.bars


def test_number_mode_reads_off_the_gui_thread_and_drops_stale_answers(window, qtbot):
    window.action("number_mode").setChecked(True)
    window.canvas.add_stroke([(200.0, 100.0), (200.0, 420.0)])
    assert window.predict_now() is None  # the answer comes from the worker thread
    qtbot.waitUntil(lambda: window.answer.number_view.number() == "1", timeout=3000)
    stale = window.last_result
    reader = window.reader
    window.canvas.add_stroke([(600.0, 100.0), (600.0, 420.0)])
    qtbot.waitUntil(lambda: window.answer.number_view.number() == "11", timeout=3000)
    reader._on_number_read(reader.revision - 1, stale)  # an answer for an older drawing
    assert window.answer.number_view.number() == "11"
    window.canvas.clear()
    reader._on_number_read(reader.revision, stale)  # the canvas is empty now
    assert window.answer.number_view.number() == ""


def test_the_network_view_follows_the_drawing(window, mouse_draw, qtbot, fake_classifier):
    window.action("feature_maps").setChecked(True)
    assert window.maps_dock.isVisible()
    window.canvas.begin_stroke(256, 80)
    for y in range(90, 420, 10):
        window.canvas.extend_stroke(256, y)
    qtbot.waitUntil(lambda: window.maps_dock.view.activations() is not None, timeout=2000)
    assert window.canvas.is_drawing()  # live while the pen is down, like the bars
    window.canvas.end_stroke()
    window.canvas.clear()
    qtbot.waitUntil(lambda: window.maps_dock.view.activations() is None, timeout=2000)
    mouse_draw(window.canvas, ONE)
    qtbot.waitUntil(lambda: window.maps_dock.view.activations() is not None, timeout=3000)
    shapes = {s.name: s.shape for s in fake_classifier.stages()}
    for name, values in window.maps_dock.view.activations().items():
        assert values.shape == shapes[name]


# ---------------------------------------------------------------------- correct me


def test_teach_stores_a_correction(window, mouse_draw, qtbot, app_paths):
    mouse_draw(window.canvas, SEVEN)
    wait_for_answer(qtbot, window)
    window.action("teach_2").trigger()
    files = sorted(app_paths.corrections_dir.iterdir())
    assert [f.suffix for f in files] == [".json", ".png"]
    record = json.loads(files[0].read_text())
    assert record["label"] == 2
    assert record["strokes"] and record["strokes"][0]["points"]
    image = np.asarray(Image.open(files[1]))
    assert image.shape == (28, 28) and image.max() > 200
    assert window.answer.bars.taught() == 2
    assert not window.teach(2)  # the same drawing is stored once
    assert window.corrections.count() == 1
    assert window.teach(3)  # another key for the same drawing replaces the label
    assert [c.label for c in window.corrections.load_all()] == [3]
    assert len(list(app_paths.corrections_dir.iterdir())) == 2


def test_clicking_a_bar_teaches(window, mouse_draw, qtbot):
    from PySide6.QtCore import Qt

    mouse_draw(window.canvas, ONE)
    wait_for_answer(qtbot, window, 1)
    qtbot.mouseClick(window.answer.bars, Qt.MouseButton.LeftButton,
                     pos=window.answer.bars.bar_rect(7).center().toPoint())
    assert window.corrections.count() == 1
    assert window.corrections.load_all()[0].label == 7


def test_corrections_survive_a_restart(make_window, mouse_draw, qtbot):
    first = make_window()
    mouse_draw(first.canvas, ONE)
    wait_for_answer(qtbot, first)
    assert first.teach(4)
    first.close()
    second = make_window()
    items = second.corrections.load_all()
    assert [c.label for c in items] == [4]
    assert items[0].strokes and items[0].image.shape == (28, 28)


def test_teach_needs_a_drawing(window):
    assert not window.teach(3)
    assert window.corrections.count() == 0
