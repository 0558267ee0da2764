"""A per-style drawn test set: the common ways of writing digits that MNIST rarely shows.

A continental 1 with a long flag (with or without a base), a crossed 7, an open 4 in one
stroke ("ч"), a 4 that nearly closes at the top, slashed and open 0s, a 6 whose loop
overshoots the stem, 9s with a straight or curled foot, bold strokes and flat digits, plus
the plain form of every digit as the control. A development tool: the app never runs it.

    templates  one function per style: the digit's strokes in digit units (height 1)
    draw       STYLES, and drawing them with a writer's variation on a 512-px canvas
    report     per-style accuracy and "not sure" share through both paths, the command line

Run ``python -m lenet.devtools.styles [--n 60] [--seed 0] [--model PATH]``.
"""

from lenet.devtools.styles.draw import CANVAS, STYLES, Style, draw_style_set, style_named
from lenet.devtools.styles.report import StyleScore, score_style, style_report

__all__ = ["CANVAS", "STYLES", "Style", "StyleScore", "draw_style_set", "score_style",
           "style_named", "style_report"]
