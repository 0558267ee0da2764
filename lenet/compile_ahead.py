"""Compile the engine's kernels before they are needed, several at once on the very first start.

numba compiles one function at a time in a process (a global lock), and on the very first
start nothing is in its on-disk cache. Here each job compiles in a process of its own;
each writes numba's cache, and this process then loads what they wrote: on two cores the
first screen's kernels are ready in about the time of the longest job instead of the sum.
None compiles in this process, whose other threads meanwhile answer in plain NumPy
(`lenet.nn.kernels.readiness`): a compile here would hold the interpreter's lock most of
the time and make every answer on the window's thread wait for it (measured: a 20 ms
reading took 0.7 s, and the window froze for up to 1.8 s).

Once every job has run here, a marker in numba's cache folder says so, and later starts
run the jobs in this process only (loading the cache takes a fraction of a second; a new
process would cost more than it saves). The marker names the engine's source files' sizes
and times, as numba's cache does, so an edited or upgraded engine compiles in parallel again.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["FIRST_SCREEN", "JOBS", "TRAINING", "compile_ahead", "run_job"]


def _preprocess() -> None:
    from lenet.ink import warm_up

    warm_up()


def _inference() -> None:  # one image: the fused kernel's serial build, as live prediction
    from lenet.classifier import Classifier
    from lenet.nn.model import lenet5

    Classifier(lenet5()).predict_proba(np.zeros((1, 28, 28), np.float32))


def _layers() -> None:  # the layer-by-layer pass the network view shows
    from lenet.classifier import Classifier
    from lenet.nn.model import lenet5

    Classifier(lenet5()).activations(np.zeros((28, 28), np.float32))


def _batches() -> None:  # many images at once (number mode's candidates): the parallel build
    from lenet.classifier import Classifier
    from lenet.nn.fused_inference import PARALLEL_MIN_BATCH
    from lenet.nn.model import lenet5

    Classifier(lenet5()).predict_proba(np.zeros((PARALLEL_MIN_BATCH, 28, 28), np.float32))


def _training_step() -> None:  # the layers' parallel builds (big batches, evaluation)
    from lenet.training.trainer import warm_up_step

    warm_up_step()


def _training_step_serial() -> None:  # the serial builds the step's halves run
    from lenet.training.trainer import warm_up_step

    warm_up_step(serial=True)


def _augmentation() -> None:
    from lenet.training.trainer import warm_up_augmentation

    warm_up_augmentation()


JOBS: dict[str, Callable[[], None]] = {
    "inference": _inference, "preprocess": _preprocess, "layers": _layers, "batches": _batches,
    "training-step": _training_step, "training-step-serial": _training_step_serial,
    "augmentation": _augmentation,
}
"""Every job, by name."""
FIRST_SCREEN = ("inference", "preprocess", "layers", "batches")
"""The kernels to have ready at start: the first screen's, and the batch build that number
mode needs (the slowest to compile, some 18 s of the first start's 27 s spent compiling
after the first screen, in this process)."""
TRAINING = ("training-step", "training-step-serial", "augmentation", "batches")
"""The kernels of a training run (the default recipe's; `lenet train`, the app's Retrain):
on a first run 47 s of compiling in one process, measured 2026-12-01."""


def run_job(name: str) -> None:
    """Run one job in this process (compiling its kernels, or loading them from the cache),
    with the compiled kernels whatever other threads use (`lenet.nn.kernels.readiness`)."""
    from lenet.nn.kernels.readiness import compiled_in_this_thread

    with compiled_in_this_thread():
        JOBS[name]()


def _cache_folder() -> Path:
    import numba

    return Path(numba.config.CACHE_DIR or Path(__file__).parent / "__pycache__")


def _marker(jobs: Sequence[str]) -> Path:
    root = Path(__file__).parent
    h = hashlib.sha256(" ".join(sorted(jobs)).encode())
    for path in sorted(root.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(root)} {st.st_size} {st.st_mtime_ns}\n".encode())
    return _cache_folder() / f"lenet-compiled-{h.hexdigest()[:16]}"


def job_command(name: str) -> list[str]:
    """The command that runs one job in a new process (the desktop bundle has no `-m`)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--compile-job", name]
    return [sys.executable, "-m", "lenet.compile_ahead", name]


def compile_ahead(jobs: Sequence[str] = FIRST_SCREEN, load: bool = True) -> float:
    """Make the named jobs' kernels ready in this process; returns the seconds it took.
    `load` False: only compile them (in other processes, on a first start) — for a caller
    whose own warm-up then loads them (`lenet.training.trainer.warm_up`)."""
    start = time.perf_counter()
    marker = _marker(jobs)
    helpers: list[subprocess.Popen] = []
    if not marker.exists():
        for name in jobs:
            try:
                helpers.append(subprocess.Popen(job_command(name), stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL))
            except OSError:  # no new process: this one compiles what is left, as before
                break
    try:
        for p in helpers:
            p.wait()
    finally:
        for p in helpers:
            if p.poll() is None:
                p.kill()
    for name in jobs if load else ():  # loads what the helpers wrote (or compiles the rest)
        run_job(name)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # a read-only cache: every start compiles in parallel, which is still correct
    return time.perf_counter() - start


if __name__ == "__main__":
    run_job(sys.argv[1])
