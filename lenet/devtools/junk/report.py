"""``python -m lenet.devtools.junk``: the "not a digit" rule on held-out junk and digits.

Junk drawings of a seed the rule was not fitted on (the fit uses
`lenet.devtools.fit_not_a_digit.FIT_SEED`), drawn MNIST *test* digits, MNIST test digits
as they are and the writing styles of `lenet.devtools.styles` (seed 0; the fit uses
another), with the bundled model (or ``--model``): the share of junk rejected per kind and
the share of digits wrongly rejected, through the strokes path (the app's canvas) and the
image path (``lenet predict``), and what the rule costs per answer.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lenet.classifier import Classifier
from lenet.devtools.drawn.redraw import CANVAS, load_test_digits
from lenet.devtools.junk.measure import (
    Judged,
    digits_judged,
    junk_judged,
    mnist_judged,
    rates,
    styles_judged,
)
from lenet.ink import ClassifierLike, preprocess_strokes
from lenet.ink.not_a_digit import not_a_digit_for


def rule_ms(classifier: ClassifierLike, drawings: Sequence, canvas: int) -> float:
    """Milliseconds the rule adds to one live answer (the novelty, if the model has its
    statistics, the features and P; mean over drawings)."""
    pres = [p for p in (preprocess_strokes(d, (canvas, canvas)) for d in drawings)
            if p.image is not None]
    probs = classifier.predict_proba(np.stack([p.image for p in pres]))
    not_a_digit_for(classifier, pres[0].image, probs[0])  # the skeleton's kernel loaded
    t0 = time.perf_counter()
    for p, q in zip(pres, probs, strict=True):
        not_a_digit_for(classifier, p.image, q)
    return 1000.0 * (time.perf_counter() - t0) / len(pres)


def _shares(names: Sequence[str], judged: Judged) -> dict[str, float]:
    return {k: round(v, 4) for k, v in rates(names, judged).items()}


def not_a_digit_report(classifier: Classifier, n_junk: int = 1200, junk_seed: int = 1,
                       n_digits: int = 2000, digit_seed: int = 0, n_mnist: int = 10000,
                       data_dir: str | None = None, n_per_style: int = 60) -> dict[str, Any]:
    """The figures as a dict: junk {strokes, image: {kind: share rejected, "all"}},
    drawn_digits {n, strokes, image: share wrongly rejected, per_class}, mnist_test {n,
    image}, styles {n per style, strokes, image: {style: share wrongly rejected, "all"}},
    rule_ms, seconds."""
    from lenet.devtools.junk.shapes import make_junk_set

    t0 = time.perf_counter()
    kinds, js, ji = junk_judged(n_junk, junk_seed, classifier)
    names, ss, si = styles_judged(n_per_style, 0, classifier)
    images, labels = load_test_digits(data_dir)
    truth, ds, di = digits_judged(images, labels, n_digits, digit_seed, classifier)
    rs, ri = ds.rejected(), di.rejected()
    per_class = {str(c): {"strokes": round(float(rs[truth == c].mean()), 4),
                          "image": round(float(ri[truth == c].mean()), 4)} for c in range(10)}
    mnist = mnist_judged(images[:n_mnist], classifier)
    return {
        "junk": {"n": n_junk, "seed": junk_seed,
                 "strokes": _shares(kinds, js), "image": _shares(kinds, ji)},
        "drawn_digits": {"n": n_digits, "seed": digit_seed, "strokes": round(float(rs.mean()), 4),
                         "image": round(float(ri.mean()), 4), "per_class": per_class},
        "mnist_test": {"n": int(min(n_mnist, len(images))),
                       "image": round(float(mnist.rejected().mean()), 4)},
        "styles": {"n": n_per_style, "seed": 0, "strokes": _shares(names, ss),
                   "image": _shares(names, si)},
        "rule_ms": round(rule_ms(classifier, make_junk_set(120, junk_seed)[0], CANVAS), 3),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _format(r: dict[str, Any]) -> str:
    junk = r["junk"]
    lines = [f"junk rejected (n={junk['n']}, seed {junk['seed']}):   strokes   image"]
    for kind in junk["strokes"]:
        lines.append(f"  {kind:<20} {junk['strokes'][kind]:8.1%} {junk['image'][kind]:7.1%}")
    d = r["drawn_digits"]
    lines.append(f"drawn test digits wrongly rejected (n={d['n']}, seed {d['seed']}): "
                 f"strokes {d['strokes']:.2%}, image {d['image']:.2%}")
    lines.append("  per class (strokes/image): " + ", ".join(
        f"{c} {v['strokes']:.1%}/{v['image']:.1%}" for c, v in d["per_class"].items()))
    m = r["mnist_test"]
    lines.append(f"MNIST test digits wrongly rejected (n={m['n']}, image path): {m['image']:.2%}")
    st = r["styles"]
    lines.append(f"writing-style digits wrongly rejected (n={st['n']} per style, seed "
                 f"{st['seed']}): strokes {st['strokes']['all']:.2%}, image "
                 f"{st['image']['all']:.2%}")
    lines += [f"  {name:<28} {st['strokes'][name]:6.1%} {st['image'][name]:6.1%}"
              for name in st["strokes"] if name != "all"
              and st["strokes"][name] + st["image"][name] > 0]
    lines.append(f"the rule per live answer: {r['rule_ms']} ms ({r['seconds']} s in all)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lenet.devtools.junk", description=__doc__)
    ap.add_argument("--n", type=int, default=1200, help="junk drawings (default 1200)")
    ap.add_argument("--seed", type=int, default=1, help="junk seed (default 1; fitted on 100)")
    ap.add_argument("--digits", type=int, default=2000, help="drawn test digits (default 2000)")
    ap.add_argument("--mnist", type=int, default=10000, help="MNIST test digits (10000)")
    ap.add_argument("--model", type=Path, default=None, help="model file (default: bundled)")
    ap.add_argument("--data-dir", default=None, help="MNIST folder (default: LENET_DATA_DIR)")
    ap.add_argument("--json", action="store_true", help="the figures as JSON")
    args = ap.parse_args(argv)

    from lenet.model_file import bundled_model_path, load_model

    classifier = load_model(args.model or bundled_model_path())
    report = not_a_digit_report(classifier, args.n, args.seed, args.digits, 0, args.mnist,
                                args.data_dir)
    print(json.dumps(report, indent=2) if args.json else _format(report))
    return 0


__all__ = ["main", "not_a_digit_report"]
