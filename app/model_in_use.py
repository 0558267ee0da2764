"""ModelInUse: the model the app predicts with, and every way of changing it.

At start the model is loaded and the engine warmed up on a thread (`start`); afterwards it
is swapped for the bundled model, a model file, or a freshly trained one (saved in the
user's models folder first). The predictor always holds the classifier in use. Nothing is
shown here: `changed(LoadedModel)` after every swap, `start_failed(message)` when the engine
cannot start, `warning(title, text)` for a failure and `status(text, ms)` for news.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.model_store import LoadedModel, ModelStore
from app.predictor import Predictor
from app.settings import Settings
from app.workers import EngineLoader


class ModelInUse(QObject):
    """The loaded model (`loaded`), whether prediction is on, and the start-up loader."""

    changed = Signal(object)  # LoadedModel
    start_failed = Signal(str)
    warning = Signal(str, str)
    status = Signal(str, int)

    def __init__(self, store: ModelStore, settings: Settings, predictor: Predictor,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._settings = settings
        self._predictor = predictor
        self.loaded = LoadedModel(None, None, True)
        self._ready = False
        self._loader: EngineLoader | None = None
        self._startup_used = False  # the start-up model is used once, at its first signal

    def is_ready(self) -> bool:
        """True once a model is loaded and warmed up (live prediction on)."""
        return self._ready

    # ------------------------------------------------------------------ start-up

    def start(self, warm_up_fn: Any) -> None:
        """Load the preferred model (with fallback) and warm the engine up, off this thread."""
        preferred = self._settings.get("model/path")
        self._loader = EngineLoader(lambda: self.store.load_startup(preferred), warm_up_fn)
        # progress: the first screen is warm, the rest of the warm-up goes on in the thread
        self._loader.progress.connect(self._use_startup_once)
        self._loader.finished.connect(self._on_loader_finished)
        self._loader.failed.connect(self._on_start_failed)
        self._loader.start()

    def _use_startup_once(self, loaded: LoadedModel) -> None:
        if not self._startup_used:  # not again at `finished`, nor over a model chosen since
            self._startup_used = True
            self._use_found(loaded)

    def _on_loader_finished(self, loaded: LoadedModel) -> None:
        self._end_loader()
        self._use_startup_once(loaded)

    def use_startup_model(self, loaded: LoadedModel) -> None:
        """Use the model found at start (given directly: tests, the self-test)."""
        self._end_loader()
        self._startup_used = True
        self._use_found(loaded)

    def _use_found(self, loaded: LoadedModel) -> None:
        # a model that failed to load is forgotten, or the warning would repeat every start
        self.use(loaded, remember=loaded.fell_back)
        if loaded.message:
            self.warning.emit("Model", loaded.message)
        self.status.emit("Ready: draw a digit" if self._ready else
                         "No model: use Model → Retrain from MNIST…", 5000)

    def _on_start_failed(self, message: str) -> None:
        self._end_loader()
        if self._startup_used and self._ready:  # live prediction works; a later path failed
            self.warning.emit("Engine", f"Part of the engine could not be prepared: {message}")
            return
        self._ready = False
        self.start_failed.emit(message)

    def _end_loader(self) -> None:
        if self._loader is not None:
            self._loader.wait()
            self._loader = None

    def wait(self, timeout_ms: int = 30000) -> None:
        """Wait for the start-up thread, if it still runs (closing)."""
        if self._loader is not None:
            self._loader.wait(timeout_ms)

    # ------------------------------------------------------------------ swapping

    def use(self, loaded: LoadedModel, remember: bool = True) -> None:
        """Predict with `loaded` from now on (and remember it in the settings)."""
        self.loaded = loaded
        self._predictor.set_classifier(loaded.classifier)
        self._ready = loaded.classifier is not None
        if remember:
            self._settings.set("model/path", "" if loaded.is_bundled or loaded.path is None
                               else str(loaded.path))
        self.changed.emit(loaded)

    def reset_to_bundled(self) -> None:
        """Go back to the model that ships with the app."""
        loaded = self.store.load_bundled()
        if loaded.classifier is None:
            self.warning.emit("Reset to bundled model", loaded.message or "No bundled model.")
            return
        self.use(loaded)
        self.status.emit("Using the bundled model", 4000)

    def load_file(self, path: str | Path) -> bool:
        """Use the model in `path`; a bad file is reported and changes nothing."""
        try:
            loaded = self.store.load(Path(path))
        except (ValueError, OSError) as exc:
            self.warning.emit("Load model", f"This model cannot be used:\n{exc}")
            return False
        self.use(loaded)
        self.status.emit(f"Using {loaded.name}", 4000)
        return True

    def save_file(self, path: str | Path) -> bool:
        """Save the model in use to `path` (atomically); False if there is none or it failed."""
        if self.loaded.classifier is None:
            return False
        try:
            self.store.save(self.loaded.classifier, Path(path))
        except (OSError, ValueError) as exc:
            self.warning.emit("Save model", f"The model could not be saved:\n{exc}")
            return False
        self.status.emit(f"Model saved to {path}", 4000)
        return True

    def adopt(self, classifier: Any, kind: str = "retrained") -> Path | None:
        """Save a freshly trained model in the user's folder and use it; None on failure."""
        try:
            loaded = self.store.save_user_model(classifier, kind)
        except (OSError, ValueError) as exc:
            self.warning.emit("Use this model", f"The new model could not be saved:\n{exc}\n\n"
                              "The model in use is unchanged.")
            return None
        self.use(loaded)
        self.status.emit(f"Now using {loaded.name}", 5000)
        return loaded.path
