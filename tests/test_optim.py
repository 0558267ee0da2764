"""Optimizers and schedules on small problems with known answers."""

import math

import numpy as np
import pytest

from lenet.nn.optim import SGD, Adam, make_optimizer
from lenet.nn.schedules import CosineSchedule, StepSchedule


def quadratic(opt_factory, steps=300):
    """Minimise 0.5 * |p - target|^2; returns the final distance."""
    target = np.array([3.0, -2.0])
    params = {"p.W": np.zeros(2)}
    grads = {"p.W": np.zeros(2)}
    opt = opt_factory(params, grads)
    for _ in range(steps):
        grads["p.W"][:] = params["p.W"] - target
        opt.step()
    return np.linalg.norm(params["p.W"] - target)


@pytest.mark.parametrize(
    "factory",
    [
        lambda p, g: SGD(p, g, lr=0.1, momentum=0.9),
        lambda p, g: SGD(p, g, lr=0.1, momentum=0.9, nesterov=True),
        lambda p, g: SGD(p, g, lr=0.1, momentum=0.0),
        lambda p, g: Adam(p, g, lr=0.1),
    ],
)
def test_optimizers_converge_on_a_quadratic(factory):
    assert quadratic(factory) < 1e-3


def test_sgd_first_step_is_minus_lr_times_gradient():
    params, grads = {"a.W": np.array([1.0])}, {"a.W": np.array([2.0])}
    SGD(params, grads, lr=0.5, momentum=0.9).step()
    assert params["a.W"][0] == pytest.approx(0.0)


def test_adam_first_step_has_size_lr():
    params, grads = {"a.W": np.array([1.0, 1.0])}, {"a.W": np.array([1e-3, 50.0])}
    Adam(params, grads, lr=0.01).step()
    np.testing.assert_allclose(params["a.W"], [0.99, 0.99], rtol=1e-4)


def test_weight_decay_applies_to_weights_not_biases():
    params = {"l.W": np.array([1.0]), "l.b": np.array([1.0])}
    grads = {"l.W": np.array([0.0]), "l.b": np.array([0.0])}
    SGD(params, grads, lr=0.1, momentum=0.0, weight_decay=0.5).step()
    assert params["l.W"][0] == pytest.approx(0.95) and params["l.b"][0] == 1.0


def test_schedules():
    step = StepSchedule(1.0, step_size=2, gamma=0.1)
    assert [step(e) for e in range(5)] == pytest.approx([1, 1, 0.1, 0.1, 0.01])
    cos = CosineSchedule(1.0, total_epochs=10, min_lr=0.0)
    assert cos(0) == pytest.approx(1.0) and cos(5) == pytest.approx(0.5)
    assert cos(10) == pytest.approx(0.0, abs=1e-12)
    warm = CosineSchedule(1.0, total_epochs=10, warmup_epochs=1)
    assert warm(0.5) < 0.6 and warm(1.0) == pytest.approx(1.0)
    assert math.isclose(warm(5.5), 0.5)


def test_bad_optimizer_settings_are_refused():
    p, g = {"a.W": np.zeros(1)}, {"a.W": np.zeros(1)}
    with pytest.raises(ValueError, match="unknown optimizer"):
        make_optimizer("rmsprop", p, g, 0.1)
    with pytest.raises(ValueError, match="lr > 0"):
        Adam(p, g, lr=0)


def test_adam_weight_decay_on_a_packed_network_matches_the_numpy_twin():
    """The default recipe trains with weight decay: on LeNet-5's packed parameters Adam then
    decays the weights and not the biases."""
    from lenet.nn.kernels.adam import adam_update_numpy
    from lenet.nn.model import lenet5

    net = lenet5(rng=np.random.default_rng(0))
    params, grads = net.params(), net.grads()
    rng = np.random.default_rng(1)
    for g in grads.values():
        g[...] = rng.standard_normal(g.shape).astype(g.dtype)
    expected = {name: p.astype(np.float64) for name, p in params.items()}
    opt = Adam(params, grads, lr=1e-2, weight_decay=0.05)
    for _ in range(3):
        opt.step()
    for name, p in expected.items():
        m, v = np.zeros_like(p), np.zeros_like(p)
        decay = 0.0 if name.endswith(".b") else 0.05
        for t in range(1, 4):
            step = 1e-2 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            adam_update_numpy(p, grads[name].astype(np.float64), m, v, step, 0.9, 0.999, 1e-8,
                              decay)
        np.testing.assert_allclose(params[name], p, rtol=1e-4, atol=1e-6, err_msg=name)
    # the decay did something: without it the weights end elsewhere
    plain = lenet5(rng=np.random.default_rng(0))
    for g_plain, g in zip(plain.grads().values(), grads.values(), strict=True):
        g_plain[...] = g
    opt_plain = Adam(plain.params(), plain.grads(), lr=1e-2)
    for _ in range(3):
        opt_plain.step()
    assert not np.allclose(plain.params()["fc1.W"], params["fc1.W"], atol=1e-7)
    np.testing.assert_allclose(plain.params()["fc1.b"], params["fc1.b"], atol=1e-7)


def test_adam_weight_decay_in_one_pass_equals_the_per_parameter_updates():
    """The packed one-pass update with a decay per element gives the same weights to the bit
    as updating the parameters one by one (the default recipe's figures were measured so)."""
    from lenet.nn.model import lenet5

    nets = [lenet5(rng=np.random.default_rng(0)) for _ in range(2)]
    opts = [Adam(n.params(), n.grads(), 2e-3, weight_decay=2e-4) for n in nets]
    opts[1]._flat = None  # the per-parameter path
    rng = np.random.default_rng(1)
    for _ in range(20):
        new = {k: rng.standard_normal(g.shape).astype(g.dtype) for k, g in nets[0].grads().items()}
        for net, opt in zip(nets, opts, strict=True):
            for k, g in net.grads().items():
                g[...] = new[k]
            opt.step()
    for name, p in nets[0].params().items():
        np.testing.assert_array_equal(p, nets[1].params()[name], err_msg=name)


def test_adam_flushes_subnormal_weights_and_moments_to_zero_but_keeps_nan():
    """A unit that stopped learning decays into float32's subnormal range, where x86
    multiplies are slow: the update writes those values as 0 (kernel and NumPy twin)."""
    from lenet.nn.kernels.adam import adam_update, adam_update_numpy

    sub = np.float32(1e-39)  # under np.finfo(np.float32).tiny, not zero
    assert 0 < sub < np.finfo(np.float32).tiny
    for update in (adam_update, adam_update_numpy):
        p = np.array([sub, -sub, 0.5, np.nan], np.float32)
        g = np.zeros(4, np.float32)
        m = np.array([sub, -sub, 0.1, 0.0], np.float32)
        v = np.array([sub, sub, 0.01, 0.0], np.float32)
        update(p, g, m, v, 0.0, 0.9, 0.999, 1e-8, 0.0)  # step 0: p changes only by the flush
        assert p[0] == 0 and p[1] == 0 and m[0] == 0 and m[1] == 0 and v[0] == 0 and v[1] == 0
        assert p[2] == np.float32(0.5) and m[2] == pytest.approx(0.09, rel=1e-6)
        assert np.isnan(p[3])  # a diverged run still shows
