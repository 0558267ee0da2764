"""The inner passes of the stride-1, 5x5 convolution, several filters at a time.

`lenet.nn.kernels.conv` computes a convolution over an image's flattened padded plane: one
pass over a row of it per (filter, channel, kernel row), five taps per element. Each element
loaded there fed five multiply-adds into one filter's map; here one load feeds GROUP maps,
so a pass does four times the arithmetic per load and per loop overhead; the weight
gradient's sums likewise take two filters per pass (the tests pin both to the NumPy
reference). Measured at batch 64 against the one-filter passes, interleaved in one process:
conv2's forward 1.25-1.3x and its backward 1.2-1.25x faster, conv1's backward 1.2x; the input
gradient two channels at a time gained another 4-6 % of conv2's backward. Tried and not
kept: the input gradient four channels at a time, the weight gradient four filters at a
time (no faster).

Shapes as in `lenet.nn.kernels.conv`: rows are 1-D contiguous slices of the flattened plane
of width Wp; L is the number of flat output positions.
"""

from __future__ import annotations

from numba import njit

GROUP = 4
"""Maps computed together in one pass (measured: conv2's forward 1.25-1.3x faster)."""


@njit(cache=True, nogil=True, fastmath=True)
def forward_pass(xf, w, f, Wp, L, a0, a1, a2, a3):
    """Adds filters f..f+3's correlation with every channel of xf (C, Hp*Wp) into a0..a3 (L,)."""
    C, K = w.shape[1], w.shape[2]
    for c in range(C):
        for ky in range(K):
            row = xf[c, ky * Wp : ky * Wp + L + K - 1]
            p, q, u, v = w[f, c, ky], w[f + 1, c, ky], w[f + 2, c, ky], w[f + 3, c, ky]
            p0, p1, p2, p3, p4 = p[0], p[1], p[2], p[3], p[4]
            q0, q1, q2, q3, q4 = q[0], q[1], q[2], q[3], q[4]
            u0, u1, u2, u3, u4 = u[0], u[1], u[2], u[3], u[4]
            v0, v1, v2, v3, v4 = v[0], v[1], v[2], v[3], v[4]
            for i in range(L):
                x0, x1, x2, x3, x4 = row[i], row[i + 1], row[i + 2], row[i + 3], row[i + 4]
                a0[i] += p0 * x0 + p1 * x1 + p2 * x2 + p3 * x3 + p4 * x4
                a1[i] += q0 * x0 + q1 * x1 + q2 * x2 + q3 * x3 + q4 * x4
                a2[i] += u0 * x0 + u1 * x1 + u2 * x2 + u3 * x3 + u4 * x4
                a3[i] += v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3 + v4 * x4


@njit(cache=True, nogil=True, fastmath=True)
def weight_grad_pass(xf, dbuf, f, E, Wp, L, dw):
    """Adds filters f, f+1's weight gradients into dw (F, C, 5, 5): the sums over the L flat
    positions of the output gradient (dbuf[f, E:E+L]) times the input shifted by each tap."""
    C, K = dw.shape[1], dw.shape[2]
    d0, d1 = dbuf[f, E : E + L], dbuf[f + 1, E : E + L]
    zero = xf.dtype.type(0)
    for c in range(C):
        for ky in range(K):
            row = xf[c, ky * Wp : ky * Wp + L + K - 1]
            s0 = s1 = s2 = s3 = s4 = t0 = t1 = t2 = t3 = t4 = zero
            for i in range(L):
                x0, x1, x2, x3, x4 = row[i], row[i + 1], row[i + 2], row[i + 3], row[i + 4]
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
def input_grad_pass(dbuf, w, c, Wp, M, d0, d1):
    """Adds every filter's contribution to channels c, c+1 of the input gradient into their
    planes d0, d1 (Hp*Wp,): d[ky*Wp + m] += sum over kx of w[f, c, ky, kx] * dbuf[f, m + 4 - kx]
    (dbuf: the output gradient on the flat grid, with 4 zeros on each side)."""
    F, K = w.shape[0], w.shape[2]
    for f in range(F):
        dp = dbuf[f]
        for ky in range(K):
            r0, r1 = d0[ky * Wp : ky * Wp + M], d1[ky * Wp : ky * Wp + M]
            p, q = w[f, c, ky], w[f, c + 1, ky]
            p0, p1, p2, p3, p4 = p[0], p[1], p[2], p[3], p[4]
            q0, q1, q2, q3, q4 = q[0], q[1], q[2], q[3], q[4]
            for m in range(M):
                g4, g3, g2, g1, g0 = dp[m], dp[m + 1], dp[m + 2], dp[m + 3], dp[m + 4]
                r0[m] += p0 * g0 + p1 * g1 + p2 * g2 + p3 * g3 + p4 * g4
                r1[m] += q0 * g0 + q1 * g1 + q2 * g2 + q3 * g3 + q4 * g4
