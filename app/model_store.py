"""Which model the app uses, where models live, and loading with a fallback. No widgets.

The bundled model ships with the package (read-only); models the user trains or fine-tunes
are saved in the user's models folder. A user model that cannot be read at start-up is
replaced by the bundled one, with a message saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

LoadFn = Callable[[Path], Any]
SaveFn = Callable[[Any, Path], Any]


@dataclass
class LoadedModel:
    """A classifier and where it came from. `message` explains a fallback, if there was one."""

    classifier: Any | None
    path: Path | None
    is_bundled: bool
    message: str | None = None
    fell_back: bool = False  # the user's chosen model could not be loaded

    @property
    def name(self) -> str:
        """A short name for the status bar."""
        if self.classifier is None or self.path is None:
            return "no model"
        return "bundled model" if self.is_bundled else self.path.name

    @property
    def test_accuracy(self) -> float | None:
        """The model's MNIST test accuracy (0..1) from its metadata, if known."""
        if self.classifier is None:
            return None
        value = self.classifier.metadata.get("test_accuracy")
        return float(value) if isinstance(value, int | float) else None


def _default_load(path: Path) -> Any:
    from lenet.model_file import load_model

    return load_model(path)


def _default_save(classifier: Any, path: Path) -> Any:
    from lenet.model_file import save_model

    return save_model(classifier, path)


def _default_bundled() -> Path:
    from lenet.model_file import bundled_model_path

    return bundled_model_path()


def _load_errors() -> tuple[type[BaseException], ...]:
    try:
        from lenet.model_file import ModelFileError
    except ImportError:
        return (ValueError, OSError)
    return (ModelFileError, ValueError, OSError)


