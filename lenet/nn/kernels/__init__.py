"""numba kernels of the network core, each with a plain NumPy twin pinned by the tests.

`conv` (convolution forward/backward; `conv_passes` its inner passes, `conv_lanes` the same
over blocks of eight images interleaved), `pool` (max/average pooling), `elementwise` (ReLU,
tanh), `adam` (the fused Adam update); `threads` builds each kernel twice (parallel and
serial) and decides which one runs.
"""
