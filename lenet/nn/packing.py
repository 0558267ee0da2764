"""A model's parameters (and their gradients) as views into one flat array.

LeNet-5 has ten parameter arrays (61,706 floats). Adam, the weight average and zeroing the
gradients made one call per array per training step, and the calls' overhead cost more than
their arithmetic (about 0.39 ms of a 5.2 ms step at batch 64, 2 threads). With every array a
view into one flat buffer, each is one pass over one array. `pack` is done once, by
`lenet.nn.model.Sequential`; `packed_buffer` tells the optimizers whether they were given
such views.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["pack", "packed_buffer", "views_like"]


def pack(dicts: Iterable[dict[str, np.ndarray]]) -> np.ndarray | None:
    """Copy every array of `dicts` into one flat buffer, in order, and replace each dict
    entry by its view into that buffer; returns the buffer (None, nothing changed, when
    there are no arrays or their dtypes differ)."""
    dicts = list(dicts)
    arrays = [a for d in dicts for a in d.values()]
    if not arrays or len({a.dtype for a in arrays}) != 1:
        return None
    flat = np.empty(sum(a.size for a in arrays), dtype=arrays[0].dtype)
    start = 0
    for d in dicts:
        for name, a in d.items():
            view = flat[start : start + a.size].reshape(a.shape)
            view[...] = a
            d[name] = view
            start += a.size
    return flat


def packed_buffer(arrays: Iterable[np.ndarray]) -> np.ndarray | None:
    """The flat array that `arrays` are consecutive views of, in order and covering all of
    it (as `pack` makes them); None if they are not."""
    arrays = list(arrays)
    if not arrays:
        return None
    base = arrays[0].base
    if base is None or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    address = base.__array_interface__["data"][0]
    for a in arrays:
        if a.base is not base or not a.flags.c_contiguous:
            return None
        if a.__array_interface__["data"][0] != address:
            return None
        address += a.nbytes
    return base if address == base.__array_interface__["data"][0] + base.nbytes else None


def views_like(arrays: dict[str, np.ndarray], flat: np.ndarray) -> dict[str, np.ndarray]:
    """Views into `flat` with the names and shapes of `arrays`, in order (e.g. an
    optimizer's state laid out as the parameters are)."""
    out, start = {}, 0
    for name, a in arrays.items():
        out[name] = flat[start : start + a.size].reshape(a.shape)
        start += a.size
    return out
