"""Convolution, pooling, BatchNorm, Flatten and Residual: backward against float64 central differences
with a random upstream gradient, forward against the formulas written out as loops, on every array
library of ``backends.BACKENDS`` (NumPy, array-api-strict, PyTorch on the CPU)."""

import itertools
import zlib

import numpy as np
import pytest

import glassnet as gn
from backends import BACKENDS, host, on, put_layer
from glassnet.nn import layers
from gradients import check_layer


def rng_for(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def forward_on(backend, layer, X, training=False):
    """``layer.forward(X)`` computed on library ``backend``, as a host array."""
    return host(put_layer(layer, backend).forward(on(backend, X), training))


def conv_by_loops(X, W, b, stride, padding):
    """``Y[n, o, l] = b[o] + sum_{c, j} W[o, c, j] Xp[n, c, s l + j]``, position by position."""
    d = X.ndim - 2
    Xp = np.pad(X, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    k = W.shape[2:]
    out = [(Xp.shape[2 + i] - k[i]) // stride[i] + 1 for i in range(d)]
    Y = np.zeros((X.shape[0], W.shape[0], *out))
    for pos in itertools.product(*map(range, out)):
        window = Xp[(slice(None), slice(None), *[slice(p * s, p * s + kk) for p, s, kk in zip(pos, stride, k)])]
        Y[(slice(None), slice(None), *pos)] = np.tensordot(window, W, axes=(range(1, d + 2), range(1, d + 2))) + b
    return Y


def pool_by_loops(X, kernel, stride, padding, reduce, fill):
    d = X.ndim - 2
    Xp = np.pad(X, [(0, 0), (0, 0)] + [(p, p) for p in padding], constant_values=fill)
    out = [(Xp.shape[2 + i] - kernel[i]) // stride[i] + 1 for i in range(d)]
    Y = np.zeros((*X.shape[:2], *out))
    for pos in itertools.product(*map(range, out)):
        window = Xp[(slice(None), slice(None), *[slice(p * s, p * s + k) for p, s, k in zip(pos, stride, kernel)])]
        Y[(slice(None), slice(None), *pos)] = reduce(window.reshape(*X.shape[:2], -1), axis=-1)
    return Y


CONV1D_CASES = [  # (n, c_in, c_out, length, kernel, stride, padding)
    (1, 1, 1, 5, 3, 1, 0),
    (3, 2, 4, 11, 3, 2, 1),
    (2, 3, 2, 9, 5, 3, 2),
    (2, 1, 3, 7, 7, 1, 0),
    (1, 2, 2, 4, 2, 2, 3),
]
CONV2D_CASES = [  # (n, c_in, c_out, (h, w), kernel, stride, padding)
    (1, 1, 1, (4, 4), 3, 1, 0),
    (2, 2, 3, (5, 7), (3, 2), (2, 1), (1, 0)),
    (3, 1, 2, (7, 5), 3, 2, 1),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CONV1D_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv1d_forward_and_backward(case, bias, backend):
    n, c, o, length, k, s, p = case
    rng = rng_for("conv1d", case, bias)
    layer = layers.Conv1D(c, o, k, stride=s, padding=p, bias=bias, random_state=1)
    if bias:
        layer.params["b"][...] = rng.normal(size=o)
    X = rng.normal(size=(n, c, length))
    b = layer.params["b"] if bias else 0.0
    expected = conv_by_loops(X, layer.params["W"], b, (s,), (p,))
    np.testing.assert_allclose(forward_on(backend, layer, X), expected, rtol=1e-12, atol=1e-12)
    assert layer.output_shape((c, length)) == expected.shape[1:]
    check_layer(layer, X, rng, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CONV2D_CASES)
def test_conv2d_forward_and_backward(case, backend):
    n, c, o, hw, k, s, p = case
    rng = rng_for("conv2d", case)
    layer = layers.Conv2D(c, o, k, stride=s, padding=p, random_state=2)
    layer.params["b"][...] = rng.normal(size=o)
    X = rng.normal(size=(n, c, *hw))
    expected = conv_by_loops(X, layer.params["W"], layer.params["b"], layer.stride, layer.padding)
    np.testing.assert_allclose(forward_on(backend, layer, X), expected, rtol=1e-12, atol=1e-12)
    assert layer.output_shape((c, *hw)) == expected.shape[1:]
    check_layer(layer, X, rng, backend=backend)


POOL_CASES = [  # (cls, x shape, kernel, stride, padding)
    (layers.MaxPool1D, (1, 1, 6), 2, None, 0),
    (layers.MaxPool1D, (3, 2, 9), 3, 2, 1),
    (layers.MaxPool2D, (2, 2, 5, 6), 2, None, 0),
    (layers.MaxPool2D, (1, 3, 7, 5), (3, 2), (2, 1), (1, 1)),
    (layers.AvgPool1D, (1, 1, 6), 2, None, 0),
    (layers.AvgPool1D, (3, 2, 9), 3, 2, 1),
    (layers.AvgPool2D, (2, 2, 5, 6), 2, None, 0),
    (layers.AvgPool2D, (1, 3, 7, 5), (3, 2), (2, 1), (1, 1)),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("cls,shape,kernel,stride,padding", POOL_CASES)
def test_pooling_forward_and_backward(cls, shape, kernel, stride, padding, backend):
    rng = rng_for(cls.__name__, shape, kernel, stride, padding)
    layer = cls(kernel, stride=stride, padding=padding)
    # Distinct values, so that every window has one maximum and central differences never cross a tie.
    X = rng.permutation(np.prod(shape)).reshape(shape) * 0.01 + rng.normal(scale=1e-4, size=shape)
    is_max = cls.__name__.startswith("Max")
    expected = pool_by_loops(X, layer.kernel, layer.stride, layer.padding,
                             np.max if is_max else np.mean, -np.inf if is_max else 0.0)
    np.testing.assert_allclose(forward_on(backend, layer, X), expected, rtol=1e-12, atol=1e-15)
    assert layer.output_shape(shape[1:]) == expected.shape[1:]
    check_layer(layer, X, rng, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_maxpool_sends_the_gradient_of_a_tie_to_the_first_maximum(backend):
    layer = layers.MaxPool1D(2)
    layer.forward(on(backend, [[[1.0, 1.0, 3.0, 2.0]]]))
    np.testing.assert_array_equal(host(layer.backward(on(backend, [[[5.0, 7.0]]]))), [[[5.0, 0.0, 7.0, 0.0]]])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", [(1, 3, 5), (4, 2, 3, 5), (2, 1, 1)])
def test_global_average_pool_and_flatten(shape, backend):
    rng = rng_for("gap", shape)
    X = rng.normal(size=shape)
    gap = layers.GlobalAveragePool()
    np.testing.assert_allclose(forward_on(backend, gap, X), X.reshape(*shape[:2], -1).mean(axis=-1), rtol=1e-13)
    check_layer(gap, X, rng, backend=backend)
    flatten = layers.Flatten()
    np.testing.assert_array_equal(forward_on(backend, flatten, X), X.reshape(shape[0], -1))
    assert flatten.output_shape(shape[1:]) == (int(np.prod(shape[1:])),)
    check_layer(flatten, X, rng, backend=backend)
    reshape = layers.Reshape((int(np.prod(shape[1:])),))
    np.testing.assert_array_equal(forward_on(backend, reshape, X), X.reshape(shape[0], -1))
    check_layer(reshape, X, rng, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", [(6, 3), (2, 3), (4, 2, 5), (1, 3, 4), (3, 2, 3, 4)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_backward_in_both_modes(shape, training, backend):
    rng = rng_for("bn", shape, training)
    layer = layers.BatchNorm(shape[1])
    layer.params["gamma"][...] = rng.normal(size=shape[1])
    layer.params["beta"][...] = rng.normal(size=shape[1])
    layer.buffers["running_mean"][...] = rng.normal(size=shape[1])
    layer.buffers["running_var"][...] = rng.uniform(0.5, 2.0, size=shape[1])
    check_layer(layer, rng.normal(loc=1.0, scale=2.0, size=shape), rng, training=training, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_batchnorm_normalises_in_training_and_tracks_running_statistics(backend):
    rng = np.random.default_rng(0)
    X = rng.normal(loc=3.0, scale=2.0, size=(50, 4, 6))
    layer = put_layer(layers.BatchNorm(4, momentum=0.25), backend)
    Y = host(layer.forward(on(backend, X), training=True))
    np.testing.assert_allclose(Y.mean(axis=(0, 2)), 0.0, atol=1e-12)
    np.testing.assert_allclose(Y.var(axis=(0, 2)), 1.0 / (1.0 + 1e-5 / X.var(axis=(0, 2))), rtol=1e-10)
    # running <- (1 - momentum) running + momentum batch, the variance unbiased
    np.testing.assert_allclose(host(layer.buffers["running_mean"]), 0.25 * X.mean(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(host(layer.buffers["running_var"]), 0.75 + 0.25 * X.var(axis=(0, 2), ddof=1),
                               rtol=1e-12)
    mean, var = host(layer.buffers["running_mean"]).copy(), host(layer.buffers["running_var"]).copy()
    Y_eval = host(layer.forward(on(backend, X), training=False))
    np.testing.assert_allclose(Y_eval, (X - mean[:, None]) / np.sqrt(var[:, None] + 1e-5), rtol=1e-12)
    np.testing.assert_array_equal(host(layer.buffers["running_mean"]), mean)  # evaluation leaves them alone


def test_batchnorm_refuses_a_training_batch_with_one_value_per_feature():
    with pytest.raises(ValueError, match="more than one value per feature"):
        layers.BatchNorm(3).forward(np.ones((1, 3)), training=True)


@pytest.mark.parametrize("make", [
    lambda: [layers.Dense(4, 4, random_state=0), layers.Tanh(), layers.Dense(4, 4, random_state=1)],
    lambda: [layers.Conv1D(4, 4, 3, padding=1, random_state=0), layers.ReLU(), layers.BatchNorm(4)],
    lambda: [layers.Residual([layers.Dense(4, 4, random_state=2), layers.Sigmoid()])],
])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("backend", BACKENDS)
def test_residual_backward_with_any_inner_stack(make, training, backend):
    stack = make()
    rng = rng_for("residual", len(stack), type(stack[0]).__name__, training)
    X = rng.normal(size=(3, 4, 5) if isinstance(stack[0], layers.Conv1D) else (3, 4))
    X = np.where(np.abs(X) < 1e-2, 0.1, X)
    layer = layers.Residual(stack)
    F = X
    for inner in stack:
        F = inner.forward(F, training)
    np.testing.assert_allclose(forward_on(backend, layer, X, training), X + F, rtol=1e-13, atol=1e-13)
    check_layer(layer, X, rng, training=training, backend=backend)


def test_residual_refuses_a_stack_that_changes_the_shape():
    with pytest.raises(ValueError, match="must keep the sample shape"):
        gn.Sequential([layers.Residual([layers.Dense(4, 3)])])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_whole_cnn_passes_gradcheck_with_its_hot_path(backend):
    rng = np.random.default_rng(3)
    net = gn.Sequential([
        layers.Conv1D(1, 4, 5, stride=2, padding=1), layers.ReLU(), layers.BatchNorm(4),
        layers.Residual([layers.Conv1D(4, 4, 3, padding=1), layers.Tanh()]), layers.MaxPool1D(2),
        layers.Conv1D(4, 3, 3, stride=2, padding=1), layers.GELU(), layers.Flatten(), layers.Dense(9, 3),
    ], input_shape=(1, 23), output="softmax", random_state=0).to(backend)
    X, y = rng.normal(size=(5, 1, 23)), rng.integers(0, 3, size=5)
    assert gn.gradcheck(net, gn.nn.SoftmaxCrossEntropy(), on(backend, X), on(backend, y)) < 1e-6
    assert net.output_shape == (3,)


@pytest.mark.parametrize("backend", BACKENDS)
def test_conv2d_cnn_passes_gradcheck_in_float64(backend):
    rng = np.random.default_rng(4)
    net = gn.Sequential([
        layers.Conv2D(1, 3, 3, padding=1), layers.ReLU(), layers.AvgPool2D(2), layers.Conv2D(3, 2, (2, 3)),
        layers.GlobalAveragePool(), layers.Dense(2, 2),
    ], input_shape=(1, 6, 7), output="softmax", random_state=1).to(backend)
    X, y = rng.normal(size=(3, 1, 6, 7)), rng.integers(0, 2, size=3)
    assert gn.gradcheck(net, gn.nn.SoftmaxCrossEntropy(), on(backend, X), on(backend, y)) < 1e-6


def test_float32_stays_float32():
    net = gn.Sequential([layers.Conv2D(1, 2, 3, padding=1), layers.BatchNorm(2), layers.ReLU(), layers.MaxPool2D(2),
                         layers.Flatten(), layers.Dense(8, 3)], input_shape=(1, 4, 4), dtype="float32", random_state=0)
    X = np.random.default_rng(0).normal(size=(5, 1, 4, 4)).astype(np.float32)
    Y = net.forward(X, training=True)
    assert Y.dtype == np.float32
    net.backward(np.ones_like(Y))
    assert net.flat_grads.dtype == np.float32 and net.layers[1].buffers["running_var"].dtype == np.float32


@pytest.mark.parametrize("backend", BACKENDS)
def test_prediction_on_many_samples_takes_them_in_chunks_with_the_same_result(monkeypatch, backend):
    from glassnet.nn.layers import conv

    layer = put_layer(layers.Conv2D(2, 3, 3, padding=1, random_state=0), backend)
    X = on(backend, np.random.default_rng(0).normal(size=(7, 2, 5, 5)))
    whole = layer.forward(X)
    monkeypatch.setattr(conv, "MAX_COLS", 2 * 2 * 9 * 25)  # two samples' worth
    np.testing.assert_allclose(host(layer.forward(X)), host(whole), rtol=1e-14, atol=1e-14)
    with pytest.raises(RuntimeError, match="needs a forward with training=True"):
        layer.backward(on(backend, np.ones(tuple(whole.shape))))
