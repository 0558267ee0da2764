"""Fit `lenet.ink.not_a_digit`: P(a 28x28 input is junk, not a digit).

``python -m lenet.devtools.fit_not_a_digit`` judges junk drawings (`lenet.devtools.junk`,
seed FIT_SEED), drawn MNIST *training* digits (seed FIT_SEED) and drawn writing styles
(`lenet.devtools.styles`, seed FIT_STYLE_SEED: flat, bold, crossed, slashed, open forms)
through both product paths, plus MNIST training digits as they are through the image path,
and fits a ridge logistic regression on the features and their pairwise products.
The threshold is set on other training digits (drawn with seed FIT_SEED + 1, and more MNIST
ones) so that DIGIT_SHARE of them are rejected: on the fitting digits it would be
optimistic. When the model has novelty statistics (`lenet.training.novelty`) the rule reads
the novelty too, and the novelty gate is set on the same digits to reject GATE_SHARE of
them (the threshold then NOVELTY_DIGIT_SHARE); ``--without-novelty`` fits the plain rule.
Prints the constants to paste into `lenet/ink/not_a_digit_fitted.py`. The held-out
figures (``python -m lenet.devtools.junk``) use other junk seeds, MNIST *test* digits and
style seed 0. ``--leave-one-kind-out`` also fits the rule once without each kind of junk
and measures it on that kind (held-out seed): how it may fare on junk nobody thought of.
About six minutes on 2 cores (twice that with ``--leave-one-kind-out``).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lenet.devtools.fit_reader import fit_logistic, logistic_constants
from lenet.devtools.junk.measure import (
    Judged,
    digits_judged,
    junk_judged,
    mnist_judged,
    rates,
    styles_judged,
)
from lenet.ink.not_a_digit import FEATURES, Rule, expand

FIT_SEED = 100
FIT_STYLE_SEED = 1
"""Seed of the writing-style drawings fitted on (the styles report uses seed 0)."""
STYLES_PER_STYLE = 60
HELD_OUT_SEED = 1
"""The junk seed of the reports (`python -m lenet.devtools.junk`)."""
DIGIT_SHARE = 0.005
"""Share of the calibration digits the threshold lets be rejected (the goal is ≤ 1 %)."""
NOVELTY_DIGIT_SHARE = 0.004
GATE_SHARE = 0.004
"""With the novelty: the shares of the calibration digits the threshold and the novelty
gate each reject (together about 0.8 %). The gate is what a kind of junk the rule was not
fitted on meets: leaving one kind out (see `_leave_one_kind_out`), the plain rule rejected
52 % of it, the rule with the novelty as a feature only about 56 %, with the gate 67 %."""
RIDGE = 10.0
"""Ridge penalty on 377 weights. Stronger ones reject less held-out junk at the same digit
share (measured: 100 → 88 % / 89 %, 300 → 82 % / 85 %, strokes / image, against 92 % /
93 % with 10); weaker ones overfit the digits' tail (measured with the 18-feature rule: 1.2 %
of other training digits rejected at a threshold set for 0.5 % on the fitting ones)."""


def _classified(judged: Sequence[Judged]) -> np.ndarray:
    return np.vstack([j.x[~j.empty & ~j.solid] for j in judged])


def fit(junk: Sequence[Judged], digits: Sequence[Judged], calibration: Sequence[Judged]) -> Rule:
    """The rule fitted on judged junk and digits; its threshold rejects DIGIT_SHARE of the
    `calibration` digits (with the novelty feature: NOVELTY_DIGIT_SHARE, and the gate
    GATE_SHARE)."""
    xj, xd = _classified(junk), _classified(digits)
    x = np.vstack([xj, xd])
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    y = np.concatenate([np.ones(len(xj)), np.zeros(len(xd))])
    _, _, w = fit_logistic(expand(x, mean, scale), y, RIDGE)
    # fit_logistic standardised the expanded inputs again: fold that into the weights
    z = expand(x, mean, scale)
    m2, s2 = z.mean(axis=0), z.std(axis=0) + 1e-9
    weights = np.concatenate([[w[0] - float((m2 / s2) @ w[1:])], w[1:] / s2])
    xc = _classified(calibration)
    p_digit = Rule(mean, scale, weights, 1.0).p(xc)
    if x.shape[1] == len(FEATURES):
        return Rule(mean, scale, weights, float(np.quantile(p_digit, 1.0 - DIGIT_SHARE)))
    return Rule(mean, scale, weights, float(np.quantile(p_digit, 1.0 - NOVELTY_DIGIT_SHARE)),
                float(np.quantile(xc[:, -1], 1.0 - GATE_SHARE)))


def _leave_one_kind_out(kinds: Sequence[str], js: Judged, ji: Judged, digits: list[Judged],
                        calibration: list[Judged], classifier) -> None:
    """Print, per kind, the share of held-out junk of that kind (seed HELD_OUT_SEED) that a
    rule fitted without it rejects (strokes / image), and the mean over the kinds."""
    held_kinds, hs, hi = junk_judged(len(kinds), HELD_OUT_SEED, classifier)
    fit_kinds, held = np.asarray(kinds), np.asarray(held_kinds)
    shares = []
    for kind in dict.fromkeys(kinds):
        keep = fit_kinds != kind
        rule = fit([js.subset(keep), ji.subset(keep)], digits, calibration)
        mask = held == kind
        s, i = (rates(held[mask], j.subset(mask), rule)["all"] for j in (hs, hi))
        shares += [s, i]
        print(f"# left out {kind}: {s:.0%} strokes, {i:.0%} image", file=sys.stderr)
    print(f"# left out, mean over the kinds and paths: {np.mean(shares):.0%}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lenet.devtools.fit_not_a_digit",
                                 description=__doc__)
    ap.add_argument("--junk", type=int, default=1200, help="junk drawings (default 1200)")
    ap.add_argument("--digits", type=int, default=2000, help="drawn digits (default 2000)")
    ap.add_argument("--mnist", type=int, default=3000, help="MNIST digits as they are (3000)")
    ap.add_argument("--calibration", type=int, default=5000,
                    help="more MNIST digits, with as many drawn ones as --digits, that set "
                    "the threshold (default 5000)")
    ap.add_argument("--data-dir", default=None, help="MNIST folder (default: LENET_DATA_DIR)")
    ap.add_argument("--model", type=Path, default=None,
                    help="the model whose probabilities the rule reads (default: bundled)")
    ap.add_argument("--without-novelty", action="store_true",
                    help="fit the plain rule, for models without novelty statistics")
    ap.add_argument("--leave-one-kind-out", action="store_true",
                    help="also measure each kind of junk with a rule fitted without it")
    args = ap.parse_args(argv)

    from lenet.data.mnist import load_mnist
    from lenet.model_file import bundled_model_path, load_model

    classifier = load_model(args.model or bundled_model_path())
    if args.without_novelty:
        classifier.with_novelty(None)
    mnist = load_mnist(args.data_dir)
    images, labels = mnist.train_images, mnist.train_labels
    kinds, js, ji = junk_judged(args.junk, FIT_SEED, classifier)
    _, ds, di = digits_judged(images, labels, args.digits, FIT_SEED, classifier)
    _, ss, si = styles_judged(STYLES_PER_STYLE, FIT_STYLE_SEED, classifier)
    mj = mnist_judged(images[: args.mnist], classifier)
    _, cs, ci = digits_judged(images, labels, args.digits, FIT_SEED + 1, classifier)
    cm = mnist_judged(images[args.mnist : args.mnist + args.calibration], classifier)
    rule = fit([js, ji], [ds, di, mj, ss, si], [cs, ci, cm])
    for name, j in (("fitting junk, strokes", js), ("fitting junk, image", ji),
                    ("fitting drawn digits, strokes", ds), ("fitting drawn digits, image", di),
                    ("fitting writing styles, strokes", ss), ("fitting writing styles, image", si),
                    ("fitting MNIST digits", mj), ("calibration drawn digits, strokes", cs),
                    ("calibration drawn digits, image", ci), ("calibration MNIST digits", cm)):
        rejected = j.rejected(rule).mean()
        print(f"# {name}: {rejected:.1%} rejected", file=sys.stderr)
    if args.leave_one_kind_out:
        _leave_one_kind_out(kinds, js, ji, [ds, di, mj, ss, si], [cs, ci, cm], classifier)
    prefix = "NOVELTY" if math.isfinite(rule.gate) else "PLAIN"
    print(logistic_constants((f"{prefix}_MEAN", f"{prefix}_SCALE", f"{prefix}_WEIGHTS"),
                             (rule.mean, rule.scale, rule.weights), 8))
    print(f"{prefix}_THRESHOLD = {rule.threshold:.4g}")
    if math.isfinite(rule.gate):
        print(f"NOVELTY_GATE = {rule.gate:.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