class ModelStore:
    """Loads and saves models; knows the bundled model and the user's models folder."""

    def __init__(
        self,
        models_dir: Path,
        bundled_path: Path | None = None,
        load: LoadFn | None = None,
        save: SaveFn | None = None,
    ) -> None:
        self.models_dir = Path(models_dir)
        self._bundled_path = bundled_path
        self._load = load or _default_load
        self._save = save or _default_save

    @property
    def bundled_path(self) -> Path:
        """The model shipped with the app."""
        if self._bundled_path is None:
            self._bundled_path = _default_bundled()
        return self._bundled_path

    def load(self, path: Path) -> LoadedModel:
        """Load `path`; raises the engine's ModelFileError (a ValueError) or OSError."""
        path = Path(path)
        classifier = self._load(path)
        return LoadedModel(classifier, path, self._is_bundled(path))

    def _is_bundled(self, path: Path) -> bool:
        try:
            return Path(path).resolve() == self.bundled_path.resolve()
        except OSError:
            return False

    def load_bundled(self) -> LoadedModel:
        """The bundled model, or a LoadedModel without a classifier and a message."""
        try:
            return self.load(self.bundled_path)
        except _load_errors() as exc:
            return LoadedModel(None, None, True,
                               f"The bundled model could not be loaded: {exc}. "
                               "Train one with Model → Retrain from MNIST…")

    def load_startup(self, preferred: str | Path | None) -> LoadedModel:
        """The user's chosen model if it loads, else the bundled one (with a message why)."""
        if preferred:
            try:
                return self.load(Path(preferred))
            except _load_errors() as exc:
                fallback = self.load_bundled()
                reason = f"Your model could not be loaded ({exc}). "
                fallback.message = reason + (fallback.message or "Using the bundled model.")
                fallback.fell_back = True
                return fallback
        return self.load_bundled()

    def new_model_path(self, kind: str = "retrained") -> Path:
        """A fresh file name in the user's models folder, e.g. retrained-20250101-120000.npz."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.models_dir / f"{kind}-{stamp}.npz"
        n = 2
        while path.exists():
            path = self.models_dir / f"{kind}-{stamp}-{n}.npz"
            n += 1
        return path

    def save(self, classifier: Any, path: Path) -> Path:
        """Save atomically (the engine's save_model); returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._save(classifier, path)
        return path

    def save_user_model(self, classifier: Any, kind: str = "retrained") -> LoadedModel:
        """Save a newly trained classifier in the user's models folder and describe it."""
        path = self.save(classifier, self.new_model_path(kind))
        return LoadedModel(classifier, path, False)


def _when(iso: Any) -> str | None:
    """'1 December 2026, 12:05' from an ISO timestamp (None if there is none)."""
    try:
        t = datetime.fromisoformat(str(iso)).astimezone()
    except ValueError:
        return None
    return f"{t.day} {t:%B %Y, %H:%M}"


def _duration(seconds: Any) -> str:
    s = round(float(seconds))
    return f"{s // 60} min {s % 60} s" if s >= 60 else f"{s} s"


def describe_model(loaded: LoadedModel, model_card: str | None = None) -> str:
    """Markdown describing the model in use, in sentences (then the model card if any)."""
    if loaded.classifier is None:
        return "# No model\n\nNo model is loaded. Use **Model → Retrain from MNIST…**.\n"
    meta = loaded.classifier.metadata
    acc = loaded.test_accuracy
    lines = [f"# {'The bundled model' if loaded.is_bundled else loaded.name}", ""]
    lines.append(f"It reads **{acc:.2%}** of MNIST's 10,000 test digits right." if acc is not None
                 else "How well it reads MNIST's test digits is not recorded in the file.")
    lines.append("")
    training = meta.get("training") if isinstance(meta.get("training"), dict) else {}
    facts = []
    when, epochs = _when(meta.get("trained_at")), meta.get("epochs")
    if when or epochs:
        took = f", which took {_duration(training['seconds'])}" if training.get("seconds") else ""
        facts.append("Trained" + (f" on {when}," if when else "")
                     + (f" for {epochs} passes over the data" if epochs else "") + took + ".")
    if training.get("train_images"):
        images = f"{int(training['train_images']):,} training images"
        how = (" shifted, turned, thickened and thinned at random (augmentation)"
               if training.get("augment") else "")
        facts.append(f"It learnt from {images} ({meta.get('data') or 'MNIST'})"
                     + (f",{how}." if how else "."))
    if training.get("optimizer"):
        facts.append(f"Optimiser: {str(training['optimizer']).capitalize()}, learning rate "
                     f"{training.get('lr')}, {training.get('batch_size')} images per step.")
    if training.get("fine_tuned_from"):
        facts.append(f"Fine-tuned from: {training['fine_tuned_from']}.")
    temperature = getattr(loaded.classifier, "temperature", 1.0)
    if temperature != 1.0:
        facts.append(f"Its confidence is calibrated (temperature {temperature:.2f}), so "
                     "\"90 % sure\" is right about 9 times in 10 on MNIST.")
    others = len(getattr(loaded.classifier, "second_opinions", ()))
    if others:
        facts.append(f"{others} more networks, trained the same way from other random starts, "
                     "give a second opinion: the answer and its bars are the mean of all "
                     f"{others + 1} networks' probabilities, and an answer one of them does "
                     "not hold is marked *not sure*. The network view shows the first one.")
    if meta.get("description"):
        facts.append(f"Description: {meta['description']}.")
    facts.append(f"File: `{loaded.path}`." if loaded.path else "Not saved to a file.")
    lines += [f"- {f}" for f in facts]
    if model_card:
        lines += ["", "---", "", model_card]
    return "\n".join(lines) + "\n"


def read_model_card(bundled_path: Path) -> str | None:
    """The bundled model's MODEL_CARD.md (beside it, or in the source tree's models/)."""
    candidates = [bundled_path.parent / "MODEL_CARD.md",
                  Path(__file__).resolve().parent.parent / "models" / "MODEL_CARD.md"]
    for path in candidates:
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            continue
    return None
