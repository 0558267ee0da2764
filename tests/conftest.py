"""Shared fixtures. Qt runs offscreen; the app's files go to a temporary folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.http_mirrors import mirrors, server  # noqa: F401 (fixtures of the download tests)

REPO = Path(__file__).resolve().parent.parent
BUNDLED_MODEL = REPO / "models" / "lenet5.npz"


@dataclass(frozen=True)
class FakePrediction:
    """Same fields as lenet.classifier.Prediction."""

    digit: int
    confidence: float
    probabilities: np.ndarray
    not_sure: bool


class FakeClassifier:
    """A stand-in for lenet.classifier.Classifier with a crude shape rule.

    Tall and thin ink → 1; much ink in the top rows → 7; anything else → an unsure 4-or-9.
    """

    def __init__(self, accuracy: float = 0.9876, name: str = "fake") -> None:
        self.metadata: dict = {"test_accuracy": accuracy, "description": name,
                               "trained_at": "2025-01-01T00:00:00+00:00", "epochs": 1}
        self.calls = 0
        self.maps_calls = 0
        self._net = None  # a real LeNet-5 for stages() and activations(), made when asked

    @staticmethod
    def _one(img: np.ndarray) -> np.ndarray:
        p = np.full(10, 0.005, dtype=np.float64)
        ink = img > 0.3
        if not ink.any():
            p[:] = 0.1
            return p
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
        top = img[rows[0] : rows[0] + 4].sum() / max(img.sum(), 1e-6)
        if width <= 0.5 * height:
            p[1] = 0.95
        elif top > 0.3:
            p[7] = 0.9
        else:
            p[4], p[9] = 0.45, 0.42
        return p / p.sum()

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        x = np.asarray(images, dtype=np.float32)
        if x.ndim == 2:
            x = x[None]
        self.calls += 1
        return np.stack([self._one(img) for img in x]).astype(np.float32)

    def classify(self, image: np.ndarray) -> FakePrediction:
        return self.prediction_from(self.predict_proba(image)[0])

    def proba_and_stability(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        probs = self.predict_proba(images)
        return probs, probs.max(axis=1)  # a fake: as stable as it is sure

    def prediction_from(self, probabilities: np.ndarray,
                        stability: float | None = None) -> FakePrediction:
        p = np.asarray(probabilities, dtype=np.float32)
        d = int(p.argmax())
        return FakePrediction(d, float(p[d]), p, bool(p[d] < 0.7))

    def stages(self) -> list:
        return self._network().stages()

    def activations(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """A real (untrained) LeNet-5's activations: the network view needs real weights."""
        self.maps_calls += 1
        return self._network().activations(image)

    def _network(self):
        if self._net is None:
            from lenet.classifier import Classifier
            from lenet.nn.model import lenet5

            self._net = Classifier(lenet5(rng=np.random.default_rng(0)))
        return self._net


def show_widget(qtbot, widget, width: int, height: int):
    """Register widget with qtbot, size it, show it and wait until it is on screen."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def real_data_dir() -> Path:
    """The real MNIST folder (LENET_DATA_DIR), or skip."""
    from tests.datasets import real_mnist_dir

    return real_mnist_dir()


@pytest.fixture
def fake_classifier() -> FakeClassifier:
    return FakeClassifier()


@pytest.fixture
def app_paths(tmp_path: Path):
    from app.paths import AppPaths

    return AppPaths.under(tmp_path / "user").ensure()


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "settings.ini"


@pytest.fixture
def fake_store(app_paths, tmp_path: Path):
    """A ModelStore whose "files" are fake classifiers (a file holding "bad" fails)."""
    from app.model_store import ModelStore

    bundled = tmp_path / "bundled.npz"
    bundled.write_text("fake bundled model")

    def load(path: Path) -> FakeClassifier:
        text = Path(path).read_text()  # FileNotFoundError for a missing file
        if "bad" in text:
            raise ValueError(f"{path}: not a model file")
        return FakeClassifier(name=text)

    def save(classifier: FakeClassifier, path: Path) -> None:
        Path(path).write_text(classifier.metadata.get("description", "saved"))

    return ModelStore(app_paths.models_dir, bundled_path=bundled, load=load, save=save)


@pytest.fixture
def make_window(qtbot, app_paths, settings_path, fake_store, fake_classifier):
    """Build a MainWindow with the fake model (call again to simulate a restart)."""
    from app.main_window import MainWindow
    from app.model_store import LoadedModel
    from app.settings import Settings

    def make(classifier=None, loaded=None, store=None) -> MainWindow:
        store = store or fake_store
        if loaded is None:
            loaded = LoadedModel(classifier or fake_classifier, store.bundled_path, True)
        window = MainWindow(Settings(settings_path), app_paths, store, loaded=loaded)
        return show_widget(qtbot, window, 1000, 720)

    return make


@pytest.fixture
def window(make_window):
    return make_window()


def _send_mouse(widget, kind, pos, button, buttons) -> None:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    local = QPointF(pos)
    event = QMouseEvent(kind, local, widget.mapToGlobal(local), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def mouse_draw() -> Callable:
    """mouse_draw(canvas, [(x, y), ...] in canvas units): press, move (button held), release."""
    from PySide6.QtCore import QEvent, Qt

    def draw(canvas, points, step: float = 6.0) -> None:
        from app.self_test import densify

        pts = densify(list(points), step) if len(points) > 1 else list(points)
        left = Qt.MouseButton.LeftButton
        none = Qt.MouseButton.NoButton
        first = canvas.map_from_canvas(*pts[0])
        _send_mouse(canvas, QEvent.Type.MouseButtonPress, first, left, left)
        for x, y in pts[1:]:
            _send_mouse(canvas, QEvent.Type.MouseMove, canvas.map_from_canvas(x, y), none, left)
        last = canvas.map_from_canvas(*pts[-1])
        _send_mouse(canvas, QEvent.Type.MouseButtonRelease, last, left, none)

    return draw


@pytest.fixture(autouse=True)
def _collect_qt_garbage(request):
    """After a test with widgets: collect the cycles its closed widgets left, here, while
    nothing runs. Left to chance, the collector ran in the middle of the next test's
    plotting calls and finalised them there, and the process crashed now and then
    (test_app_training after test_first_start, about 1 run in 8)."""
    yield
    if "qtbot" in request.fixturenames:
        gc.collect()
