"""Where the MNIST files are: the engine's default folder, a presence check, and the form
field that picks a folder and downloads MNIST into it (on a `DownloadWorker`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from app.workers import DownloadWorker


def default_data_dir() -> Path:
    """The engine's MNIST folder (LENET_DATA_DIR or the per-user cache)."""
    from lenet.data import locate_data_dir

    return locate_data_dir()


def mnist_present(folder: Path) -> bool:
    """True if the four MNIST files (raw or .gz) are in `folder`."""
    from lenet.data import FILES

    return all((folder / f"{n}.gz").is_file() or (folder / n).is_file() for n in FILES.values())


class MnistFolderField(QObject):
    """The "MNIST folder" rows of a form: the folder, Browse…, Download, a status line and
    the download's progress bar. `downloading_changed(bool)` when a download starts or ends.

    `download(dest, on_progress, should_stop)` replaces the engine's downloader (tests).
    """

    downloading_changed = Signal(bool)

    def __init__(self, download: Callable[..., Path] | None, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self._download = download
        self.worker: DownloadWorker | None = None
        self.edit = QLineEdit(parent)
        self.edit.setPlaceholderText("folder holding the four MNIST files")
        self.edit.textChanged.connect(self.check)
        self.browse_button = QPushButton("Browse…", parent)
        self.browse_button.clicked.connect(self._browse)
        self.download_button = QPushButton("Download", parent)
        self.download_button.setToolTip("Fetch MNIST (about 11 MB) into this folder")
        self.download_button.clicked.connect(self.start_download)
        self.status = QLabel(parent)
        self.status.setWordWrap(True)  # a long error must not widen the dialog
        self.progress = QProgressBar(parent)
        self.progress.setVisible(False)

    def add_to(self, form: QFormLayout) -> None:
        """Add the field's three rows to `form`."""
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse_button)
        row.addWidget(self.download_button)
        label = QLabel("MNIST &folder:", self._parent)
        label.setBuddy(self.edit)
        form.addRow(label, row)
        form.addRow("", self.status)
        form.addRow("", self.progress)

    def text(self) -> str:
        """The folder as typed (stripped; empty means the default)."""
        return self.edit.text().strip()

    def folder(self) -> Path:
        """The chosen folder, or the engine's default one."""
        return Path(self.text() or str(default_data_dir())).expanduser()

    def is_downloading(self) -> bool:
        """True while a download runs."""
        return self.worker is not None and self.worker.is_running()

    def check(self) -> None:
        """Say whether MNIST is in the folder; Download only when it is not."""
        present = mnist_present(self.folder())
        self.download_button.setEnabled(not present and not self.is_downloading())
        if present:
            self.status.setText("✓ MNIST found in this folder")
        else:
            self.status.setText("MNIST is not in this folder: choose another, or Download it "
                                "(about 11 MB).")

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self._parent, "MNIST folder", self.edit.text())
        if folder:
            self.edit.setText(folder)

    def _enable(self) -> None:
        downloading = self.is_downloading()
        self.edit.setEnabled(not downloading)
        self.browse_button.setEnabled(not downloading)

    # ------------------------------------------------------------------ download

    def start_download(self) -> DownloadWorker:
        """Download MNIST into the chosen folder, showing progress."""
        worker = DownloadWorker(self.folder(), self._download)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(lambda: self._on_failed("Download cancelled."))
        self.worker = worker
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.status.setText("Downloading MNIST…")
        worker.start()
        self._enable()
        self.downloading_changed.emit(True)
        self.check()
        return worker

    def _on_progress(self, info: Any) -> None:
        name, done, total = info
        if total:
            self.progress.setRange(0, int(total))
            self.progress.setValue(int(done))
        self.progress.setFormat(f"{name}: {done / 1e6:.1f} MB")
        self.status.setText(f"Downloading {name}…")

    def _end(self) -> None:
        if self.worker is not None:
            self.worker.wait()
        self.worker = None
        self.progress.setVisible(False)
        self._enable()
        self.downloading_changed.emit(False)

    def _on_finished(self, folder: Any) -> None:
        self._end()
        self.edit.setText(str(folder))
        self.check()

    def _on_failed(self, message: str) -> None:
        self._end()
        self.check()
        self.status.setText(f"Download failed: {message}")
