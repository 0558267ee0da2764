"""The reject set (`shapes`: junk drawings as strokes) and the "not a digit" rule measured on it.

Run ``python -m lenet.devtools.junk [--n 1200] [--seed 1] [--json]`` for the report.
"""

from lenet.devtools.junk.shapes import KINDS, LETTERS, draw_junk, make_junk_set

__all__ = ["KINDS", "LETTERS", "draw_junk", "make_junk_set"]
