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
# digits, seed 100, half the neighbours touching; 11 053 runs, 11.9 % of them whole digits):
# feature means, scales, then intercept + weights.
PIECE_MEAN = np.array([
    -0.16661, -5.8497, 0.34019, 5.4317, -0.043449, 0.75397, 0.77853, 0.76777, 0.79238,
    0.39191, 2.1088, 2.1451, 3.572, 0.044422, 0.014082,
])
PIECE_SCALE = np.array([
    0.26796, 4.337, 0.44413, 10.077, 0.55733, 0.27323, 0.43177, 0.28004, 0.44097,
    0.25496, 1.9809, 1.9846, 2.452, 0.20603, 0.099511,
])
PIECE_WEIGHTS = np.array([
    -4.5496, -0.84845, -1.2769, -0.99118, -0.53073, 1.3587, 1.0283, 2.1685, 3.1879,
    -4.2276, -0.32129, -0.27303, -0.28547, -0.51017, 0.33397, -0.58503,
])
PIECE_VERIFIER = (PIECE_MEAN, PIECE_SCALE, PIECE_WEIGHTS)
"""The `params` of `lenet.ink.verifier.log_p_digit` for runs of pieces."""
PIECE_COUNT_BIAS = 2.5
"""Added to each digit's log P (as `verifier.COUNT_BIAS`); chosen on training-digit strips,
reading each group as the better of its cut and its piece reading."""
