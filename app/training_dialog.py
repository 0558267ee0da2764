"""TrainingDialog: retrain from MNIST (or fine-tune on the user's corrections) in the background.

The dialog collects the settings, downloads MNIST if it is missing, runs a `TrainingWorker`
and shows its progress (bar, epoch/batch, images/s, ETA, live loss and accuracy curves).
The model in use is never touched here: on success, "Use this model" emits
`use_model_requested(classifier)` and the window saves and swaps it in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.corrections import CorrectionStore
from app.settings import Settings
from app.text_dialog import ask_yes_no
from app.training_worker import (
    TrainerFactory,
    TrainingPlan,
    TrainingWorker,
    engine_trainer_factory,
)
from app.workers import DownloadWorker

MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
SUBSETS = [("All 60,000 images", None), ("20,000 images (quicker)", 20000),
           ("5,000 images (a quick try)", 5000)]


def default_data_dir() -> Path:
    """The engine's MNIST folder (LENET_DATA_DIR or the per-user cache)."""
    try:
        from lenet.data.mnist import locate_data_dir
    except ImportError:
        return Path.home()
    return locate_data_dir()


def mnist_present(folder: Path) -> bool:
    """True if the four MNIST files (raw or .gz) are in `folder`."""
    return all((folder / f"{n}.gz").is_file() or (folder / n).is_file() for n in MNIST_FILES)


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
    ) -> None:
        super().__init__(parent)
        if mode not in ("retrain", "finetune"):
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.settings = settings
        self._init = init
        self._corrections = corrections
        self._factory_for = factory_for
        self._download = download
        self.worker: TrainingWorker | None = None
        self.download_worker: DownloadWorker | None = None
        self.result: Any = None
        self.state = "idle"  # idle | training | done | failed | cancelled
        self.error: str | None = None
        self._x: list[float] = []
        self._loss: list[float] = []
        self._acc: list[float] = []
        self._val_x: list[float] = []
        self._val_loss: list[float] = []
        self._val_acc: list[float] = []

        finetune = mode == "finetune"
        self.setWindowTitle("Fine-tune on my corrections" if finetune else "Retrain from MNIST")
        self.setModal(False)
        self._build(finetune)
        self._load_settings(finetune)
        self._check_data_dir()
        self._set_state("idle")
        self.resize(self.sizeHint())

    def sizeHint(self) -> QSize:
        return QSize(760, 640)

    # ------------------------------------------------------------------ layout

    def _build(self, finetune: bool) -> None:
        if finetune:
            n = self._corrections.count() if self._corrections is not None else 0
            intro = (f"Teaches the model in use your <b>{n} correction{'s' if n != 1 else ''}"
                     "</b>, mixed with 6,000 MNIST digits so that it does not forget the rest. "
                     "It takes a few seconds; the model in use only changes if you choose "
                     "<i>Use this model</i>.")
        else:
            intro = ("Trains a new LeNet-5 from scratch on MNIST's 60,000 handwritten digits. "
                     "It runs in the background (you can keep drawing); the model in use only "
                     "changes if you choose <i>Use this model</i> at the end.")
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

        self.data_dir = QLineEdit(self)
        self.data_dir.setPlaceholderText("folder holding the four MNIST files")
        self.data_dir.textChanged.connect(self._check_data_dir)
        self.browse_button = QPushButton("Browse…", self)
        self.browse_button.clicked.connect(self._browse)
        self.download_button = QPushButton("Download", self)
        self.download_button.setToolTip("Fetch MNIST (about 11 MB) into this folder")
        self.download_button.clicked.connect(self.start_download)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_dir, 1)
        folder_row.addWidget(self.browse_button)
        folder_row.addWidget(self.download_button)
        self.data_status = QLabel(self)
        self.download_progress = QProgressBar(self)
        self.download_progress.setVisible(False)
        folder_label = QLabel("MNIST &folder:", self)
        folder_label.setBuddy(self.data_dir)
        form.addRow(folder_label, folder_row)
        form.addRow("", self.data_status)
        form.addRow("", self.download_progress)
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
        for label in (self.epoch_label, self.speed_label, self.eta_label):
            stats.addWidget(label, 1)

        pg.setConfigOptions(antialias=True)
        self.loss_plot = pg.PlotWidget(self)
        self.acc_plot = pg.PlotWidget(self)
        self._style_plot(self.loss_plot, "Loss")
        self._style_plot(self.acc_plot, "Accuracy (%)")
        self.acc_plot.setYRange(0, 100, padding=0.02)
        for plot in (self.loss_plot, self.acc_plot):
            plot.setXRange(0, 1, padding=0.02)
        train_pen = pg.mkPen(color=(76, 154, 255), width=2)
        val_pen = pg.mkPen(color=(230, 138, 30), width=2)
        self.loss_curve = self.loss_plot.plot([], [], pen=train_pen, name="training")
        self.val_loss_curve = self.loss_plot.plot([], [], pen=val_pen, symbol="o", symbolSize=6,
                                                  symbolBrush=(230, 138, 30), name="validation")
        self.acc_curve = self.acc_plot.plot([], [], pen=train_pen, name="training")
        self.val_acc_curve = self.acc_plot.plot([], [], pen=val_pen, symbol="o", symbolSize=6,
                                                symbolBrush=(230, 138, 30), name="validation")
        plots = QGridLayout()
        plots.addWidget(self.loss_plot, 0, 0)
        plots.addWidget(self.acc_plot, 0, 1)
        legend = QLabel("<span style='color:#4c9aff'>━</span> training (running mean)   "
                        "<span style='color:#e68a1e'>━●</span> validation (end of epoch)", self)
        legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        plots.addWidget(legend, 1, 0, 1, 2)

        progress_box = QGroupBox("Progress", self)
        progress_layout = QVBoxLayout(progress_box)
        progress_layout.addWidget(self.progress_bar)
        progress_layout.addLayout(stats)
        progress_layout.addLayout(plots, 1)

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

    def _style_plot(self, plot: pg.PlotWidget, title: str) -> None:
        pal = self.palette()
        plot.setBackground(pal.color(QPalette.ColorRole.Base))
        fg = pal.color(QPalette.ColorRole.WindowText)
        plot.setTitle(title, color=fg.name(), size="10pt")
        plot.setLabel("bottom", "epoch", color=fg.name())
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        plot.getAxis("left").enableAutoSIPrefix(False)
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setPen(pg.mkPen(fg))
            plot.getAxis(axis).setTextPen(pg.mkPen(fg))
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setMinimumHeight(150)

    def _load_settings(self, finetune: bool) -> None:
        s = self.settings
        self.epochs.setValue(int(s.get("finetune/epochs" if finetune else "training/epochs")))
        index = self.batch_size.findData(int(s.get("training/batch_size")))
        self.batch_size.setCurrentIndex(max(index, 0))
        self.lr.setValue(float(s.get("finetune/lr" if finetune else "training/lr")))
        index = self.optimizer.findData(str(s.get("training/optimizer")))
        self.optimizer.setCurrentIndex(max(index, 0))
        self.augment.setChecked(bool(s.get("training/augment")))
        self.data_dir.setText(str(s.get("training/data_dir")) or str(default_data_dir()))

    def _save_settings(self) -> None:
        s = self.settings
        finetune = self.mode == "finetune"
        s.set("finetune/epochs" if finetune else "training/epochs", self.epochs.value())
        s.set("finetune/lr" if finetune else "training/lr", self.lr.value())
        s.set("training/batch_size", int(self.batch_size.currentData()))
        s.set("training/optimizer", str(self.optimizer.currentData()))
        s.set("training/augment", self.augment.isChecked())
        folder = self.data_dir.text().strip()
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
            data_dir=self.data_dir.text().strip(),
            init=self._init,
            corrections_dir=self._corrections.folder if self._corrections else None,
        )

    def is_training(self) -> bool:
        """True while the worker runs."""
        return self.worker is not None and self.worker.is_running()

    def is_busy(self) -> bool:
        """True while training or downloading."""
        downloading = self.download_worker is not None and self.download_worker.is_running()
        return self.is_training() or downloading

    def _set_state(self, state: str) -> None:
        self.state = state
        training = state == "training"
        downloading = self.download_worker is not None and self.download_worker.is_running()
        self.settings_box.setEnabled(not training)
        self.start_button.setEnabled(not training and not downloading)
        if state in ("done", "failed", "cancelled"):
            self.start_button.setText("&Start Again")
        self.cancel_button.setEnabled(training)
        self.use_button.setEnabled(state == "done" and self.result is not None)
        self.data_dir.setEnabled(not downloading)
        self.browse_button.setEnabled(not downloading)

    def _check_data_dir(self) -> None:
        folder = Path(self.data_dir.text().strip() or str(default_data_dir())).expanduser()
        present = mnist_present(folder)
        downloading = self.download_worker is not None and self.download_worker.is_running()
        self.download_button.setEnabled(not present and not downloading)
        if present:
            self.data_status.setText("✓ MNIST found in this folder")
        else:
            self.data_status.setText("MNIST is not in this folder: choose another, or Download it "
                                     "(about 11 MB).")

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "MNIST folder", self.data_dir.text())
        if folder:
            self.data_dir.setText(folder)

    # ------------------------------------------------------------------ download

    def start_download(self) -> DownloadWorker:
        """Download MNIST into the chosen folder, showing progress."""
        folder = Path(self.data_dir.text().strip() or str(default_data_dir())).expanduser()
        worker = DownloadWorker(folder, self._download)
        worker.progress.connect(self._on_download_progress)
        worker.finished.connect(self._on_download_finished)
        worker.failed.connect(self._on_download_failed)
        worker.cancelled.connect(lambda: self._on_download_failed("Download cancelled."))
        self.download_worker = worker
        self.download_progress.setVisible(True)
        self.download_progress.setRange(0, 0)
        self.data_status.setText("Downloading MNIST…")
        worker.start()
        self._set_state(self.state)
        self._check_data_dir()
        return worker

    def _on_download_progress(self, info: Any) -> None:
        name, done, total = info
        if total:
            self.download_progress.setRange(0, int(total))
            self.download_progress.setValue(int(done))
        self.download_progress.setFormat(f"{name}: {done / 1e6:.1f} MB")
        self.data_status.setText(f"Downloading {name}…")

    def _end_download(self) -> None:
        if self.download_worker is not None:
            self.download_worker.wait()
        self.download_worker = None
        self.download_progress.setVisible(False)
        self._set_state(self.state)

    def _on_download_finished(self, folder: Any) -> None:
        self._end_download()
        self.data_dir.setText(str(folder))
        self._check_data_dir()

    def _on_download_failed(self, message: str) -> None:
        self._end_download()
        self._check_data_dir()
        self.data_status.setText(f"Download failed: {message}")

    # ------------------------------------------------------------------ training

    def start(self) -> TrainingWorker | None:
        """Start training with the form's settings."""
        if self.is_busy():
            return None
        self._save_settings()
        plan = self.plan()
        self.result = None
        self.error = None
        for series in (self._x, self._loss, self._acc, self._val_x, self._val_loss,
                       self._val_acc):
            series.clear()
        self._redraw_curves()
        for plot in (self.loss_plot, self.acc_plot):
            plot.setXRange(0, plan.epochs, padding=0.02)
        self.progress_bar.setValue(0)
        self.epoch_label.setText("Loading data…")
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
        for worker in (self.worker, self.download_worker):
            if worker is not None:
                worker.stop()
        for worker in (self.worker, self.download_worker):
            if worker is not None:
                worker.wait(timeout_ms)

    def _on_progress(self, p: Any) -> None:
        self.progress_bar.setValue(round(1000 * float(p.fraction_done)))
        self.epoch_label.setText(f"Epoch {p.epoch}/{p.epochs} · batch {p.batch}/{p.batches}")
        self.speed_label.setText(f"{p.images_per_s:,.0f} images/s")
        self.eta_label.setText(f"ETA {format_eta(p.eta_s)}")
        x = (p.epoch - 1) + p.batch / max(p.batches, 1)
        self._x.append(x)
        self._loss.append(float(p.loss))
        self._acc.append(100.0 * float(p.accuracy))
        if p.val_accuracy is not None:
            self._val_x.append(float(p.epoch))
            self._val_loss.append(float(p.val_loss) if p.val_loss is not None else float("nan"))
            self._val_acc.append(100.0 * float(p.val_accuracy))
        self._redraw_curves()

    def _redraw_curves(self) -> None:
        self.loss_curve.setData(self._x, self._loss)
        self.acc_curve.setData(self._x, self._acc)
        self.val_loss_curve.setData(self._val_x, self._val_loss)
        self.val_acc_curve.setData(self._val_x, self._val_acc)
        recent = self._acc[len(self._acc) // 4:] + self._val_acc
        if recent:  # zoom in on the interesting part as the accuracy climbs
            low = max(0.0, min(min(recent) - 2.0, 98.0))
            self.acc_plot.setYRange(low, 100.0, padding=0.02)

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
        self.result_label.setText(text + ". Choose <i>Use this model</i> to switch to it.")
        self._set_state("done")

    def _on_failed(self, message: str) -> None:
        self._finish_worker()
        self.error = message
        self.result_label.setText(f"<span style='color:#d9534f'><b>Training failed.</b></span> "
                                  f"{_escape(message)}<br>The model in use is unchanged.")
        self.epoch_label.setText("Failed")
        self._set_state("failed")

    def _on_cancelled(self) -> None:
        self._finish_worker()
        self.result_label.setText("Training cancelled. The model in use is unchanged.")
        self.epoch_label.setText("Cancelled")
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
                                      f"<code>{_escape(str(path))}</code>.")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "loss_plot"):
            self._style_plot(self.loss_plot, "Loss")
            self._style_plot(self.acc_plot, "Accuracy (%)")
        super().changeEvent(event)

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


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
