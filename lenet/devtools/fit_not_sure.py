"""Choose the "not sure" rule of `lenet.classifier` and report it.

``python -m lenet.devtools.fit_not_sure`` draws MNIST *training* digits as mouse strokes
(`lenet.devtools.drawn`, seeds FIT_SEEDS) and the development set (drawn MNIST *test*
digits, seed DEV_SEED), reads both through the two product paths (strokes →
`preprocess_strokes`, rendered image → `preprocess_image`) with every test-time variant, and
prints, for each candidate score (top probability, top-2 margin, entropy, min and mean over
the variants, how many agree, a logistic regression on four of them fitted on the training
drawings), the share of the wrong answers it flags when RIGHT_SHARE of the right ones are;
then the stability threshold that flags RIGHT_SHARE on the development set (UNSTABLE_BELOW).

``--report SEED ...`` measures the rule in `lenet/classifier.py` on drawn test sets of those
seeds, both paths, and with ``--mnist`` on MNIST test and ``--styles`` on the writing styles
(`lenet.devtools.styles`, seed 0): the model card's risk-coverage table, and the time of one
`classify`. Drawing is the slow part (about 75 ms a digit): ``--cache DIR`` keeps the 28x28
inputs; ``--sheets DIR`` saves, per drawn set, a PNG of its wrong answers (the MNIST digit
beside what the network saw, the unflagged ones first) for a person to judge which are
still the digit they are labelled and which the redrawing turned into another.

With second opinions beside the model (the bundled one has two, `lenet.classifier`), the
answer is the networks' mean and the rule's score the lowest of the networks' means for it;
its threshold on the development set is printed too (UNSTABLE_BELOW_WITH_SECOND_OPINIONS).
The candidate scores above are the first network's alone, for its own answers.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from lenet.classifier import answer_and_stability
from lenet.devtools.fit_reader import fit_logistic

FIT_SEEDS = (1000, 1001)
"""Seeds of the drawn MNIST training digits the regression is fitted on."""
DEV_SEED = 10
"""The drawn test set the threshold (and the score, and the variants) were chosen on."""
RIGHT_SHARE = 0.025
"""Share of the development set's right answers the threshold flags (the goal is ≤ 3 %)."""
PATHS = ("strokes", "image")


def drawn_inputs(images: np.ndarray, labels: np.ndarray, n: int, seed: int,
                 cache: Path | None = None, with_sources: bool = False) -> dict[str, tuple]:
    """{path: (inputs (M, 28, 28) float32, labels (M,))} of `make_drawn_set(images, labels,
    n, seed)` through both paths; drawings a path finds empty are left out. `cache`: a
    folder where the inputs are kept (named by seed and n: pass the same images).
    `with_sources`: each tuple also holds the indices (M,) of the digits in `images`."""
    from lenet.devtools.drawn import CANVAS, drawn_indices, make_drawn_set, render_drawn_set
    from lenet.ink import preprocess_image, preprocess_strokes

    file = cache / f"drawn{seed}_{n}.npz" if cache else None
    if file is not None and file.exists():
        saved = np.load(file)
    else:
        drawings, truth = make_drawn_set(images, labels, n, seed)
        by_path = {"strokes": [preprocess_strokes(d, (CANVAS, CANVAS)).image for d in drawings],
                   "image": [preprocess_image(im).image for im in render_drawn_set(drawings)]}
        blank = np.zeros((28, 28), np.float32)
        saved = {"labels": truth}
        for path, inputs in by_path.items():
            saved[path] = np.stack([blank if x is None else x for x in inputs])
            saved[f"{path}_ok"] = np.array([x is not None for x in inputs])
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(file, **saved)
    sources = drawn_indices(len(images), n, seed)
    out = {}
    for p in PATHS:
        ok = saved[f"{p}_ok"]
        out[p] = (saved[p][ok], saved["labels"][ok]) + ((sources[ok],) if with_sources else ())
    return out


