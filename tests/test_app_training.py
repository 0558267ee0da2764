"""TrainingWorker, DownloadWorker and TrainingDialog with fake trainers (plus one tiny real run)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from app.corrections import CorrectionStore
from app.mnist_folder import mnist_present
from app.settings import Settings
from app.training_dialog import TrainingDialog, format_eta
from app.training_worker import TrainingPlan, TrainingWorker
from app.workers import DownloadWorker
from tests.conftest import FakeClassifier

MNIST_DIR = Path(os.environ.get("LENET_DATA_DIR") or
                 Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist")


@dataclass(frozen=True)
class FakeProgress:
    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    accuracy: float
    images_per_s: float
    fraction_done: float
    eta_s: float
    val_loss: float | None = None
    val_accuracy: float | None = None


@dataclass
class FakeResult:
    classifier: FakeClassifier
    test_accuracy: float = 0.987
    seconds: float = 1.5
    history: tuple = ()


class FakeTrainer:
    """Two epochs of `batches` batches, `delay` seconds each (sleeping, like numba without
    the GIL); raises like the real Trainer when stopped, or `fail` at batch 3."""

    def __init__(self, on_progress, should_stop, batches=10, delay=0.01, fail=None,
                 accuracy=0.987):
        self.on_progress, self.should_stop = on_progress, should_stop
        self.batches, self.delay, self.fail, self.accuracy = batches, delay, fail, accuracy
        self.thread = None

    def run(self):
        from lenet.training.trainer import TrainingCancelled

        self.thread = threading.current_thread()
        total = 2 * self.batches
        for epoch in (1, 2):
            for b in range(1, self.batches + 1):
                if self.should_stop():
                    raise TrainingCancelled("stopped")
                if self.fail is not None and b == 3:
                    raise self.fail
                time.sleep(self.delay)
                done = (epoch - 1) * self.batches + b
                self.on_progress(FakeProgress(epoch, 2, b, self.batches, 1.0 / done,
                                              min(0.99, 0.5 + done / 100), 1000.0, done / total,
                                              0.1 * (total - done)))
            self.on_progress(FakeProgress(epoch, 2, self.batches, self.batches, 0.2, 0.9, 1000.0,
                                          epoch / 2, 0.0, val_loss=0.25, val_accuracy=0.95))
        return FakeResult(FakeClassifier(accuracy=self.accuracy, name="trained"), self.accuracy)


def fake_factory(**kwargs):
    made = []

    def factory_for(plan):
        def make(on_progress, should_stop):
            trainer = FakeTrainer(on_progress, should_stop, **kwargs)
            made.append((plan, trainer))
            return trainer

        return make

    factory_for.made = made
    return factory_for


# ---------------------------------------------------------------------- the worker


def test_worker_reports_progress_and_finishes(qtbot):
    worker = TrainingWorker(fake_factory()(TrainingPlan()), min_interval_s=0.0)
    progress = []
    worker.progress.connect(progress.append)
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.start()
    assert worker.wait(2000)
    result = blocker.args[0]
    assert result.test_accuracy == pytest.approx(0.987)
    assert len(progress) >= 20
    assert progress[-1].val_accuracy == pytest.approx(0.95)
    assert not worker.is_running()


def test_worker_runs_in_another_thread(qtbot):
    factory_for = fake_factory()
    worker = TrainingWorker(factory_for(TrainingPlan()))
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    worker.wait()
    trainer = factory_for.made[0][1]
    assert trainer.thread is not threading.main_thread()


def test_cancel_stops_within_a_batch(qtbot):
    worker = TrainingWorker(fake_factory(batches=1000, delay=0.01)(TrainingPlan()))
    finished = []
    worker.finished.connect(finished.append)
    worker.start()
    qtbot.wait(50)
    start = time.monotonic()
    with qtbot.waitSignal(worker.cancelled, timeout=2000):
        worker.stop()
    assert time.monotonic() - start < 0.5
    assert worker.wait(1000)
    assert not finished


def test_gui_keeps_processing_events_during_training(qtbot):
    worker = TrainingWorker(fake_factory(batches=40, delay=0.01)(TrainingPlan()))
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    with qtbot.waitSignal(worker.finished, timeout=10000):
        worker.start()
    timer.stop()
    worker.wait()
    assert len(ticks) >= 20  # ~0.8 s of training: the timer kept firing
    assert np.diff(ticks).max() < 0.25


@pytest.mark.parametrize(("error", "expected"), [
    (None, "Training diverged"),
    (FileNotFoundError("MNIST folder /nowhere does not exist"), "MNIST data is missing"),
    (OSError(28, "No space left on device"), "disk is full"),
])
def test_failing_run_emits_failed(qtbot, error, expected):
    if error is None:
        from lenet.training.trainer import TrainingDiverged

        error = TrainingDiverged("the loss became nan")
    worker = TrainingWorker(fake_factory(fail=error)(TrainingPlan()))
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start()
    worker.wait()
    assert expected in blocker.args[0]


def test_factory_errors_are_reported(qtbot):
    def broken(on_progress, should_stop):
        raise FileNotFoundError("no MNIST here")

    worker = TrainingWorker(broken)
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start()
    worker.wait()
    assert "no MNIST here" in blocker.args[0]


def test_download_worker(qtbot, tmp_path):
    def fake_download(dest, on_progress, should_stop):
        for i in range(5):
            on_progress("train-images-idx3-ubyte.gz", (i + 1) * 100, 500)
            time.sleep(0.06)
        return dest

    worker = DownloadWorker(tmp_path, fake_download)
    seen = []
    worker.progress.connect(seen.append)
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.start()
    worker.wait()
    assert blocker.args[0] == tmp_path
    assert seen[-1] == ("train-images-idx3-ubyte.gz", 500, 500)


# ---------------------------------------------------------------------- the dialog


@pytest.fixture
def dialog(qtbot, settings_path, tmp_path):
    def make(mode="retrain", **kwargs):
        corrections = CorrectionStore(tmp_path / "corrections")
        d = TrainingDialog(mode, Settings(settings_path), init=FakeClassifier(accuracy=0.98),
                           corrections=corrections, factory_for=kwargs.pop("factory_for", None)
                           or fake_factory(**kwargs))
        qtbot.addWidget(d)
        d.show()
        return d

    return make


def test_a_worse_model_is_shown_as_worse_next_to_the_one_in_use(dialog, qtbot):
    d = dialog(accuracy=0.131)  # e.g. --lr 5: 13 %
    d.start()
    qtbot.waitUntil(lambda: d.state == "done", timeout=5000)
    text = d.result_label.text()
    assert "13.10%" in text and "98.00%" in text and "worse than the model in use" in text


def test_dialog_trains_and_offers_the_model(dialog, qtbot):
    d = dialog()
    d.epochs.setValue(3)
    worker = d.start()
    assert worker is not None and d.state == "training"
    assert not d.settings_box.isEnabled() and d.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: d.state == "done", timeout=5000)
    assert d.progress_bar.value() == 1000
    assert "98.70%" in d.result_label.text()
    assert "Epoch 2/2" in d.epoch_label.text()
    assert len(d.curves.loss_curve.getData()[0]) >= 4  # reports are throttled
    assert d.use_button.isEnabled()
    with qtbot.waitSignal(d.use_model_requested, timeout=1000) as blocker:
        d.use_button.click()
    assert blocker.args[0].metadata["description"] == "trained"
    assert d.settings.get("training/epochs") == 3  # the form's choices are remembered


def test_dialog_plan_reflects_the_form(dialog):
    d = dialog()
    d.epochs.setValue(4)
    d.batch_size.setCurrentIndex(d.batch_size.findData(128))
    d.lr.setValue(0.002)
    d.optimizer.setCurrentIndex(d.optimizer.findData("sgd"))
    d.augment.setChecked(False)
    d.subset.setCurrentIndex(2)
    plan = d.plan()
    assert (plan.epochs, plan.batch_size, plan.lr, plan.optimizer, plan.augment) == (
        4, 128, pytest.approx(0.002), "sgd", False)
    assert plan.subset == 5000 and plan.mode == "retrain"


def test_dialog_cancel(dialog, qtbot):
    d = dialog(batches=1000, delay=0.01)
    d.start()
    qtbot.wait(60)
    d.cancel()
    qtbot.waitUntil(lambda: d.state == "cancelled", timeout=3000)
    assert "cancelled" in d.result_label.text().lower()
    assert "ETA" not in d.eta_label.text()  # no countdown left on screen
    assert not d.use_button.isEnabled()
    assert d.start_button.isEnabled()


def test_dialog_failure_is_shown(dialog, qtbot):
    d = dialog(fail=ValueError("corrupt MNIST file"))
    d.start()
    qtbot.waitUntil(lambda: d.state == "failed", timeout=3000)
    assert "corrupt MNIST file" in d.result_label.text()
    assert "unchanged" in d.result_label.text()


def test_dialog_close_while_training_asks(dialog, qtbot):
    d = dialog(batches=1000, delay=0.01)
    d.start()
    d.confirm = lambda title, text: False
    d.close()
    assert d.isVisible() and d.is_training()
    d.confirm = lambda title, text: True
    d.close()
    assert not d.is_training()


def test_dialog_download(dialog, qtbot, tmp_path):
    target = tmp_path / "mnist"

    def fake_download(dest, on_progress, should_stop):
        Path(dest).mkdir(parents=True, exist_ok=True)
        for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                     "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
            on_progress(f"{name}.gz", 10, 10)
            (Path(dest) / f"{name}.gz").write_bytes(b"x")
        return Path(dest)

    d = dialog()
    folder = d.data_folder
    folder._download = fake_download
    folder.edit.setText(str(target))
    assert folder.download_button.isEnabled()
    assert "not in this folder" in folder.status.text()
    folder.start_download()
    qtbot.waitUntil(lambda: folder.worker is None, timeout=3000)
    assert mnist_present(target)
    assert "found" in folder.status.text()
    assert not folder.download_button.isEnabled()


def test_a_long_download_error_does_not_widen_the_dialog(dialog, qtbot):
    d = dialog()
    qtbot.wait(50)
    width = d.width()
    d.data_folder._on_failed("none of the mirrors could be reached (no network?): " * 12
                             + "choose a folder that already holds MNIST with Browse…")
    qtbot.wait(50)
    assert d.width() <= width + 10
    assert d.data_folder.status.wordWrap()


def test_format_eta():
    assert format_eta(65) == "1:05"
    assert format_eta(3725) == "1:02:05"
    assert format_eta(None) == "—"


def test_the_training_curve_has_no_sawtooth_at_epoch_boundaries(qtbot):
    """The trainer reports running means that restart every epoch; the chart draws a
    moving average over batches that runs on across epochs."""
    from app.training_curves import TrainingCurves

    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.reset(3)
    batch_loss = [2.3 * 0.97 ** k for k in range(60)]  # falls steadily, 20 batches an epoch
    for epoch in range(3):
        for b in range(1, 21):
            own = batch_loss[epoch * 20 : epoch * 20 + b]
            curves.add(FakeProgress(epoch + 1, 3, b, 20, sum(own) / b, 0.5, 1000.0,
                                    (epoch * 20 + b) / 60, 0.0))
    _, drawn = curves.loss_curve.getData()
    assert len(drawn) == 60
    steps = np.diff(drawn)
    assert (steps <= 1e-9).all()  # falls steadily ...
    assert np.abs(steps).max() < 0.1  # ... with no cliff where an epoch restarts its mean
