"""Adam's update as one fused numba loop, and its NumPy twin (pinned by the tests)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["adam_update", "adam_update_decayed", "adam_update_numpy"]


# No nnan/ninf fast-math flags and NumPy's error model: a diverging run must carry its
# NaN and inf through to the loss (where the trainer sees it), and with "no NaNs assumed"
# numba's zero-division check fired on NaN denominators (ZeroDivisionError).
@njit(cache=True, nogil=True, error_model="numpy",
      fastmath={"nsz", "arcp", "contract", "afn", "reassoc"})
def adam_update(p, g, m, v, step, beta1, beta2, eps, decay):
    """One fused pass of Adam over flat arrays (NumPy would make ten temporaries)."""
    t = p.dtype.type  # constants in the arrays' precision, so the loop vectorises
    b1, b2, lr, e, wd = t(beta1), t(beta2), t(step), t(eps), t(decay)
    one = t(1)
    for i in range(p.size):
        pi = p[i]
        gi = g[i] + wd * pi
        mi = b1 * m[i] + (one - b1) * gi
        vi = b2 * v[i] + (one - b2) * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] = pi - lr * mi / (np.sqrt(vi) + e)


@njit(cache=True, nogil=True, error_model="numpy",
      fastmath={"nsz", "arcp", "contract", "afn", "reassoc"})
def adam_update_decayed(p, g, m, v, step, beta1, beta2, eps, decays):
    """adam_update with a weight decay per element, decays (like p): the packed weights'
    decay and the biases' zero, still in one pass."""
    t = p.dtype.type
    b1, b2, lr, e = t(beta1), t(beta2), t(step), t(eps)
    one = t(1)
    for i in range(p.size):
        pi = p[i]
        gi = g[i] + decays[i] * pi
        mi = b1 * m[i] + (one - b1) * gi
        vi = b2 * v[i] + (one - b2) * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] = pi - lr * mi / (np.sqrt(vi) + e)


def adam_update_numpy(p, g, m, v, step, beta1, beta2, eps, decay) -> None:
    """NumPy twin of adam_update (same arguments, updates p, m, v in place); `decay` may be
    an array like p (the twin of adam_update_decayed)."""
    g = g + decay * p
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    p -= step * m / (np.sqrt(v) + eps)
