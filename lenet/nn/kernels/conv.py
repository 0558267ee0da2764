"""2-D convolution (cross-correlation) kernels: fast numba versions and their NumPy twins.

Shapes use N (batch), C (input channels), F (filters / output channels), H, W (height,
width), K (square kernel size), P (zero padding on every side), S (stride):

    x: (N, C, H, W)   weights: (F, C, K, K)   bias: (F,)   out: (N, F, Ho, Wo)
    Ho = (H + 2P - K) // S + 1,   Wo = (W + 2P - K) // S + 1

Stride 1 (all of LeNet-5) takes the fast path. Each image is zero-padded into a scratch
plane of width Wp = W + 2P and the convolution is computed over that plane *flattened*:
output position (oy, ox) sits at i = oy * Wp + ox, and the tap (ky, kx) reads input
i + ky * Wp + kx. The inner loop is then one long contiguous run that LLVM vectorises; the
price is computing Wp - Wo throw-away columns per row. Other strides use a direct loop.

The forward pass splits the batch into one chunk per thread (``prange``). The backward pass
splits it into GRADIENT_CHUNKS chunks whatever the thread count; each chunk accumulates its
own weight gradient and the chunks are summed in order at the end: no write races, and the
same gradients to the last bit on 1 thread or 16, so a seed gives the same model on any
machine and under any load.
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

from lenet.nn.kernels import conv_lanes
from lenet.nn.kernels.conv_passes import GROUP, forward_pass, input_grad_pass, weight_grad_pass
from lenet.nn.kernels.threads import parallel_and_serial, thread_pool

# ----------------------------------------------------------------------------- numba


@njit(cache=True, nogil=True, fastmath=True)
def _pad_image(x, pad, xp):
    """Copy one image x (C, H, W) into the middle of the zeroed plane xp (C, H+2P, W+2P)."""
    C, H, W = x.shape
    xp[:] = 0.0
    for c in range(C):
        for y in range(H):
            for xx in range(W):
                xp[c, y + pad, xx + pad] = x[c, y, xx]


@njit(cache=True, nogil=True, fastmath=True)
def _forward_image_s1(x, w, b, pad, xp, acc, out):
    """Stride-1 forward of one image: x (C,H,W) -> out (F,Ho,Wo); xp, acc are scratch
    (acc: at least GROUP * Hp * Wp values)."""
    F, C, K, _ = w.shape
    _, Hp, Wp = xp.shape
    _, Ho, Wo = out.shape
    L = (Ho - 1) * Wp + Wo
    S = Hp * Wp
    _pad_image(x, pad, xp)
    xf = xp.reshape(C, Hp * Wp)
    grouped = F - F % GROUP if K == 5 else 0
    for f in range(0, grouped, GROUP):  # LeNet's kernels: four filters per pass
        a0, a1, a2, a3 = acc[:L], acc[S : S + L], acc[2 * S : 2 * S + L], acc[3 * S : 3 * S + L]
        a0[:] = b[f]
        a1[:] = b[f + 1]
        a2[:] = b[f + 2]
        a3[:] = b[f + 3]
        forward_pass(xf, w, f, Wp, L, a0, a1, a2, a3)
        for g in range(GROUP):
            for oy in range(Ho):
                for ox in range(Wo):
                    out[f + g, oy, ox] = acc[g * S + oy * Wp + ox]
    a = acc[:L]
    for f in range(grouped, F):
        a[:] = b[f]
        for c in range(C):
            for ky in range(K):
                # 1-D contiguous slices indexed from 0: this is what LLVM vectorises
                row = xf[c, ky * Wp : ky * Wp + L + K - 1]
                if K == 5:  # LeNet's kernels: one pass per kernel row, 5 taps per load/store
                    w0, w1, w2 = w[f, c, ky, 0], w[f, c, ky, 1], w[f, c, ky, 2]
                    w3, w4 = w[f, c, ky, 3], w[f, c, ky, 4]
                    for i in range(L):
                        a[i] += (
                            w0 * row[i]
                            + w1 * row[i + 1]
                            + w2 * row[i + 2]
                            + w3 * row[i + 3]
                            + w4 * row[i + 4]
                        )
                else:
                    for kx in range(K):
                        wv = w[f, c, ky, kx]
                        xr = row[kx : kx + L]
                        for i in range(L):
                            a[i] += wv * xr[i]
        for oy in range(Ho):
            for ox in range(Wo):
                out[f, oy, ox] = a[oy * Wp + ox]


@njit(cache=True, nogil=True, fastmath=True)
def _forward_image_strided(x, w, b, pad, stride, xp, out):
    """Forward of one image for any stride, by direct summation."""
    F, C, K, _ = w.shape
    _, Ho, Wo = out.shape
    _pad_image(x, pad, xp)
    for f in range(F):
        for oy in range(Ho):
            for ox in range(Wo):
                s = b[f]
                for c in range(C):
                    for ky in range(K):
                        for kx in range(K):
                            s += w[f, c, ky, kx] * xp[c, oy * stride + ky, ox * stride + kx]
                out[f, oy, ox] = s


def _conv2d_forward(x, w, b, pad, stride, threads):
    N, C, H, W = x.shape
    F, _, K, _ = w.shape
    Hp, Wp = H + 2 * pad, W + 2 * pad
    Ho, Wo = (Hp - K) // stride + 1, (Wp - K) // stride + 1
    out = np.empty((N, F, Ho, Wo), dtype=x.dtype)
    chunks = max(1, min(threads, N))
    for t in prange(chunks):
        xp = np.empty((C, Hp, Wp), dtype=x.dtype)
        acc = np.empty(GROUP * Hp * Wp, dtype=x.dtype)
        for n in range(t * N // chunks, (t + 1) * N // chunks):
            if stride == 1:
                _forward_image_s1(x[n], w, b, pad, xp, acc, out[n])
            else:
                _forward_image_strided(x[n], w, b, pad, stride, xp, out[n])
    return out


@njit(cache=True, nogil=True, fastmath=True)
def _backward_image_s1(x, w, dout, pad, xp, dbuf, dxp, dw, db, need_dx):
    """Stride-1 backward of one image; adds into dw (F,C,K,K) and db (F,), fills dxp.

    dbuf (F, L + 2(K-1)) receives dout spread onto the flattened padded grid, with K-1 zeros
    on each side so that the input gradient can be gathered (a full correlation with the
    flipped kernel) rather than scattered.
    """
    F, C, K, _ = w.shape
    _, Hp, Wp = xp.shape
    _, Ho, Wo = dout.shape
    L = (Ho - 1) * Wp + Wo
    E = K - 1
    _pad_image(x, pad, xp)
    xf = xp.reshape(C, Hp * Wp)
    zero = x.dtype.type(0)  # not 0.0: a float64 accumulator defeats vectorisation
    dbuf[:] = zero
    for f in range(F):
        s = zero
        for oy in range(Ho):
            for ox in range(Wo):
                g = dout[f, oy, ox]
                dbuf[f, E + oy * Wp + ox] = g  # the throw-away columns stay zero
                s += g
        db[f] += s
    paired = F - F % 2 if K == 5 else 0
    for f in range(0, paired, 2):  # two filters per pass over the input
        weight_grad_pass(xf, dbuf, f, E, Wp, L, dw)
    for f in range(paired, F):
        dr = dbuf[f, E : E + L]
        for c in range(C):
            for ky in range(K):
                row = xf[c, ky * Wp : ky * Wp + L + K - 1]
                if K == 5:  # five independent sums per pass over the row
                    s0 = s1 = s2 = s3 = s4 = zero
                    for i in range(L):
                        g = dr[i]
                        s0 += g * row[i]
                        s1 += g * row[i + 1]
                        s2 += g * row[i + 2]
                        s3 += g * row[i + 3]
                        s4 += g * row[i + 4]
                    dw[f, c, ky, 0] += s0
                    dw[f, c, ky, 1] += s1
                    dw[f, c, ky, 2] += s2
                    dw[f, c, ky, 3] += s3
                    dw[f, c, ky, 4] += s4
                else:
                    for kx in range(K):
                        xr = row[kx : kx + L]
                        s = zero
                        for i in range(L):
                            s += dr[i] * xr[i]
                        dw[f, c, ky, kx] += s
    if need_dx:
        # dx at flat position ky*Wp + m gathers dout[m - kx] * w[.., ky, kx] over kx and f.
        dxf = dxp.reshape(C, Hp * Wp)
        dxf[:] = zero
        M = L + K - 1
        paired = C - C % 2 if K == 5 else 0
        for c in range(0, paired, 2):  # two channels per pass over the output gradient
            input_grad_pass(dbuf, w, c, Wp, M, dxf[c], dxf[c + 1])
        for c in range(paired, C):
            for f in range(F):
                dp = dbuf[f]  # dp[m + E - kx] is dout at flat position m - kx
                for ky in range(K):
                    dxr = dxf[c, ky * Wp : ky * Wp + M]
                    if K == 5:
                        w0, w1, w2 = w[f, c, ky, 0], w[f, c, ky, 1], w[f, c, ky, 2]
                        w3, w4 = w[f, c, ky, 3], w[f, c, ky, 4]
                        for m in range(M):
                            dxr[m] += (
                                w0 * dp[m + 4]
                                + w1 * dp[m + 3]
                                + w2 * dp[m + 2]
                                + w3 * dp[m + 1]
                                + w4 * dp[m]
                            )
                    else:
                        for kx in range(K):
                            wv = w[f, c, ky, kx]
                            src = dp[E - kx : E - kx + M]
                            for m in range(M):
                                dxr[m] += wv * src[m]


@njit(cache=True, nogil=True, fastmath=True)
def _backward_image_strided(x, w, dout, pad, stride, xp, dxp, dw, db, need_dx):
    """Backward of one image for any stride, by direct summation."""
    F, C, K, _ = w.shape
    _, Ho, Wo = dout.shape
    _pad_image(x, pad, xp)
    dxp[:] = 0.0
    for f in range(F):
        for oy in range(Ho):
            for ox in range(Wo):
                g = dout[f, oy, ox]
                db[f] += g
                for c in range(C):
                    for ky in range(K):
                        for kx in range(K):
                            y, xx = oy * stride + ky, ox * stride + kx
                            dw[f, c, ky, kx] += g * xp[c, y, xx]
                            if need_dx:
                                dxp[c, y, xx] += g * w[f, c, ky, kx]


@njit(cache=True, nogil=True)
def _sum_parts(parts):
    """parts (P, ...) -> their sum (...), added in order P = 0, 1, ...

    Written as loops: numba compiles ``parts.sum(axis=0)`` and array-to-array assignments
    with the code that formats their error messages, which made the first training run
    compile for seconds longer."""
    flat = parts.reshape(parts.shape[0], -1)
    total = np.zeros(flat.shape[1], dtype=parts.dtype)
    for p in range(flat.shape[0]):
        for i in range(flat.shape[1]):
            total[i] += flat[p, i]
    return total.reshape(parts.shape[1:])


def _conv2d_backward(x, w, dout, pad, stride, need_dx, chunks):
    N, C, H, W = x.shape
    F, _, K, _ = w.shape
    Hp, Wp = H + 2 * pad, W + 2 * pad
    chunks = max(1, min(chunks, N))
    dx = np.zeros(x.shape if need_dx else (0, C, H, W), dtype=x.dtype)
    dw_parts = np.zeros((chunks, F, C, K, K), dtype=x.dtype)
    db_parts = np.zeros((chunks, F), dtype=x.dtype)
    for t in prange(chunks):
        xp = np.empty((C, Hp, Wp), dtype=x.dtype)
        dxp = np.empty((C, Hp, Wp), dtype=x.dtype)
        dbuf = np.empty((F, Hp * Wp + 2 * (K - 1)), dtype=x.dtype)
        for n in range(t * N // chunks, (t + 1) * N // chunks):
            if stride == 1:
                _backward_image_s1(
                    x[n], w, dout[n], pad, xp, dbuf, dxp, dw_parts[t], db_parts[t], need_dx
                )
            else:
                _backward_image_strided(
                    x[n], w, dout[n], pad, stride, xp, dxp, dw_parts[t], db_parts[t], need_dx
                )
            if need_dx:  # loops, not dx[n] = dxp[...]: see _sum_parts
                for c in range(C):
                    for y in range(H):
                        for xx in range(W):
                            dx[n, c, y, xx] = dxp[c, pad + y, pad + xx]
    return dx, _sum_parts(dw_parts), _sum_parts(db_parts)


# One parallel build for batches and one serial build for single images: waking the thread
# pool costs more than a single 28x28 image takes to convolve.
_forward_parallel, _forward_serial = parallel_and_serial(
    _conv2d_forward, cache=True, nogil=True, fastmath=True
)
_backward_parallel, _backward_serial = parallel_and_serial(
    _conv2d_backward, cache=True, nogil=True, fastmath=True
)

PARALLEL_MIN_BATCH = 4
GRADIENT_CHUNKS = 16
"""Pieces of the batch whose weight gradients are summed: fixed, so that the sum does not
depend on the thread count (parallelism of the backward pass is capped at 16 threads)."""


def conv2d_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, padding: int = 0, stride: int = 1
) -> np.ndarray:
    """Convolve x (N, C, H, W) with w (F, C, K, K) plus b (F,) -> (N, F, Ho, Wo)."""
    x = np.ascontiguousarray(x)
    with thread_pool(x.shape[0] >= PARALLEL_MIN_BATCH) as parallel:
        if conv_lanes.fits_forward(x.shape, w.shape, stride):
            return conv_lanes.forward_builds[0 if parallel else 1](x, w, b, padding)
        if parallel:
            return _forward_parallel(x, w, b, padding, stride, get_num_threads())
        return _forward_serial(x, w, b, padding, stride, 1)


def conv2d_backward(
    x: np.ndarray,
    w: np.ndarray,
    dout: np.ndarray,
    padding: int = 0,
    stride: int = 1,
    need_dx: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of conv2d_forward: returns (dx (N,C,H,W) or None, dw (F,C,K,K), db (F,))."""
    x, dout = np.ascontiguousarray(x), np.ascontiguousarray(dout)
    with thread_pool(x.shape[0] >= PARALLEL_MIN_BATCH) as parallel:
        if conv_lanes.fits_backward(x.shape, w.shape, stride, need_dx):
            kernel = conv_lanes.backward_builds[0 if parallel else 1]
            dx, dw_parts, db_parts = kernel(x, w, dout, padding, need_dx)
            return (dx if need_dx else None), _sum_parts(dw_parts), _sum_parts(db_parts)
        kernel = _backward_parallel if parallel else _backward_serial
        dx, dw, db = kernel(x, w, dout, padding, stride, need_dx, GRADIENT_CHUNKS)
    return (dx if need_dx else None), dw, db


