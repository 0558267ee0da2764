"""The real engine and the bundled model: a "1" and a "7" drawn with real mouse events, and
a scribble, which the answer panel calls not a digit.

Skipped until models/lenet5.npz exists (LENET_DIGITS_TEST_MODEL can point at another model).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BUNDLED_MODEL

MODEL = Path(os.environ.get("LENET_DIGITS_TEST_MODEL", BUNDLED_MODEL))

pytestmark = pytest.mark.skipif(not MODEL.is_file(), reason=f"no model at {MODEL}")


@pytest.fixture(scope="module")
def real_loaded():
    from app.model_store import ModelStore
    from app.predictor import warm_up

    store = ModelStore(Path("unused"), bundled_path=MODEL)
    loaded = store.load_bundled()
    assert loaded.classifier is not None, loaded.message
    warm_up(loaded.classifier)
    return loaded


@pytest.fixture
def real_window(make_window, app_paths, real_loaded):
    from app.model_store import ModelStore

    return make_window(loaded=real_loaded,
                       store=ModelStore(app_paths.models_dir, bundled_path=MODEL))


@pytest.mark.parametrize("digit", [1, 7])
def test_mouse_drawn_digit_is_recognised(real_window, mouse_draw, qtbot, digit):
    from app.self_test import SAMPLES

    for polyline in SAMPLES[digit]:
        mouse_draw(real_window.canvas, polyline)

    def answered():
        assert real_window.answer.bars.predicted_digit() == digit

    qtbot.waitUntil(answered, timeout=5000)
    result = real_window.last_result
    assert result is not None and result.digit is not None
    assert result.digit.digit == digit
    assert result.digit.confidence > 0.7
    assert not real_window.answer.bars.is_not_sure()
    assert not result.not_a_digit and not real_window.answer.says_not_a_digit()


def test_a_scribble_is_not_a_digit_in_words(real_window, mouse_draw, qtbot):
    import math

    from app.answer_panel import NOT_A_DIGIT

    scribble = [(256 + 120 * math.sin(1.3 * t) + 40 * math.cos(3.1 * t),
                 256 + 100 * math.cos(1.7 * t + 0.5) + 30 * math.sin(2.3 * t))
                for t in (k * 6 * math.pi / 119 for k in range(120))]
    mouse_draw(real_window.canvas, scribble)
    qtbot.waitUntil(real_window.answer.says_not_a_digit, timeout=5000)
    assert real_window.last_result.not_a_digit
    shown = real_window.answer.stack.currentWidget()
    assert shown.isVisible() and NOT_A_DIGIT in shown.text()
    assert NOT_A_DIGIT != real_window.answer.bars.hint()  # not the empty-canvas hint
    real_window.canvas.clear()
    qtbot.waitUntil(lambda: not real_window.answer.says_not_a_digit(), timeout=5000)
    assert real_window.answer.bars.is_empty()


def test_number_mode_reads_two_digits(real_window, qtbot):
    from app.self_test import SAMPLES, densify

    real_window.action("number_mode").setChecked(True)
    for polyline in SAMPLES[1]:
        real_window.canvas.add_stroke(densify(polyline), width=28.0)
    for polyline in SAMPLES[7]:
        real_window.canvas.add_stroke(densify([(x + 450.0, y) for x, y in polyline]), width=28.0)
    qtbot.waitUntil(lambda: real_window.answer.number_view.number() == "17", timeout=5000)


@pytest.mark.skipif(not BUNDLED_MODEL.is_file(), reason="self-test uses the bundled model")
def test_self_test_command(tmp_path):
    out = tmp_path / "summary.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-m", "app", "--self-test", "--json-out", str(out)],
                          capture_output=True, text=True, timeout=300, env=env,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import json

    summary = json.loads(out.read_text())
    assert summary["ok"]
    assert [p["predicted"] for p in summary["predictions"]] == [1, 7]
