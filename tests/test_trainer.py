"""The Trainer: learning, reproducibility, progress, cancelling and divergence."""

import numpy as np
import pytest

from lenet.training.trainer import (
    TrainConfig,
    Trainer,
    TrainingCancelled,
    TrainingDiverged,
    to_unit_float,
)
from tests.datasets import real_mnist, synthetic_digits


def test_small_net_overfits_a_few_hundred_mnist_images():
    mnist = real_mnist()
    data = type(mnist)(
        mnist.train_images[:300],
        mnist.train_labels[:300],
        mnist.test_images[:500],
        mnist.test_labels[:500],
    )
    config = TrainConfig(
        epochs=25, batch_size=32, lr=2e-3, augment=False, val_fraction=0, schedule="constant"
    )
    result = Trainer(config, data).run()
    probs = result.classifier.predict_proba(to_unit_float(data.train_images))
    train_acc = (probs.argmax(1) == data.train_labels).mean()
    assert train_acc >= 0.99, train_acc
    assert result.history[-1].train_loss < 0.05
    assert result.test_accuracy > 0.75  # 300 images already generalise somewhat


def test_same_seed_same_weights_different_seed_different_weights():
    data = synthetic_digits(128)
    runs = [Trainer(TrainConfig(epochs=1, batch_size=32, seed=s), data).run() for s in (3, 3, 4)]
    a, b, c = (r.classifier.net.params() for r in runs)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert any(not np.array_equal(a[n], c[n]) for n in a)


def test_progress_reports_every_batch_and_validation_each_epoch():
    data = synthetic_digits(200)
    reports = []
    config = TrainConfig(epochs=2, batch_size=50, val_fraction=0.2)
    result = Trainer(config, data, on_progress=reports.append).run()
    batch_reports = [r for r in reports if r.val_accuracy is None]
    epoch_reports = [r for r in reports if r.val_accuracy is not None]
    assert len(batch_reports) == 2 * 4 and len(epoch_reports) == 2  # 160 train images / 50
    assert [r.fraction_done for r in batch_reports] == sorted(
        r.fraction_done for r in batch_reports
    )
    assert reports[-1].fraction_done == 1.0 and reports[-1].eta_s == 0
    assert all(r.images_per_s > 0 and np.isfinite(r.loss) for r in reports)
    assert len(result.history) == 2 and result.history[0].val_accuracy is not None
    meta = result.classifier.metadata
    assert meta["training"]["val_images"] == 40 and meta["seed"] == 0
    assert meta["test_accuracy"] == result.test_accuracy


def test_should_stop_cancels_between_batches():
    data = synthetic_digits(256)
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(TrainingCancelled):
        Trainer(TrainConfig(epochs=5, batch_size=32), data, should_stop=should_stop).run()
    assert len(calls) == 4  # polled before each batch, stopped before the 4th


@pytest.mark.parametrize("optimizer", ["sgd", "nesterov", "adam"])
def test_divergence_stops_with_a_clear_error(optimizer):
    """Adam's fused kernel used to raise ZeroDivisionError on the NaNs of a diverging run."""
    data = synthetic_digits(256)
    config = TrainConfig(epochs=3, batch_size=32, lr=1e6, optimizer=optimizer,
                         schedule="constant")
    with pytest.raises(TrainingDiverged, match="diverged; try a lower learning rate"):
        Trainer(config, data).run()


def test_fine_tuning_starts_from_the_given_model():
    data = synthetic_digits(64)
    base = Trainer(TrainConfig(epochs=1, batch_size=32, seed=1), data).run().classifier
    first = []
    config = TrainConfig(
        epochs=1, batch_size=32, lr=1e-9, seed=9, schedule="constant", augment=False
    )
    tuned = Trainer(config, data, init=base, on_progress=first.append).run().classifier
    for name, p in base.net.params().items():
        np.testing.assert_allclose(tuned.net.params()[name], p, atol=1e-5)


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="learning rate"):
        TrainConfig(lr=0)
    with pytest.raises(ValueError, match="at least 1"):
        TrainConfig(epochs=0)
    for lr in (float("nan"), float("inf"), -1.0):
        with pytest.raises(ValueError, match="learning rate"):
            TrainConfig(lr=lr)
    for decay in (float("nan"), float("inf"), -0.1):
        with pytest.raises(ValueError, match="weight decay"):
            TrainConfig(weight_decay=decay)
    for subset in (0, -5):
        with pytest.raises(ValueError, match="subset"):
            TrainConfig(subset=subset)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_a_fresh_lenet5_starts_near_the_uniform_answer(activation):
    """Its first loss is about ln 10 ≈ 2.30 (it was 3-5.4 with a full-scale output layer,
    which made the training chart's first point dwarf the rest)."""
    import math

    from lenet.classifier import Classifier
    from lenet.nn.losses import SoftmaxCrossEntropy
    from lenet.nn.model import lenet5

    data = synthetic_digits(256)
    images = data.train_images.astype(np.float32) / 255
    labels = np.asarray(data.train_labels, np.intp)
    for seed in range(4):
        net = lenet5(activation=activation, rng=np.random.default_rng(seed))
        loss = SoftmaxCrossEntropy().forward(Classifier(net).logits(images), labels)
        assert abs(loss - math.log(10)) < 0.25, (seed, loss)


def test_batches_made_ahead_on_a_thread_train_the_same_weights():
    """The overlapped pipeline (augmentation of the next batches while one trains) is pinned
    to the serial one: same batches in the same order, so the same weights."""
    data = synthetic_digits(200)
    runs = [Trainer(TrainConfig(epochs=2, batch_size=32, prefetch=p), data).run()
            for p in (False, True)]
    serial, ahead = (r.classifier.net.params() for r in runs)
    for name in serial:
        np.testing.assert_array_equal(serial[name], ahead[name], err_msg=name)


def test_one_thread_and_two_train_the_same_weights():
    """The step's halves run one after the other on one thread, side by side on two
    (lenet.training.split_step): the same model to the bit either way."""
    from lenet.nn.kernels.threads import set_threads

    data = synthetic_digits(200)
    before = set_threads(None)
    try:
        runs = []
        for threads in (1, 2):
            set_threads(threads)
            runs.append(Trainer(TrainConfig(epochs=1, batch_size=33), data).run())
    finally:
        set_threads(before)
    one, two = (r.classifier.net.params() for r in runs)
    for name in one:
        np.testing.assert_array_equal(one[name], two[name], err_msg=name)


def test_prefetched_hands_on_errors_and_stops_when_closed():
    import threading

    from lenet.training.batches import Prefetched

    def broken():
        yield np.zeros(1), np.zeros(1)
        raise ValueError("damaged batch")

    stream = Prefetched(broken())
    next(stream)
    with pytest.raises(ValueError, match="damaged batch"):
        next(stream)
    stream.close()

    def endless():
        while True:
            yield np.zeros(1), np.zeros(1)

    before = threading.active_count()
    with Prefetched(endless(), depth=2) as stream:
        next(stream)
    assert threading.active_count() == before  # the thread is gone after close


def test_a_cancelled_run_stops_its_batch_thread():
    import threading

    data = synthetic_digits(256)
    before = threading.active_count()
    calls = iter(range(1000))
    trainer = Trainer(TrainConfig(epochs=3, batch_size=16), data,
                      should_stop=lambda: next(calls) >= 3)
    with pytest.raises(TrainingCancelled):
        trainer.run()
    assert threading.active_count() == before
