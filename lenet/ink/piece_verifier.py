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
# digits, seed 100, half the neighbours touching; 8418 runs, 19.3 % of them whole digits):
# feature means, scales, then intercept + weights.
PIECE_MEAN = np.array([
    -0.14077, -5.9336, 0.29592, 3.4268, -0.10935, 0.93359, 0.92209, 0.95136, 0.93958,
    0.49526, 2.0751, 2.0937, 4.864, 0.057733, 0.01799,
])
PIECE_SCALE = np.array([
    0.23216, 4.2976, 0.38812, 4.7141, 0.44381, 0.076545, 0.39598, 0.08117, 0.40447,
    0.22501, 1.8307, 1.8436, 2.5939, 0.23324, 0.11175,
])
PIECE_WEIGHTS = np.array([
    -2.6227, -0.76476, -1.2218, -0.84701, -0.081711, 1.107, 0.092597, 1.4146, 0.84942,
    -3.3277, -0.20195, -0.30036, -0.28633, -0.63581, 0.34933, -0.67475,
])
PIECE_VERIFIER = (PIECE_MEAN, PIECE_SCALE, PIECE_WEIGHTS)
"""The `params` of `lenet.ink.verifier.log_p_digit` for runs of pieces."""
PIECE_COUNT_BIAS = 2.5
"""Added to each digit's log P (as `verifier.COUNT_BIAS`); chosen on training-digit strips,
reading each group as the better of its cut and its piece reading."""
