"""Data: MNIST on disk (IDX files, finding the folder, downloading it) and augmentation.

Modules: `idx` (the IDX file format), `mnist` (the four files, `MnistData`, where they
are), `download` (mirrors, SHA-256 checks, progress, cancel), `augment` (random affine,
thickness and elastic distortion of training batches; its geometry in `augment_geometry`,
its numba kernels and their NumPy twins in `augment_kernels`, writing styles by label in
`augment_styles`, digits redrawn with a round pen in `augment_pen`).
"""

from lenet.data.augment import AugmentConfig, augment_batch
from lenet.data.idx import IdxError, read_idx, write_idx
from lenet.data.mnist import FILES, MnistData, find_mnist_file, load_mnist, locate_data_dir

__all__ = [
    "FILES",
    "AugmentConfig",
    "IdxError",
    "MnistData",
    "augment_batch",
    "find_mnist_file",
    "load_mnist",
    "locate_data_dir",
    "read_idx",
    "write_idx",
]
