"""``lenet predict``: classify image files and ink files, one answer per file, the model
loaded once.

Every file gets an answer in input order: a digit with its confidence, the ten
probabilities (with the bundled model, the mean of its three networks', as in the app:
`Classifier.proba_and_stability`), ``not_sure`` and ``not_a_digit`` (a scribble, a letter, a shape:
`lenet.ink.not_a_digit`; a solid blob of ink has no digit at all, ``digit`` null), or an
``error`` saying why it could not be read (the other files are still answered). With
``multi`` the file may hold several digits side by side, touching or not;
``lenet.ink.number_reader`` reads them left to right into a ``number``.

A ``.json`` file is an ink file (`lenet.ink.ink_file`: the strokes the app saves): it is read
exactly as the app reads the same strokes — `preprocess_strokes` for one digit,
`read_strokes` at NUMBER_INK_SCALE for a number.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from lenet.classifier import Classifier
from lenet.ink import (
    NUMBER_INK_SCALE,
    ImageError,
    InkFileError,
    ReadDigit,
    load_image,
    load_ink,
    preprocess_ink,
    preprocess_strokes,
    read_number,
    read_strokes,
    to_ink,
)
from lenet.ink.not_a_digit import not_a_digit_for

CHUNK = 256  # files preprocessed before one batched forward pass


def _answer(classifier: Classifier, probabilities: np.ndarray, stability: float,
            image: np.ndarray) -> dict:
    pred = classifier.prediction_from(probabilities, stability)
    return {
        "digit": pred.digit,
        "confidence": round(pred.confidence, 6),
        "not_sure": pred.not_sure,
        "not_a_digit": not_a_digit_for(classifier, image, probabilities),
    }


SOLID = {"digit": None, "confidence": None, "not_sure": None, "not_a_digit": True}
"""The answer for ink too solid to be strokes (a filled blob): not a digit, no network."""


def _prepare(
    path: str, reader: Classifier | None
) -> tuple[np.ndarray | None, list[dict] | None, str | None]:
    """(28x28 input of the whole file, its digits if `reader` is given, error); no input
    and no error: the ink is solid (not a digit)."""
    read: list[ReadDigit] = []
    try:
        if Path(path).suffix.lower() == ".json":
            drawing = load_ink(path)
            single = preprocess_strokes(drawing.strokes, drawing.canvas_size)
            if reader is not None and not single.empty:
                read = read_strokes(drawing.strokes, drawing.canvas_size, reader,
                                    NUMBER_INK_SCALE)
        else:
            ink = to_ink(load_image(path))
            single = preprocess_ink(ink)
            if reader is not None and not single.empty:
                read = read_number(ink, reader)
    except (ImageError, InkFileError) as e:
        return None, None, str(e)
    if single.solid:
        return None, [] if reader is not None else None, None
    if single.empty:
        return None, None, "no digit found: the drawing is empty or nearly empty"
    digits = None
    if reader is not None:
        # as the app does: each digit's answer and stability from all its variants
        probs, stable = (reader.proba_and_stability(np.stack([d.preprocessed.image for d in read]))
                         if read else ([], []))
        digits = [{"box": list(map(int, d.box)),
                   **_answer(reader, p, float(s), d.preprocessed.image)}
                  for d, p, s in zip(read, probs, stable, strict=True)]
    return single.image, digits, None


def predict_files(
    classifier: Classifier, paths: Sequence[str], multi: bool = False
) -> Iterator[dict]:
    """One result dict per path, in order (see the module docstring for the keys)."""
    for start in range(0, len(paths), CHUNK):
        chunk = paths[start : start + CHUNK]
        prepared = [_prepare(p, classifier if multi else None) for p in chunk]
        inputs = [image for image, _, _ in prepared if image is not None]
        probs, stable = (classifier.proba_and_stability(np.stack(inputs)) if inputs
                         else (np.empty((0, 10)), np.empty(0)))
        row = 0
        for path, (image, digits, error) in zip(chunk, prepared, strict=True):
            if error is not None:
                yield {"file": path, "error": error}
                continue
            if image is None:
                result = {"file": path, **SOLID, "probabilities": None}
            else:
                p, stability = probs[row], float(stable[row])
                row += 1
                result = {"file": path, **_answer(classifier, p, stability, image),
                          "probabilities": [round(float(v), 6) for v in p]}
            if digits is not None:
                result["number"] = "".join(str(d["digit"]) for d in digits)
                result["digits"] = digits
            yield result


def add_predict_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict", help="classify image files (PNG, JPEG, BMP, TIFF) or ink files (.json)"
    )
    p.add_argument("images", nargs="+", metavar="FILE",
                   help="an image, or an ink file: the strokes the app saves (.json)")
    p.add_argument("--model", type=Path, default=None, help="model file (default: bundled)")
    p.add_argument("--json", action="store_true", help="one JSON object per line per image")
    p.add_argument(
        "--multi", action="store_true", help="read several digits written side by side as a number"
    )
    p.set_defaults(func=cmd_predict)


def cmd_predict(args: argparse.Namespace) -> int:
    from lenet.model_file import bundled_model_path, load_model

    classifier = load_model(args.model or bundled_model_path())
    failures = 0
    for result in predict_files(classifier, args.images, multi=args.multi):
        failures += "error" in result
        if args.json:
            print(json.dumps(result), flush=True)
        elif "error" in result:
            print(f"{result['file']}: error: {result['error']}")
        elif result["digit"] is None:
            print(f"{result['file']}: not a digit (a solid patch of ink)")
        elif args.multi:
            digits = "  ".join(f"{d['digit']} {d['confidence']:.0%}" + ("?" if d["not_sure"]
                               else "") for d in result["digits"])
            print(f"{result['file']}: number {result['number']}  ({digits})")
        elif result["not_a_digit"]:
            print(f"{result['file']}: not a digit (it looks most like {result['digit']}, "
                  f"{result['confidence']:.1%})")
        else:
            doubt = "  (not sure)" if result["not_sure"] else ""
            print(f"{result['file']}: {result['digit']}  {result['confidence']:.1%}{doubt}")
    if failures:
        print(f"{failures} of {len(args.images)} images could not be classified", file=sys.stderr)
    return 1 if failures else 0
