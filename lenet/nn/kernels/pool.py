"""2-D max and average pooling kernels (numba) and their NumPy twins.

    x: (N, C, H, W) -> out: (N, C, Ho, Wo),  Ho = (H - K) // S + 1,  Wo = (W - K) // S + 1

Max pooling remembers, for every output, the flat index (y * W + x) of the input that won,
so that the backward pass routes the gradient to exactly that input. With ``relu`` it pools
relu(x) in the same pass (max and ReLU commute: relu(max) = max(relu)): a window whose
maximum is not positive gives 0 and index -1, which the backward pass skips — a ReLU before
the pooling then costs nothing in training (`lenet.nn.model.Sequential` folds it in). Pooling has no
parameters and a few operations per element, so the batch loop is simply a ``prange``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from lenet.nn.kernels.threads import call_kernel, parallel_and_serial


def _max_pool_forward(x, k, s, relu):
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    argmax = np.empty((N, C, Ho, Wo), dtype=np.int32)
    if k == 2 and s == 2:  # LeNet's pooling: the four candidates compared without branches
        for n in prange(N):
            for c in range(C):
                for oy in range(Ho):
                    r0, r1 = x[n, c, 2 * oy], x[n, c, 2 * oy + 1]
                    o, a = out[n, c, oy], argmax[n, c, oy]
                    base = 2 * oy * W
                    for ox in range(Wo):
                        # the first maximum in the order r0[2ox], r0[2ox+1], r1[2ox], r1[2ox+1]
                        v0, v1 = r0[2 * ox], r0[2 * ox + 1]
                        v2, v3 = r1[2 * ox], r1[2 * ox + 1]
                        top = v1 if v1 > v0 else v0
                        at_top = 1 if v1 > v0 else 0
                        bottom = v3 if v3 > v2 else v2
                        at_bottom = W + 1 if v3 > v2 else W
                        best = bottom if bottom > top else top
                        at = base + 2 * ox + (at_bottom if bottom > top else at_top)
                        if relu:
                            keep = best > 0
                            best = best if keep else 0.0
                            at = at if keep else -1
                        o[ox] = best
                        a[ox] = at
        return out, argmax
    for n in prange(N):
        for c in range(C):
            for oy in range(Ho):
                for ox in range(Wo):
                    best_y, best_x = oy * s, ox * s
                    best = x[n, c, best_y, best_x]
                    for ky in range(k):
                        for kx in range(k):
                            v = x[n, c, oy * s + ky, ox * s + kx]
                            if v > best:
                                best, best_y, best_x = v, oy * s + ky, ox * s + kx
                    if relu and not best > 0:
                        out[n, c, oy, ox], argmax[n, c, oy, ox] = 0.0, -1
                    else:
                        out[n, c, oy, ox] = best
                        argmax[n, c, oy, ox] = best_y * W + best_x
    return out, argmax


def _max_pool_backward(dout, argmax, H, W):
    N, C, Ho, Wo = dout.shape
    # each map is zeroed by the thread that fills it, while it is in that core's cache (a
    # np.zeros of the whole batch first took half of this kernel's time)
    dx = np.empty((N, C, H * W), dtype=dout.dtype)
    for n in prange(N):
        for c in range(C):
            plane = dx[n, c]
            plane[:] = 0.0
            for oy in range(Ho):
                for ox in range(Wo):
                    at = argmax[n, c, oy, ox]
                    if at >= 0:  # -1: a window ReLU zeroed (no gradient)
                        plane[at] += dout[n, c, oy, ox]
    return dx.reshape(N, C, H, W)


def _avg_pool_forward(x, k, s):
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    scale = 1.0 / (k * k)
    for n in prange(N):
        for c in range(C):
            for oy in range(Ho):
                for ox in range(Wo):
                    total = x.dtype.type(0)
                    for ky in range(k):
                        for kx in range(k):
                            total += x[n, c, oy * s + ky, ox * s + kx]
                    out[n, c, oy, ox] = total * scale
    return out


def _avg_pool_backward(dout, k, s, H, W):
    N, C, Ho, Wo = dout.shape
    dx = np.zeros((N, C, H, W), dtype=dout.dtype)
    scale = 1.0 / (k * k)
    for n in prange(N):
        for c in range(C):
            for oy in range(Ho):
                for ox in range(Wo):
                    g = dout[n, c, oy, ox] * scale
                    for ky in range(k):
                        for kx in range(k):
                            dx[n, c, oy * s + ky, ox * s + kx] += g
    return dx


# Parallel builds for batches, serial ones for a single image (see conv_kernels).
_OPTS = dict(cache=True, nogil=True)
_KERNELS = {
    name: parallel_and_serial(fn, **_OPTS)
    for name, fn in {
        "max_forward": _max_pool_forward,
        "max_backward": _max_pool_backward,
        "avg_forward": _avg_pool_forward,
        "avg_backward": _avg_pool_backward,
    }.items()
}
PARALLEL_MIN_BATCH = 4


def max_pool_forward(
    x: np.ndarray, kernel: int, stride: int, relu: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """x (N, C, H, W) -> (out (N, C, Ho, Wo), argmax (N, C, Ho, Wo) int32 flat input index);
    with `relu`, out = max pool of relu(x) and argmax -1 where that is 0."""
    return call_kernel(
        _KERNELS["max_forward"],
        x.shape[0] >= PARALLEL_MIN_BATCH,
        np.ascontiguousarray(x),
        kernel,
        stride,
        relu,
    )


def max_pool_backward(dout: np.ndarray, argmax: np.ndarray, height: int, width: int) -> np.ndarray:
    """dout (N, C, Ho, Wo) -> dx (N, C, height, width), routed through argmax."""
    return call_kernel(
        _KERNELS["max_backward"],
        dout.shape[0] >= PARALLEL_MIN_BATCH,
        np.ascontiguousarray(dout),
        argmax,
        height,
        width,
    )


def avg_pool_forward(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """x (N, C, H, W) -> mean over each K x K window, (N, C, Ho, Wo)."""
    return call_kernel(
        _KERNELS["avg_forward"],
        x.shape[0] >= PARALLEL_MIN_BATCH,
        np.ascontiguousarray(x),
        kernel,
        stride,
    )


def avg_pool_backward(
    dout: np.ndarray, kernel: int, stride: int, height: int, width: int
) -> np.ndarray:
    """dout (N, C, Ho, Wo) -> dx (N, C, height, width), each gradient spread evenly."""
    return call_kernel(
        _KERNELS["avg_backward"],
        dout.shape[0] >= PARALLEL_MIN_BATCH,
        np.ascontiguousarray(dout),
        kernel,
        stride,
        height,
        width,
    )


# ----------------------------------------------------------------------------- NumPy twins


def _windows(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    view = np.lib.stride_tricks.sliding_window_view(x, (kernel, kernel), axis=(2, 3))
    return view[:, :, ::stride, ::stride]  # (N, C, Ho, Wo, K, K)


def max_pool_forward_numpy(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """Readable reference for max_pool_forward (output only)."""
    return _windows(x, kernel, stride).max(axis=(4, 5))


def max_pool_backward_numpy(
    x: np.ndarray, dout: np.ndarray, kernel: int, stride: int
) -> np.ndarray:
    """Readable reference: the gradient goes to the first maximum of each window."""
    N, C, Ho, Wo = dout.shape
    win = _windows(x, kernel, stride).reshape(N, C, Ho, Wo, kernel * kernel)
    first = win.argmax(axis=4)
    dx = np.zeros_like(x)
    n, c, oy, ox = np.indices((N, C, Ho, Wo))
    ys = oy * stride + first // kernel
    xs = ox * stride + first % kernel
    np.add.at(dx, (n, c, ys, xs), dout)
    return dx


def avg_pool_forward_numpy(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """Readable reference for avg_pool_forward."""
    return _windows(x, kernel, stride).mean(axis=(4, 5))


def avg_pool_backward_numpy(
    x_shape: tuple, dout: np.ndarray, kernel: int, stride: int
) -> np.ndarray:
    """Readable reference for avg_pool_backward."""
    dx = np.zeros(x_shape, dtype=dout.dtype)
    Ho, Wo = dout.shape[2:]
    for ky in range(kernel):
        for kx in range(kernel):
            dx[:, :, ky : ky + stride * Ho : stride, kx : kx + stride * Wo : stride] += dout / (
                kernel * kernel
            )
    return dx
