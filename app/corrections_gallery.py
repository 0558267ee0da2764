"""CorrectionsGallery (Model → Corrections…): every stored correction as the 28×28 picture
the network saw, with its label; relabel or delete one, and see (and delete) the files that
cannot be read. Every change goes to disk at once (atomically) and the view is read again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.corrections import CorrectionScan, CorrectionStore, plural
from app.ink import gray_to_qimage

THUMB = 84  # px: 28×28 at three times, pixels kept sharp
PATH_ROLE = Qt.ItemDataRole.UserRole

EMPTY_TEXT = (
    "<h3>No corrections yet</h3><p>When the app reads a drawing wrong, press the right digit "
    "key (or click the right bar): the drawing is kept here, and <i>Model → Fine-tune on My "
    "Corrections</i> teaches it to the model.</p><p>In Number Mode, click a digit's box "
    "first, then press the right digit.</p>")


def _thumbnail(image28) -> QIcon:
    pixmap = QPixmap.fromImage(gray_to_qimage(image28.astype("float32") / 255.0))
    return QIcon(pixmap.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.FastTransformation))


class _Grid(QListWidget):
    """The pictures; a digit key relabels the selected one, Delete deletes it."""

    def __init__(self, gallery: CorrectionsGallery) -> None:
        super().__init__(gallery)
        self._gallery = gallery
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 36, THUMB + 44))
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.setAccessibleName("Corrections")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if len(text) == 1 and text.isdigit():
            self._gallery.relabel_selected(int(text))
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self._gallery.delete_selected()
        else:
            super().keyPressEvent(event)


class CorrectionsGallery(QDialog):
    """The corrections in `store`, oldest first (modeless)."""

    def __init__(self, store: CorrectionStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.scan = CorrectionScan([], [])
        self.setWindowTitle("Your corrections")
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.grid = _Grid(self)
        self.grid.itemSelectionChanged.connect(self._update_buttons)
        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setMargin(24)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.grid)
        self.pages.addWidget(self.empty)

        self.new_label = QComboBox(self)
        for d in range(10):
            self.new_label.addItem(str(d), d)
        self.relabel_button = QPushButton("&Change Label", self)
        self.relabel_button.clicked.connect(
            lambda: self.relabel_selected(int(self.new_label.currentData())))
        self.delete_button = QPushButton("&Delete", self)
        self.delete_button.clicked.connect(self.delete_selected)
        edit = QHBoxLayout()
        edit.addWidget(QLabel("Selected:", self))
        edit.addWidget(self.new_label)
        edit.addWidget(self.relabel_button)
        edit.addWidget(self.delete_button)
        edit.addStretch(1)

        self.bad_box = QGroupBox("Files that cannot be read (never used for training)", self)
        self.bad_list = QListWidget(self.bad_box)
        self.bad_list.setMaximumHeight(64)
        self.bad_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.delete_bad_button = QPushButton("Delete &Unreadable Files", self.bad_box)
        self.delete_bad_button.clicked.connect(self.delete_unreadable)
        bad_layout = QVBoxLayout(self.bad_box)
        bad_layout.addWidget(self.bad_list)
        bad_layout.addWidget(self.delete_bad_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d9534f")
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error_label, 1)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.pages, 1)
        layout.addLayout(edit)
        layout.addWidget(self.bad_box)
        layout.addLayout(bottom)
        self.resize(660, 560)
        self.reload()

    # ------------------------------------------------------------------ reading

    def reload(self, select: Path | None = None) -> None:
        """Read the folder again and show what is there (keeping `select` selected)."""
        self.scan = self.store.scan()
        good, bad = self.scan.good, self.scan.bad
        self.grid.clear()
        for c in good:
            said = f"\n(read as {c.predicted})" if c.predicted is not None else ""
            item = QListWidgetItem(_thumbnail(c.image), f"{c.label}{said}")
            item.setData(PATH_ROLE, str(c.json_path))
            item.setToolTip(f"Stored as {c.label}" + (
                f"; the model had read {c.predicted}" if c.predicted is not None else ""))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.grid.addItem(item)
            if select is not None and c.json_path == select:
                item.setSelected(True)
        self.bad_list.clear()
        for path, why in bad:
            self.bad_list.addItem(f"{path.name}: {why}")
        self.bad_box.setVisible(bool(bad))
        self.pages.setCurrentWidget(self.grid if good else self.empty)
        if good:
            self.summary.setText(
                f"{plural(len(good), 'correction')}, oldest first. Select one to change its "
                "label (or press a digit key) or to delete it (Delete).")
        else:
            self.summary.setText("")
        self._update_buttons()

    def selected_path(self) -> Path | None:
        """The JSON file of the selected correction (None if none is selected)."""
        items = self.grid.selectedItems()
        return Path(items[0].data(PATH_ROLE)) if items else None

    def _update_buttons(self) -> None:
        path = self.selected_path()
        for w in (self.new_label, self.relabel_button, self.delete_button):
            w.setEnabled(path is not None)
        if path is not None:
            c = next((c for c in self.scan.good if c.json_path == path), None)
            if c is not None:
                self.new_label.setCurrentIndex(c.label)

    # ------------------------------------------------------------------ changes

    def relabel_selected(self, label: int) -> bool:
        """Store the selected correction as `label` from now on."""
        path = self.selected_path()
        if path is None:
            return False
        return self._change(lambda: self.store.relabel(path, label), path,
                            f"{path.name} could not be changed")

    def delete_selected(self) -> bool:
        """Delete the selected correction's files."""
        path = self.selected_path()
        if path is None:
            return False
        return self._change(lambda: self.store.remove(path), None,
                            f"{path.name} could not be deleted")

    def delete_unreadable(self) -> bool:
        """Delete every file listed as unreadable."""
        bad = list(self.scan.bad)

        def remove_all() -> None:
            for path, _ in bad:
                self.store.remove(path)

        return self._change(remove_all, None, "Some unreadable files could not be deleted")

    def _change(self, do, select: Path | None, failure: str) -> bool:
        try:
            do()
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or "the file is not a correction"
            self.error_label.setText(f"{failure} ({reason.lower()}).")
            self.reload(select)
            return False
        self.error_label.setText("")
        self.reload(select)
        return True


def show_gallery(parent: QWidget, store: CorrectionStore) -> CorrectionsGallery:
    """Model → Corrections…: the gallery of `parent` (one at a time), read afresh."""
    gallery = parent.findChild(CorrectionsGallery)
    if gallery is None:
        gallery = CorrectionsGallery(store, parent)
    else:
        gallery.reload()
    gallery.show()
    gallery.raise_()
    gallery.activateWindow()
    return gallery