# ----------------------------------------------------------------------------- NumPy twins


def _windows(xp: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """(N, C, Hp, Wp) -> strided view (N, C, Ho, Wo, K, K) of every kernel window."""
    view = np.lib.stride_tricks.sliding_window_view(xp, (kernel, kernel), axis=(2, 3))
    return view[:, :, ::stride, ::stride]


def conv2d_forward_numpy(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, padding: int = 0, stride: int = 1
) -> np.ndarray:
    """Readable reference for conv2d_forward (same shapes)."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = _windows(xp, w.shape[2], stride)
    return np.einsum("nchwij,fcij->nfhw", cols, w) + b[None, :, None, None]


def conv2d_backward_numpy(
    x: np.ndarray, w: np.ndarray, dout: np.ndarray, padding: int = 0, stride: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Readable reference for conv2d_backward: (dx, dw, db)."""
    _N, _C, H, W = x.shape
    K = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = _windows(xp, K, stride)
    dw = np.einsum("nchwij,nfhw->fcij", cols, dout)
    db = dout.sum(axis=(0, 2, 3))
    dxp = np.zeros_like(xp)
    Ho, Wo = dout.shape[2:]
    for ky in range(K):
        for kx in range(K):
            # every output position (oy, ox) read input (oy*S + ky, ox*S + kx)
            contrib = np.einsum("nfhw,fc->nchw", dout, w[:, :, ky, kx])
            dxp[:, :, ky : ky + stride * Ho : stride, kx : kx + stride * Wo : stride] += contrib
    return dxp[:, :, padding : padding + H, padding : padding + W], dw, db
