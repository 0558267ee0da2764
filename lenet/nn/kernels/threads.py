"""Thread counts: numba runs the parallel kernels; BLAS stays single-threaded.

The kernels split a batch across numba's thread pool. If OpenBLAS also started its own pool
for the dense layers' small matrix products, the two pools would spin against each other on
the same cores (measured: the 64x400 @ 400x120 product took 28 ms instead of 0.15 ms). So the
dense layers' BLAS calls run on one thread, inside whichever thread calls them.

numba's OpenMP threading layer (GNU libgomp) spins at the end of every parallel region by
default. When another program holds one of the cores, the spinning thread keeps its core
while the thread it waits for sits descheduled behind the other program, and a training step
(about 20 parallel regions) took up to 70x longer. Threads that sleep while they wait
(``OMP_WAIT_POLICY=PASSIVE``) lose almost nothing on an idle machine and keep their speed on
a busy one (``lenet bench --busy 1``). A user's own setting wins.
"""

from __future__ import annotations

import os
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import numba
from threadpoolctl import threadpool_limits

from lenet.nn.kernels.thread_flag import ThreadFlag

# numba loads its threading layer (and libgomp reads this) at the first parallel call.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_blas_limit = None


def single_threaded_blas() -> None:
    """Limit BLAS to one thread for the rest of the process (idempotent)."""
    global _blas_limit
    if _blas_limit is None:
        _blas_limit = threadpool_limits(limits=1, user_api="blas")


def set_threads(n: int | None) -> int:
    """Use n threads for the kernels (None: all cores numba sees); returns the count in use."""
    single_threaded_blas()
    if n is not None:
        if n < 1:
            raise ValueError(f"thread count must be at least 1, got {n}")
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    return numba.get_num_threads()


# numba's default "workqueue" threading layer aborts the process if two Python threads enter
# parallel kernels at once — and the app trains in one thread while it predicts in another.
# Whoever holds this lock may use the pool; anyone else runs the serial build of the kernel
# (never waits), which for the app's single images is the faster choice anyway.
_pool_lock = threading.Lock()
_serial_here = ThreadFlag()


def serial_kernels() -> AbstractContextManager[None]:
    """Within the block this thread calls only the serial builds (a thread that is one of
    several working side by side: lenet.training.split_step)."""
    return _serial_here.turned_on()


@contextmanager
def thread_pool(wanted: bool) -> Iterator[bool]:
    """``with thread_pool(batch_is_big) as parallel:`` -> whether to call the parallel build."""
    if wanted and not _serial_here.on and _pool_lock.acquire(blocking=False):
        try:
            yield True
        finally:
            _pool_lock.release()
    else:
        yield False


@contextmanager
def hold_thread_pool() -> Iterator[None]:
    """Wait until numba's pool is free and keep it (for parallel-only kernels)."""
    with _pool_lock:
        yield


def call_kernel(builds: tuple, wanted_parallel: bool, *args):
    """Call builds[0] (parallel) if wanted and the pool is free, else builds[1] (serial)."""
    with thread_pool(wanted_parallel) as parallel:
        return (builds[0] if parallel else builds[1])(*args)


def parallel_and_serial(fn: Callable, **options) -> tuple[Callable, Callable]:
    """Compile fn twice: with ``parallel=True`` (prange over threads) and serially.

    numba names its on-disk cache after the function's qualified name and line, not after
    the compile options, so two builds of one function would load each other's machine code
    (the parallel build silently ran serially). The serial build is therefore a copy of fn
    under another name.
    """
    serial = types.FunctionType(
        fn.__code__, fn.__globals__, f"{fn.__name__}_serial", fn.__defaults__, fn.__closure__
    )
    serial.__qualname__ = f"{fn.__qualname__}_serial"
    return numba.njit(parallel=True, **options)(fn), numba.njit(**options)(serial)
