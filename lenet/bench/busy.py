"""``lenet bench --busy N``: training speed while N other processes keep cores busy.

A desktop app never owns the machine. N spinning processes (each a Python busy loop that
stops by itself after SPIN_LIMIT_S, and is killed when the measurement ends) run beside the
measurement of training at batch 64: once with one thread, once with the default thread
count. The figure that matters is the busy default-thread rate as a share of the *idle*
one-thread rate, measured in the same run.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numba
import numpy as np

from lenet.bench.measure import train_rate
from lenet.nn.kernels.threads import set_threads

__all__ = ["bench_busy", "spinning"]

BATCH = 64
SPIN_LIMIT_S = 600
"""A spinner ends by itself after this long, even if its parent died."""
_SPIN = f"import time\nend = time.time() + {SPIN_LIMIT_S}\nwhile time.time() < end:\n    pass\n"


@contextmanager
def spinning(n: int) -> Iterator[list[subprocess.Popen]]:
    """N busy-loop processes for the duration of the `with` block."""
    procs = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(max(0, n))]
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def _train_rate(threads: int, quick: bool) -> float:
    set_threads(threads)
    return train_rate(BATCH, np.random.default_rng(0), quick)


def bench_busy(n: int, threads: int | None, quick: bool,
               log: Callable[[str], None] = lambda msg: None) -> dict:
    """Training images/s at batch 64: idle with 1 thread, then beside `n` spinners with 1
    thread and with `threads` (None: the default); ratios to the idle 1-thread figure."""
    used = threads or numba.config.NUMBA_NUM_THREADS  # the default: every core numba sees
    idle_one = _train_rate(1, quick)
    log(f"idle, 1 thread: {idle_one:,.0f} images/s")
    with spinning(n):
        busy_one = _train_rate(1, quick)
        log(f"{n} busy, 1 thread: {busy_one:,.0f} images/s")
        busy_default = _train_rate(used, quick)
        log(f"{n} busy, {used} threads: {busy_default:,.0f} images/s")
    return {
        "busy_processes": n,
        "batch": BATCH,
        "threads": used,
        "idle_1_thread_images_per_s": idle_one,
        "busy_1_thread_images_per_s": busy_one,
        "busy_images_per_s": busy_default,
        "busy_ratio_to_idle_1_thread": busy_default / idle_one,
    }
