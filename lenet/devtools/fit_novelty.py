"""Give a model file its novelty statistics (`lenet.training.novelty`), as training does.

``python -m lenet.devtools.fit_novelty [--model FILE] [--out FILE]`` fits them on the first
NOVELTY_IMAGES MNIST training images, as they are and augmented as the model's recipe
augments (its recorded `training.augmentation`, default standard, seed 0), and writes the
model (default: the bundled one, in
place) through `lenet.model_file.save_model`, atomically: every parameter and every other
metadata entry stay as they were (the checksums too: they do not cover the statistics,
which carry their own). The second opinions' files are not touched (the rule reads the
first network only).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lenet.devtools.fit_novelty",
                                 description=__doc__)
    ap.add_argument("--model", type=Path, default=None, help="model file (default: bundled)")
    ap.add_argument("--out", type=Path, default=None, help="where to write (default: --model)")
    ap.add_argument("--data-dir", default=None, help="MNIST folder (default: LENET_DATA_DIR)")
    args = ap.parse_args(argv)

    from lenet.data.augment import AugmentConfig
    from lenet.data.mnist import load_mnist
    from lenet.model_file import bundled_model_path, load_one_model, save_model
    from lenet.training.batches import to_unit_float
    from lenet.training.config import AUGMENTATIONS
    from lenet.training.novelty import NOVELTY_IMAGES, with_novelty_statistics

    path = args.model or bundled_model_path()
    classifier = load_one_model(path)
    mnist = load_mnist(args.data_dir)
    images = to_unit_float(mnist.train_images[:NOVELTY_IMAGES])
    training = classifier.metadata.get("training") or {}
    augmentation = None
    if training.get("augment", True):
        augmentation = AugmentConfig(**AUGMENTATIONS[training.get("augmentation", "standard")])
    with_novelty_statistics(classifier, images, mnist.train_labels[:NOVELTY_IMAGES],
                            augmentation)
    out = save_model(classifier, args.out or path)
    n = classifier.novelty
    print(f"{out}: novelty statistics of {n.layer} ({n.means.shape[1]} features), reference "
          f"{n.reference:.4g}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
