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
# digits, seed 100, half the neighbours touching; 14 519 runs, 13.1 % of them whole digits):
# feature means, scales, then intercept + weights.
PIECE_MEAN = np.array([
    -0.15224, -6.1172, 0.31383, 4.9471, -0.10123, 0.74227, 0.72332, 0.75357, 0.73482,
    0.39494, 1.9593, 1.9681, 3.6628, 0.047042, 0.0044667,
])
PIECE_SCALE = np.array([
    0.25571, 4.3961, 0.42749, 9.6092, 0.56326, 0.27579, 0.41096, 0.2819, 0.42037,
    0.25488, 1.7003, 1.6884, 2.5591, 0.21173, 0.1013,
])
PIECE_WEIGHTS = np.array([
    -4.2646, -0.812, -1.2257, -0.94813, -0.17256, 1.5227, 0.4941, 2.8385, 3.9353,
    -4.8546, -0.33559, -0.27119, -0.22287, -0.63683, 0.28672, -0.46403,
])
PIECE_VERIFIER = (PIECE_MEAN, PIECE_SCALE, PIECE_WEIGHTS)
"""The `params` of `lenet.ink.verifier.log_p_digit` for runs of pieces."""
PIECE_COUNT_BIAS = 2.5
"""Added to each digit's log P (as `verifier.COUNT_BIAS`); chosen on training-digit strips,
reading each group as the better of its cut and its piece reading."""
