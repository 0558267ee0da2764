"""Adam's update as one fused numba loop, and its NumPy twin (pinned by the tests)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["adam_update", "adam_update_numpy"]

# Subnormal floats (below float32's smallest normal number, 1.2e-38) are flushed to zero: the
# weights of a unit that no longer learns shrink under the weight decay, and its Adam moments
# with them, into the subnormal range, where every multiply on x86 takes a slow microcode
# path. In the default retrain about 4 % of the weights and first moments were there by
# mid-run, over 5 % at its end, and the epochs slowed from 16,400 to 11,900 images/s (Intel
# Xeon, 2026-12-04). A value that small changes nothing the network computes.


# No nnan/ninf fast-math flags and NumPy's error model: a diverging run must carry its
# NaN and inf through to the loss (where the trainer sees it), and with "no NaNs assumed"
# numba's zero-division check fired on NaN denominators (ZeroDivisionError).
@njit(cache=True, nogil=True, error_model="numpy",
      fastmath={"nsz", "arcp", "contract", "afn", "reassoc"})
def adam_update(p, g, m, v, step, beta1, beta2, eps, decay, decays=None):
    """One fused pass of Adam over flat arrays (NumPy would make ten temporaries). The L2
    decay is `decay` everywhere or, given, `decays` (like p) per element (packed weights
    and biases: the weights' decay, the biases' 0)."""
    t = p.dtype.type  # constants in the arrays' precision, so the loop vectorises
    b1, b2, lr, e, wd = t(beta1), t(beta2), t(step), t(eps), t(decay)
    one, zero, tiny = t(1), t(0), np.finfo(p.dtype).tiny
    for i in range(p.size):
        pi = p[i]
        if decays is None:  # decided when numba compiles, not per element
            gi = g[i] + wd * pi
        else:
            gi = g[i] + decays[i] * pi
        mi = b1 * m[i] + (one - b1) * gi
        vi = b2 * v[i] + (one - b2) * gi * gi
        pi = pi - lr * mi / (np.sqrt(vi) + e)
        # written so that a NaN stays NaN (a diverging run must show in the loss)
        m[i] = zero if abs(mi) < tiny else mi
        v[i] = zero if vi < tiny else vi
        p[i] = zero if abs(pi) < tiny else pi


def adam_update_numpy(p, g, m, v, step, beta1, beta2, eps, decay, decays=None) -> None:
    """NumPy twin of adam_update (same arguments, updates p, m, v in place)."""
    g = g + (decay if decays is None else decays) * p
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    p -= step * m / (np.sqrt(v) + eps)
    for a in (p, m, v):
        a[np.abs(a) < np.finfo(a.dtype).tiny] = 0
