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
# digits, seed 100, half the neighbours touching; 13 081 runs, 12.4 % of them whole digits):
# feature means, scales, then intercept + weights.
PIECE_MEAN = np.array([
    -0.15766, -5.9168, 0.32516, 5.1054, -0.063733, 0.74969, 0.75529, 0.76315, 0.76866,
    0.38131, 2.0416, 2.056, 3.8268, 0.037153, 0.011577,
])
PIECE_SCALE = np.array([
    0.25789, 4.3237, 0.43004, 9.6219, 0.54669, 0.27303, 0.41591, 0.27946, 0.42485,
    0.2473, 1.7114, 1.7003, 2.6033, 0.18914, 0.09006,
])
PIECE_WEIGHTS = np.array([
    -4.3292, -0.8513, -1.2302, -0.94888, -0.21297, 1.3538, 0.89903, 1.9765, 3.3975,
    -3.9819, -0.27468, -0.26944, -0.24816, -0.66223, 0.27936, -0.54521,
])
PIECE_VERIFIER = (PIECE_MEAN, PIECE_SCALE, PIECE_WEIGHTS)
"""The `params` of `lenet.ink.verifier.log_p_digit` for runs of pieces."""
PIECE_COUNT_BIAS = 2.0
"""Added to each digit's log P (as `verifier.COUNT_BIAS`); chosen on training-digit strips,
reading each group as the better of its cut and its piece reading."""
