"""TrainingLauncher: opens the training dialog, one run at a time, for the main window.

Model → Retrain and Model → Fine-tune open a `TrainingDialog` (imported on first use: it
pulls in pyqtgraph); its "Use this model" goes to `ModelInUse.adopt`. While a run is going,
asking again shows the running dialog; quitting asks before stopping it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from app import help_texts
from app.corrections import CorrectionStore
from app.model_in_use import ModelInUse
from app.settings import Settings

if TYPE_CHECKING:
    from app.training_dialog import TrainingDialog


class TrainingLauncher(QObject):
    """The training dialog of `window` (at most one); failures go to `warn(title, text)`."""

    def __init__(self, window: QWidget, settings: Settings, corrections: CorrectionStore,
                 model: ModelInUse, warn: Callable[[str, str], None]) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings
        self._corrections = corrections
        self._model = model
        self._warn = warn
        self._dialog: TrainingDialog | None = None

    def dialog(self) -> TrainingDialog | None:
        """The training dialog last opened (None if none)."""
        return self._dialog

    def open(self, mode: str, factory_for: Any,
             download: Callable[..., Path] | None) -> TrainingDialog | None:
        """Open the dialog for `mode` ("retrain" or "finetune"); None when fine-tuning has
        no model or no corrections to learn (the user is told why)."""
        scan = self._corrections.scan()
        if mode == "finetune":
            if self._model.loaded.classifier is None:
                self._warn("Fine-tune", "No model is loaded to fine-tune.")
                return None
            if not scan.good:
                text = help_texts.NO_CORRECTIONS
                if scan.bad:
                    text = (f"None of your {len(scan.bad)} stored corrections can be read "
                            f"(the first: {scan.bad[0][0].name}, {scan.bad[0][1]}).")
                QMessageBox.information(self._window, "Fine-tune on my corrections", text)
                return None
        from app.training_dialog import TrainingDialog

        old = self._dialog
        if old is not None:
            if old.is_busy():  # one run at a time: show the running one
                old.show()
                old.raise_()
                old.activateWindow()
                return old
            old.close()
            old.deleteLater()
            # Collect the old dialog's plot cycles from the event loop once Qt has deleted
            # it: left to chance, the collector finalised pyqtgraph objects in the middle of
            # other plotting calls, and the tests crashed now and then.
            QTimer.singleShot(0, gc.collect)
        dialog = TrainingDialog(mode, self._settings, init=self._model.loaded.classifier,
                                corrections=self._corrections, factory_for=factory_for,
                                download=download, parent=self._window, scan=scan)
        dialog.use_model_requested.connect(
            lambda clf: dialog.model_adopted(self._model.adopt(
                clf, "fine-tuned" if mode == "finetune" else "retrained")))
        self._dialog = dialog
        dialog.show()
        return dialog

    def close_for_quit(self, confirm: Callable[[str, str], bool]) -> bool:
        """Close the dialog before the window closes; a running training is stopped only if
        `confirm(title, text)` says so. False: the user wants to keep it (do not quit)."""
        dialog = self._dialog
        if dialog is not None and dialog.is_busy():
            if not confirm("Training is running",
                           "A training run is still going. Stop it and quit?\n\n"
                           "The model in use is not changed."):
                return False
            dialog.stop_and_wait()
        if dialog is not None:
            dialog.close()
        return True
