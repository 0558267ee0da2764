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
