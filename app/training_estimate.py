"""The expected time of a training run on this computer, before it starts.

When the training dialog opens, another process (`lenet-digits --step-rate B`, so that
nothing in this one is shared or held) times the engine's whole training loop at the
dialog's batch size for a moment (`lenet.bench.measure.loop_rate`: the default recipe with
its augmentation, the loop `lenet bench` reports; the step alone ran twice as fast as the
loop once, and an estimate from it promised half the real time). The expected time is then
the run's images over that rate, plus the end-of-epoch checks.
The rate is measured once per session and batch size. On a first run after installing the
step compiles first, so the estimate comes later (a minute or two).
"""

from __future__ import annotations

import subprocess
import sys
import threading

from PySide6.QtCore import QObject, QTimer, Signal

from app.training_data import FINETUNE_SHARE, RETRAIN_SHARE, repeat_count
from app.training_worker import TrainingPlan

MNIST_TRAIN_IMAGES = 55_000  # MNIST's 60,000 less the 5,000 held out for validation
CHECK_SHARE = 0.08  # validation passes at the ends of epochs, measured 5-10 %
END_S = 1.0  # calibration and the test-set pass after the last epoch


def run_images(plan: TrainingPlan, corrections: int) -> int:
    """How many images the run trains on, all epochs together (the corrections mixed in as
    `app.training_data` mixes them; a fine-tune's share taken as exact)."""
    if plan.mode == "finetune":
        per_epoch = plan.finetune_mnist_images / (1 - FINETUNE_SHARE)
    else:
        base = plan.subset or MNIST_TRAIN_IMAGES
        shown = corrections if plan.include_corrections else 0
        per_epoch = base + shown * repeat_count(base, shown, RETRAIN_SHARE)
    return int(per_epoch * plan.epochs)


_rates: dict[int, float] = {}  # images/s of the step by batch size, this session


def measure_rate(batch_size: int) -> float:
    """images/s of the training loop at `batch_size` here, now (about a second)."""
    from lenet.bench.measure import loop_rate

    return loop_rate(batch_size, quick=True)


def expected_text(seconds: float) -> str:
    """'about 45 s', 'about 3 min' — for people, not to the second."""
    if seconds < 60:
        return f"about {max(5, round(seconds / 5) * 5)} s"
    return f"about {round(seconds / 60)} min"


_measuring: set[int] = set()
_lock = threading.Lock()


def step_rate_command(batch_size: int) -> list[str]:
    """The command that prints `measure_rate(batch_size)` (the desktop bundle has no -m)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--step-rate", str(batch_size)]
    return [sys.executable, "-m", "app", "--step-rate", str(batch_size)]


def _measure(batch_size: int, rates: dict[int, float]) -> None:
    """On a plain thread that only waits: the other process times the step."""
    try:
        done = subprocess.run(step_rate_command(batch_size), capture_output=True, text=True,
                              timeout=600, check=True)
        rates[batch_size] = float(done.stdout.strip().splitlines()[-1])
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        rates[batch_size] = 0.0  # no estimate (better than a broken dialog); stops the poll


class TimeEstimate(QObject):
    """`measured(images_per_s)` once the step has been timed (`start`: on a thread; the
    result is picked up here, on the GUI thread, by a timer)."""

    measured = Signal(float)

    def __init__(self, batch_size: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._batch_size = batch_size
        self.images_per_s: float | None = _rates.get(batch_size)
        self._poll = QTimer(self)
        self._poll.setInterval(200)
        self._poll.timeout.connect(self._check)

    def time_batch(self, batch_size: int) -> None:
        """Estimate for another batch size from now on (`measured` says when it is known)."""
        self._batch_size, self.images_per_s = batch_size, _rates.get(batch_size)
        self.start()
        self.measured.emit(self.images_per_s or 0.0)  # known, or "no estimate yet"

    def start(self) -> None:
        """Time the step, unless it was this session (connect to `measured` first)."""
        if self.images_per_s is not None:
            return
        with _lock:
            if self._batch_size not in _measuring:
                _measuring.add(self._batch_size)
                threading.Thread(target=_measure, args=(self._batch_size, _rates), daemon=True,
                                 name="lenet-estimate").start()
        self._poll.start()

    def _check(self) -> None:
        rate = _rates.get(self._batch_size)
        if rate is not None:
            self._poll.stop()
            self.images_per_s = rate
            self.measured.emit(rate)

    def seconds(self, plan: TrainingPlan, corrections: int) -> float | None:
        """The expected wall time of `plan`, once measured (else None)."""
        if not self.images_per_s:
            return None
        return run_images(plan, corrections) / self.images_per_s * (1 + CHECK_SHARE) + END_S
