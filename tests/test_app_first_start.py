"""The window on a very first start: the real engine and bundled model, with a compile that
waits until the test lets it end. Live prediction (and the network view) answer in NumPy
before it ends; afterwards the kernels answer, with the same digit."""

from __future__ import annotations

import pytest

from app.model_store import ModelStore
from lenet.nn.kernels import readiness
from tests.conftest import BUNDLED_MODEL, show_widget
from tests.test_app_window import wait_for_answer
from tests.test_first_start import SlowCompile


@pytest.mark.parametrize("fails", [False, True])
def test_live_prediction_comes_before_the_compile_ends(fails, qtbot, monkeypatch, app_paths,
                                                       settings_path):
    from app.main_window import MainWindow
    from app.settings import Settings
    from lenet import compile_ahead

    slow = SlowCompile(fails)
    monkeypatch.setattr(compile_ahead, "compile_ahead", slow)
    store = ModelStore(app_paths.models_dir, bundled_path=BUNDLED_MODEL)
    window = MainWindow(Settings(settings_path), app_paths, store)
    show_widget(qtbot, window, 1000, 720)
    window.set_feature_maps_visible(True)
    try:
        qtbot.waitUntil(window.is_ready, timeout=30000)
        # the warm-up calls ready() just before it starts the compile: wait, do not race it
        assert slow.started.wait(30) and not slow.release.is_set()
        assert not readiness.use_compiled()
        window.canvas.add_stroke([(256.0, 60.0), (256.0, 450.0)], 24.0)
        # the compile cannot end before `release`, so a generous wait still shows the answer
        # came first: on a cold cache, earlier tests' compile processes may hold the cores
        wait_for_answer(qtbot, window, 1, timeout_ms=20000)
        assert window.last_result.activations is not None  # the network view too
        qtbot.waitUntil(lambda: window.maps_dock.view.activations() is not None, timeout=3000)
        first = window.last_result.digit.probabilities
    finally:
        slow.release.set()
    if fails:
        qtbot.waitUntil(lambda: bool(window.messages), timeout=30000)
        assert "could not be prepared" in window.messages[-1][1]
        assert not readiness.use_compiled()  # NumPy goes on answering
    else:
        qtbot.waitUntil(lambda: window.model_in_use._loader is None, timeout=120000)
        assert readiness.use_compiled()
    window.canvas.clear()
    window.canvas.add_stroke([(256.0, 60.0), (256.0, 450.0)], 24.0)
    wait_for_answer(qtbot, window, 1, timeout_ms=20000)
    assert abs(window.last_result.digit.probabilities - first).max() < 1e-5
    assert window.is_ready()
    window.model_in_use.wait()
    readiness.compiled_everywhere()
