"""TrainingDialog: retrain from MNIST (or fine-tune on the user's corrections) in the background.

The dialog collects the settings, downloads MNIST if it is missing (`MnistFolderField`), runs a
`TrainingWorker` and shows its progress (bar, epoch/batch, images/s, ETA, `TrainingCurves`).
The model in use is never touched here: on success, "Use this model" emits
`use_model_requested(classifier)` and the window saves and swaps it in.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.corrections import CorrectionScan, CorrectionStore
from app.corrections_choice import CorrectionsChoice, intro_html, unreadable_text
from app.mnist_folder import MnistFolderField, default_data_dir
from app.settings import Settings
from app.text_dialog import ask_yes_no
from app.training_curves import TrainingCurves
from app.training_estimate import TimeEstimate, expected_text
from app.training_worker import (
    Stage,
    TrainerFactory,
    TrainingPlan,
    TrainingWorker,
    engine_trainer_factory,
)

SUBSETS = [("All 60,000 images", None), ("20,000 images (quicker)", 20000),
           ("5,000 images (a quick try)", 5000)]


def format_eta(seconds: float | None) -> str:
    """1:05 style, or "—" when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "—"
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TrainingDialog(QDialog):
    """Settings, progress and result of one training or fine-tuning run (modeless)."""

    use_model_requested = Signal(object)

    def __init__(
        self,
        mode: str,
        settings: Settings,
        init: Any = None,
        corrections: CorrectionStore | None = None,
        factory_for: Callable[[TrainingPlan], TrainerFactory] = engine_trainer_factory,
        download: Callable[..., Path] | None = None,
        parent: QWidget | None = None,
        scan: CorrectionScan | None = None,  # the corrections folder read already, if it was
    ) -> None:
        super().__init__(parent)
        if mode not in ("retrain", "finetune"):
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.settings = settings
        self._init = init
        self._corrections = corrections
        self._scan = scan or (corrections.scan() if corrections else CorrectionScan([], []))
        self._factory_for = factory_for
        self.worker: TrainingWorker | None = None
        self.result: Any = None
        self.state = "idle"  # idle | training | done | failed | cancelled
        self.error: str | None = None

        finetune = mode == "finetune"
        self.setWindowTitle("Fine-tune on my corrections" if finetune else "Retrain from MNIST")
        self.setModal(False)
        self._build(finetune, download)
        self._load_settings(finetune)
        self.data_folder.check()
        self._set_state("idle")
        self.resize(self.sizeHint())
        self._estimate = TimeEstimate(int(self.batch_size.currentData()), self)
        for changed in (self._estimate.measured, self.epochs.valueChanged,  # follow the form
                        self.subset.currentIndexChanged, self.corrections_choice.check.toggled):
            changed.connect(self._show_expected)
        self.batch_size.currentIndexChanged.connect(
            lambda _: self._estimate.time_batch(int(self.batch_size.currentData())))
        self._estimate.start()
        self._show_expected()

    def _show_expected(self, *_: Any) -> None:
        seconds = self._estimate.seconds(self.plan(), len(self._scan.good))
        if self.state != "training":
            self.eta_label.setText("ETA —" if seconds is None
                                   else f"Expected: {expected_text(seconds)}")

    def sizeHint(self) -> QSize:
        return QSize(760, 640)

    # ------------------------------------------------------------------ layout

    def _build(self, finetune: bool, download: Callable[..., Path] | None) -> None:
        scan = self._scan if self._corrections is not None else None
        intro = intro_html(self.mode, scan)
        if finetune and scan is not None and scan.bad:
            intro += " " + escape(unreadable_text(scan))
        self.intro = QLabel(intro, self)
        self.intro.setWordWrap(True)

        self.epochs = QSpinBox(self)
        self.epochs.setRange(1, 100)
        self.batch_size = QComboBox(self)
        for b in (16, 32, 64, 128, 256):
            self.batch_size.addItem(str(b), b)
        self.lr = QDoubleSpinBox(self)
        self.lr.setDecimals(5)
        self.lr.setRange(0.00001, 1.0)
        self.lr.setSingleStep(0.0001)
        self.optimizer = QComboBox(self)
        for key, text in (("adam", "Adam"), ("sgd", "SGD with momentum"),
                          ("nesterov", "SGD with Nesterov momentum")):
            self.optimizer.addItem(text, key)
        self.augment = QCheckBox("Random shifts, rotations and distortions (more robust)", self)
        self.subset = QComboBox(self)
        for text, value in SUBSETS:
            self.subset.addItem(text, value)

        form = QFormLayout()
        form.addRow("&Epochs:", self.epochs)
        form.addRow("&Batch size:", self.batch_size)
        form.addRow("&Learning rate:", self.lr)
        form.addRow("&Optimizer:", self.optimizer)
        form.addRow("", self.augment)
        form.addRow("&Training images:", self.subset)
        form.setRowVisible(self.subset, not finetune)  # fine-tuning uses its own mix
        self.corrections_choice = CorrectionsChoice(scan or CorrectionScan([], []), self)
        form.addRow("Corrections:", self.corrections_choice)
        form.setRowVisible(self.corrections_choice, not finetune)  # fine-tuning: always

        self.data_folder = MnistFolderField(download, self)
        self.data_folder.downloading_changed.connect(self._on_downloading_changed)
        self.data_folder.add_to(form)
        settings_box = QGroupBox("Settings", self)
        settings_box.setLayout(form)
        self.settings_box = settings_box

        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("%p%")
        self.epoch_label = QLabel("Epoch —", self)
        self.speed_label = QLabel("— images/s", self)
        self.eta_label = QLabel("ETA —", self)
        stats = QHBoxLayout()
        for label, stretch in ((self.epoch_label, 3), (self.speed_label, 1), (self.eta_label, 1)):
            stats.addWidget(label, stretch)
        self.epoch_label.setWordWrap(True)  # a stage can be a sentence

        self.curves = TrainingCurves(self)

        progress_box = QGroupBox("Progress", self)
        progress_layout = QVBoxLayout(progress_box)
        progress_layout.addWidget(self.progress_bar)
        progress_layout.addLayout(stats)
        progress_layout.addWidget(self.curves, 1)

        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)

        self.start_button = QPushButton("&Start", self)
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("&Cancel Training", self)
        self.cancel_button.clicked.connect(self.cancel)
        self.use_button = QPushButton("&Use This Model", self)
        self.use_button.clicked.connect(self._use_model)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(settings_box)
        layout.addWidget(progress_box, 1)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)

    def _load_settings(self, finetune: bool) -> None:
        s = self.settings
        self.epochs.setValue(int(s.get("finetune/epochs" if finetune else "training/epochs")))
        index = self.batch_size.findData(int(s.get("training/batch_size")))
        self.batch_size.setCurrentIndex(max(index, 0))
        self.lr.setValue(float(s.get("finetune/lr" if finetune else "training/lr")))
        index = self.optimizer.findData(str(s.get("training/optimizer")))
        self.optimizer.setCurrentIndex(max(index, 0))
        self.augment.setChecked(bool(s.get("training/augment")))
        self.data_folder.edit.setText(str(s.get("training/data_dir")) or str(default_data_dir()))

    def _save_settings(self) -> None:
        s = self.settings
        finetune = self.mode == "finetune"
        s.set("finetune/epochs" if finetune else "training/epochs", self.epochs.value())
        s.set("finetune/lr" if finetune else "training/lr", self.lr.value())
        s.set("training/batch_size", int(self.batch_size.currentData()))
        s.set("training/optimizer", str(self.optimizer.currentData()))
        s.set("training/augment", self.augment.isChecked())
        folder = self.data_folder.text()
        s.set("training/data_dir", "" if Path(folder) == default_data_dir() else folder)

    # ------------------------------------------------------------------ state

    def plan(self) -> TrainingPlan:
        """The run the form describes."""
        return TrainingPlan(
            mode=self.mode,
            epochs=self.epochs.value(),
            batch_size=int(self.batch_size.currentData()),
            lr=float(self.lr.value()),
            optimizer=str(self.optimizer.currentData()),
            augment=self.augment.isChecked(),
            subset=None if self.mode == "finetune" else self.subset.currentData(),
            data_dir=self.data_folder.text(),
            init=self._init,
            corrections_dir=self._corrections.folder if self._corrections else None,
            include_corrections=self.mode == "finetune" or self.corrections_choice.included(),
        )

    def is_training(self) -> bool:
        """True while the worker runs."""
        return self.worker is not None and self.worker.is_running()

    def is_busy(self) -> bool:
        """True while training or downloading."""
        return self.is_training() or self.data_folder.is_downloading()

    def _set_state(self, state: str) -> None:
        self.state = state
        training = state == "training"
        downloading = self.data_folder.is_downloading()
        self.settings_box.setEnabled(not training)
        self.start_button.setEnabled(not training and not downloading)
        if state in ("done", "failed", "cancelled"):
            self.start_button.setText("&Start Again")
        self.cancel_button.setEnabled(training)
        self.use_button.setEnabled(state == "done" and self.result is not None)

    def _on_downloading_changed(self, _downloading: bool) -> None:
        self._set_state(self.state)

    # ------------------------------------------------------------------ training

    def start(self) -> TrainingWorker | None:
        """Start training with the form's settings."""
        if self.is_busy():
            return None
        self._save_settings()
        plan = self.plan()
        self.result = None
        self.error = None
        self.curves.reset(plan.epochs)
        self.progress_bar.setValue(0)
        self.epoch_label.setText("Starting…")
        self.speed_label.setText("— images/s")
        self.eta_label.setText("ETA —")
        self.result_label.setText("")
        worker = TrainingWorker(self._factory_for(plan))
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self.worker = worker
        self._set_state("training")
        worker.start()
        return worker

    def cancel(self) -> None:
        """Ask the run to stop (it does so within a batch)."""
        if self.worker is not None and self.worker.is_running():
            self.worker.stop()
            self.cancel_button.setEnabled(False)
            self.epoch_label.setText("Stopping…")

    def stop_and_wait(self, timeout_ms: int = -1) -> None:
        """Stop training and downloading, and wait for the threads to end."""
        workers = (self.worker, self.data_folder.worker)
        for worker in workers:
            if worker is not None:
                worker.stop()
        for worker in workers:
            if worker is not None:
                worker.wait(timeout_ms)

    def _on_progress(self, p: Any) -> None:
        if isinstance(p, Stage):  # before the first batch: say what takes the time
            self.epoch_label.setText(p.text)
            return
        self.progress_bar.setValue(round(1000 * float(p.fraction_done)))
        self.epoch_label.setText(f"Epoch {p.epoch}/{p.epochs} · batch {p.batch}/{p.batches}")
        self.speed_label.setText(f"{p.images_per_s:,.0f} images/s")
        self.eta_label.setText(f"ETA {format_eta(p.eta_s)}")
        self.curves.add(p)

    def _finish_worker(self) -> None:
        if self.worker is not None:
            self.worker.wait()

    def _on_finished(self, result: Any) -> None:
        self._finish_worker()
        self.result = result
        self.progress_bar.setValue(1000)
        acc = getattr(result, "test_accuracy", None)
        current = None
        if self._init is not None:
            current = self._init.metadata.get("test_accuracy")
        text = (f"<b>Done in {format_eta(getattr(result, 'seconds', 0.0))}.</b> "
                f"New model: <b>{acc:.2%}</b> on MNIST's 10,000 test digits"
                if acc is not None else "<b>Done.</b>")
        if isinstance(current, int | float):
            text += f" (the model in use: {current:.2%})"
            if acc is not None and acc < current - 0.001:
                text += ": <b>worse than the model in use</b>, which stays unless you choose"
                self.result_label.setText(text + " <i>Use this model</i>.")
                self._set_state("done")
                return
        self.result_label.setText(text + ". Choose <i>Use this model</i> to switch to it.")
        self._set_state("done")

    def _on_failed(self, message: str) -> None:
        self._finish_worker()
        self.error = message
        self.result_label.setText(f"<span style='color:#d9534f'><b>Training failed.</b></span> "
                                  f"{escape(message)}<br>The model in use is unchanged.")
        self.epoch_label.setText("Failed")
        self.eta_label.setText("")
        self._set_state("failed")

    def _on_cancelled(self) -> None:
        self._finish_worker()
        self.result_label.setText("Training cancelled. The model in use is unchanged.")
        self.epoch_label.setText("Cancelled")
        self.eta_label.setText("")
        self._set_state("cancelled")

    def _use_model(self) -> None:
        if self.result is not None:
            self.use_button.setEnabled(False)
            self.use_model_requested.emit(self.result.classifier)

    def model_adopted(self, path: Path | None) -> None:
        """The window's answer to `use_model_requested`: the saved file, or None on failure."""
        if path is None:
            self.use_button.setEnabled(True)
            self.result_label.setText(self.result_label.text() +
                                      "<br><b>Saving the new model failed</b>; see the message.")
        else:
            self.result_label.setText(f"The new model is in use. Saved as "
                                      f"<code>{escape(str(path))}</code>.")

    # ------------------------------------------------------------------ closing

    def confirm(self, title: str, text: str) -> bool:
        """Ask a yes/no question (tests replace this)."""
        return ask_yes_no(self, title, text)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_busy():
            if not self.confirm("Stop training?", "Training is still running. Stop it?"):
                event.ignore()
                return
            self.stop_and_wait()
        event.accept()

    def reject(self) -> None:
        """Esc: close (asking first while training)."""
        self.close()
