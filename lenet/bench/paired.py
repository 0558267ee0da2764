"""Training against PyTorch's in alternating rounds: a ratio that the machine's drift spares.

A shared or virtual machine's speed can change by half within minutes, and `run_bench`
measures this engine first and PyTorch a minute later (in its own process), so the ratio of
the two figures wanders with it (1.6x and 2.2x in two runs ten minutes apart). Here the
rounds alternate instead: this engine's training step for `seconds`, then PyTorch's with
oneDNN on, then off (a worker process, `torch_reference.serve_train_rounds`), again and
again, with a pause between them for the other side's idle threads to stop spinning. Each
round gives one ratio, against the better of PyTorch's two; the median is reported with the
spread.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from lenet.bench.measure import median_rate, training_step
from lenet.nn.kernels.threads import set_threads

__all__ = ["paired_train_ratio", "torch_worker_command"]

PAUSE_S = 0.3
"""Between rounds: numba's and PyTorch's OpenMP threads spin for a while after their work."""


def torch_worker_command(threads: int, batch: int, seconds: float) -> list[str]:
    """The PyTorch worker's command line (`lenet.bench.torch_reference`)."""
    return [sys.executable, "-m", "lenet.bench.torch_reference", "--threads", str(threads),
            "--serve-train", str(batch), "--seconds", str(seconds)]


def paired_train_ratio(
    threads: int | None,
    rounds: int = 7,
    batch: int = 64,
    seconds: float = 1.0,
    log: Callable[[str], None] = lambda msg: None,
    worker: Sequence[str] | None = None,
) -> dict:
    """Training images/s at `batch`, this engine's and PyTorch's (oneDNN on and off), in
    `rounds` alternating rounds of `seconds` each (`worker`: the PyTorch worker's command,
    default `torch_worker_command`). Returns the per-round rates, the per-round ratios to
    PyTorch's better one, and their median."""
    used = set_threads(threads)
    step = training_step(batch, np.random.default_rng(0))
    for _ in range(3):
        step()
    cmd = list(worker or torch_worker_command(used, batch, seconds))
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    ours, on, off = [], [], []
    try:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the PyTorch worker did not start (is the torch extra installed?)")

        def theirs(state: str) -> float:
            time.sleep(PAUSE_S)
            proc.stdin.write(state + "\n")
            proc.stdin.flush()
            answer = proc.stdout.readline().strip()
            if not answer:
                raise RuntimeError("the PyTorch worker stopped")
            time.sleep(PAUSE_S)
            return float(answer)

        for k in range(rounds):
            ours.append(median_rate(step, batch, 1, seconds))
            on.append(theirs("on"))
            off.append(theirs("off"))
            log(f"round {k + 1}: lenet {ours[-1]:,.0f}, torch oneDNN on {on[-1]:,.0f}, "
                f"off {off[-1]:,.0f} images/s")
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    ratios = np.array(ours) / np.maximum(on, off)
    return {"batch": batch, "threads": used, "rounds": rounds, "seconds": seconds,
            "lenet": ours, "torch_onednn_on": on, "torch_onednn_off": off,
            "ratios": ratios.tolist(), "median_ratio": float(np.median(ratios))}
