"""Parameters packed in one flat array: the same values, and the same training steps."""

import copy

import numpy as np

from lenet.nn.averaging import WeightAverage
from lenet.nn.losses import SoftmaxCrossEntropy
from lenet.nn.model import lenet5
from lenet.nn.optim import Adam
from lenet.nn.packing import pack, packed_buffer


def test_pack_keeps_the_values_and_makes_views_of_one_buffer():
    rng = np.random.default_rng(0)
    a = {"W": rng.random((3, 4), np.float32), "b": rng.random(4, dtype=np.float32)}
    b = {"W": rng.random((2, 1, 5, 5), np.float32)}
    before = copy.deepcopy([a, b])
    flat = pack([a, b])
    assert flat.size == 12 + 4 + 50
    for d, old in zip([a, b], before, strict=True):
        for name in d:
            np.testing.assert_array_equal(d[name], old[name])
            assert d[name].base is flat
    assert packed_buffer([a["W"], a["b"], b["W"]]) is flat
    a["W"][0, 0] = 7.0
    assert flat[0] == 7.0


def test_packed_buffer_refuses_what_is_not_the_whole_buffer_in_order():
    a = {"x": np.zeros(3, np.float32), "y": np.zeros(2, np.float32)}
    flat = pack([a])
    assert packed_buffer([a["y"], a["x"]]) is None  # out of order
    assert packed_buffer([a["x"]]) is None  # not all of it
    assert packed_buffer([np.zeros(3, np.float32)]) is None  # owns its memory
    assert packed_buffer([]) is None
    assert flat is not None
    assert pack([{"x": np.zeros(2, np.float32), "y": np.zeros(2, np.float64)}]) is None


def test_a_network_is_packed_and_zero_grad_clears_every_gradient():
    net = lenet5(rng=np.random.default_rng(0))
    assert packed_buffer(net.params().values()) is net.flat_params
    assert packed_buffer(net.grads().values()) is net.flat_grads
    for g in net.grads().values():
        g += 1.0
    net.zero_grad()
    assert all(not g.any() for g in net.grads().values())


def _copies(net):
    """Stand-alone copies of the network's parameters and gradients (not packed)."""
    return ({k: v.copy() for k, v in net.params().items()},
            {k: v.copy() for k, v in net.grads().items()})


def test_adam_and_the_average_step_the_same_packed_or_not():
    rng = np.random.default_rng(1)
    net, loss_fn = lenet5(rng=rng), SoftmaxCrossEntropy()
    params, grads = net.params(), net.grads()
    loose_params, loose_grads = _copies(net)
    packed_adam, loose_adam = Adam(params, grads, lr=1e-2), Adam(loose_params, loose_grads, lr=1e-2)
    assert packed_adam._flat is not None and loose_adam._flat is None
    packed_avg, loose_avg = WeightAverage(params, 0.9), WeightAverage(loose_params, 0.9)
    x = rng.standard_normal((16, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    for _ in range(4):
        loss_fn.forward(net.forward(x), y)
        net.zero_grad()
        net.backward(loss_fn.backward())
        for name, g in grads.items():
            loose_grads[name][...] = g
        packed_adam.step()
        loose_adam.step()
        packed_avg.update()
        loose_avg.update()
    for name in params:
        np.testing.assert_allclose(params[name], loose_params[name], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(packed_avg.average[name], loose_avg.average[name],
                                   rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(packed_adam.m[name], loose_adam.m[name], rtol=1e-6, atol=1e-9)
    assert not np.allclose(params["conv1.W"], packed_avg.average["conv1.W"])  # it moved
