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

Three primitives do the arithmetic for both layouts: `rows_pass4` and `rows_pass2` (four or
two output maps from one input, five taps `step` floats apart) and `tap_sums` (the weight
gradient's sums). Over one image's flattened plane (`forward_pass`, `weight_grad_pass`,
`input_grad_pass`, used by `lenet.nn.kernels.conv`) neighbouring pixels are 1 float apart
and a pass is one long row; over a block of interleaved images (`lenet.nn.kernels.conv_lanes`)
they are LANES floats apart and a pass runs over whole output rows.

Shapes as in `lenet.nn.kernels.conv`: rows are 1-D contiguous slices of the flattened plane
of width Wp; L is the number of flat output positions.
"""

from __future__ import annotations

from numba import njit

GROUP = 4
"""Maps computed together in one pass (measured: conv2's forward 1.25-1.3x faster)."""


@njit(cache=True, nogil=True, fastmath=True)
def rows_pass4(x, o0, o1, o2, o3, p, q, u, v, rows, row_in, row_out, n, step):
    """Four maps from one input: o0[r * row_out + j] += sum over k < 5 of p[k] *
    x[r * row_in + j + step * k] for rows r < `rows` and j < n; likewise o1..o3 with q, u, v
    (the weights' kernel rows, (5,) each)."""
    p0, p1, p2, p3, p4 = p[0], p[1], p[2], p[3], p[4]
    q0, q1, q2, q3, q4 = q[0], q[1], q[2], q[3], q[4]
    u0, u1, u2, u3, u4 = u[0], u[1], u[2], u[3], u[4]
    v0, v1, v2, v3, v4 = v[0], v[1], v[2], v[3], v[4]
    for r in range(rows):
        xr = x[r * row_in : r * row_in + n + 4 * step]
        a0, a1 = o0[r * row_out : r * row_out + n], o1[r * row_out : r * row_out + n]
        a2, a3 = o2[r * row_out : r * row_out + n], o3[r * row_out : r * row_out + n]
        for j in range(n):
            x0, x1, x2 = xr[j], xr[j + step], xr[j + 2 * step]
            x3, x4 = xr[j + 3 * step], xr[j + 4 * step]
            a0[j] += p0 * x0 + p1 * x1 + p2 * x2 + p3 * x3 + p4 * x4
            a1[j] += q0 * x0 + q1 * x1 + q2 * x2 + q3 * x3 + q4 * x4
            a2[j] += u0 * x0 + u1 * x1 + u2 * x2 + u3 * x3 + u4 * x4
            a3[j] += v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3 + v4 * x4


@njit(cache=True, nogil=True, fastmath=True)
def rows_pass2(x, o0, o1, p, q, rows, row_in, row_out, n, step):
    """`rows_pass4` for two maps (o0 with weights p, o1 with q)."""
    p0, p1, p2, p3, p4 = p[0], p[1], p[2], p[3], p[4]
    q0, q1, q2, q3, q4 = q[0], q[1], q[2], q[3], q[4]
    for r in range(rows):
        xr = x[r * row_in : r * row_in + n + 4 * step]
        a0, a1 = o0[r * row_out : r * row_out + n], o1[r * row_out : r * row_out + n]
        for j in range(n):
            x0, x1, x2 = xr[j], xr[j + step], xr[j + 2 * step]
            x3, x4 = xr[j + 3 * step], xr[j + 4 * step]
            a0[j] += p0 * x0 + p1 * x1 + p2 * x2 + p3 * x3 + p4 * x4
            a1[j] += q0 * x0 + q1 * x1 + q2 * x2 + q3 * x3 + q4 * x4


@njit(cache=True, nogil=True, fastmath=True)
def tap_sums(x, d0, d1, L, step, s, t):
    """The weight gradient's sums for two filters: s[k] += sum over i < L of d0[i] *
    x[i + step * k], t[k] likewise with d1, for the five taps k (s, t: (5,) kernel rows)."""
    zero = x.dtype.type(0)
    s0 = s1 = s2 = s3 = s4 = t0 = t1 = t2 = t3 = t4 = zero
    for i in range(L):
        x0, x1, x2 = x[i], x[i + step], x[i + 2 * step]
        x3, x4 = x[i + 3 * step], x[i + 4 * step]
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
    s[0] += s0
    s[1] += s1
    s[2] += s2
    s[3] += s3
    s[4] += s4
    t[0] += t0
    t[1] += t1
    t[2] += t2
    t[3] += t3
    t[4] += t4


@njit(cache=True, nogil=True, fastmath=True)
def forward_pass(xf, w, f, Wp, L, a0, a1, a2, a3):
    """Adds filters f..f+3's correlation with every channel of xf (C, Hp*Wp) into a0..a3 (L,)."""
    C, K = w.shape[1], w.shape[2]
    for c in range(C):
        for ky in range(K):
            rows_pass4(xf[c, ky * Wp :], a0, a1, a2, a3, w[f, c, ky], w[f + 1, c, ky],
                       w[f + 2, c, ky], w[f + 3, c, ky], 1, 0, 0, L, 1)


@njit(cache=True, nogil=True, fastmath=True)
def weight_grad_pass(xf, dbuf, f, E, Wp, L, dw):
    """Adds filters f, f+1's weight gradients into dw (F, C, 5, 5): the sums over the L flat
    positions of the output gradient (dbuf[f, E:E+L]) times the input shifted by each tap."""
    C, K = dw.shape[1], dw.shape[2]
    d0, d1 = dbuf[f, E : E + L], dbuf[f + 1, E : E + L]
    for c in range(C):
        for ky in range(K):
            tap_sums(xf[c, ky * Wp : ky * Wp + L + K - 1], d0, d1, L, 1, dw[f, c, ky],
                     dw[f + 1, c, ky])


@njit(cache=True, nogil=True, fastmath=True)
def input_grad_pass(dbuf, w, c, Wp, M, d0, d1):
    """Adds every filter's contribution to channels c, c+1 of the input gradient into their
    planes d0, d1 (Hp*Wp,): d[ky*Wp + m] += sum over kx of w[f, c, ky, kx] * dbuf[f, m + 4 - kx]
    (dbuf: the output gradient on the flat grid, with 4 zeros on each side), i.e. the kernel
    row flipped over dbuf read forwards."""
    F, K = w.shape[0], w.shape[2]
    for f in range(F):
        for ky in range(K):
            rows_pass2(dbuf[f], d0[ky * Wp :], d1[ky * Wp :], w[f, c, ky, ::-1],
                       w[f, c + 1, ky, ::-1], 1, 0, 0, M, 1)
