"""Gradient and value checks for the regression losses the estimators use: AbsoluteError, Huber,
HalfSquaredError and PoissonDeviance."""

import numpy as np
import pytest

from backends import BACKENDS, host, on
from glassnet.nn import losses


def numerical_grad(loss, Y, T, w, upstream):
    """Central differences of ``upstream * loss(Y)`` in float64 (``Y`` of any library)."""
    eps = 1e-6
    grad = np.zeros(tuple(Y.shape))
    for idx in np.ndindex(*Y.shape):
        old = float(Y[idx])
        Y[idx] = old + eps
        up = loss.forward(Y, T, w)
        Y[idx] = old - eps
        down = loss.forward(Y, T, w)
        Y[idx] = old
        grad[idx] = upstream * (up - down) / (2 * eps)
    return grad


def make_loss(name):
    return {
        "absolute_error": lambda r: losses.AbsoluteError(reduction=r),
        "huber": lambda r: losses.Huber(delta=0.7, reduction=r),
        "half_squared_error": lambda r: losses.HalfSquaredError(reduction=r),
        "poisson": lambda r: losses.PoissonDeviance(reduction=r),
    }[name]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["absolute_error", "huber", "half_squared_error", "poisson"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_central_differences(name, reduction, seed, backend):
    rng = np.random.default_rng(seed)
    n, k = rng.integers(1, 7), rng.integers(1, 4)
    Y = rng.normal(size=(n, k))
    T = rng.poisson(2.0, size=(n, k)).astype(float) if name == "poisson" else rng.normal(size=(n, k))
    # keep |Y - T| away from the kinks (0 for |r|, delta for Huber) so the difference is smooth
    if name in ("absolute_error", "huber"):
        r = Y - T
        r = np.where(np.abs(r) < 0.05, 0.05 * np.sign(r + 1e-12), r)
        r = np.where(np.abs(np.abs(r) - 0.7) < 0.05, r * 1.2, r)
        Y = T + r
    w = rng.uniform(0.1, 2.0, size=n)
    upstream = rng.normal()
    loss = make_loss(name)(reduction)
    Y, T, w = on(backend, Y), on(backend, T), on(backend, w)
    loss.forward(Y, T, w)
    analytic = upstream * host(loss.backward())
    numeric = numerical_grad(loss, Y, T, w, upstream)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_huber_is_quadratic_inside_and_linear_outside_delta():
    loss = losses.Huber(delta=1.0)
    # r = 0.5 -> 0.125; r = 3 -> 1 * (3 - 0.5) = 2.5; mean = 1.3125
    assert loss.forward(np.array([[0.5], [3.0]]), np.zeros(2)) == pytest.approx(1.3125)


def test_absolute_error_value_and_weights():
    loss = losses.AbsoluteError()
    # |1 - 0| = 1 with weight 3, |0 - 2| = 2 with weight 1: (3 + 2) / 4
    assert loss.forward(np.array([[1.0], [0.0]]), np.array([0.0, 2.0]), np.array([3.0, 1.0])) == pytest.approx(1.25)


def test_poisson_matches_scikit_learn_half_deviance():
    from sklearn.metrics import mean_poisson_deviance

    rng = np.random.default_rng(3)
    Z = rng.normal(size=(20, 1))
    T = rng.poisson(1.5, size=20).astype(float)
    ours = losses.PoissonDeviance().forward(Z, T)
    assert ours == pytest.approx(0.5 * mean_poisson_deviance(T, np.exp(Z[:, 0])))


@pytest.mark.parametrize("name", ["absolute_error", "huber", "half_squared_error", "poisson"])
def test_registered(name):
    assert isinstance(losses.get(name), losses.Loss)


@pytest.mark.parametrize("delta", [0, -1.0, float("nan")])
def test_huber_rejects_bad_delta(delta):
    with pytest.raises(ValueError, match="delta"):
        losses.Huber(delta=delta)


def test_poisson_rejects_negative_targets():
    with pytest.raises(ValueError, match="non-negative"):
        losses.PoissonDeviance().forward(np.zeros((2, 1)), np.array([1.0, -1.0]))
