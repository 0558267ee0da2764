"""The forward pass of the stride-1, 5x5 convolution, four filters at a time.

`lenet.nn.kernels.conv` computes a convolution over an image's flattened padded plane: one
pass over a row of it per (filter, channel, kernel row), five taps per element. Each element
loaded there fed five multiply-adds into one filter's map; here one load feeds GROUP maps,
so a pass does four times the arithmetic per load and per loop overhead (the tests pin both
to the NumPy reference). Tried and not kept: the input gradient four channels at a time
(no faster, measured interleaved in one process).

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
