"""TrainingWorker: a thin QThread adapter around the engine's Trainer.

`make_trainer(on_progress, should_stop)` is called in the worker thread (so loading the data
happens there too) and returns an object with `run() -> TrainResult` — normally a
`lenet.training.trainer.Trainer`. Progress is forwarded as `progress(object)` (at most every
`min_interval_s`, but every end-of-epoch report is kept); the run ends with exactly one of
`finished(TrainResult)`, `failed(str)` or `cancelled()`. Before the first batch the factory
reports what it is doing as `Stage`s (reading MNIST, preparing the engine), never throttled.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from app.workers import BackgroundJob
from lenet.training.config import RECIPES

_RETRAIN = RECIPES["default"]  # a plan starts from `lenet train`'s recipe


class TrainerLike(Protocol):
    """What the worker needs from `lenet.training.trainer.Trainer`."""

    def run(self) -> Any: ...


TrainerFactory = Callable[[Callable[[Any], None], Callable[[], bool]], TrainerLike]


@dataclass(frozen=True)
class Stage:
    """What a run is doing before its first batch, for people ("Reading MNIST…")."""

    text: str


class TrainingWorker(BackgroundJob):
    """Runs one training (or fine-tuning) run in its own thread."""

    def __init__(self, make_trainer: TrainerFactory, min_interval_s: float = 0.05) -> None:
        super().__init__()
        self._make_trainer = make_trainer
        self._min_interval = float(min_interval_s)
        self._last_emit = 0.0

    def _on_progress(self, p: Any) -> None:
        if isinstance(p, Stage):
            self.progress.emit(p)
            return
        now = time.monotonic()
        end_of_epoch = getattr(p, "val_accuracy", None) is not None or (
            getattr(p, "batch", 0) == getattr(p, "batches", -1)
        )
        if end_of_epoch or now - self._last_emit >= self._min_interval:
            self._last_emit = now
            self.progress.emit(p)

    def work(self) -> Any:
        trainer = self._make_trainer(self._on_progress, self.should_stop)
        return trainer.run()

    def cancel_exceptions(self) -> tuple[type[BaseException], ...]:
        try:
            from lenet.training import TrainingCancelled
        except ImportError:
            return ()
        return (TrainingCancelled,)

    def describe_error(self, exc: BaseException) -> str:
        name = type(exc).__name__
        if name == "TrainingDiverged":
            return f"Training diverged: {exc}"
        if isinstance(exc, FileNotFoundError):
            return f"The MNIST data is missing: {exc}"
        if name == "IdxError":
            return f"The MNIST data is damaged: {exc}"
        return super().describe_error(exc)


@dataclass
class TrainingPlan:
    """What the training dialog asks for. `mode` is "retrain" or "finetune"."""

    mode: str = "retrain"
    epochs: int = _RETRAIN.epochs
    batch_size: int = _RETRAIN.batch_size
    lr: float = _RETRAIN.lr
    optimizer: str = _RETRAIN.optimizer
    augment: bool = _RETRAIN.augment
    subset: int | None = None
    data_dir: str = ""  # empty: the engine's default MNIST folder
    init: Any = None  # the classifier to fine-tune
    corrections_dir: Path | None = None
    include_corrections: bool = True  # a retrain learns the corrections too
    finetune_mnist_images: int = 6000


_engine_prepared: set[tuple[str, bool]] = set()  # (optimizer, augment) compiled this session


def _prepare_engine(config: Any, on_progress: Callable[[Any], None]) -> None:
    """Compile the training kernels (or load them from numba's cache) before the first batch,
    saying so: on the very first run after installing, this is most of the wait."""
    from lenet.compile_ahead import TRAINING, compile_ahead
    from lenet.training.trainer import warm_up

    key = (config.optimizer, bool(config.augment))
    if key in _engine_prepared:
        return
    on_progress(Stage("Preparing the training engine… (the first run after installing "
                      "takes a minute or two)"))
    compile_ahead(TRAINING, load=False)  # a first run: compiled in parallel processes
    warm_up(config)
    _engine_prepared.add(key)


def engine_trainer_factory(plan: TrainingPlan) -> TrainerFactory:
    """A factory for `TrainingWorker` that loads MNIST (kept for the session) and the
    corrections (fine-tune: always; retrain: unless left out), and builds a Trainer."""

    def make(on_progress: Callable[[Any], None], should_stop: Callable[[], bool]) -> TrainerLike:
        from app.corrections import CorrectionStore
        from app.training_data import finetune_data, retrain_data, session_mnist
        from lenet.training import Trainer, recipe

        on_progress(Stage("Reading MNIST…"))
        mnist = session_mnist(plan.data_dir or None)
        images = np.zeros((0, 28, 28), np.uint8)
        labels = np.zeros(0, np.uint8)
        wanted = plan.mode == "finetune" or plan.include_corrections
        if wanted and plan.corrections_dir is not None:
            on_progress(Stage("Reading your corrections…"))
            images, labels = CorrectionStore(plan.corrections_dir).arrays()
        if plan.mode == "finetune":
            if plan.corrections_dir is None:
                raise ValueError("no corrections folder")
            data = finetune_data(mnist, images, labels, plan.finetune_mnist_images)
        else:
            data = retrain_data(mnist, images, labels, plan.subset)
        config = recipe("default", epochs=plan.epochs, batch_size=plan.batch_size, lr=plan.lr,
                        optimizer=plan.optimizer, augment=plan.augment)
        if should_stop():
            from lenet.training import TrainingCancelled

            raise TrainingCancelled("stopped before training")
        _prepare_engine(config, on_progress)
        on_progress(Stage("Training…"))
        return Trainer(config, data, on_progress=on_progress, should_stop=should_stop,
                       init=plan.init if plan.mode == "finetune" else None)

    return make
