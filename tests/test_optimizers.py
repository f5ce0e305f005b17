"""Every optimizer, a few steps on fixed gradients, against its update rule written out by hand."""


import numpy as np
import pytest

from backends import BACKENDS, host, on
from glassnet.optim import optimizers, schedules

GRADS = [np.array([0.5, -1.0, 2.0]), np.array([-0.2, 0.3, 1.0]), np.array([1.5, 0.0, -0.7])]
THETA0 = np.array([1.0, -2.0, 0.5])


def run(opt, n_steps=3, backend="numpy"):
    """``n_steps`` steps from THETA0 with the fixed gradients, on the library ``backend``; the
    parameters after them, as a host array."""
    theta = on(backend, THETA0)
    grad = on(backend, np.zeros(3))
    for g in GRADS[:n_steps]:
        grad[...] = on(backend, g)
        opt.step([(theta, grad)])
    return host(theta)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sgd(backend):
    expected = THETA0 - 0.1 * (GRADS[0] + GRADS[1] + GRADS[2])
    np.testing.assert_allclose(run(optimizers.SGD(0.1), backend=backend), expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_momentum_in_the_tutorials_form(backend):
    lam, mu = 0.9, 0.1
    theta, M = THETA0.copy(), np.zeros(3)
    for g in GRADS:
        M = lam * M - mu * g  # M(i+1) = lambda M(i) - mu dxi/dtheta
        theta = theta + M  # theta(i+1) = theta(i) + M(i+1)
    np.testing.assert_allclose(run(optimizers.Momentum(mu, lam), backend=backend), theta)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nesterov(backend):
    lam, mu = 0.9, 0.1
    theta, M = THETA0.copy(), np.zeros(3)
    for g in GRADS:
        M = lam * M - mu * g
        theta = theta + lam * M - mu * g
    np.testing.assert_allclose(run(optimizers.Nesterov(mu, lam), backend=backend), theta)


@pytest.mark.parametrize("backend", BACKENDS)
def test_adam(backend):
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    theta, m, v = THETA0.copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    np.testing.assert_allclose(run(optimizers.Adam(lr, b1, b2, eps), backend=backend), theta, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_rmsprop(backend):
    lr, rho, eps = 0.01, 0.9, 1e-8
    theta, s = THETA0.copy(), np.zeros(3)
    for g in GRADS:
        s = rho * s + (1 - rho) * g**2
        theta = theta - lr * g / (np.sqrt(s) + eps)
    np.testing.assert_allclose(run(optimizers.RMSProp(lr, rho, eps), backend=backend), theta, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_adagrad(backend):
    lr, eps = 0.1, 1e-8
    theta, s = THETA0.copy(), np.zeros(3)
    for g in GRADS:
        s = s + g**2
        theta = theta - lr * g / (np.sqrt(s) + eps)
    np.testing.assert_allclose(run(optimizers.AdaGrad(lr, eps), backend=backend), theta, rtol=1e-12)


def test_state_is_per_parameter_position():
    opt = optimizers.Momentum(0.1, 0.5)
    a, b = np.zeros(2), np.zeros(3)
    ga, gb = np.ones(2), -np.ones(3)
    for _ in range(2):
        opt.step([(a, ga), (b, gb)])
    # two steps: M1 = -0.1 g, M2 = 0.5 M1 - 0.1 g = -0.15 g -> theta = -0.25 g
    np.testing.assert_allclose(a, -0.25 * ga)
    np.testing.assert_allclose(b, -0.25 * gb)


def test_state_dict_round_trip_continues_identically():
    first = optimizers.Adam(0.01)
    theta = run(first, 2)
    second = optimizers.Adam(0.01)
    second.load_state_dict(first.state_dict())
    grad = GRADS[2].copy()
    t1, t2 = theta.copy(), theta.copy()
    first.step([(t1, grad)])
    second.step([(t2, grad)])
    np.testing.assert_array_equal(t1, t2)


@pytest.mark.parametrize("name, keys", [("adam", {"m", "v"}), ("rmsprop", {"s"}), ("adagrad", {"s"})])
def test_state_dict_holds_the_rules_state_and_no_scratch_space(name, keys):
    optimizer = optimizers.get(name, learning_rate=0.01)
    run(optimizer, 2)
    assert set(optimizer.state_dict()["state"][0]) == keys


@pytest.mark.parametrize(
    "schedule,expected",
    [
        (schedules.Constant(0.1), [0.1, 0.1, 0.1, 0.1]),
        (schedules.InverseScaling(0.1, power_t=0.5), [0.1 / np.sqrt(e + 1) for e in range(4)]),
        (schedules.StepDecay(0.1, step_size=2, factor=0.5), [0.1, 0.1, 0.05, 0.05]),
        (schedules.ExponentialDecay(0.1, decay=0.5), [0.1, 0.05, 0.025, 0.0125]),
    ],
)
def test_schedules_set_the_rate_per_epoch(schedule, expected):
    opt = optimizers.SGD(schedule)
    rates = []
    for epoch in range(4):
        opt.set_epoch(epoch)
        rates.append(opt.lr)
    np.testing.assert_allclose(rates, expected)


@pytest.mark.parametrize("bad", [0, -0.1, float("nan"), "0.1", None])
def test_learning_rate_must_be_a_positive_number(bad):
    with pytest.raises((ValueError, TypeError), match="learning_rate"):
        optimizers.SGD(bad)


@pytest.mark.parametrize("kwargs,match", [({"momentum": 1.5}, "momentum"), ({"momentum": -1}, "momentum")])
def test_momentum_range(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimizers.Momentum(0.1, **kwargs)


def test_unknown_optimizer_name():
    with pytest.raises(ValueError, match="Unknown optimizer 'adamw'"):
        optimizers.get("adamw")
