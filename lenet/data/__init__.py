"""Data: MNIST on disk (IDX files, finding the folder, downloading it) and augmentation.

Modules: `idx` (the IDX file format), `mnist` (the four files, `MnistData`, where they
are), `download` (mirrors, SHA-256 checks, progress, cancel), `augment` (random affine,
thickness and elastic distortion of training batches).
"""

from lenet.data.idx import IdxError, read_idx, write_idx
from lenet.data.mnist import FILES, MnistData, find_mnist_file, load_mnist, locate_data_dir

__all__ = [
    "FILES",
    "IdxError",
    "MnistData",
    "find_mnist_file",
    "load_mnist",
    "locate_data_dir",
    "read_idx",
    "write_idx",
]
