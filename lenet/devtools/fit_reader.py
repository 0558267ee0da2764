"""Fit `lenet.ink.verifier`: P(a candidate is exactly one whole digit).

``python -m lenet.devtools.fit_reader`` draws multi-digit strips from MNIST *training*
digits (the drawn-digit figures use test digits), lists every candidate digit
`read_number` would consider, labels it by the strip's ground truth (the candidate holds
≥ PURITY of its ink from one digit and ≥ COVERAGE of that digit's ink), fits a logistic
regression on `lenet.ink.verifier.features`, picks COUNT_BIAS on a second set of
training-digit strips, and prints the constants to paste into `lenet/ink/verifier.py`.
Takes about four minutes on 2 cores. With ``--strokes`` it fits the stroke reader's verifier
instead (`lenet.devtools.fit_strokes`, constants for `lenet/ink/stroke_verifier.py`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import numpy as np

from lenet.devtools.drawn import DrawnStrip, make_number_strips
from lenet.devtools.drawn.strips import make_strips_from
from lenet.devtools.fit_pieces import candidate_labels, strip_groups
from lenet.devtools.styles.draw import strip_digits
from lenet.ink import number_reader as rn
from lenet.ink.candidates import group_candidates
from lenet.ink.normalise import MASK_LEVEL
from lenet.ink.strokes import render_strokes

PURITY = 0.9
COVERAGE = 0.85
BIASES = np.arange(0.0, 6.01, 0.5)
RIDGE = 1e-2


def _owners(strip: DrawnStrip) -> np.ndarray:
    """(H, W) int: which digit of the strip each pixel's ink belongs to (-1: none)."""
    maps, first = [], 0
    for count in strip.digit_strokes:
        maps.append(render_strokes(strip.strokes[first : first + count], strip.size))
        first += count
    stack = np.stack(maps)
    return np.where(stack.max(axis=0) >= MASK_LEVEL, stack.argmax(axis=0), -1)


def _strip_groups(strip: DrawnStrip, classifier: rn.ClassifierLike) -> list[tuple]:
    """Per group of the rendered strip: (box, candidates, pieces, features, probabilities)."""
    groups, line = strip_groups(strip)
    out = []
    for g in groups:
        cands, n = group_candidates(g.ink, line)
        if cands:
            probs, x = rn.classify_candidates(cands, classifier)
            out.append((g.box, cands, n, x, probs))
    return out


def training_set(strips: Sequence[DrawnStrip], classifier: rn.ClassifierLike) -> tuple:
    """(features (N, F), labels (N,) 0/1) of every candidate digit in `strips`."""
    xs, ys = [], []
    for strip in strips:
        owner = _owners(strip)
        totals = np.bincount(owner[owner >= 0], minlength=len(strip.number))
        for (x0, y0, x1, y1), cands, _, x, _ in _strip_groups(strip, classifier):
            ys += candidate_labels(cands, owner[y0:y1, x0:x1], totals, PURITY, COVERAGE)
            xs.append(x)
    return np.concatenate(xs), np.asarray(ys, np.float64)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, ridge: float = RIDGE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, scale, intercept + weights) of a ridge logistic regression (Newton steps)."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (y - p) - ridge * w
        hess = (z * (p * (1.0 - p))[:, None]).T @ z + ridge * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w += step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, w


def exact_rate(
    strips: Sequence[DrawnStrip], groups: list[list[tuple]], params: tuple, bias: float
) -> float:
    """Fraction of strips read exactly with verifier `params` and COUNT_BIAS `bias`."""
    ok = 0
    for strip, per_group in zip(strips, groups, strict=True):
        digits = []
        for _, cands, n, x, probs in per_group:
            chain = rn.best_chain(cands, rn.candidate_log_p(cands, probs, x, params) + bias, n)
            digits += [str(int(probs[k].argmax())) for k in chain]
        ok += "".join(digits) == strip.number
    return ok / max(len(strips), 1)


def python_constant(name: str, values: np.ndarray, per_line: int | None = None) -> str:
    """`NAME = np.array([...])` to paste into a module; `per_line` values a line, or one line."""
    if per_line is None:
        return f"{name} = np.array([{', '.join(f'{v:.5g}' for v in values)}])"
    rows = [", ".join(f"{v:.5g}" for v in values[i : i + per_line])
            for i in range(0, len(values), per_line)]
    return f"{name} = np.array([\n    " + ",\n    ".join(rows) + ",\n])"


