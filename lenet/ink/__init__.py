"""Ink: everything that turns a drawing or an image into what the network sees.

    strokes --render_strokes--> ink (H, W) --preprocess_ink--> Preprocessed (28x28)
    image   --load_image/to_ink--> ink (H, W) ---^
    ink of several digits --read_number / read_strokes--> [ReadDigit, ...]

Modules: `strokes` (pen strokes, rendering), `image` (decoding, polarity), `normalise`
(crop, stroke width, 20 px box, centre of mass), `stroke_width`, `distance` (exact distance
transform), `components` (connected components), `preprocess` (the two front doors),
`grouping` (digits side by side), `cuts`, `candidates`, `verifier`, `number_reader`,
`stroke_candidates`, `stroke_verifier`, `stroke_reader` (a number from its strokes),
`ink_file` (a drawing's strokes as JSON).
Ink maps are float32 (H, W) in [0, 1], ink = 1; boxes are (x0, y0, x1, y1), x1/y1 exclusive.
"""

from lenet.ink.grouping import DigitBox, segment_digits
from lenet.ink.image import ImageError, load_image, to_ink
from lenet.ink.ink_file import Ink, InkFileError, load_ink, save_ink
from lenet.ink.normalise import FRAME, Preprocessed, preprocess_ink
from lenet.ink.number_reader import (
    NUMBER_INK_SCALE,
    ClassifierLike,
    ReadDigit,
    digit_groups,
    read_number,
)
from lenet.ink.preprocess import preprocess_image, preprocess_strokes, warm_up
from lenet.ink.stroke_reader import read_strokes
from lenet.ink.strokes import Stroke, render_strokes

__all__ = [
    "FRAME",
    "NUMBER_INK_SCALE",
    "ClassifierLike",
    "DigitBox",
    "ImageError",
    "Ink",
    "InkFileError",
    "Preprocessed",
    "ReadDigit",
    "Stroke",
    "digit_groups",
    "load_image",
    "load_ink",
    "preprocess_image",
    "preprocess_ink",
    "preprocess_strokes",
    "read_number",
    "read_strokes",
    "render_strokes",
    "save_ink",
    "segment_digits",
    "to_ink",
    "warm_up",
]
