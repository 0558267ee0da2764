"""A drawn-digit test set: MNIST test digits redrawn the way people draw with a mouse.

MNIST test accuracy says little about what the app meets: digits drawn on a canvas with a
mouse, a tablet pen or a finger, at any size and position, with a thin or a fat pen. This
package makes such drawings from MNIST *test* digits, in code, so that nothing large is
stored, and measures a classifier on them through the product's paths (strokes →
`preprocess_strokes`, the app; rendered images → `preprocess_image`, ``lenet predict``;
multi-digit strips → `read_number` / `read_strokes`). A development tool: the app never
runs it. The map, in pipeline order::

    skeleton        MNIST 28x28 → 112x112 ink mask, Zhang-Suen thinning, depth, blobs (numba)
    skeleton_graph  skeleton pixels → branches between ends/junctions, chained into strokes
    polylines       geometry of (K, 2) point arrays: resample, smooth, Douglas-Peucker, extend
    centre_lines    skeleton_polylines: the digit's centre lines, in 28-px units
    redraw          draw_like_a_person → Strokes on a CANVAS-px square; the seeded drawn set
    strips          DrawnStrip, make_number_strips (MNIST), make_strips_from (any source)
    report          drawn_accuracy, contact_sheet and the command line (main)

Run ``python -m lenet.devtools.drawn [--n 2000] [--seed 0] [--json]`` for the report.
"""

from lenet.devtools.drawn.centre_lines import skeleton_polylines
from lenet.devtools.drawn.redraw import (
    CANVAS,
    HEIGHT_RANGE,
    PEN_RANGE,
    draw_like_a_person,
    drawn_indices,
    load_test_digits,
    make_drawn_set,
    render_drawn_set,
)
from lenet.devtools.drawn.report import contact_sheet, drawn_accuracy, main
from lenet.devtools.drawn.skeleton import zhang_suen_thin
from lenet.devtools.drawn.strips import DrawnStrip, make_number_strips, render_strip

__all__ = [
    "CANVAS",
    "HEIGHT_RANGE",
    "PEN_RANGE",
    "DrawnStrip",
    "contact_sheet",
    "draw_like_a_person",
    "drawn_accuracy",
    "drawn_indices",
    "load_test_digits",
    "main",
    "make_drawn_set",
    "make_number_strips",
    "render_drawn_set",
    "render_strip",
    "skeleton_polylines",
    "zhang_suen_thin",
]