def logistic_constants(names: tuple[str, str, str], params: tuple,
                       per_line: int | None = None) -> str:
    """The (mean, scale, intercept + weights) of `fit_logistic` as three `python_constant`s
    with these names, one under the other."""
    return "\n".join(python_constant(name, values, per_line)
                     for name, values in zip(names, params, strict=True))


def best_bias(exact_rate_at: Callable[[float], float]) -> float:
    """The bias of BIASES that reads the most strips exactly (the smallest of equally good
    ones), after printing the rate of each."""
    rates = {float(b): exact_rate_at(float(b)) for b in BIASES}
    print("# exact by bias: " + ", ".join(f"{b:g}: {r:.3f}" for b, r in rates.items()),
          file=sys.stderr)
    return max(rates, key=rates.get)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lenet.devtools.fit_reader", description=__doc__)
    ap.add_argument("--strips", type=int, default=400, help="training strips (default 400)")
    ap.add_argument("--check", type=int, default=150, help="strips to pick the bias (150)")
    ap.add_argument("--data-dir", default=None, help="MNIST folder (default: LENET_DATA_DIR)")
    ap.add_argument("--pieces", action="store_true",
                    help="fit the skeleton-piece verifier (lenet/ink/piece_verifier.py) instead")
    ap.add_argument("--strokes", action="store_true",
                    help="fit the stroke verifier (lenet/ink/stroke_verifier.py) instead")
    ap.add_argument("--styles", type=float, default=0.0, metavar="SHARE",
                    help="this share of the strips drawn from the writing-style templates "
                         "(seeds 1000 / 1001) instead of MNIST training digits (default 0)")
    args = ap.parse_args(argv)

    from lenet.data.mnist import load_mnist
    from lenet.model_file import bundled_model_path, load_model

    classifier = load_model(bundled_model_path())
    mnist = load_mnist(args.data_dir)
    images, labels = mnist.train_images, mnist.train_labels

    def strips(n: int, seed: int, touch_probability: float = 0.2) -> list[DrawnStrip]:
        styled = round(args.styles * n)
        return [*make_number_strips(images, labels, n - styled, seed, touch_probability=
                                    touch_probability),
                *make_strips_from(strip_digits(), styled, seed + 900,
                                  touch_probability=touch_probability)]

    train = strips(args.strips, 100, touch_probability=0.5)
    if args.pieces:
        return _fit_pieces(train, strips(args.check, 101), classifier)
    if args.strokes:
        return _fit_strokes(train, strips(args.check, 101), classifier)
    x, y = training_set(train, classifier)
    params = fit_logistic(x, y)
    print(f"# {len(y)} candidates, {y.mean():.1%} whole digits", file=sys.stderr)
    check = strips(args.check, 101)
    groups = [_strip_groups(s, classifier) for s in check]
    bias = best_bias(lambda b: exact_rate(check, groups, params, b))
    print(logistic_constants(("FEATURE_MEAN", "FEATURE_SCALE", "VERIFIER_WEIGHTS"), params))
    print(f"COUNT_BIAS = {bias:g}")
    return 0


def _fit_pieces(train: Sequence[DrawnStrip], check: Sequence[DrawnStrip],
                classifier: rn.ClassifierLike) -> int:
    from lenet.devtools.fit_pieces import (
        combined_exact_rate,
        piece_training_set,
        strip_group_readings,
    )

    x, y = piece_training_set(train, classifier, _owners, PURITY, COVERAGE)
    params = fit_logistic(x, y)
    print(f"# {len(y)} runs of pieces, {y.mean():.1%} whole digits", file=sys.stderr)
    readings = [strip_group_readings(s, classifier) for s in check]
    bias = best_bias(lambda b: combined_exact_rate(check, readings, params, b))
    print(logistic_constants(("PIECE_MEAN", "PIECE_SCALE", "PIECE_WEIGHTS"), params, 9))
    print(f"PIECE_COUNT_BIAS = {bias:g}")
    return 0


def _fit_strokes(train: Sequence[DrawnStrip], check: Sequence[DrawnStrip],
                 classifier: rn.ClassifierLike) -> int:
    from lenet.devtools.fit_strokes import stroke_exact_rate, stroke_training_set

    x, y, _ = stroke_training_set(train, classifier)
    params = fit_logistic(x, y)
    print(f"# {len(y)} runs of strokes, {y.mean():.1%} whole digits", file=sys.stderr)
    _, _, per_strip = stroke_training_set(check, classifier)
    bias = best_bias(lambda b: stroke_exact_rate(check, per_strip, params, b))
    print(logistic_constants(("STROKE_MEAN", "STROKE_SCALE", "STROKE_WEIGHTS"), params, 8))
    print(f"STROKE_COUNT_BIAS = {bias:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
