"""The named training recipes: one definition for `lenet train` and the app, the bundled
model's recipe kept, and the default recipe learning on real MNIST."""

import dataclasses

import pytest

from lenet.training.config import RECIPES, TrainConfig, recipe
from tests.datasets import real_mnist


def test_the_default_recipe_is_train_configs_defaults_and_the_apps():
    from app.settings import DEFAULTS
    from app.training_worker import TrainingPlan

    default = RECIPES["default"]
    assert default == TrainConfig()
    plan = TrainingPlan()
    for name in ("epochs", "batch_size", "lr", "optimizer", "augment"):
        assert getattr(plan, name) == getattr(default, name)
        assert DEFAULTS[f"training/{name}"] == getattr(default, name)


def test_the_bundled_recipe_is_what_made_the_bundled_model():
    from lenet.model_file import bundled_model_path, load_model

    made_with = load_model(bundled_model_path()).metadata["training"]
    bundled = dataclasses.asdict(RECIPES["bundled"])
    same = [name for name in bundled if name in made_with]
    assert {"epochs", "lr", "batch_size", "schedule", "augment", "optimizer"} <= set(same)
    assert {name: bundled[name] for name in same} == {name: made_with[name] for name in same}
    # fields the model predates must have the values that behave as the trainer did then
    assert RECIPES["bundled"].plain_final_epochs == 0
    assert RECIPES["bundled"].augmentation == "standard"
    assert RECIPES["bundled"].label_smoothing == 0 and RECIPES["bundled"].average_decay is None
    assert RECIPES["bundled"].pen_strokes == 0


def test_named_augmentations_change_the_augmentation_ranges():
    from lenet.data.augment import AugmentConfig
    from lenet.training.trainer import Trainer
    from tests.datasets import synthetic_digits

    data = synthetic_digits(20)
    standard = Trainer(TrainConfig(augmentation="standard"), data).augment_config
    light = Trainer(TrainConfig(augmentation="light"), data).augment_config
    assert standard == AugmentConfig(pen_prob=TrainConfig().pen_strokes)
    assert light.elastic_prob < standard.elastic_prob
    assert light.max_rotation < standard.max_rotation
    assert light.styles == standard.styles
    with pytest.raises(ValueError, match="unknown augmentation"):
        TrainConfig(augmentation="heavy")


def test_recipe_changes_fields_and_refuses_unknown_names():
    assert recipe("bundled", seed=3).seed == 3
    assert recipe("bundled", seed=3).epochs == RECIPES["bundled"].epochs
    with pytest.raises(ValueError, match="unknown recipe"):
        recipe("fastest")


def test_the_default_recipe_learns_in_one_epoch_on_the_full_training_set():
    """The CI's short run of the default recipe: the loss falls and one epoch over the
    55,000 training images gives more than 95 % on MNIST test."""
    from lenet.training.trainer import Trainer

    progress = []
    result = Trainer(recipe("default", epochs=1), real_mnist(),
                     on_progress=progress.append).run()
    first, last = progress[0], progress[-1]
    assert last.batches == 860 and last.val_accuracy is not None  # 55,000 / 64
    assert first.loss > 2.0 and last.loss < 0.6 * first.loss
    assert result.test_accuracy > 0.95


def test_lenet_train_options_change_the_chosen_recipe(monkeypatch, tmp_path):
    """What `lenet train --recipe bundled --epochs 3 --no-augment --pen-strokes 0.3` hands
    the Trainer."""
    import lenet.training.trainer as trainer
    from lenet.cli.commands import main

    seen = []

    class Stop(Exception):
        pass

    def fake_init(self, config, data, **kwargs):
        seen.append(config)
        raise Stop

    import lenet.cli.commands as commands

    monkeypatch.setattr(trainer.Trainer, "__init__", fake_init)
    monkeypatch.setattr(trainer, "warm_up", lambda config=None: 0.0)
    monkeypatch.setattr(commands, "_load_data", lambda data_dir: None)
    try:
        main(["train", "--recipe", "bundled", "--epochs", "3", "--no-augment",
              "--pen-strokes", "0.3", "--out", str(tmp_path / "m.npz"), "--quiet"])
    except Stop:
        pass
    assert seen == [recipe("bundled", epochs=3, augment=False, pen_strokes=0.3)]
