"""The piece verifier: P(a run of skeleton pieces is exactly one whole digit), logistic.

The same inputs as the cut candidates' verifier (`lenet.ink.verifier.features`: the
classifier's output and the candidate's shape; the "cut ink" on each side is the border to
the neighbouring pieces, in pen widths), with its own constants: runs of skeleton pieces
(`lenet.ink.piece_candidates`) are not runs of pieces between cuts. Fitted by
``python -m lenet.devtools.fit_reader --pieces`` on strips drawn from MNIST *training*
digits, so that the drawn-digit figures stay honest.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PIECE_COUNT_BIAS", "PIECE_VERIFIER"]

# Fitted by `python -m lenet.devtools.fit_reader --pieces` (400 strips of MNIST training
# digits, seed 100, half the neighbours touching; 9083 runs, 20.9 % of them whole digits):
# feature means, scales, then intercept + weights.
PIECE_MEAN = np.array([
    -0.13532, -6.0883, 0.2851, 3.3221, -0.14971, 0.93497, 0.89309, 0.95066, 0.90888,
    0.51271, 1.999, 2.0113, 4.7237, 0.075195, 0.0071399,
])
PIECE_SCALE = np.array([
    0.22849, 4.3398, 0.38331, 4.6344, 0.46334, 0.07697, 0.39754, 0.081317, 0.40694,
    0.2337, 1.8277, 1.8323, 2.5762, 0.26371, 0.128,
])
PIECE_WEIGHTS = np.array([
    -2.4136, -0.72008, -1.2086, -0.83458, -0.059841, 1.2778, -0.027322, 2.2742, 0.99498,
    -4.2507, -0.25003, -0.30218, -0.25698, -0.61896, 0.36042, -0.58329,
])
PIECE_VERIFIER = (PIECE_MEAN, PIECE_SCALE, PIECE_WEIGHTS)
"""The `params` of `lenet.ink.verifier.log_p_digit` for runs of pieces."""
PIECE_COUNT_BIAS = 2.5
"""Added to each digit's log P (as `verifier.COUNT_BIAS`); chosen on training-digit strips,
reading each group as the better of its cut and its piece reading."""
