"""The moving average of the weights, unaugmented final epochs, and the trainer's use of them."""

import numpy as np
import pytest

from lenet.nn.averaging import WeightAverage
from lenet.training.trainer import TrainConfig, Trainer
from tests.datasets import synthetic_digits


def test_average_follows_the_formula_with_its_warm_up():
    w = np.zeros(3, np.float32)
    average = WeightAverage({"w": w}, decay=0.9)
    expected = w.copy()
    for step, value in enumerate([1.0, 2.0, 4.0, 8.0, 8.0, 8.0], start=1):
        w[...] = value
        average.update()
        d = min(0.9, (1 + step) / (10 + step))
        expected = d * expected + (1 - d) * value
        np.testing.assert_allclose(average.average["w"], expected, rtol=1e-6)
    assert not np.allclose(average.average["w"], w)  # it lags the live weights


def test_swapped_in_evaluates_the_average_and_puts_the_live_weights_back():
    w = np.array([1.0, 2.0], np.float32)
    average = WeightAverage({"w": w}, decay=0.5)
    w[...] = [5.0, 6.0]
    average.update()
    live = w.copy()
    with average.swapped_in():
        np.testing.assert_array_equal(w, average.average["w"])
        assert not np.array_equal(w, live)
    np.testing.assert_array_equal(w, live)
    with pytest.raises(RuntimeError), average.swapped_in():
        raise RuntimeError("an evaluation that fails")
    np.testing.assert_array_equal(w, live)  # restored on errors too


def test_bad_decay_is_refused():
    for decay in (0.0, 1.0, -0.5, float("nan")):
        with pytest.raises(ValueError, match="decay"):
            WeightAverage({"w": np.zeros(1)}, decay)
        with pytest.raises(ValueError, match="decay"):
            TrainConfig(average_decay=decay)
    with pytest.raises(ValueError, match="label smoothing"):
        TrainConfig(label_smoothing=1.0)


def test_trainer_keeps_the_averaged_weights():
    """Same seed, same batches: the run with averaging ends on the average of the other
    run's weights along the way, not on its last weights."""
    data = synthetic_digits(200)
    plain = Trainer(TrainConfig(epochs=2, batch_size=32, average_decay=None), data).run()
    averaged = Trainer(TrainConfig(epochs=2, batch_size=32, average_decay=0.9), data).run()
    a, b = plain.classifier.net.params(), averaged.classifier.net.params()
    assert all(np.isfinite(v).all() for v in b.values())
    assert any(not np.allclose(a[n], b[n]) for n in a)
    assert averaged.classifier.metadata["training"]["average_decay"] == 0.9


def test_plain_final_epochs_keep_the_writing_styles_and_drop_the_distortions():
    import dataclasses

    from lenet.data.augment import AugmentConfig
    from lenet.data.augment_styles import StyleConfig
    from lenet.training.batches import to_unit_float, training_batches

    data = synthetic_digits(40)
    images, labels = data.train_images.copy(), np.asarray(data.train_labels)
    for edge in (np.s_[:, :4], np.s_[:, -4:], np.s_[:, :, :4], np.s_[:, :, -4:]):
        images[edge] = 0  # MNIST's margin: nothing needs moving into the frame
    plain = to_unit_float(images)

    def unchanged_share(config: AugmentConfig, epochs: int, plain_epochs: int) -> list[float]:
        """Per epoch (one batch each), the share of images that are a training image as is."""
        stream = training_batches(images, labels, np.random.default_rng(0), epochs, 40,
                                  config, plain_epochs)
        return [np.mean([np.abs(plain - x).max(axis=(1, 2)).min() < 1e-4 for x in batch])
                for batch, _ in stream]

    no_styles = dataclasses.replace(AugmentConfig(), styles=StyleConfig(enabled=False))
    shares = unchanged_share(no_styles, 3, 1)
    assert shares[0] == shares[1] == 0.0  # distorted: no image as it was
    assert shares[2] == 1.0  # the last epoch: the images themselves
    assert unchanged_share(no_styles, 1, 2) == [0.0]  # a one-epoch run is augmented anyway
    with_styles = unchanged_share(AugmentConfig(), 3, 1)
    assert with_styles[2] < shares[2]  # the styles still redraw some digits
    with pytest.raises(ValueError, match="plain_final_epochs"):
        TrainConfig(plain_final_epochs=-1)
