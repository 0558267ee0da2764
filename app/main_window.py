"""MainWindow: glue between the canvas, the views, the model in use, the reader and dialogs.

Its commands (actions, menus, tool bar, status bar, file prompts) are built by
`window_actions`; the model in use is a `ModelInUse`, the canvas is read by a `LiveReader`.
Settings are read at start and written as they change and in `closeEvent`. No compute here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget

from app import APP_DISPLAY_NAME, help_texts, theme, window_actions
from app.answer_panel import AnswerPanel
from app.canvas import DrawingCanvas
from app.corrections import CorrectionStore, plural
from app.icon import app_icon
from app.image_layer import PictureError, load_image_layer
from app.live_reader import LiveReader
from app.model_in_use import ModelInUse
from app.model_store import LoadedModel, ModelStore, describe_model, read_model_card
from app.network_dock import NetworkDock
from app.number_overlay import NumberCorrections
from app.paths import AppPaths
from app.predictor import Predictor, Result, warm_up
from app.probability_bars import a_digit
from app.settings import THEMES, Settings
from app.status_fit import one_line
from app.text_dialog import TextDialog, ask_yes_no
from app.training_launcher import TrainingLauncher
from app.training_worker import engine_trainer_factory
from app.window_layout import CanvasPanelLayout, set_dock_visible

SINGLE_CANVAS = (512, 512)
NUMBER_CANVAS = (1024, 512)


class MainWindow(QMainWindow):
    """The app's window. `loaded` skips the background start-up (tests, self-test)."""

    def __init__(
        self,
        settings: Settings,
        paths: AppPaths,
        store: ModelStore,
        loaded: LoadedModel | None = None,
        warm_up_fn: Any = warm_up,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.paths = paths
        self.store = store
        self.corrections = CorrectionStore(paths.corrections_dir)
        self.predictor = Predictor()
        self.model_in_use = ModelInUse(store, settings, self.predictor, self)
        self.last_result: Result | None = None
        self._taught: tuple[int, int, Path] | None = None  # (revision, label, file) last stored
        self.messages: list[tuple[str, str]] = []  # warnings shown (title, text)
        self.training = TrainingLauncher(self, settings, self.corrections, self.model_in_use,
                                         self._warn)
        self.trainer_factory_for = engine_trainer_factory  # replaceable (tests)
        self.download_fn: Any = None  # None: the engine's MNIST downloader

        self.setWindowTitle(APP_DISPLAY_NAME)
        self.setWindowIcon(app_icon())
        self._build_widgets()
        self.reader = LiveReader(self.canvas, self.predictor, self.model_in_use.is_ready,
                                 lambda: self.action("number_mode").isChecked(),
                                 self.maps_dock.isVisible, self)
        self.number_corrections = NumberCorrections(self.canvas, self.reader, self.corrections,
                                                    self.statusBar().showMessage, self)
        self._actions: dict[str, QAction] = window_actions.create_actions(self)
        window_actions.create_menus(self)
        self.tool_bar, self.pen_slider, self.pen_label = window_actions.create_tool_bar(self)
        self.model_label, self.accuracy_label, self.time_label = (
            window_actions.create_status_bar(self))
        self._read_settings()

        self.canvas.changed.connect(self.reader.drawing_changed)
        self.canvas.stroke_finished.connect(self.reader.throttle.request_now)
        self.reader.number_hint.connect(lambda text: window_actions.show_hint(self, text))
        self.reader.answered.connect(self.show_result)
        self.reader.failed.connect(self._on_prediction_failed)
        self.answer.bars.digit_clicked.connect(self.teach)
        self.answer.number_view.digit_clicked.connect(self.number_corrections.select)
        self.number_corrections.digit_selected.connect(self.maps_dock.show_digit)
        self.maps_dock.digit_shown.connect(self.answer.number_view.set_shown)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_scheme)
        model = self.model_in_use
        model.changed.connect(self._on_model_changed)
        model.start_failed.connect(self._on_engine_failed)
        model.warning.connect(self._warn)
        model.status.connect(self.statusBar().showMessage)

        if loaded is not None:
            model.use_startup_model(loaded)
        else:
            self.statusBar().showMessage("Preparing engine…")
            self.model_label.setText("Model: loading…")
            model.start(warm_up_fn)

    # ------------------------------------------------------------------ construction

    def _build_widgets(self) -> None:
        self.canvas = DrawingCanvas(self)
        self.answer = AnswerPanel(self)
        central = QWidget(self)
        CanvasPanelLayout(central, self.canvas, self.answer)
        self.setCentralWidget(central)

        self.maps_dock = NetworkDock(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.maps_dock)
        self.maps_dock.hide()

    def action(self, name: str) -> QAction:
        """The action called `name` (e.g. "undo", "open_image", "teach_3")."""
        return self._actions[name]

    def action_names(self) -> list[str]:
        """Every action's name."""
        return list(self._actions)

    # ------------------------------------------------------------------ settings

    def _read_settings(self) -> None:
        s = self.settings
        geometry = s.get("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(960, 720)
        state = s.get("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        self.pen_slider.setValue(round(float(s.get("pen/width"))))
        self.set_pen_width(float(s.get("pen/width")))
        chosen = s.get("view/theme")
        self.action(f"theme_{chosen if chosen in THEMES else 'system'}").setChecked(True)
        self.action("feature_maps").setChecked(bool(s.get("view/feature_maps")))
        self.set_feature_maps_visible(bool(s.get("view/feature_maps")))
        self.action("number_mode").setChecked(bool(s.get("view/number_mode")))

    def write_settings(self) -> bool:
        """Store window geometry and the current choices; False if they could not be."""
        s = self.settings
        s.set("window/geometry", self.saveGeometry())
        s.set("window/state", self.saveState())
        s.set("pen/width", self.canvas.pen_width())
        s.set("view/feature_maps", self.action("feature_maps").isChecked())
        s.set("view/number_mode", self.action("number_mode").isChecked())
        return s.sync()

    # ------------------------------------------------------------------ engine and model

    @property
    def loaded(self) -> LoadedModel:
        """The model in use (its classifier is None when there is none)."""
        return self.model_in_use.loaded

    def is_ready(self) -> bool:
        """True once a model is loaded and warmed up (live prediction on)."""
        return self.model_in_use.is_ready()

    def _on_engine_failed(self, message: str) -> None:
        self.model_label.setText("Model: none")
        self.statusBar().showMessage("The engine could not start")
        self._warn("The engine could not start", message)

    def _on_model_changed(self, loaded: LoadedModel) -> None:
        self.model_label.setText(f"Model: {loaded.name}")
        acc = loaded.test_accuracy
        self.accuracy_label.setText(f"Test accuracy: {acc:.2%}" if acc is not None else "")
        for name in ("save_model", "finetune", "model_info"):
            self.action(name).setEnabled(self.is_ready() or name == "model_info")
        self.reader.throttle.request_now()

    def reset_to_bundled(self) -> None:
        """Model → Reset to bundled model."""
        self.model_in_use.reset_to_bundled()

    def load_model_file(self, path: str | Path) -> bool:
        """Use the model in `path`; a bad file is reported and changes nothing."""
        return self.model_in_use.load_file(path)

    def save_model_file(self, path: str | Path) -> bool:
        """Save the model in use to `path` (atomically)."""
        return self.model_in_use.save_file(path)

    def adopt_trained_model(self, classifier: Any, kind: str = "retrained") -> Path | None:
        """Save a freshly trained model in the user's folder and use it; None on failure."""
        return self.model_in_use.adopt(classifier, kind)

    # ------------------------------------------------------------------ live prediction

    def predict_now(self) -> Result | None:
        """Classify what is on the canvas now and show it (None in number mode: the number
        is read on another thread and shown when ready)."""
        return self.reader.read_now()

    def _on_prediction_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"Prediction failed: {message}", 8000)

    def show_result(self, result: Result) -> None:
        """Put a prediction on screen."""
        self.last_result = result
        if not result.empty:
            self.time_label.setText(f"Prediction: {result.elapsed_ms:.1f} ms")
        number = self.reader.reads_number()
        taught = self._taught
        still_taught = taught is not None and taught[0] == self.reader.revision
        self.answer.show_result(result, number, taught[1] if still_taught else None)
        self.maps_dock.show_result(result, number, self.predictor.classifier)

    # ------------------------------------------------------------------ correct me

    def teach(self, label: int) -> bool:
        """Store the current drawing as an example of `label` (digit key or a bar click)."""
        result = self.last_result
        if self.action("number_mode").isChecked():  # one digit of the number, by its box
            return self.number_corrections.teach(int(label))
        if result is None or result.empty or result.digit is None:
            self.statusBar().showMessage("Draw a digit first, then press its key to teach it",
                                         4000)
            return False
        replaced = None
        if self._taught is not None and self._taught[0] == self.reader.revision:
            if self._taught[1] == int(label):
                self.statusBar().showMessage(f"Already stored as {a_digit(label)}", 3000)
                return False
            replaced = self._taught[2]  # a slip of the finger: the new label wins
        strokes = [] if self.canvas.image() is not None else self.canvas.strokes()
        try:
            path = self.corrections.add(int(label), result.digit.image, strokes,
                                        self.canvas.canvas_size(), predicted=result.digit.digit)
        except (OSError, ValueError) as exc:
            self._warn("Correct me", f"The correction could not be stored:\n{exc}")
            return False
        if replaced is not None:
            self.corrections.remove(replaced)
        self._taught = (self.reader.revision, int(label), path)
        self.answer.bars.set_taught(int(label))
        n = self.corrections.count()
        self.statusBar().showMessage(
            f"Stored as {a_digit(label)}: {plural(n, 'correction')} so far "
            "(Model → Fine-tune to learn them)", 8000)
        return True

    # ------------------------------------------------------------------ pen, view, theme

    def set_pen_width(self, width: float) -> None:
        """Pen width in canvas units (persisted)."""
        self.canvas.set_pen_width(float(width))
        w = self.canvas.pen_width()
        self.pen_label.setText(f"{w:.0f}")
        if self.pen_slider.value() != round(w):
            self.pen_slider.setValue(round(w))
        self.settings.set("pen/width", w)

    def set_feature_maps_visible(self, visible: bool) -> None:
        """View → Network View (every layer, live)."""
        set_dock_visible(self, self.maps_dock, bool(visible))
        if self.action("feature_maps").isChecked() != bool(visible):
            self.action("feature_maps").setChecked(bool(visible))
        self.settings.set("view/feature_maps", bool(visible))
        if visible and self.is_ready():
            self.reader.throttle.request_now()

    def set_number_mode(self, on: bool) -> None:
        """View → Number mode: a wide canvas (the drawing moves onto it); the answer is the
        number read."""
        on = bool(on)
        self.canvas.set_canvas_size(NUMBER_CANVAS if on else SINGLE_CANVAS)
        self.canvas.set_hint("Write a number here, digits side by side" if on
                             else "Draw a digit here")
        self.answer.set_number_mode(on)
        self.settings.set("view/number_mode", on)
        self.reader.throttle.request_now()

    def set_theme(self, name: str) -> None:
        """View → Theme: "system", "light" or "dark" (persisted)."""
        if name not in THEMES:
            return
        self.settings.set("view/theme", name)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, name)
        if not self.action(f"theme_{name}").isChecked():
            self.action(f"theme_{name}").setChecked(True)

    def _on_system_scheme(self, *_: Any) -> None:
        if self.settings.get("view/theme") == "system":
            self.set_theme("system")

    # ------------------------------------------------------------------ files

    def open_image(self, path: str | Path) -> bool:
        """Open a picture file as a layer to draw on (undoable), in the current mode."""
        try:
            layer = load_image_layer(path)
        except PictureError as exc:
            self._warn("Open image", f"This picture cannot be used:\n{exc}")
            return False
        self.canvas.set_image(layer)
        self.statusBar().showMessage(f"Opened {layer.name}", 4000)
        self.reader.throttle.request_now()
        return True

    def save_drawing(self, path: str | Path) -> bool:
        """Save the drawing as a PNG (black ink on white; an opened picture's ink included),
        or, for a .json path, its strokes as an ink file (`lenet.ink.ink_file`)."""
        if str(path).lower().endswith(".json"):
            ok, why = window_actions.save_ink_file(self.canvas, path)
        else:
            ok, why = self.canvas.to_qimage().save(str(path), "PNG"), f"Could not write {path}."
        if not ok:
            self._warn("Save drawing", why)
            return False
        self.statusBar().showMessage(f"Saved {Path(path).name}", 4000)
        return True

    # ------------------------------------------------------------------ dialogs

    def training_dialog(self) -> Any:
        """The training dialog last opened (None if none)."""
        return self.training.dialog()

    def show_retrain_dialog(self) -> Any:
        """Model → Retrain from MNIST…"""
        return self.training.open("retrain", self.trainer_factory_for, self.download_fn)

    def show_finetune_dialog(self) -> Any:
        """Model → Fine-tune on my corrections… (None without a model or corrections)."""
        return self.training.open("finetune", self.trainer_factory_for, self.download_fn)

    def show_model_info(self) -> TextDialog:
        """Model → Model info."""
        card = read_model_card(self.store.bundled_path) if self.loaded.is_bundled else None
        dialog = TextDialog("Model info", describe_model(self.loaded, card), self)
        dialog.show()
        return dialog

    def shortcuts_markdown(self) -> str:
        """Every action and its shortcut(s), as a Markdown table."""
        return help_texts.shortcuts_markdown(self._actions)

    def show_shortcuts(self) -> TextDialog:
        """Help → Keyboard shortcuts."""
        dialog = TextDialog("Keyboard shortcuts", self.shortcuts_markdown(), self)
        dialog.show()
        return dialog

    def show_about(self) -> None:
        """Help → About."""
        QMessageBox.about(self, f"About {APP_DISPLAY_NAME}",
                          help_texts.about_html(self.paths.data_dir))

    def _warn(self, title: str, text: str) -> None:
        """Tell the user something went wrong (non-blocking; tests find it in `messages`)."""
        self.messages.append((title, text))
        self.statusBar().showMessage(one_line(text), 8000)  # all of it: the why follows a colon
        if QGuiApplication.platformName() in ("offscreen", "minimal"):
            return  # headless: no one to click OK
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def confirm(self, title: str, text: str) -> bool:
        """Ask a yes/no question (tests replace this)."""
        return ask_yes_no(self, title, text)

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.training.close_for_quit(self.confirm):
            event.ignore()
            return
        self.model_in_use.wait()
        self.reader.shutdown()
        self.write_settings()
        event.accept()
