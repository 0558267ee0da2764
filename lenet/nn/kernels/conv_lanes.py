"""Stride-1 5x5 convolutions over blocks of eight images interleaved: LANES floats per pixel.

`lenet.nn.kernels.conv` convolves one image at a time over its flattened padded plane. For
conv2 (6 x 14 x 14 in, 16 x 10 x 10 out) that plane's passes are short (136 values) and a
third of what they compute is thrown away (the 4 columns past each 10-wide output row).
Here a block of LANES images is copied into one plane whose every pixel holds the LANES
images' values side by side, (C, Hp, Wq, LANES). An output row of one filter is then
Wo * LANES contiguous floats, every tap of the kernel reads the row LANES * kx floats
further on (aligned vector loads, no shuffles), and a pass computes whole output rows with
nothing thrown away. Measured at batch 64 against the per-image passes, interleaved in one
process: conv2's forward 1.33-1.39x and backward 1.05-1.11x faster, conv1's forward 1.2x;
the fused inference over blocks (`lenet.nn.fused_inference`) 1.5x. conv1's weight gradient
alone stays with the per-image passes (1.15x slower here: its planes are wide).

Planes are Wq = Wp + 4 pixels wide (Wp the padded input width) so that the zero-padded
output gradient, (F, Ho + 8, Wq, LANES), shares their row length: the weight gradient is
then one long flat sum per (filter pair, channel, kernel row) over both planes, and the
input gradient a gather over whole rows (a full correlation with the flipped kernel).
A batch that is not a multiple of LANES fills its last block with zeros.
Shapes as in `lenet.nn.kernels.conv`: x (N, C, H, W), w (F, C, 5, 5), out (N, F, Ho, Wo).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from lenet.nn.kernels.conv_passes import rows_pass2, rows_pass4
from lenet.nn.kernels.threads import parallel_and_serial

LANES = 8
"""Images per block: one 256-bit vector of float32 per pixel."""
E = 4  # K - 1: the output gradient's zero border for the full correlation


def fits_forward(x_shape: tuple, w_shape: tuple, stride: int) -> bool:
    """Whether the forward pass is computed here: 5x5, stride 1, filters by pairs, at least a
    block of images (both of LeNet-5's convolutions)."""
    return stride == 1 and w_shape[2] == 5 and w_shape[0] % 2 == 0 and x_shape[0] >= LANES


def fits_backward(x_shape: tuple, w_shape: tuple, stride: int, need_dx: bool) -> bool:
    """Whether the backward pass is computed here: as `fits_forward`, with the input gradient
    wanted and channels by pairs (conv2; conv1's weight gradient alone, over its wide planes,
    was 1.15x slower here than image by image)."""
    return fits_forward(x_shape, w_shape, stride) and need_dx and w_shape[1] % 2 == 0


@njit(cache=True, nogil=True)
def _gather(x, n0, pad, xq):
    """Images n0..n0+LANES-1 of x (N, C, H, W) into the zeroed block plane xq (C, Hp, Wq, L)."""
    N, C, H, W = x.shape
    xq[:] = 0.0
    for lane in range(min(LANES, N - n0)):
        for c in range(C):
            for y in range(H):
                for xx in range(W):
                    xq[c, y + pad, xx + pad, lane] = x[n0 + lane, c, y, xx]


@njit(cache=True, nogil=True, fastmath=True)
def _weight_grad_pass(xf, df, f, c, ky, row, L, dw):
    """Adds filters f, f+1's gradient for (channel c, kernel row ky) into dw (F, C, 5, 5):
    sums over the L flat positions of the padded output gradient times the input shifted
    by each tap (both planes have rows of `row` floats). `conv_passes.tap_sums` with its
    step the constant LANES: called with the step as an argument, conv2's weight gradient
    took 5-8 % longer (interleaved in one process)."""
    d0 = df[f, E * row + E * LANES : E * row + E * LANES + L]
    d1 = df[f + 1, E * row + E * LANES : E * row + E * LANES + L]
    x = xf[c, ky * row : ky * row + L + 4 * LANES]
    zero = xf.dtype.type(0)
    s0 = s1 = s2 = s3 = s4 = t0 = t1 = t2 = t3 = t4 = zero
    for i in range(L):
        x0, x1, x2 = x[i], x[i + LANES], x[i + 2 * LANES]
        x3, x4 = x[i + 3 * LANES], x[i + 4 * LANES]
        g, h = d0[i], d1[i]
        s0 += g * x0
        s1 += g * x1
        s2 += g * x2
        s3 += g * x3
        s4 += g * x4
        t0 += h * x0
        t1 += h * x1
        t2 += h * x2
        t3 += h * x3
        t4 += h * x4
    dw[f, c, ky, 0] += s0
    dw[f, c, ky, 1] += s1
    dw[f, c, ky, 2] += s2
    dw[f, c, ky, 3] += s3
    dw[f, c, ky, 4] += s4
    dw[f + 1, c, ky, 0] += t0
    dw[f + 1, c, ky, 1] += t1
    dw[f + 1, c, ky, 2] += t2
    dw[f + 1, c, ky, 3] += t3
    dw[f + 1, c, ky, 4] += t4


@njit(cache=True, nogil=True, fastmath=True)
def block_conv(xf, w, b, rows, row_in, row_out, out):
    """A block's convolution: xf (C, rows_in * row_in) interleaved planes (a kernel's reach
    of zeros included) -> out (F, rows * row_out), F a multiple of 2; bias added."""
    F, C, K = w.shape[0], w.shape[1], w.shape[2]
    for f in range(F):
        for i in range(rows * row_out):
            out[f, i] = b[f]
    for f in range(0, F - F % 4, 4):
        for c in range(C):
            for ky in range(K):
                rows_pass4(xf[c, ky * row_in :], out[f], out[f + 1], out[f + 2], out[f + 3],
                           w[f, c, ky], w[f + 1, c, ky], w[f + 2, c, ky], w[f + 3, c, ky],
                           rows, row_in, row_out, row_out, LANES)
    if F % 4:
        f = F - 2
        for c in range(C):
            for ky in range(K):
                rows_pass2(xf[c, ky * row_in :], out[f], out[f + 1], w[f, c, ky],
                           w[f + 1, c, ky], rows, row_in, row_out, row_out, LANES)


def _forward(x, w, b, pad):
    N, C, H, W = x.shape
    F, K = w.shape[0], w.shape[2]
    Hp, Wp = H + 2 * pad, W + 2 * pad
    Ho, Wo, Wq = Hp - K + 1, Wp - K + 1, Wp + E
    out = np.empty((N, F, Ho, Wo), dtype=x.dtype)
    row_in, row_out = Wq * LANES, Wo * LANES
    for blk in prange((N + LANES - 1) // LANES):
        xq = np.empty((C, Hp, Wq, LANES), dtype=x.dtype)
        acc = np.empty((F, Ho * row_out), dtype=x.dtype)
        n0 = blk * LANES
        _gather(x, n0, pad, xq)
        xf = xq.reshape(C, Hp * row_in)
        block_conv(xf, w, b, Ho, row_in, row_out, acc)
        for lane in range(min(LANES, N - n0)):
            for f in range(F):
                for oy in range(Ho):
                    for ox in range(Wo):
                        out[n0 + lane, f, oy, ox] = acc[f, (oy * Wo + ox) * LANES + lane]
    return out


def _backward(x, w, dout, pad, need_dx):
    N, C, H, W = x.shape
    F, K = w.shape[0], w.shape[2]
    Hp, Wp = H + 2 * pad, W + 2 * pad
    Ho, Wo, Wq = Hp - K + 1, Wp - K + 1, Wp + E
    row = Wq * LANES
    L = (Ho - 1) * row + Wo * LANES
    blocks = (N + LANES - 1) // LANES
    flipped = np.empty((F if need_dx else 0, C, K, K), dtype=w.dtype)
    for f in range(flipped.shape[0]):  # each kernel row reversed: the input gradient's weights
        for c in range(C):
            for ky in range(K):
                for kx in range(K):
                    flipped[f, c, ky, kx] = w[f, c, ky, K - 1 - kx]
    dx = np.empty(x.shape if need_dx else (0, C, H, W), dtype=x.dtype)  # all written below
    dw_parts = np.zeros((blocks, F, C, K, K), dtype=x.dtype)
    db_parts = np.zeros((blocks, F), dtype=x.dtype)
    for blk in prange(blocks):
        xq = np.empty((C, Hp, Wq, LANES), dtype=x.dtype)
        dq = np.zeros((F, Ho + 2 * E, Wq, LANES), dtype=x.dtype)
        dxq = np.zeros((C if need_dx else 0, Hp, Wq, LANES), dtype=x.dtype)
        n0 = blk * LANES
        lanes = min(LANES, N - n0)
        _gather(x, n0, pad, xq)
        for lane in range(lanes):
            for f in range(F):
                s = x.dtype.type(0)
                for oy in range(Ho):
                    for ox in range(Wo):
                        v = dout[n0 + lane, f, oy, ox]
                        dq[f, oy + E, ox + E, lane] = v
                        s += v
                db_parts[blk, f] += s
        xf = xq.reshape(C, Hp * row)
        df = dq.reshape(F, (Ho + 2 * E) * row)
        for f in range(0, F, 2):
            for c in range(C):
                for ky in range(K):
                    _weight_grad_pass(xf, df, f, c, ky, row, L, dw_parts[blk])
        if need_dx:
            dxf = dxq.reshape(C, Hp * row)
            for c in range(0, C - C % 2, 2):
                for f in range(F):
                    for ky in range(K):
                        # rows y = ky .. ky + Ho - 1, the ones output row y - ky reaches, from
                        # the output gradient's rows y - ky + E
                        rows_pass2(df[f, E * row :], dxf[c, ky * row :], dxf[c + 1, ky * row :],
                                   flipped[f, c, ky], flipped[f, c + 1, ky], Ho, row, row,
                                   row - 4 * LANES, LANES)
            for lane in range(lanes):
                for c in range(C):
                    for y in range(H):
                        for xx in range(W):
                            dx[n0 + lane, c, y, xx] = dxq[c, y + pad, xx + pad, lane]
    return dx, dw_parts, db_parts


# parallel builds for the training step, serial ones for when another thread holds the pool
forward_builds = parallel_and_serial(_forward, cache=True, nogil=True, fastmath=True)
backward_builds = parallel_and_serial(_backward, cache=True, nogil=True, fastmath=True)
