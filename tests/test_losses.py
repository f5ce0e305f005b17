"""Losses: backward against central differences of forward, values against the textbook formulas."""

import zlib

import numpy as np
import pytest

from glassnet.nn import losses
from backends import BACKENDS, host, on
from gradients import assert_close, numerical_gradient


def make_targets(loss, shape, rng, one_hot=False):
    n, k = shape
    if isinstance(loss, losses.SoftmaxCrossEntropy):
        labels = rng.integers(0, k, size=n)
        return np.eye(k)[labels] if one_hot else labels
    if isinstance(loss, losses.BinaryCrossEntropy):
        return rng.integers(0, 2, size=shape).astype(float)
    return rng.normal(size=shape)


LOSS_CASES = [
    (losses.SoftmaxCrossEntropy, False),
    (losses.SoftmaxCrossEntropy, True),
    (losses.BinaryCrossEntropy, False),
    (losses.MeanSquaredError, False),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("cls,one_hot", LOSS_CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("shape", [(1, 2), (6, 3), (9, 1)])
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_backward_matches_central_differences(cls, one_hot, reduction, shape, weighted, backend):
    if cls is losses.SoftmaxCrossEntropy and shape[1] == 1:
        shape = (shape[0], 2)
    rng = np.random.default_rng(zlib.crc32(repr((cls.__name__, one_hot, reduction, shape, weighted)).encode()))
    loss = cls(reduction=reduction)
    Z = rng.normal(scale=2, size=shape)
    T = make_targets(loss, shape, rng, one_hot)
    w = rng.uniform(0.1, 3.0, size=shape[0]) if weighted else None
    Z, T, w = on(backend, Z), on(backend, T), None if w is None else on(backend, w)
    loss.forward(Z, T, w)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(Z, T, w), Z)
    assert tuple(analytic.shape) == tuple(Z.shape)
    assert_close(host(analytic), numeric)


def test_softmax_cross_entropy_value_is_the_textbook_formula():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(5, 4))
    labels = rng.integers(0, 4, size=5)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    expected = -np.log(P[np.arange(5), labels])
    assert losses.SoftmaxCrossEntropy().forward(Z, labels) == pytest.approx(expected.mean())
    assert losses.SoftmaxCrossEntropy("sum").forward(Z, labels) == pytest.approx(expected.sum())
    # the fused gradient is Y - T (divided by n for the mean)
    loss = losses.SoftmaxCrossEntropy("sum")
    loss.forward(Z, labels)
    np.testing.assert_allclose(loss.backward(), P - np.eye(4)[labels])


def test_binary_cross_entropy_value_is_the_textbook_formula():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(6, 1))
    t = rng.integers(0, 2, size=6).astype(float)
    y = 1 / (1 + np.exp(-Z[:, 0]))
    expected = -(t * np.log(y) + (1 - t) * np.log(1 - y)).mean()
    assert losses.BinaryCrossEntropy().forward(Z, t) == pytest.approx(expected)


def test_weighted_mean_divides_by_the_total_weight():
    Z = np.array([[0.0], [2.0]])
    t = np.array([1.0, 3.0])
    # per-sample squared errors 1 and 1; weights 1 and 3 -> (1 + 3) / 4
    assert losses.MeanSquaredError().forward(Z, t, sample_weight=[1.0, 3.0]) == pytest.approx(1.0)
    # integer weights equal repeating samples
    Zr, tr = np.array([[0.0], [2.0], [2.0], [2.0]]), np.array([1.0, 1.0, 1.0, 1.0])
    assert losses.MeanSquaredError().forward(Z, np.array([1.0, 1.0]), [1, 3]) == pytest.approx(
        losses.MeanSquaredError().forward(Zr, tr)
    )


@pytest.mark.parametrize("cls", [losses.SoftmaxCrossEntropy, losses.BinaryCrossEntropy])
def test_fused_losses_are_finite_for_huge_logits(cls):
    Z = np.array([[1e4, -1e4], [-1e4, 1e4]])
    loss = cls()
    T = np.array([1, 0]) if cls is losses.SoftmaxCrossEntropy else np.array([[0.0, 1.0], [1.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = loss.forward(Z, T)
        grad = loss.backward()
    assert np.isfinite(value) and value > 1e3  # confidently wrong costs about 1e4
    assert np.isfinite(grad).all()


def test_float32_outputs_give_float32_gradients():
    Z = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    loss = losses.SoftmaxCrossEntropy()
    loss.forward(Z, np.array([0, 1, 2, 0]))
    assert loss.backward().dtype == np.float32


@pytest.mark.parametrize(
    "targets,match",
    [
        (np.array([0, 1, 5]), "out of range"),
        (np.array([0, -1, 1]), "out of range"),
        (np.array([0, 1]), "3 rows"),
        (np.array([0.5, 1, 0]), "integers"),
        (np.zeros((3, 2)), "do not match"),
    ],
)
def test_softmax_cross_entropy_rejects_bad_targets(targets, match):
    with pytest.raises(ValueError, match=match):
        losses.SoftmaxCrossEntropy().forward(np.zeros((3, 3)), targets)


def test_bad_reduction_and_weights_are_refused():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="sample_weight"):
        losses.MeanSquaredError().forward(np.zeros((2, 1)), np.zeros(2), sample_weight=[1.0])
    with pytest.raises(ValueError, match="sample_weight"):
        losses.MeanSquaredError().forward(np.zeros((2, 1)), np.zeros(2), sample_weight=[1.0, -1.0])
    with pytest.raises(ValueError, match="all zero"):
        losses.MeanSquaredError().forward(np.zeros((2, 1)), np.zeros(2), sample_weight=[0.0, 0.0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        losses.BinaryCrossEntropy().forward(np.zeros((2, 1)), np.array([0.0, 2.0]))
