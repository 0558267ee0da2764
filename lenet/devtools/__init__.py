"""Development tools the app never runs (left out of the desktop bundle).

`python -m lenet.devtools.drawn` — the drawn-digit test set: MNIST test digits skeletonised
and redrawn with a round pen, single and as multi-digit strips, and the bundled model's
accuracy on them. `python -m lenet.devtools.fit_reader` — fits the number reader's verifier
(`lenet.ink.verifier`) on strips drawn from MNIST training digits.
"""