def error_sheet(classifier, judged: Judged, inputs: np.ndarray, originals: np.ndarray,
                path: Path) -> Path:
    """Save a PNG of `judged`'s wrong answers: each the original (28, 28) uint8 digit beside
    the network's input, captioned "label→answer, confidence" and "not sure" when flagged;
    the unflagged ones first."""
    from PIL import Image, ImageDraw

    flagged = classifier.not_sure_flags(judged.answer, judged.stability)
    wrong = np.flatnonzero(~judged.right)
    wrong = np.concatenate([wrong[~flagged[wrong]], wrong[flagged[wrong]]])
    cell, cols = 84, 6
    rows = max(1, -(-len(wrong) // cols))
    sheet = Image.new("L", (cols * (2 * cell + 8), rows * (cell + 16)), 255)
    draw = ImageDraw.Draw(sheet)
    for k, i in enumerate(wrong):
        x, y = (k % cols) * (2 * cell + 8), (k // cols) * (cell + 16)
        sheet.paste(Image.fromarray(255 - originals[i]).resize((cell, cell)), (x, y))
        seen = np.round(255 * (1 - np.clip(inputs[i], 0, 1))).astype(np.uint8)
        sheet.paste(Image.fromarray(seen).resize((cell, cell)), (x + cell, y))
        answer = int(judged.answer[i].argmax())
        draw.text((x + 2, y + cell + 2), f"{judged.labels[i]}->{answer} "
                  f"{judged.answer[i].max():.2f}{' not sure' if flagged[i] else ''}", fill=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path


class Judged:
    """Inputs read with every variant: the first network's probs (N, V, 10) and whether its
    own answer is right (own_right, N); the classifier's answer probabilities (answer,
    N x 10: with second opinions the networks' mean), its stability (N,) and whether that
    answer is right (right, N); labels (N,)."""

    FIELDS = ("probs", "answer", "stability", "labels", "right", "own_right")

    def __init__(self, classifier, inputs: np.ndarray, labels: np.ndarray) -> None:
        # each chunk's variants read once by every network (as `proba_and_stability` does)
        every = [classifier.every_variant_probabilities(inputs[i : i + 2000])
                 for i in range(0, len(inputs), 2000)]
        read = [answer_and_stability(e) for e in every]
        self.probs = np.concatenate([e[0] for e in every]) if every \
            else np.zeros((0, 13, 10), np.float32)
        self.answer = np.concatenate([p for p, _ in read]) if read \
            else np.zeros((0, 10), np.float32)
        self.stability = np.concatenate([s for _, s in read]) if read \
            else np.zeros(0, np.float32)
        self.labels = np.asarray(labels, np.int64)
        self.right = self.answer.argmax(axis=1) == self.labels
        self.own_right = self.probs[:, 0].argmax(axis=1) == self.labels

    @staticmethod
    def joined(parts: Sequence[Judged]) -> Judged:
        out = Judged.__new__(Judged)
        for name in Judged.FIELDS:
            setattr(out, name, np.concatenate([getattr(j, name) for j in parts]))
        return out


def scores(probs: np.ndarray) -> dict[str, np.ndarray]:
    """Candidate "sure" scores (N,) (higher = surer) from variant probabilities (N, V, 10)."""
    n = len(probs)
    answer = probs[:, 0].argmax(axis=1)
    own = probs[np.arange(n), :, answer]  # (N, V)
    top2 = np.sort(probs[:, 0], axis=1)[:, -2:]
    mean = probs.mean(axis=1)
    others = mean.copy()
    others[np.arange(n), answer] = -1.0
    return {
        "top probability": top2[:, 1],
        "top-2 margin": top2[:, 1] - top2[:, 0],
        "entropy (negated)": (probs[:, 0] * np.log(np.clip(probs[:, 0], 1e-12, 1))).sum(axis=1),
        "min over the first 8 variants": own[:, 1:9].min(axis=1),
        "min over the 12 variants": own[:, 1:].min(axis=1),
        "mean over the input + first 8": own[:, :9].mean(axis=1),
        "mean over the input + 12 (kept)": own.mean(axis=1),
        "mean margin over the input + 12": own.mean(axis=1) - others.max(axis=1),
        # ties broken by the top probability, so that a threshold can split them
        "variants agreeing": (probs[:, 1:].argmax(axis=2) == answer[:, None]).mean(axis=1)
        + 1e-3 * own[:, 0],
    }


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def logistic_score(fitting: Judged) -> Callable[[np.ndarray], np.ndarray]:
    """A logistic regression of "right" on the logits of the top probability, the mean and
    the min over the variants, and the agreement, fitted on `fitting`: probs -> score."""
    def x(probs: np.ndarray) -> np.ndarray:
        s = scores(probs)
        return np.stack([_logit(s["top probability"]), _logit(s["mean over the input + 12 (kept)"]),
                         _logit(s["min over the 12 variants"]), s["variants agreeing"]], axis=1)

    mean, scale, w = fit_logistic(x(fitting.probs), fitting.own_right.astype(float), 1.0)
    return lambda probs: (x(probs) - mean) / scale @ w[1:] + w[0]


def wrong_flagged(score: np.ndarray, right: np.ndarray, share: float = RIGHT_SHARE) -> float:
    """Share of the wrong answers flagged by the threshold that flags `share` of the right."""
    return float((score < np.quantile(score[right], share))[~right].mean())


def old_rule(probs: np.ndarray) -> np.ndarray:
    """The rule before (top probability < 0.60, or one of the first 8 variants giving the
    answer < 0.40): flagged (N,), for the comparison column."""
    answer = probs[:, 0].argmax(axis=1)
    own = probs[np.arange(len(probs)), :9, answer]
    return (own[:, 0] < 0.60) | (own[:, 1:].min(axis=1) < 0.40)


def row(name: str, classifier, judged: Judged) -> str:
    """One line of the model card's table for `judged` with the rule in the classifier."""
    flagged = classifier.not_sure_flags(judged.answer, judged.stability)
    right, old, own = judged.right, old_rule(judged.probs), judged.own_right
    sure = ~flagged
    return (f"| {name} | {right.mean():.2%} ({(~right).sum()} wrong) | "
            f"{flagged[~right].mean():.0%} | {flagged[right].mean():.1%} | "
            f"{flagged.mean():.1%} | {right[sure].mean():.2%} ({(~right & sure).sum()} wrong) | "
            f"{own.mean():.2%}: {old[~own].mean():.0%} / {old[own].mean():.1%} |")


def _styles(classifier) -> Judged:
    from lenet.devtools.styles import CANVAS, STYLES, draw_style_set
    from lenet.ink import preprocess_image, preprocess_strokes, render_strokes

    inputs, labels = [], []
    for style in STYLES:
        drawings, truth = draw_style_set(style, 60, 0)
        for strokes, label in zip(drawings, truth, strict=True):
            ink = render_strokes(strokes, (CANVAS, CANVAS), supersample=2)
            paper = np.round(255.0 * (1.0 - ink)).astype(np.uint8)
            for pre in (preprocess_strokes(strokes, (CANVAS, CANVAS)), preprocess_image(paper)):
                if pre.image is not None:
                    inputs.append(pre.image)
                    labels.append(label)
    return Judged(classifier, np.stack(inputs), np.array(labels))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lenet.devtools.fit_not_sure", description=__doc__)
    ap.add_argument("--n", type=int, default=6000, help="drawn digits per fitting seed (6000)")
    ap.add_argument("--dev-n", type=int, default=2500, help="drawn digits per test seed (2500)")
    ap.add_argument("--report", type=int, nargs="*", default=None, metavar="SEED",
                    help="measure the rule on drawn test sets of these seeds instead of fitting")
    ap.add_argument("--mnist", action="store_true", help="with --report: MNIST test too")
    ap.add_argument("--styles", action="store_true", help="with --report: the writing styles")
    ap.add_argument("--cache", type=Path, default=None, help="folder to keep drawn inputs in")
    ap.add_argument("--sheets", type=Path, default=None, metavar="DIR",
                    help="with --report: save a PNG of each drawn set's wrong answers here")
    ap.add_argument("--data-dir", default=None, help="MNIST folder (default: LENET_DATA_DIR)")
    ap.add_argument("--model", type=Path, default=None, help="model (default: bundled)")
    args = ap.parse_args(argv)

    from lenet.data.mnist import load_mnist
    from lenet.model_file import bundled_model_path, load_model

    classifier = load_model(args.model or bundled_model_path())
    mnist = load_mnist(args.data_dir)
    test = (mnist.test_images, mnist.test_labels)

    def drawn(images, labels, n, seed) -> dict[str, Judged]:
        cache = args.cache / ("test" if images is mnist.test_images else "train") \
            if args.cache else None
        return {p: Judged(classifier, *xy)
                for p, xy in drawn_inputs(images, labels, n, seed, cache).items()}

    if args.report is not None:
        print("| set | accuracy | wrong answers flagged | right answers flagged | share flagged "
              "| accuracy of the unflagged answers | first network alone: accuracy, the rule "
              "before: flagged wrong / right |")
        for seed in args.report:  # the inputs drawn (or read from the cache) once per seed
            sets = drawn_inputs(*test, args.dev_n, seed,
                                args.cache / "test" if args.cache else None, with_sources=True)
            for path, (x, y, sources) in sets.items():
                j = Judged(classifier, x, y)
                print(row(f"drawn, seed {seed}, {path}", classifier, j), flush=True)
                if args.sheets:
                    error_sheet(classifier, j, x, test[0][sources],
                                args.sheets / f"wrong_seed{seed}_{path}.png")
        if args.mnist:
            x = mnist.test_images.astype(np.float32) / 255.0
            print(row("MNIST test", classifier, Judged(classifier, x, mnist.test_labels)))
        if args.styles:
            print(row("writing styles, both paths", classifier, _styles(classifier)))
        t = time.perf_counter()
        for _ in range(200):
            classifier.classify(x0 := test[0][0].astype(np.float32) / 255.0)
        print(f"# classify: {(time.perf_counter() - t) / 200 * 1e3:.2f} ms a digit "
              f"({x0.shape}, all variants)", file=sys.stderr)
        return 0

    fitting = Judged.joined([j for seed in FIT_SEEDS
                             for j in drawn(mnist.train_images, mnist.train_labels, args.n,
                                            seed).values()])
    development = Judged.joined(list(drawn(*test, args.dev_n, DEV_SEED).values()))
    logistic = logistic_score(fitting)
    print(f"| score | drawn training digits ({(~fitting.own_right).sum()} wrong) | development "
          f"set ({(~development.own_right).sum()} wrong) |")
    fit_scores, dev_scores = scores(fitting.probs), scores(development.probs)
    fit_scores["logistic, 4 features"] = logistic(fitting.probs)
    dev_scores["logistic, 4 features"] = logistic(development.probs)
    for name, score in fit_scores.items():
        print(f"| {name} | {wrong_flagged(score, fitting.own_right):.0%} | "
              f"{wrong_flagged(dev_scores[name], development.own_right):.0%} |")
    for name, j in (("training digits", fitting), ("development", development)):
        old = old_rule(j.probs)
        print(f"| the rule before (flags {old[j.own_right].mean():.1%} of the right answers of "
              f"the {name}) | {old[~j.own_right].mean():.0%} |")
    kept = dev_scores["mean over the input + 12 (kept)"][development.own_right]
    print(f"UNSTABLE_BELOW = {np.quantile(kept, RIGHT_SHARE):.4g}")
    if classifier.second_opinions:  # the lowest of the networks' means
        print(f"| the lowest of {1 + len(classifier.second_opinions)} networks' means (kept) | "
              f"{wrong_flagged(fitting.stability, fitting.right):.0%} | "
              f"{wrong_flagged(development.stability, development.right):.0%} |")
        lowest = development.stability[development.right]
        print("UNSTABLE_BELOW_WITH_SECOND_OPINIONS = "
              f"{np.quantile(lowest, RIGHT_SHARE):.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
