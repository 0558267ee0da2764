"""Retraining and fine-tuning through the main window, and the data mix for fine-tuning."""

from __future__ import annotations

import numpy as np
import pytest

from app.corrections import CorrectionStore
from app.mnist_folder import mnist_present
from app.training_data import finetune_data
from app.training_worker import TrainingPlan, TrainingWorker, engine_trainer_factory
from tests.test_app_training import MNIST_DIR, fake_factory

# ---------------------------------------------------------------------- with the window


def test_window_retrain_then_use_model(window, qtbot, app_paths):
    window.trainer_factory_for = fake_factory()
    before = window.loaded.classifier
    d = window.show_retrain_dialog()
    d.start()
    qtbot.waitUntil(lambda: d.state == "done", timeout=5000)
    assert window.loaded.classifier is before  # untouched until the user says so
    d.use_button.click()
    assert window.loaded.classifier is not before
    assert window.loaded.path.parent == app_paths.models_dir
    assert "in use" in d.result_label.text()
    window.reset_to_bundled()
    assert window.loaded.is_bundled


def test_window_close_during_training(window, qtbot):
    window.trainer_factory_for = fake_factory(batches=10000, delay=0.01)
    d = window.show_retrain_dialog()
    worker = d.start()
    window.confirm = lambda title, text: False
    window.close()
    assert window.isVisible() and worker.is_running()
    window.confirm = lambda title, text: True
    window.close()
    assert not window.isVisible()
    assert not worker.is_running()


def test_finetune_needs_corrections(window, mouse_draw, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a))
    assert window.show_finetune_dialog() is None
    assert shown
    window.canvas.add_stroke([(256.0, 80.0), (256.0, 420.0)])
    qtbot.waitUntil(lambda: not window.answer.bars.is_empty(), timeout=3000)
    window.teach(7)
    window.trainer_factory_for = fake_factory()
    d = window.show_finetune_dialog()
    assert d is not None and d.mode == "finetune"
    assert d.plan().init is window.loaded.classifier
    assert d.plan().corrections_dir == window.corrections.folder
    d.start()
    qtbot.waitUntil(lambda: d.state == "done", timeout=5000)
    d.use_button.click()
    assert window.loaded.path.name.startswith("fine-tuned")


# ---------------------------------------------------------------------- data for fine-tuning


def test_finetune_data_mixes_corrections(tmp_path):
    store = CorrectionStore(tmp_path)
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:15] = 1.0
    store.add(7, image, predicted=1)
    store.add(3, image)
    images, labels = store.arrays()
    assert images.shape == (2, 28, 28) and images.dtype == np.uint8
    assert sorted(labels.tolist()) == [3, 7]

    class Mnist:
        train_images = np.zeros((1000, 28, 28), np.uint8)
        train_labels = np.zeros(1000, np.uint8)
        test_images = np.zeros((10, 28, 28), np.uint8)
        test_labels = np.zeros(10, np.uint8)

    data = finetune_data(Mnist(), images, labels, mnist_images=800)
    assert len(data.train_images) == len(data.train_labels)
    share = np.isin(data.train_labels, [3, 7]).mean()
    assert 0.15 <= share <= 0.3
    assert data.test_images is Mnist.test_images
    with pytest.raises(ValueError):
        finetune_data(Mnist(), images[:0], labels[:0])


@pytest.mark.slow
@pytest.mark.skipif(not mnist_present(MNIST_DIR), reason="MNIST files not available")
def test_real_engine_tiny_run_then_finetune(qtbot, tmp_path):
    plan = TrainingPlan(epochs=1, batch_size=64, subset=640, augment=False,
                        data_dir=str(MNIST_DIR))
    worker = TrainingWorker(engine_trainer_factory(plan))
    progress = []
    worker.progress.connect(progress.append)
    with qtbot.waitSignal(worker.finished, timeout=120000) as blocker:
        worker.start()
    worker.wait()
    result = blocker.args[0]
    assert progress and progress[-1].fraction_done == pytest.approx(1.0)
    assert result.classifier.predict_proba(np.zeros((28, 28), np.float32)).shape == (1, 10)
    assert 0.0 <= result.test_accuracy <= 1.0

    store = CorrectionStore(tmp_path / "corrections")
    image = np.zeros((28, 28), np.float32)
    image[4:24, 12:16] = 1.0
    store.add(7, image)
    plan = TrainingPlan(mode="finetune", epochs=1, subset=None, augment=False, lr=3e-4,
                        data_dir=str(MNIST_DIR), init=result.classifier,
                        corrections_dir=store.folder, finetune_mnist_images=300)
    worker = TrainingWorker(engine_trainer_factory(plan))
    with qtbot.waitSignal(worker.finished, timeout=120000) as blocker:
        worker.start()
    worker.wait()
    tuned = blocker.args[0]
    assert tuned.classifier is not result.classifier
    assert "+ 1 correction x" in tuned.classifier.metadata.get("data", "")
