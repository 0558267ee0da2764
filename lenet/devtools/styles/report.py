"""Per-style accuracy through the product's two paths, and the command line.

``python -m lenet.devtools.styles [--n 60] [--seed 0] [--model PATH] [--json] [--sheet PNG]``
draws n digits of every writing style in `STYLES` and reads them as the app does (strokes →
`preprocess_strokes` → `Classifier.classify`) and as ``lenet predict`` does (the drawing
rendered with its own pen → `preprocess_image`), printing accuracy and the "not sure" share
per style. Seed 0 is the reported one; develop on other seeds.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from lenet.devtools.styles.draw import CANVAS, STYLES, Style, draw_style_set
from lenet.ink import preprocess_image, preprocess_strokes, render_strokes


@dataclass(frozen=True)
class StyleScore:
    """One style's figures: n drawings, share right and share flagged "not sure" per path."""

    style: str
    n: int
    strokes_right: float
    strokes_not_sure: float
    image_right: float
    image_not_sure: float
    commonest_miss: str  # e.g. "7 (12 of 60)" on the strokes path, "" if none


def _read(classifier, image: np.ndarray | None) -> tuple[int, bool]:
    if image is None:
        return -1, True
    p = classifier.classify(image)
    return p.digit, p.not_sure


def score_style(classifier, style: Style, n: int, seed: int, image_path: bool = True
                ) -> StyleScore:
    """Read n drawings of `style` (seed `seed`) through both paths (image path optional)."""
    drawings, labels = draw_style_set(style, n, seed)
    s_right = s_flag = i_right = i_flag = 0
    misses: list[int] = []
    for strokes, label in zip(drawings, labels, strict=True):
        digit, flag = _read(classifier, preprocess_strokes(strokes, (CANVAS, CANVAS)).image)
        s_right += digit == label
        s_flag += flag
        if digit != label:
            misses.append(digit)
        if image_path:
            ink = render_strokes(strokes, (CANVAS, CANVAS), supersample=2)
            paper = np.round(255.0 * (1.0 - ink)).astype(np.uint8)
            digit, flag = _read(classifier, preprocess_image(paper).image)
            i_right += digit == label
            i_flag += flag
    miss = ""
    if misses:
        values, counts = np.unique(misses, return_counts=True)
        k = int(counts.argmax())
        miss = f"{values[k]} ({counts[k]} of {n})"
    m = image_path and n
    return StyleScore(style.name, n, s_right / n, s_flag / n,
                      i_right / n if m else float("nan"), i_flag / n if m else float("nan"),
                      miss)


def style_report(classifier, n: int = 60, seed: int = 0,
                 styles: Sequence[Style] = STYLES) -> list[StyleScore]:
    return [score_style(classifier, s, n, seed) for s in styles]


def format_report(scores: Sequence[StyleScore]) -> str:
    lines = ["| style | strokes: right | not sure | image: right | not sure | commonest miss |",
             "| --- | --- | --- | --- | --- | --- |"]
    for s in scores:
        lines.append(f"| {s.style} | {100 * s.strokes_right:.0f} % | "
                     f"{100 * s.strokes_not_sure:.0f} % | {100 * s.image_right:.0f} % | "
                     f"{100 * s.image_not_sure:.0f} % | {s.commonest_miss or '-'} |")
    plain = [s for s in scores if s.style.startswith("plain")]
    other = [s for s in scores if not s.style.startswith("plain")]
    for name, group in (("plain forms", plain), ("other styles", other)):
        if group:
            lines.append(f"| **{name}, mean** | "
                         f"{100 * np.mean([s.strokes_right for s in group]):.1f} % | "
                         f"{100 * np.mean([s.strokes_not_sure for s in group]):.0f} % | "
                         f"{100 * np.mean([s.image_right for s in group]):.1f} % | "
                         f"{100 * np.mean([s.image_not_sure for s in group]):.0f} % | |")
    return "\n".join(lines)


def contact_sheet(path: Path, n: int, seed: int, cell: int = 64) -> None:
    """A PNG with n drawings of every style, one row per style (to look at the set)."""
    from PIL import Image

    rows = []
    for style in STYLES:
        drawings, _ = draw_style_set(style, n, seed)
        ink = [render_strokes(d, (cell, cell), scale=cell / CANVAS) for d in drawings]
        rows.append(np.concatenate(ink, axis=1))
    sheet = np.round(255 * (1 - np.concatenate(rows, axis=0))).astype(np.uint8)
    Image.fromarray(sheet).save(path)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lenet.devtools.styles",
                                 description="Accuracy per writing style, on drawn digits.")
    ap.add_argument("--n", type=int, default=60, help="drawings per style (default 60)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0: reported)")
    ap.add_argument("--model", type=Path, default=None, help="model file (default: bundled)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--sheet", type=Path, default=None, help="also save a contact sheet PNG")
    args = ap.parse_args(argv)
    from lenet.model_file import bundled_model_path, load_model

    classifier = load_model(args.model or bundled_model_path())
    if args.sheet is not None:
        contact_sheet(args.sheet, 10, args.seed)
    scores = style_report(classifier, args.n, args.seed)
    if args.json:
        print(json.dumps([asdict(s) for s in scores], indent=1))
    else:
        print(format_report(scores))
    return 0
