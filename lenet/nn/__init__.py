"""The network core: layers, loss, the `Sequential` model and LeNet-5, optimizers, schedules.

Every layer keeps `params` and `grads` as twin dictionaries; `backward` only computes
gradients and an optimizer's `step()` updates them. Hot loops are numba kernels in
`lenet.nn.kernels`, each beside a plain NumPy twin that the tests pin it to;
`FusedLeNet5` runs a whole standard LeNet-5 forward pass in one compiled call. Nothing here
knows about images, files or MNIST.
"""

from lenet.nn.fused_inference import FusedLeNet5
from lenet.nn.layers import AvgPool2D, Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU, Tanh
from lenet.nn.losses import SoftmaxCrossEntropy, log_softmax, softmax
from lenet.nn.model import Sequential, lenet5
from lenet.nn.optim import SGD, Adam, Optimizer, make_optimizer
from lenet.nn.schedules import CosineSchedule, StepSchedule, make_schedule

__all__ = [
    "SGD",
    "Adam",
    "AvgPool2D",
    "Conv2D",
    "CosineSchedule",
    "Dense",
    "Flatten",
    "FusedLeNet5",
    "Layer",
    "MaxPool2D",
    "Optimizer",
    "ReLU",
    "Sequential",
    "SoftmaxCrossEntropy",
    "StepSchedule",
    "Tanh",
    "lenet5",
    "log_softmax",
    "make_optimizer",
    "make_schedule",
    "softmax",
]
