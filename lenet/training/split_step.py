"""A training step's forward and backward pass as two half batches on two threads.

The kernels can split a batch across numba's threads themselves, but that is about twenty
short parallel regions per step, each ending at a barrier where one thread waits for the
other. With the threads sleeping while they wait (so that a busy machine does not make them
collapse, `lenet.nn.kernels.threads`) each wake-up costs more than the region's work at
batch 64: on a 2-core Zen 5 two threads trained no faster than one. Here each thread runs
the serial kernels on its own half of the batch from the first layer to the last, and the
two meet once per step, so a thread the machine takes away for a moment only delays that
one meeting.

The halves' gradients are averaged by their sizes, which is the whole batch's gradient; with
one thread the halves run one after the other, so one and two threads train the same
weights to the bit.
"""

from __future__ import annotations

import copy
import threading
import weakref

import numpy as np

from lenet.nn.kernels.threads import serial_kernels
from lenet.nn.losses import SoftmaxCrossEntropy
from lenet.nn.model import Sequential
from lenet.nn.packing import pack

__all__ = ["SplitStep"]


class SplitStep:
    """``loss = step(x, labels)``: `net`'s gradients (into ``net.flat_grads``, replaced) for
    the batch x (N, 1, 28, 28), labels (N,); ``step.probabilities`` (N, 10) afterwards.

    Overflow in the passes is not raised: it shows as a loss that is not finite, which the
    caller checks before using the gradients. `close()` ends the second thread.
    """

    def __init__(self, net: Sequential, loss_fn: SoftmaxCrossEntropy, threads: int = 2) -> None:
        if net.flat_grads is None:
            raise ValueError("the network's gradients must be one flat array (lenet.nn.packing)")
        self.net, self.loss_fn = net, loss_fn
        self.twin, self.twin_loss = _twin(net).train(), copy.deepcopy(loss_fn)
        self.probabilities = np.zeros((0, 10), dtype=np.float32)
        self._helper = _Helper() if threads >= 2 else None
        # the helper's thread ends when this step is closed or forgotten
        self._finalizer = weakref.finalize(self, _Helper.stop, self._helper)

    def __call__(self, x: np.ndarray, labels: np.ndarray) -> float:
        n = len(labels)
        half = (n + 1) // 2
        first = (self.net, self.loss_fn, x[:half], labels[:half])
        second = (self.twin, self.twin_loss, x[half:], labels[half:])
        if self._helper is None or n - half == 0:
            loss0 = _half_pass(*first)
            loss1 = _half_pass(*second) if n - half else 0.0
        else:
            self._helper.start(second)
            try:
                loss0 = _half_pass(*first)
            finally:
                # a helper the machine has not run yet leaves the second half to us
                loss1 = self._helper.result_or_run()
        w0, w1 = half / n, (n - half) / n
        if n - half:
            grads = self.net.flat_grads
            grads *= np.float32(w0)
            grads += np.float32(w1) * self.twin.flat_grads
            self.probabilities = np.concatenate(
                [self.loss_fn.probabilities, self.twin_loss.probabilities])
        else:
            self.probabilities = self.loss_fn.probabilities
        return w0 * loss0 + w1 * loss1

    def close(self) -> None:
        """End the second thread (the step cannot be used afterwards)."""
        self._finalizer()

    def __enter__(self) -> SplitStep:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Helper:
    """The second thread: runs the second half each time it is started, unless the caller
    claimed that half first (when the machine is busy and this thread has not run yet)."""

    def __init__(self) -> None:
        self._go, self._done = threading.Event(), threading.Event()
        self._claim = threading.Lock()
        self._job: tuple | None = None
        self._claimed = True
        self._outcome: float | BaseException = 0.0
        self._thread = threading.Thread(target=self._serve, daemon=True, name="lenet-half-step")
        self._thread.start()

    def start(self, job: tuple) -> None:
        self._job, self._claimed = job, False
        self._done.clear()
        self._go.set()

    def result_or_run(self) -> float:
        """The started half's loss: run here if the helper has not taken it, else once the
        helper is done (its error raised here)."""
        with self._claim:
            mine, self._claimed = not self._claimed, True
        if mine:
            return _half_pass(*self._job)
        self._done.wait()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        return self._outcome

    def _serve(self) -> None:
        while True:
            self._go.wait()
            self._go.clear()
            if self._job is None:
                return
            with self._claim:
                mine, self._claimed = not self._claimed, True
            if not mine:
                continue
            try:
                self._outcome = _half_pass(*self._job)
            except BaseException as e:  # raised in the caller's thread
                self._outcome = e
            finally:
                self._done.set()

    @staticmethod
    def stop(helper: _Helper | None) -> None:
        if helper is not None:
            helper._job = None
            helper._go.set()
            helper._thread.join()


def _half_pass(net: Sequential, loss_fn: SoftmaxCrossEntropy, x: np.ndarray,
               labels: np.ndarray) -> float:
    """Forward, loss and backward of one half; its mean gradient in ``net.flat_grads``.
    On the kernels' serial builds: the threads are this step's (never waiting for numba's
    pool, which the batch thread's augmentation may hold)."""
    with serial_kernels(), np.errstate(over="ignore", invalid="ignore"):
        loss = loss_fn.forward(net.forward(x), labels)
        net.zero_grad()
        net.backward(loss_fn.backward())
    return loss


def _twin(net: Sequential) -> Sequential:
    """A copy of `net` with the same parameter arrays but gradients and caches of its own."""
    twin = copy.deepcopy(net)
    for layer, twin_layer in zip(net.layers.values(), twin.layers.values(), strict=True):
        twin_layer.params = dict(layer.params)
    twin.flat_params = net.flat_params
    twin.flat_grads = pack(layer.grads for layer in twin.layers.values())
    return twin
