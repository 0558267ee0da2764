"""How far from the hardware: the network's arithmetic per image and this machine's sgemm peak.

A multiply-add counts as 2 floating-point operations. Only convolutions and dense layers are
counted (pooling, activations and the loss are under 1 % of LeNet-5's arithmetic). A training
step costs the forward pass plus, for every counted layer, the weight gradient (as much
again) and the input gradient (as much again) except for the first layer, whose input
gradient nobody needs.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from lenet.nn.layers import Conv2D, Dense
from lenet.nn.model import Sequential

__all__ = ["network_flops", "sgemm_peak_gflops"]


def network_flops(net: Sequential, image_shape: tuple[int, int, int] = (1, 28, 28)) -> dict:
    """{"forward": FLOPs of one image's forward pass, "train": of one image's training step}."""
    x = np.zeros((1, *image_shape), np.float32)
    forward = train = 0
    first = True
    for layer in net.layers.values():
        out = layer.forward(x)
        if isinstance(layer, Conv2D):
            k = layer.kernel_size
            flops = 2 * out.size * layer.in_channels * k * k
        elif isinstance(layer, Dense):
            flops = 2 * layer.in_features * layer.out_features
        else:
            flops = 0
        forward += flops
        train += flops * (2 if first and flops else 3)
        first = first and not flops
        x = out
    return {"forward": forward, "train": train}


def sgemm_peak_gflops(threads: int, size: int = 1024, seconds: float = 0.5) -> float:
    """Best GFLOP/s of a float32 size x size matrix product with `threads` BLAS threads: the
    measured ceiling of this machine for dense float32 arithmetic."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    best = 0.0
    with threadpool_limits(limits=threads, user_api="blas"):
        a @ b
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            t = time.perf_counter()
            a @ b
            best = max(best, 2 * size**3 / (time.perf_counter() - t) / 1e9)
    return best
