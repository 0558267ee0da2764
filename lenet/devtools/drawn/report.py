"""The drawn-digit report: a classifier measured on the drawn set, and the command line.

`drawn_accuracy` classifies the drawings through the two product paths (strokes →
`preprocess_strokes`, the app's canvas; rendered images → `preprocess_image`, ``lenet
predict`` on a PNG) and reads the multi-digit strips as numbers (`read_number` on the image,
``lenet predict --multi``; `read_strokes` on the strokes, the app's number mode).
`contact_sheet` saves a PNG for people to look at; `main` is ``python -m
lenet.devtools.drawn``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from lenet.devtools.drawn.redraw import (
    CANVAS,
    drawn_indices,
    load_test_digits,
    make_drawn_set,
    render_drawn_set,
    to_uint8,
)
from lenet.devtools.drawn.strip_reading import strip_report
from lenet.devtools.drawn.strips import make_number_strips, make_strips_from, render_strip
from lenet.ink import ClassifierLike, preprocess_image, preprocess_strokes, render_strokes

# --------------------------------------------------------------------------- measuring


def _predict(classifier: ClassifierLike, images: list[np.ndarray | None]) -> np.ndarray:
    """Predicted digits (-1 for an empty input) of 28x28 images (None = empty)."""
    out = np.full(len(images), -1, np.int64)
    real = [i for i, im in enumerate(images) if im is not None]
    if real:
        probs = classifier.predict_proba(np.stack([images[i] for i in real]))
        out[real] = probs.argmax(axis=1)
    return out


def drawn_accuracy(
    classifier: ClassifierLike,
    n: int = 1000,
    seed: int = 0,
    data_dir: str | os.PathLike[str] | None = None,
    n_strips: int | None = None,
    canvas: int = CANVAS,
    digits: tuple[np.ndarray, np.ndarray] | None = None,
    style_strips: int = 0,
) -> dict[str, Any]:
    """Accuracy of `classifier` on n drawn MNIST **test** digits (never training digits).

    The drawings (`make_drawn_set(..., n, seed)`) are classified through both product
    paths: the strokes through `preprocess_strokes` (the app's canvas) and the rendered
    dark-on-light images through `preprocess_image` (``lenet predict`` on PNG files).
    `n_strips` multi-digit strips (default n // 5) are read from the rendered image through
    `lenet.ink.read_number` (``lenet predict --multi``) and from the strokes through
    `read_strokes` (the app's number mode); a strip counts only if the whole number is read
    exactly; `style_strips` more strips are drawn from the writing-style templates
    (`lenet.devtools.styles`) instead of MNIST digits. `digits` = (images, labels)
    replaces loading MNIST's test set from `data_dir` (None: LENET_DATA_DIR).

    Returns a dict: n, seed, canvas, strokes_accuracy, image_accuracy, paths_agree (the
    fraction where both paths give the same digit), per_class {digit: {n, strokes, image}},
    confusions [[true, predicted, count], ...] of the strokes path (most frequent first),
    empty (how many drawings a path found empty), failures (up to 50 strokes-path errors:
    position in the set, MNIST test index, true, predicted), strips {n, exact, accuracy,
    count_correct, touching, accuracy_apart/_touching, strokes_accuracy(_apart, _touching),
    failures} (`strip_report`), style_strips (the same, if asked for) and seconds.
    """
    t0 = time.perf_counter()
    images, labels = digits if digits is not None else load_test_digits(data_dir)
    idx = drawn_indices(len(images), n, seed)
    drawings, truth = make_drawn_set(images, labels, n, seed, canvas)
    by_strokes = [preprocess_strokes(d, (canvas, canvas)) for d in drawings]
    by_image = [preprocess_image(im) for im in render_drawn_set(drawings, canvas)]
    pred_s = _predict(classifier, [p.image for p in by_strokes])
    pred_i = _predict(classifier, [p.image for p in by_image])
    ok_s, ok_i = pred_s == truth, pred_i == truth
    per_class = {}
    for c in range(10):
        sel = truth == c
        m = int(sel.sum())
        per_class[str(c)] = {
            "n": m,
            "strokes": round(float(ok_s[sel].mean()), 4) if m else None,
            "image": round(float(ok_i[sel].mean()), 4) if m else None,
        }
    pairs: dict[tuple[int, int], int] = {}
    for t, p in zip(truth[~ok_s], pred_s[~ok_s], strict=True):
        pairs[(int(t), int(p))] = pairs.get((int(t), int(p)), 0) + 1
    confusions = [[t, p, c] for (t, p), c in sorted(pairs.items(), key=lambda kv: -kv[1])]
    failures = [
        {
            "item": int(j),
            "mnist_index": int(idx[j]),
            "true": int(truth[j]),
            "strokes": int(pred_s[j]),
            "image": int(pred_i[j]),
        }
        for j in np.flatnonzero(~ok_s)[:50]
    ]

    n_strips = n // 5 if n_strips is None else n_strips
    strips = strip_report(make_number_strips(images, labels, n_strips, seed), classifier)
    if style_strips:
        from lenet.devtools.styles.draw import strip_digits  # the styles use this package

        styled = strip_report(make_strips_from(strip_digits(), style_strips, seed),
                              classifier)

    meta = getattr(classifier, "metadata", None) or {}
    return {
        "model": {
            "description": meta.get("description"),
            "test_accuracy": meta.get("test_accuracy"),
            "params_sha256": meta.get("params_sha256"),
        },
        "n": int(n),
        "seed": int(seed),
        "canvas": int(canvas),
        "source": "MNIST test set (t10k), redrawn as mouse strokes",
        "strokes_accuracy": round(float(ok_s.mean()), 4) if n else None,
        "image_accuracy": round(float(ok_i.mean()), 4) if n else None,
        "paths_agree": round(float((pred_s == pred_i).mean()), 4) if n else None,
        "per_class": per_class,
        "confusions": confusions,
        "empty": {"strokes": int((pred_s < 0).sum()), "image": int((pred_i < 0).sum())},
        "failures": failures,
        "strips": strips,
        **({"style_strips": styled} if style_strips else {}),
        "seconds": round(time.perf_counter() - t0, 1),
    }


# --------------------------------------------------------------------------- looking at it


def contact_sheet(
    mnist_images: np.ndarray,
    mnist_labels: np.ndarray,
    n: int,
    seed: int,
    path: str | os.PathLike[str],
    classifier: ClassifierLike | None = None,
    cols: int = 4,
    canvas: int = CANVAS,
) -> Path:
    """Save a PNG showing, for the first n drawings of `make_drawn_set(..., n, seed)`: the
    original MNIST digit, the drawing (rendered on its canvas) and the 28x28 image the
    network gets from `preprocess_strokes`, with the label (and the prediction, marked
    when wrong, if a classifier is given). For people to look at."""
    from PIL import ImageDraw

    drawings, truth = make_drawn_set(mnist_images, mnist_labels, n, seed, canvas)
    idx = drawn_indices(len(mnist_images), n, seed)
    cell, small = 140, 84
    tile_w, tile_h = small + cell + small + 12, cell + 18
    rows = math.ceil(n / cols)
    sheet = Image.new("RGB", (cols * tile_w, rows * tile_h), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    pre = [preprocess_strokes(d, (canvas, canvas)) for d in drawings]
    preds = None
    if classifier is not None:
        preds = _predict(classifier, [p.image for p in pre])
    for k, (d, t, p) in enumerate(zip(drawings, truth, pre, strict=True)):
        x, y = (k % cols) * tile_w, (k // cols) * tile_h
        orig = Image.fromarray(255 - mnist_images[idx[k]]).resize((small, small), Image.NEAREST)
        sheet.paste(orig.convert("RGB"), (x + 2, y + 2))
        rendered = Image.fromarray(to_uint8(render_strokes(d, (canvas, canvas))))
        sheet.paste(rendered.resize((cell, cell), Image.BOX).convert("RGB"), (x + small + 4, y))
        draw.rectangle(
            [x + small + 4, y, x + small + 4 + cell - 1, y + cell - 1], outline=(180, 180, 180)
        )
        if p.image is not None:
            net = Image.fromarray(np.round(255 * (1 - p.image)).astype(np.uint8))
            sheet.paste(
                net.resize((small, small), Image.NEAREST).convert("RGB"),
                (x + small + cell + 6, y + 2),
            )
        label = f"{int(t)}  pen {d[0].width:.0f}  {len(d)} str"
        colour = (0, 0, 0)
        if preds is not None:
            label += f"  -> {int(preds[k])}"
            if preds[k] != t:
                colour = (220, 0, 0)
        draw.text((x + 4, y + cell + 3), label, fill=colour)
    out = Path(path)
    sheet.save(out)
    return out


# ------------------------------------------------------------------------------ CLI


def _format(report: dict[str, Any]) -> str:
    model = report.get("model", {})
    lines = [
        f"Drawn digits: {report['n']} MNIST test digits redrawn as mouse strokes "
        f"(seed {report['seed']}, {report['canvas']}x{report['canvas']} canvas)",
        f"  model: {model.get('description')} (params {str(model.get('params_sha256'))[:12]})",
        f"  strokes → preprocess_strokes (app):     {report['strokes_accuracy']:.2%}",
        f"  PNG-like image → preprocess_image (CLI): {report['image_accuracy']:.2%}",
        f"  both paths agree:                        {report['paths_agree']:.2%}",
        f"  empty inputs: strokes {report['empty']['strokes']}, image {report['empty']['image']}",
        "  per class (strokes / image):",
    ]
    for c, v in report["per_class"].items():
        if v["n"]:
            lines.append(f"    {c}: {v['strokes']:.2%} / {v['image']:.2%}  (n={v['n']})")
    if report["confusions"]:
        top = ", ".join(f"{t}→{p} x{c}" for t, p, c in report["confusions"][:10])
        lines.append(f"  most frequent errors (strokes path): {top}")
    for title, key in (("multi-digit strips", "strips"),
                       ("strips of writing-style template digits", "style_strips")):
        s = report.get(key)
        if not s or not s["n"]:
            continue
        lines.append(
            f"  {title} (2-6 digits, {s['touching']} of {s['n']} with touching digits), "
            f"read exactly:"
        )
        for name, rate in (("image → read_number (CLI --multi)", "accuracy"),
                           ("strokes → read_strokes (app)", "strokes_accuracy")):
            parts = [f"{s[rate]:.2%}"]
            if s[rate + "_apart"] is not None:
                parts.append(f"digits apart {s[rate + '_apart']:.2%} (n={s['n'] - s['touching']})")
            if s[rate + "_touching"] is not None:
                parts.append(f"some touching {s[rate + '_touching']:.2%} (n={s['touching']})")
            lines.append(f"    {name}: " + ", ".join(parts))
        lines.append(f"    digit count right (image): {s['count_correct']:.2%}")
        for name, pre in (("image", ""), ("strokes", "strokes_")):
            if s.get(pre + "digits_alone_right") is None:
                continue
            lines.append(
                f"    {name}, the digits as shown (every network's answer): "
                f"{s[pre + 'accuracy_shown']:.2%}; every digit right when read alone: "
                f"{s[pre + 'digits_alone_right']:.2%} of the strips, read exactly: "
                f"{s[pre + 'accuracy_given_alone_right'] or 0:.2%}; shown with doubt: "
                f"{s[pre + 'doubted_wrong'] or 0:.0%} of the misread strips, "
                f"{s[pre + 'doubted_right'] or 0:.0%} of the right ones")
    lines.append(f"  ({report['seconds']} s)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m lenet.devtools.drawn``: print the drawn-digit accuracy report."""
    ap = argparse.ArgumentParser(
        prog="python -m lenet.devtools.drawn",
        description="Accuracy on MNIST test digits redrawn as mouse drawings "
        "(app path and image path, per class, multi-digit strips).",
    )
    ap.add_argument("--n", type=int, default=2000, help="number of drawn digits (default 2000)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--strips", type=int, default=None, help="multi-digit strips (default n/5)")
    ap.add_argument("--style-strips", type=int, default=0, metavar="N",
                    help="also N strips of writing-style template digits (default 0)")
    ap.add_argument("--model", type=Path, default=None, help="model file (default: bundled)")
    ap.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="MNIST folder (default: $LENET_DATA_DIR or the download cache)",
    )
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument(
        "--save-dir",
        type=Path,
        default=None,
        help="also write the rendered drawings as PNG files (for `lenet predict`)",
    )
    ap.add_argument(
        "--sheet",
        type=Path,
        default=None,
        help="also save a contact sheet PNG of the first 40 drawings",
    )
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be at least 1")

    from lenet.model_file import bundled_model_path, load_model

    classifier = load_model(args.model or bundled_model_path())
    digits = load_test_digits(args.data_dir)
    report = drawn_accuracy(classifier, args.n, args.seed, n_strips=args.strips, digits=digits,
                            style_strips=args.style_strips)
    if args.save_dir is not None:
        args.save_dir.mkdir(parents=True, exist_ok=True)
        drawings, truth = make_drawn_set(*digits, args.n, args.seed)
        for k, (im, t) in enumerate(zip(render_drawn_set(drawings), truth, strict=True)):
            Image.fromarray(im).save(args.save_dir / f"drawn_{k:05d}_label{int(t)}.png")
        for k, s in enumerate(make_number_strips(*digits, report["strips"]["n"], args.seed)):
            Image.fromarray(render_strip(s)).save(args.save_dir / f"strip_{k:04d}_{s.number}.png")
        report["save_dir"] = str(args.save_dir)
    if args.sheet is not None:
        report["sheet"] = str(contact_sheet(*digits, 40, args.seed, args.sheet, classifier))
    print(json.dumps(report, indent=2) if args.json else _format(report))
    return 0
