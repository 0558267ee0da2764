"""Novelty statistics for a trained classifier: how far an input lies from every digit class.

A Gaussian per class with one shared covariance (`lenet.nn.class_gaussians`) of the
network's convolutional features (NOVELTY_LAYER: the second pooling's 16 x 5 x 5 outputs,
what the dense layers read), fitted on what the network was trained on: MNIST training
digits as they are and, when the run augments, the same digits augmented as in training
(slanted, thick, flat, crossed...: without them a flat digit looked novel). The "not a
digit" rule reads the nearest class's distance (`Classifier.novelty_distances`): fitted on
digits only, it knows no kind of junk, so it also flags junk of a kind nobody thought of.
On the bundled model the penultimate layer (fc2's 84 units) and fc1's 120 separated junk
from digits less well (models/MODEL_CARD.md, "Not a digit").
"""

from __future__ import annotations

import numpy as np

from lenet.classifier import Classifier
from lenet.data.augment import AugmentConfig, augment_batch
from lenet.nn.class_gaussians import fit_class_gaussians

NOVELTY_LAYER = "pool2"
NOVELTY_IMAGES = 20000
"""Training digits the statistics are fitted on (twice as many with their augmented copies:
400 features, 50 or 100 images per dimension)."""


def with_novelty_statistics(classifier: Classifier, images: np.ndarray, labels: np.ndarray,
                            augmentation: AugmentConfig | None = None, seed: int = 0,
                            source: str = "MNIST training images") -> Classifier:
    """`classifier` with novelty statistics fitted on the first NOVELTY_IMAGES of images
    (N, 28, 28) in [0, 1] with labels (N,), plus those images augmented by `augmentation`
    (random draws from `seed`; None: none); unchanged if some digit class is missing."""
    images, labels = images[:NOVELTY_IMAGES], np.asarray(labels[:NOVELTY_IMAGES])
    if len(np.unique(labels)) < 10:
        return classifier
    features = classifier.hidden_features(images, NOVELTY_LAYER)
    fitted_on = f"{len(labels)} {source}"
    if augmentation is not None:
        augmented = augment_batch(images, np.random.default_rng(seed), augmentation, labels)
        features = np.concatenate([features,
                                   classifier.hidden_features(augmented, NOVELTY_LAYER)])
        labels = np.concatenate([labels, labels])
        fitted_on += ", as they are and augmented as in training"
    gaussians = fit_class_gaussians(features, labels, NOVELTY_LAYER)
    classifier.metadata["novelty"] = {"method": "class Gaussians, shared covariance",
                                      "fitted_on": fitted_on}
    return classifier.with_novelty(gaussians)
