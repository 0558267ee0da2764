"""SplitStep: a batch's gradients from two halves on two threads."""

import threading

import numpy as np
import pytest

from lenet.nn.losses import SoftmaxCrossEntropy
from lenet.nn.model import lenet5
from lenet.training.split_step import SplitStep


def _batch(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, n)


def _whole_batch(x, y, smoothing=0.0):
    net, loss_fn = lenet5(rng=np.random.default_rng(1)).train(), SoftmaxCrossEntropy(smoothing)
    loss = loss_fn.forward(net.forward(x), y)
    net.zero_grad()
    net.backward(loss_fn.backward())
    return loss, net.flat_grads.copy(), loss_fn.probabilities.copy()


@pytest.mark.parametrize("n", [64, 33, 2, 1])
def test_halves_give_the_whole_batchs_loss_gradients_and_probabilities(n):
    x, y = _batch(n)
    loss, grads, probs = _whole_batch(x, y, 0.1)
    net = lenet5(rng=np.random.default_rng(1)).train()
    with SplitStep(net, SoftmaxCrossEntropy(0.1), threads=2) as step:
        got = step(x, y)
        np.testing.assert_allclose(step.probabilities, probs, rtol=1e-5, atol=1e-7)
    assert got == pytest.approx(loss, rel=1e-6)
    scale = np.abs(grads).max()
    np.testing.assert_allclose(net.flat_grads, grads, rtol=0, atol=1e-5 * scale)


def test_one_thread_and_two_give_the_same_gradients_to_the_bit():
    x, y = _batch(64, seed=2)
    out = []
    for threads in (1, 2):
        net = lenet5(rng=np.random.default_rng(1)).train()
        with SplitStep(net, SoftmaxCrossEntropy(), threads=threads) as step:
            for _ in range(2):  # the gradients are replaced, not added to
                loss = step(x, y)
        out.append((loss, net.flat_grads.copy()))
    assert out[0][0] == out[1][0]
    np.testing.assert_array_equal(out[0][1], out[1][1])


def test_the_twin_shares_the_parameters_so_updates_reach_both_halves():
    x, y = _batch(64, seed=3)
    net = lenet5(rng=np.random.default_rng(1)).train()
    with SplitStep(net, SoftmaxCrossEntropy(), threads=2) as step:
        step(x, y)
        net.flat_params -= 0.01 * net.flat_grads  # an optimiser step in place
        loss = step(x, y)
    reference = lenet5(rng=np.random.default_rng(1)).train()
    reference.flat_params[...] = net.flat_params
    assert loss == pytest.approx(SoftmaxCrossEntropy().forward(reference.forward(x), y),
                                 rel=1e-6)


def test_an_error_in_the_second_half_is_raised_in_the_caller_and_close_ends_the_thread():
    before = threading.active_count()
    net = lenet5(rng=np.random.default_rng(1)).train()
    step = SplitStep(net, SoftmaxCrossEntropy(), threads=2)
    assert threading.active_count() == before + 1
    x, y = _batch(8)
    y = y.copy()
    y[-1] = 10  # no such class: only the second half's loss sees it
    with pytest.raises(ValueError, match="class indices"):
        step(x, y)
    x, y = _batch(8)
    assert np.isfinite(step(x, y))  # still usable after the error
    step.close()
    assert threading.active_count() == before


def test_needs_the_flat_gradients_of_a_packed_network():
    net = lenet5(rng=np.random.default_rng(1))
    net.flat_grads = None
    with pytest.raises(ValueError, match="flat"):
        SplitStep(net, SoftmaxCrossEntropy())


def test_a_helper_that_never_runs_leaves_the_second_half_to_the_caller():
    """On a busy machine the helper thread may not get a core in time: the caller then
    claims the second half and runs it itself (here the helper's thread is gone)."""
    x, y = _batch(64, seed=4)
    out = []
    for threads in (1, 2):
        net = lenet5(rng=np.random.default_rng(1)).train()
        step = SplitStep(net, SoftmaxCrossEntropy(), threads=threads)
        if threads == 2:
            helper = step._helper
            helper._job = None
            helper._go.set()
            helper._thread.join()  # nobody serves it any more
            assert not helper._thread.is_alive()
        out.append((step(x, y), net.flat_grads.copy()))
    assert out[0][0] == out[1][0]
    np.testing.assert_array_equal(out[0][1], out[1][1])


def test_the_halves_keep_to_the_serial_builds_and_never_wait_for_the_pool():
    from lenet.nn.kernels.threads import hold_thread_pool, serial_kernels, thread_pool

    with serial_kernels(), thread_pool(True) as parallel:
        assert not parallel  # the pool is free, but not for this block
    seen = []

    def other_thread() -> None:
        with thread_pool(True) as parallel:
            seen.append(parallel)

    with serial_kernels():  # this thread only: another one still gets the pool
        other = threading.Thread(target=other_thread)
        other.start()
        other.join()
    assert seen == [True]

    # the batch thread's augmentation holds the pool: a step still runs meanwhile
    held, release = threading.Event(), threading.Event()

    def augmenting() -> None:
        with hold_thread_pool():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=augmenting)
    holder.start()
    held.wait(10)
    x, y = _batch(64)
    results = []
    with SplitStep(lenet5(rng=np.random.default_rng(1)).train(), SoftmaxCrossEntropy()) as step:
        stepping = threading.Thread(target=lambda: results.append(step(x, y)))
        stepping.start()
        stepping.join(5)
        finished = not stepping.is_alive()
        release.set()
        holder.join()
        stepping.join()
    assert finished and np.isfinite(results[0])
