"""Every layer and activation: backward against float64 central differences, plus forward formulas."""

import warnings
import zlib

import numpy as np
import pytest

from glassnet.nn import layers
from backends import BACKENDS
from gradients import check_layer

ACTIVATION_CLASSES = [
    layers.Identity, layers.Sigmoid, layers.Tanh, layers.ReLU, layers.LeakyReLU, layers.RBF,
    layers.GELU, layers.Softmax,
]


def away_from_kinks(X):
    """Move entries off 0, where ReLU-type derivatives are undefined."""
    return np.where(np.abs(X) < 1e-2, 0.1, X)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("cls", ACTIVATION_CLASSES)
@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (7, 10)])
def test_activation_backward_matches_central_differences(cls, shape, backend):
    rng = np.random.default_rng(zlib.crc32(repr((cls.__name__, shape)).encode()))
    X = away_from_kinks(rng.normal(scale=2.0, size=shape))
    check_layer(cls(), X, rng, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n_in,n_out,n", [(1, 1, 1), (3, 4, 6), (8, 2, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_dense_backward_matches_central_differences(n_in, n_out, n, bias, backend):
    rng = np.random.default_rng(n_in * 100 + n_out * 10 + n)
    layer = layers.Dense(n_in, n_out, bias=bias, random_state=1)
    check_layer(layer, rng.normal(size=(n, n_in)), rng, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_bias_backward_matches_central_differences(backend):
    rng = np.random.default_rng(3)
    layer = layers.Bias(4)
    layer.params["b"][...] = rng.normal(size=4)
    check_layer(layer, rng.normal(size=(6, 4)), rng, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rate", [0.0, 0.3, 0.7])
def test_dropout_backward_matches_central_differences_for_a_fixed_mask(rate, backend):
    rng = np.random.default_rng(5)
    layer = layers.Dropout(rate)

    def same_mask(layer):
        layer.rng = np.random.default_rng(42)

    check_layer(layer, rng.normal(size=(6, 5)), rng, training=True, reseed=same_mask, backend=backend)


def test_dropout_scales_kept_units_and_is_identity_at_prediction():
    X = np.ones((2000, 50))
    layer = layers.Dropout(0.25, random_state=0)
    Y = layer.forward(X, training=True)
    kept = Y != 0
    assert np.allclose(Y[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.01
    assert layer.forward(X, training=False) is X


@pytest.mark.parametrize(
    "cls,formula",
    [
        (layers.Sigmoid, lambda z: 1 / (1 + np.exp(-z))),
        (layers.Tanh, np.tanh),
        (layers.ReLU, lambda z: np.maximum(z, 0)),
        (layers.LeakyReLU, lambda z: np.where(z > 0, z, 0.01 * z)),
        (layers.RBF, lambda z: np.exp(-(z**2))),
        (layers.Softmax, lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)),
        (layers.GELU, lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))),
    ],
)
def test_activation_forward_matches_its_formula(cls, formula):
    Z = np.random.default_rng(0).normal(scale=3, size=(4, 6))
    np.testing.assert_allclose(cls().forward(Z.copy()), formula(Z), rtol=1e-12, atol=1e-15)


def test_dense_forward_is_affine_map():
    rng = np.random.default_rng(0)
    layer = layers.Dense(3, 2, random_state=0)
    layer.params["b"][...] = [0.5, -1.0]
    X = rng.normal(size=(4, 3))
    np.testing.assert_allclose(layer.forward(X), X @ layer.params["W"] + [0.5, -1.0])


def test_sigmoid_and_softmax_stay_finite_for_huge_logits():
    Z = np.array([[1e4, -1e4, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = layers.Sigmoid().forward(Z.copy())
        p = layers.Softmax().forward(Z.copy())
    np.testing.assert_allclose(s, [[1.0, 0.0, 0.5]])
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0]])


def test_inplace_activation_overwrites_only_when_allowed():
    Z = np.random.default_rng(0).normal(size=(3, 3))
    original = Z.copy()
    layers.Sigmoid().forward(Z)
    np.testing.assert_array_equal(Z, original)
    act = layers.Sigmoid()
    act.inplace = True
    out = act.forward(Z)
    assert np.shares_memory(out, Z)


@pytest.mark.parametrize("bad", [0, -3, 2.5, None, "64", True])
def test_dense_rejects_bad_widths(bad):
    with pytest.raises((ValueError, TypeError), match="n_out"):
        layers.Dense(3, bad)


@pytest.mark.parametrize("bad", [-0.1, 1.0, float("nan"), "0.5"])
def test_dropout_rejects_bad_rates(bad):
    with pytest.raises((ValueError, TypeError), match="rate"):
        layers.Dropout(bad)


def test_unknown_activation_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown activation 'swish'.*relu"):
        layers.activations.get("swish")


def test_sigmoid_keeps_relative_precision_in_the_tails():
    z = np.array([-700.0, -100.0, -30.0, -5.0, 0.0, 5.0, 30.0])
    exact = np.exp(-np.logaddexp(0.0, -z))  # 1 / (1 + exp(-z)) without overflow
    np.testing.assert_allclose(layers.Sigmoid().forward(z[None, :].copy())[0], exact, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_flushes_to_zero_past_overflow_silently_and_keeps_its_dtype(dtype):
    # exp(-z) overflows below z = -88.7 (float32) and -709.8 (float64): the result is 0 there, and the
    # overflow is no warning (outside a training loop too)
    z = np.array([[-1e4, -720.0, -100.0, -87.0, -20.0, 0.0, 20.0, 1e4]], dtype=dtype)
    exact = np.exp(-np.logaddexp(0.0, -z.astype(np.float64)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Y = layers.Sigmoid().forward(z.copy())
    assert Y.dtype == dtype
    normal = exact >= np.finfo(dtype).tiny
    np.testing.assert_allclose(Y[normal], exact[normal], rtol=4 * np.finfo(dtype).eps)
    assert np.all(Y[~normal] <= np.finfo(dtype).tiny)
    assert Y[0, 0] == 0.0 and Y[0, -1] == 1.0


def test_relu_forward_equals_numpy_maximum_bit_for_bit():
    # against a block of zeros (contiguous inputs up to 2**20 elements) or the scalar (the rest)
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.standard_normal(5000), [0.0, -0.0, np.inf, -np.inf, np.nan]])
    for X in (values.reshape(5005 // 7, 7), values[::2].reshape(-1, 1), values.astype(np.float32).reshape(1, -1),
              rng.standard_normal((1100, 1000)), values.reshape(5005 // 7, 7).T):
        Y = layers.ReLU().forward(X)
        expected = np.maximum(X, 0.0)
        assert Y.dtype == X.dtype
        assert np.array_equal(Y, expected, equal_nan=True) and np.array_equal(np.signbit(Y), np.signbit(expected))


@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
def test_float32_dense_gives_the_gradients_of_float64_whatever_its_input_dtype(x_dtype):
    # float32 input takes np.dot straight into the float32 gradient buffer; float64 input (a layer
    # used on its own) cannot, and goes through matmul, which casts
    rng = np.random.default_rng(5)
    d32 = layers.Dense(4, 3, random_state=1, dtype="float32")
    d64 = layers.Dense(4, 3, random_state=1, dtype="float64")
    d64.params["W"][...] = d32.params["W"]
    X = rng.standard_normal((6, 4)).astype(x_dtype)
    dY = rng.standard_normal((6, 3))
    d32.forward(X)
    d64.forward(X.astype(np.float64))
    dX32 = d32.backward(dY.astype(np.result_type(x_dtype, np.float32)))
    dX64 = d64.backward(dY)
    assert d32.grads["W"].dtype == np.float32
    np.testing.assert_allclose(d32.grads["W"], d64.grads["W"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d32.grads["b"], d64.grads["b"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dX32, dX64, rtol=1e-5, atol=1e-6)
