"""Training LeNet-5 on MNIST: mini-batches, augmentation, validation, progress, stopping.

The ``Trainer`` knows nothing of Qt or terminals. It reports through ``on_progress(Progress)``
after every batch (and once more at the end of each epoch, with validation metrics) and polls
``should_stop()`` between batches. All randomness — initial weights, the validation split,
shuffling, augmentation — comes from one ``numpy.random.Generator`` seeded by
``TrainConfig.seed``, so a run is reproducible for a given seed and thread count.

What the Trainer needs from the data: an object with ``train_images`` (N, 28, 28) uint8,
``train_labels`` (N,) integers 0-9, and ``test_images`` / ``test_labels`` likewise (may be
empty), e.g. ``lenet.data.mnist.MnistData``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numba
import numpy as np

from lenet import __version__
from lenet.classifier import MNIST_MEAN, MNIST_STD, Classifier
from lenet.data.augment import AugmentConfig, augment_batch
from lenet.nn.averaging import WeightAverage
from lenet.nn.kernels.threads import hold_thread_pool
from lenet.nn.losses import SoftmaxCrossEntropy, softmax
from lenet.nn.model import lenet5
from lenet.nn.optim import make_optimizer
from lenet.nn.schedules import make_schedule
from lenet.training.batches import Prefetched, block_batches, to_unit_float, training_batches
from lenet.training.calibrate import expected_calibration_error, fit_temperature, nll
from lenet.training.config import AUGMENTATIONS, TrainConfig
from lenet.training.evaluate import evaluate
from lenet.training.novelty import NOVELTY_IMAGES, with_novelty_statistics
from lenet.training.split_step import SplitStep

DIVERGED_LOSS = 100.0
"""A mean cross-entropy above this (nats; a fresh network starts near ln 10 = 2.3) means the
run has diverged, even while still finite: weights blown up, every ReLU dead."""


class TrainingCancelled(Exception):
    """should_stop() returned True; the partly trained model is discarded."""


class TrainingDiverged(RuntimeError):
    """The loss became NaN, infinite or absurdly large (DIVERGED_LOSS)."""


@dataclass(frozen=True)
class Progress:
    """A snapshot after a batch. Loss/accuracy are running means over the epoch so far."""

    epoch: int  # 1-based
    epochs: int
    batch: int  # 1-based
    batches: int
    loss: float
    accuracy: float
    images_per_s: float
    lr: float
    fraction_done: float  # of the whole run, 0..1
    eta_s: float
    val_loss: float | None = None  # set on the end-of-epoch report
    val_accuracy: float | None = None


@dataclass(frozen=True)
class EpochMetrics:
    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    lr: float
    seconds: float
    images_per_s: float


@dataclass
class TrainResult:
    classifier: Classifier
    history: list[EpochMetrics] = field(default_factory=list)
    test_accuracy: float | None = None
    seconds: float = 0.0


def calibrate_on(classifier: Classifier, images: np.ndarray, labels: np.ndarray) -> Classifier:
    """`classifier` with a temperature fitted on held-out images (N, 28, 28) in [0, 1],
    and what it was fitted on and its effect (NLL, ECE before and after) in the metadata."""
    logits = classifier.logits(images)  # one forward pass; the rest is arithmetic on it
    t = fit_temperature(logits, labels)
    return classifier.calibrated(
        t, fitted_on=f"validation split ({len(labels)} MNIST training images)",
        nll_before=round(nll(logits, labels), 5), nll_after=round(nll(logits, labels, t), 5),
        ece_before=round(expected_calibration_error(softmax(logits), labels), 5),
        ece_after=round(expected_calibration_error(softmax(logits / t), labels), 5),
    )


def warm_up(config: TrainConfig | None = None) -> float:
    """Compile (or load from numba's cache) every kernel a training run uses, on one random
    batch; returns the seconds it took (tens of seconds on the very first run, less when
    `lenet.compile_ahead` has compiled the pieces below in parallel processes first)."""
    start = time.perf_counter()
    warm_up_augmentation(config)
    warm_up_step(config)
    warm_up_step(config, serial=True)
    return time.perf_counter() - start


def _random_batch(cfg: TrainConfig) -> tuple[np.random.Generator, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(cfg.batch_size, 28, 28), dtype=np.uint8)
    return rng, images, np.arange(cfg.batch_size) % 10


def warm_up_augmentation(config: TrainConfig | None = None) -> None:
    """The augmentation kernels, on one random batch (if the run augments)."""
    cfg = config or TrainConfig()
    rng, images, labels = _random_batch(cfg)
    if cfg.augment:
        augment_batch(images, rng, augmentation_of(cfg), labels)


def augmentation_of(config: TrainConfig) -> AugmentConfig:
    """The augmentation a run with `config` uses (when it augments)."""
    return AugmentConfig(**AUGMENTATIONS[config.augmentation], pen_prob=config.pen_strokes)


def warm_up_step(config: TrainConfig | None = None, serial: bool = False) -> None:
    """One training step and one evaluation pass on a random batch, with the kernels'
    parallel builds (the layered forward pass of big batches uses them), or with `serial`
    their serial ones (the training step's halves run those, `SplitStep`)."""
    cfg = config or TrainConfig()
    rng, images, labels = _random_batch(cfg)
    net = lenet5(cfg.activation, cfg.pooling, rng=rng)
    classifier = Classifier(net)
    optimizer = make_optimizer(cfg.optimizer, net.params(), net.grads(), 1e-9, cfg.weight_decay)
    loss_fn = SoftmaxCrossEntropy()
    with hold_thread_pool() if serial else contextlib.nullcontext():
        loss_fn.forward(net.train().forward(classifier.normalize(to_unit_float(images))),
                        labels)
        net.zero_grad()
        net.backward(loss_fn.backward())
        optimizer.step()
        net.eval()
        classifier.predict_proba(to_unit_float(images))


class Trainer:
    """Trains a fresh LeNet-5, or fine-tunes ``init``, on ``data`` with ``config``."""

    def __init__(
        self,
        config: TrainConfig,
        data,
        on_progress: Callable[[Progress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        init: Classifier | None = None,
        augment_config: AugmentConfig | None = None,
    ) -> None:
        self.config = config
        self.data = data
        self.on_progress = on_progress or (lambda p: None)
        self.should_stop = should_stop or (lambda: False)
        self.init = init
        self.augment_config = augment_config or augmentation_of(config)

    def _split(self, rng: np.random.Generator):
        images, labels = self.data.train_images, np.asarray(self.data.train_labels)
        if len(images) != len(labels) or len(images) == 0:
            raise ValueError(
                f"need as many training labels as images (got {len(images)} "
                f"images, {len(labels)} labels)"
            )
        order = rng.permutation(len(images))
        if self.config.subset is not None:
            order = order[: self.config.subset]
        n_val = round(len(order) * self.config.val_fraction)
        val, train = order[:n_val], order[n_val:]
        return images[train], labels[train], images[val], labels[val]

    def validation_set(self) -> tuple[np.ndarray, np.ndarray]:
        """The validation images and labels `run` holds out for this config: drawn from the
        same random stream (the weights' initialisation first, then the split), so that a
        saved model's own validation split can be found again, e.g. to calibrate it."""
        cfg = self.config
        rng = np.random.default_rng(cfg.seed)
        lenet5(cfg.activation, cfg.pooling, rng=rng)
        _, _, x_val, y_val = self._split(rng)
        return x_val, y_val

    def run(self) -> TrainResult:
        cfg = self.config
        rng = np.random.default_rng(cfg.seed)
        net = lenet5(cfg.activation, cfg.pooling, rng=rng)
        if self.init is not None:
            net.load_params(self.init.net.params())
        classifier = Classifier(net, {"normalization": {"mean": MNIST_MEAN, "std": MNIST_STD}})
        x_train, y_train, x_val, y_val = self._split(rng)
        if len(x_train) == 0:
            raise ValueError("no training images left after the validation split")
        norm = classifier.normalize
        params, grads = net.params(), net.grads()
        optimizer = make_optimizer(cfg.optimizer, params, grads, cfg.lr, cfg.weight_decay)
        schedule = make_schedule(cfg.schedule, cfg.lr, cfg.epochs)
        loss_fn = SoftmaxCrossEntropy(cfg.label_smoothing)
        average = WeightAverage(params, cfg.average_decay) if cfg.average_decay else None
        evaluated = average.swapped_in if average else contextlib.nullcontext

        n = len(x_train)
        batches = -(-n // cfg.batch_size)
        total_batches = batches * cfg.epochs
        history: list[EpochMetrics] = []
        start = time.perf_counter()
        stream = training_batches(x_train, y_train, rng, cfg.epochs, cfg.batch_size,
                                  self.augment_config if cfg.augment else None,
                                  cfg.plain_final_epochs)
        if cfg.prefetch:  # two blocks ahead: the next one is made while this one trains
            stream = Prefetched(stream, depth=2 * block_batches(cfg.batch_size))
        step = SplitStep(net, loss_fn, numba.get_num_threads())
        try:
            for epoch in range(cfg.epochs):
                net.train()
                t_epoch = time.perf_counter()
                loss_sum = correct = seen = 0
                for b in range(batches):
                    if self.should_stop():
                        raise TrainingCancelled("training cancelled")
                    batch, labels = next(stream)
                    optimizer.lr = schedule(epoch + b / batches)
                    loss = step(norm(batch), labels)  # overflow: a loss that is not finite
                    if not loss < DIVERGED_LOSS:  # also NaN
                        raise TrainingDiverged(
                            f"the loss became {loss:.3g} at epoch {epoch + 1}, batch {b + 1}: "
                            f"training diverged; try a lower learning rate (was {cfg.lr:g})"
                        )
                    optimizer.step()
                    if average:
                        average.update()

                    loss_sum += loss * len(labels)
                    correct += int((step.probabilities.argmax(axis=1) == labels).sum())
                    seen += len(labels)
                    done = epoch * batches + b + 1
                    elapsed = time.perf_counter() - start
                    self.on_progress(
                        Progress(
                            epoch=epoch + 1,
                            epochs=cfg.epochs,
                            batch=b + 1,
                            batches=batches,
                            loss=loss_sum / seen,
                            accuracy=correct / seen,
                            images_per_s=seen / max(time.perf_counter() - t_epoch, 1e-9),
                            lr=optimizer.lr,
                            fraction_done=done / total_batches,
                            eta_s=elapsed / done * (total_batches - done),
                        )
                    )

                seconds = time.perf_counter() - t_epoch
                val_loss = val_acc = None
                if len(x_val):
                    with evaluated():
                        report = evaluate(classifier, to_unit_float(x_val), y_val)
                    val_loss, val_acc = report.loss, report.accuracy
                metrics = EpochMetrics(
                    epoch + 1,
                    loss_sum / seen,
                    correct / seen,
                    val_loss,
                    val_acc,
                    optimizer.lr,
                    seconds,
                    seen / seconds,
                )
                history.append(metrics)
                elapsed = time.perf_counter() - start
                done = (epoch + 1) * batches
                self.on_progress(
                    Progress(
                        epoch=epoch + 1,
                        epochs=cfg.epochs,
                        batch=batches,
                        batches=batches,
                        loss=metrics.train_loss,
                        accuracy=metrics.train_accuracy,
                        images_per_s=metrics.images_per_s,
                        lr=optimizer.lr,
                        fraction_done=done / total_batches,
                        eta_s=elapsed / done * (total_batches - done),
                        val_loss=val_loss,
                        val_accuracy=val_acc,
                    )
                )
        finally:
            step.close()
            if isinstance(stream, Prefetched):
                stream.close()

        if average:
            average.copy_to_params()
        net.eval()
        if len(x_val):  # temperature scaling on the held-out split (never the test set)
            classifier = calibrate_on(classifier, to_unit_float(x_val), y_val)
        # what "not a digit" measures novelty against: the digits the network was trained on
        classifier = with_novelty_statistics(
            classifier, to_unit_float(x_train[:NOVELTY_IMAGES]), y_train[:NOVELTY_IMAGES],
            self.augment_config if cfg.augment else None, cfg.seed)
        seconds = time.perf_counter() - start
        test_acc = per_class = None
        if len(self.data.test_images):
            report = evaluate(
                classifier, to_unit_float(self.data.test_images), self.data.test_labels
            )
            test_acc, per_class = report.accuracy, report.per_class_accuracy.tolist()
        classifier.metadata.update(
            architecture={"name": "LeNet5", "activation": cfg.activation, "pooling": cfg.pooling},
            training={
                **asdict(cfg),
                "train_images": int(n),
                "val_images": len(x_val),
                "fine_tuned_from": (
                    self.init.metadata.get("description") if self.init is not None else None
                ),
                "seconds": round(seconds, 1),
                "engine_version": __version__,
                "history": [asdict(h) for h in history],
            },
            data=getattr(self.data, "description", "MNIST"),
            trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
            seed=cfg.seed,
            epochs=cfg.epochs,
            test_accuracy=test_acc,
            per_class_accuracy=per_class,
            val_accuracy=history[-1].val_accuracy if history else None,
        )
        return TrainResult(classifier, history, test_acc, seconds)
