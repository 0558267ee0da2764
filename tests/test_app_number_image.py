"""Number Mode and opened pictures; the "try Number Mode" hint; the number reader's warm-up.

The readings of real digits use the bundled model and MNIST test digits (LENET_DATA_DIR).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.live_reader import NUMBER_HINT
from app.self_test import densify
from tests.number_pictures import bar_scan, mnist_number_png, one_scan
from tests.test_app_real_model import real_loaded, real_window  # noqa: F401 (fixtures)


def _number(window) -> str:
    return window.answer.number_view.number()


def test_number_mode_reads_an_opened_picture_and_the_strokes_on_it(request, qtbot, tmp_path):
    window = request.getfixturevalue("real_window")  # the bundled model
    window.action("number_mode").setChecked(True)
    assert window.open_image(mnist_number_png(tmp_path / "scan.png", "204", blank_slots=1))
    qtbot.waitUntil(lambda: _number(window) == "204", timeout=10000)
    assert window.action("number_mode").isChecked()
    rect = window.canvas.image().rect_in(window.canvas.canvas_size())
    x = rect.x() + 0.77 * rect.width()  # the empty slot on the right
    window.canvas.add_stroke(densify([(x, 190.0), (x + 150, 185.0), (x + 90, 290.0),
                                      (x + 50, 370.0)]), width=28.0)
    qtbot.waitUntil(lambda: _number(window) == "2047", timeout=10000)
    window.canvas.undo()
    qtbot.waitUntil(lambda: _number(window) == "204", timeout=10000)


def test_opening_a_picture_in_number_mode_keeps_number_mode(window, qtbot, tmp_path):
    window.action("number_mode").setChecked(True)
    assert window.open_image(bar_scan(tmp_path / "eleven.png", [(40, 56), (104, 120)]))
    assert window.action("number_mode").isChecked()
    assert window.canvas.canvas_size() == (1024, 512)
    assert window.answer.stack.currentWidget() is window.answer.number_view
    qtbot.waitUntil(lambda: _number(window) == "11", timeout=5000)  # the fake reads bars as 1s


def _status(window) -> str:
    return window.statusBar().currentMessage()


def test_a_wide_picture_suggests_number_mode(window, qtbot, tmp_path):
    assert window.open_image(bar_scan(tmp_path / "eleven.png", [(40, 56), (104, 120)]))
    qtbot.waitUntil(lambda: _status(window) == NUMBER_HINT)
    window.action("number_mode").setChecked(True)  # taken at its word: the hint goes
    qtbot.waitUntil(lambda: _status(window) == "")
    qtbot.waitUntil(lambda: _number(window) == "11", timeout=5000)


def test_a_picture_wider_than_tall_suggests_number_mode(window, qtbot, tmp_path):
    pixels = np.full((120, 300), 255, np.uint8)
    pixels[50:70, 30:270] = 0  # one blob, 12 times as wide as tall
    path = tmp_path / "dash.png"
    from PIL import Image

    Image.fromarray(pixels).save(path)
    assert window.open_image(path)
    qtbot.waitUntil(lambda: _status(window) == NUMBER_HINT)


def test_one_digit_does_not_suggest_number_mode(window, qtbot, tmp_path):
    from tests.test_app_window import wait_for_answer

    assert window.open_image(one_scan(tmp_path))
    wait_for_answer(qtbot, window, 1)
    assert _status(window) != NUMBER_HINT
    window.canvas.add_stroke([(200.0, 120.0), (260.0, 80.0)])  # a flag on the 1, touching it
    _wait_for_reading(qtbot, window)
    assert _status(window) != NUMBER_HINT


def _wait_for_reading(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.reader.throttle.is_pending())


def test_a_wide_drawing_suggests_number_mode_and_the_hint_goes_with_it(window, qtbot):
    canvas = window.canvas
    canvas.add_stroke([(120.0, 100.0), (120.0, 400.0)])
    _wait_for_reading(qtbot, window)
    assert _status(window) != NUMBER_HINT
    canvas.add_stroke([(380.0, 100.0), (380.0, 400.0)])  # a second digit beside the first
    qtbot.waitUntil(lambda: _status(window) == NUMBER_HINT)
    canvas.undo()
    qtbot.waitUntil(lambda: _status(window) != NUMBER_HINT)


@pytest.fixture
def engine_spies(monkeypatch):
    """Calls of the engine's number readers (from any thread): name → count."""
    import lenet.ink

    calls = {"read_number": 0, "read_strokes": 0}
    for name in calls:
        real = getattr(lenet.ink, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(lenet.ink, name, spy)
    return calls


def test_the_start_up_warm_up_reads_numbers(engine_spies, qtbot, app_paths, settings_path,
                                            fake_store):
    """The window's background start-up (its default warm-up) runs both number readers, and
    cuts touching digits: a batch of candidates as large as the parallel path takes."""
    from app.main_window import MainWindow
    from app.settings import Settings
    from lenet.nn.fused_inference import PARALLEL_MIN_BATCH
    from tests.conftest import FakeClassifier, show_widget

    batches: list[int] = []
    predict_proba = FakeClassifier.predict_proba

    def counting(self, images):
        batches.append(len(images) if np.ndim(images) == 3 else 1)
        return predict_proba(self, images)

    FakeClassifier.predict_proba = counting  # the store makes its own classifiers
    try:
        window = MainWindow(Settings(settings_path), app_paths, fake_store)
        show_widget(qtbot, window, 900, 600)
        qtbot.waitUntil(window.is_ready, timeout=30000)
        window.model_in_use.wait()  # number mode warms up after live prediction is on
    finally:
        FakeClassifier.predict_proba = predict_proba
    assert engine_spies["read_number"] >= 1 and engine_spies["read_strokes"] >= 1
    assert max(batches) >= PARALLEL_MIN_BATCH


def test_number_reading_after_warm_up_reads_a_picture(fake_classifier, tmp_path: Path):
    """`Predictor.predict_number_ink`: boxes in the ink's pixels, left to right."""
    from app.predictor import Predictor

    ink = np.zeros((100, 300), np.float32)
    ink[20:80, 50:60] = 1.0
    ink[20:80, 200:210] = 1.0
    result = Predictor(fake_classifier).predict_number_ink(ink)
    assert result.number == "11"
    assert [d.box[0] for d in result.digits] == [50, 200]
    assert Predictor(fake_classifier).predict_number_ink(np.zeros((50, 50), np.float32)).empty
