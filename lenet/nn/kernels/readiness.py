"""Whether the compiled kernels may be called, or their plain NumPy twins used instead.

On the very first start numba's cache is empty and compiling the first screen's kernels
takes seconds; a thread that calls a kernel meanwhile waits for the compiler. The app
therefore says `plain_numpy_until_compiled()` at start: the engine's front doors
(`Classifier.predict_proba` and `activations`, `label_components`,
`squared_distance_transform`) then answer through their NumPy twins — the same numbers,
slower — until `compiled_everywhere()` once the kernels are loaded. The thread that does
the compiling says `compiled_in_this_thread()`. Anyone else (the CLI, training, tests)
never changes anything: the kernels are used, compiled at their first call.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager

from lenet.nn.kernels.thread_flag import ThreadFlag

__all__ = ["compiled_everywhere", "compiled_in_this_thread", "plain_numpy_until_compiled",
           "use_compiled"]

_everywhere = threading.Event()
_everywhere.set()
_compiled_here = ThreadFlag()


def use_compiled() -> bool:
    """True when this thread should call the compiled kernels (not their NumPy twins)."""
    return _everywhere.is_set() or _compiled_here.on


def plain_numpy_until_compiled() -> None:
    """From now on, every thread but one in `compiled_in_this_thread` uses the NumPy twins."""
    _everywhere.clear()


def compiled_everywhere() -> None:
    """The kernels are loaded: every thread calls them from now on."""
    _everywhere.set()


def compiled_in_this_thread() -> AbstractContextManager[None]:
    """Within the block this thread calls the compiled kernels (compiling them if need be)."""
    return _compiled_here.turned_on()
