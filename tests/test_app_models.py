"""MainWindow and models: load, save, adopt, start-up fallback, no model; the window's
info dialogs, standard keys and themes."""

from __future__ import annotations

import time

import pytest
from PySide6.QtGui import QKeySequence

from app.model_store import LoadedModel
from tests.test_app_window import ONE, wait_for_answer

# ---------------------------------------------------------------------- models


def test_load_good_and_bad_model(window, tmp_path, settings_path):
    good = tmp_path / "good.npz"
    good.write_text("my model")
    bad = tmp_path / "bad.npz"
    bad.write_text("bad bytes")
    assert not window.load_model_file(bad)
    assert "bundled" in window.model_label.text()  # unchanged
    assert window.load_model_file(good)
    assert "good.npz" in window.model_label.text()
    assert window.settings.get("model/path") == str(good)
    window.reset_to_bundled()
    assert "bundled" in window.model_label.text()
    assert window.settings.get("model/path") == ""


def test_save_model_as(window, tmp_path):
    target = tmp_path / "out" / "copy.npz"
    assert window.save_model_file(target)
    assert target.exists()


def test_adopt_trained_model(window, app_paths):
    from tests.conftest import FakeClassifier

    path = window.adopt_trained_model(FakeClassifier(accuracy=0.991, name="new"))
    assert path is not None and path.parent == app_paths.models_dir
    assert window.loaded.classifier.metadata["description"] == "new"
    assert "99.10%" in window.accuracy_label.text()


def test_startup_loads_in_background_and_falls_back(qtbot, app_paths, settings_path, fake_store,
                                                    tmp_path):
    from app.main_window import MainWindow
    from app.settings import Settings

    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_text("bad")
    settings = Settings(settings_path)
    settings.set("model/path", str(corrupt))
    window = MainWindow(settings, app_paths, fake_store,
                        warm_up_fn=lambda clf, ready: time.sleep(0.2))
    qtbot.addWidget(window)
    assert not window.is_ready()
    assert "Preparing engine" in window.statusBar().currentMessage()
    qtbot.waitUntil(window.is_ready, timeout=5000)
    assert window.loaded.is_bundled
    assert window.messages and "could not be loaded" in window.messages[-1][1]
    assert settings.get("model/path") == ""  # forgotten: the warning does not come back


def test_gui_stays_responsive_during_startup(qtbot, app_paths, settings_path, fake_store):
    from PySide6.QtCore import QTimer

    from app.main_window import MainWindow
    from app.settings import Settings

    window = MainWindow(Settings(settings_path), app_paths, fake_store,
                        warm_up_fn=lambda clf, ready: time.sleep(0.5))
    qtbot.addWidget(window)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    window.canvas.add_stroke([(256.0, 80.0), (256.0, 420.0)])  # drawing works while loading
    qtbot.waitUntil(window.is_ready, timeout=5000)
    timer.stop()
    assert len(ticks) >= 10
    wait_for_answer(qtbot, window, 1)  # the drawing made meanwhile is classified once ready


def test_model_info_and_about(window):
    dialog = window.show_model_info()
    assert "98.76%" in dialog.markdown()
    dialog.close()
    dialog = window.show_shortcuts()
    assert "Ctrl+Z" in dialog.markdown()
    dialog.close()


def test_no_model_disables_prediction(make_window, mouse_draw, qtbot):
    window = make_window(loaded=LoadedModel(None, None, True, "no bundled model"))
    assert not window.is_ready()
    mouse_draw(window.canvas, ONE)
    qtbot.wait(120)
    assert window.answer.bars.is_empty()
    assert not window.action("save_model").isEnabled()


def test_standard_keys_exist(window):
    assert window.action("open_image").shortcut() == QKeySequence(QKeySequence.StandardKey.Open)


@pytest.mark.parametrize("theme", ["light", "dark", "system"])
def test_themes(window, theme):
    window.set_theme(theme)
    assert window.action(f"theme_{theme}").isChecked()
    assert not window.grab().isNull()


@pytest.mark.parametrize("fails", [False, True])
def test_live_prediction_starts_once_the_first_screen_is_warm(fails, qtbot, app_paths,
                                                              settings_path, fake_store):
    """The rest of the warm-up (number mode, batches) goes on after `ready`; a model chosen
    meanwhile is not replaced when it ends, and a failure in it keeps live prediction on."""
    import threading

    from app.main_window import MainWindow
    from app.settings import Settings

    release = threading.Event()

    def warm_up(classifier, ready):
        ready()
        release.wait(10)
        if fails:
            raise RuntimeError("the number reader could not compile")

    window = MainWindow(Settings(settings_path), app_paths, fake_store, warm_up_fn=warm_up)
    qtbot.addWidget(window)
    qtbot.waitUntil(window.is_ready, timeout=5000)
    window.canvas.add_stroke([(256.0, 80.0), (256.0, 420.0)])
    wait_for_answer(qtbot, window, 1)  # live while the rest is still warming up
    window.reset_to_bundled()
    chosen = window.loaded
    release.set()
    if fails:
        qtbot.waitUntil(lambda: bool(window.messages), timeout=5000)
        assert "could not be prepared" in window.messages[-1][1]
    else:
        window.model_in_use.wait()
        qtbot.wait(100)  # the loader's `finished` is delivered
    assert window.is_ready() and window.loaded is chosen
