"""The fast training path gives the results of the straightforward one.

Each test pits an optimisation (fused loss, batches gathered into a reused buffer, in-place
activations, validation once per fit, scratch buffers in the optimizers) against the plain formula or
the plain code path it replaces.
"""

import numpy as np
import pytest

import glassnet
from glassnet.nn import layers, losses
from glassnet.optim import optimizers, schedules
from glassnet.training import BatchGatherer, batch_indices, fit, train_step


def make_net(sizes=(6, 5, 4, 3), activation="sigmoid", dtype="float64", seed=0):
    stack = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        stack.append(layers.Dense(n_in, n_out, dtype=dtype))
        if i < len(sizes) - 2:
            stack.append(layers.activations.get(activation))
    return glassnet.Sequential(stack, output="softmax", random_state=seed, dtype=dtype)


def reference_softmax_ce(Z, T, weights=None):
    """-sum_k T_ik log softmax(Z_i)_k in float64, and its gradient Y - T, both averaged over samples."""
    Z = Z.astype(np.float64)
    logp = Z - Z.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    onehot = np.eye(Z.shape[1])[T] if T.ndim == 1 else T
    per_sample = -(onehot * logp).sum(axis=1)
    w = np.ones(len(Z)) if weights is None else weights
    grad = (np.exp(logp) - onehot) * w[:, None] / w.sum()
    return float((per_sample * w).sum() / w.sum()), grad


# ---------------------------------------------------------------------------------------- losses
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("onehot", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_softmax_cross_entropy_matches_reference(dtype, tol, onehot, weighted):
    rng = np.random.default_rng(0)
    Z = (rng.standard_normal((17, 5)) * 4).astype(dtype)
    labels = rng.integers(0, 5, 17)
    T = np.eye(5)[labels] if onehot else labels
    w = rng.uniform(0.1, 2.0, 17) if weighted else None
    loss = losses.SoftmaxCrossEntropy()
    value = loss.forward(Z, T, w)
    grad = loss.backward()
    ref_value, ref_grad = reference_softmax_ce(Z, T if not onehot else T.astype(np.float64), w)
    assert value == pytest.approx(ref_value, rel=tol)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, ref_grad, rtol=tol * 10, atol=tol)


def test_fused_softmax_cross_entropy_stays_finite_for_huge_logits():
    Z = np.array([[1e4, -1e4, 0.0], [-5e3, 5e3, 5e3]])
    loss = losses.SoftmaxCrossEntropy()
    value = loss.forward(Z, np.array([1, 0]))
    grad = loss.backward()
    assert np.isfinite(value) and np.isfinite(grad).all()
    assert value == pytest.approx((2e4 + (1e4 + np.log(2))) / 2)


def test_backward_twice_gives_the_same_gradient():
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((8, 4))
    loss = losses.SoftmaxCrossEntropy()
    loss.forward(Z, rng.integers(0, 4, 8))
    first = loss.backward().copy()
    np.testing.assert_allclose(loss.backward(), first, rtol=1e-14)


@pytest.mark.parametrize("loss_cls", [losses.SoftmaxCrossEntropy, losses.BinaryCrossEntropy,
                                      losses.MeanSquaredError])
def test_unvalidated_forward_equals_validated_forward(loss_cls):
    rng = np.random.default_rng(2)
    Z = rng.standard_normal((12, 3))
    if loss_cls is losses.SoftmaxCrossEntropy:
        y = rng.integers(0, 3, 12)
    else:
        y = (rng.random((12, 3)) > 0.5).astype(np.int64)
    w = rng.uniform(0.5, 1.5, 12)
    a, b = loss_cls(), loss_cls()
    prepared = b.prepare_targets(y, 3, Z.dtype)
    checked_w = b.check_sample_weight(w, 12)
    assert a.forward(Z, y, w) == b.forward(Z, prepared, checked_w, validate=False)
    np.testing.assert_array_equal(a.backward(), b.backward())


def test_prepare_targets_raises_what_forward_raises():
    loss = losses.SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match="class index out of range"):
        loss.prepare_targets(np.array([0, 1, 3]), 3)
    with pytest.raises(ValueError, match="must be integers"):
        loss.prepare_targets(np.array([0.5, 1.0]), 3)
    with pytest.raises(ValueError, match="lie in \\[0, 1\\]"):
        losses.BinaryCrossEntropy().prepare_targets(np.array([0.0, 2.0]), 1)
    with pytest.raises(ValueError, match="not be all zero"):
        loss.check_sample_weight(np.zeros(3), 3)


def test_fit_validates_targets_once_before_training():
    net = make_net()
    before = net.get_weights()
    X = np.random.default_rng(3).standard_normal((20, 6))
    y = np.arange(20) % 4  # 3 is out of range for 3 classes
    with pytest.raises(ValueError, match="class index out of range"):
        fit(net, losses.SoftmaxCrossEntropy(), optimizers.SGD(0.1), X, y, epochs=1, batch_size=4)
    np.testing.assert_array_equal(net.get_weights(), before)  # raised before any step


# ---------------------------------------------------------------------------------------- batches
def test_gathered_batches_equal_fancy_indexing_and_reuse_one_buffer():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((103, 7)).astype(np.float32)
    gather = BatchGatherer(X)
    buffers = set()
    for idx in batch_indices(len(X), 10, rng):
        batch = gather(idx)
        np.testing.assert_array_equal(batch, X[idx])
        assert batch.dtype == np.float32 and batch.flags.c_contiguous
        buffers.add(batch.__array_interface__["data"][0])
    assert len(buffers) == 1
    assert gather(slice(None)) is not None and np.shares_memory(gather(slice(None)), X)


def test_fit_never_copies_float32_c_contiguous_data(monkeypatch):
    X = np.random.default_rng(5).standard_normal((64, 6)).astype(np.float32)
    y = np.arange(64) % 3
    seen = []
    original = glassnet.training.BatchGatherer.__init__

    def spy(self, data):
        seen.append(data)
        original(self, data)

    monkeypatch.setattr(glassnet.training.BatchGatherer, "__init__", spy)
    net = make_net(dtype="float32")
    fit(net, losses.SoftmaxCrossEntropy(), optimizers.Adam(0.01), X, y, epochs=1, batch_size=16)
    assert len(seen) == 1 and seen[0] is X


def test_full_batch_uses_the_data_itself():
    X = np.random.default_rng(6).standard_normal((30, 6)).astype(np.float32)
    net = make_net(dtype="float32")
    first = net.layers[0]
    fit(net, losses.SoftmaxCrossEntropy(), optimizers.SGD(0.1), X, np.arange(30) % 3, epochs=1)
    assert np.shares_memory(first._X, X)


# ---------------------------------------------------------------------------------------- equality
def plain_fit(net, loss_fn, opt, X, y, epochs, batch_size, seed):
    """The tutorials' loop, with every check on and X[idx] batches."""
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        opt.set_epoch(epoch)
        for idx in batch_indices(len(X), batch_size, rng):
            train_step(net, loss_fn, opt, X[idx], y[idx])


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh", "gelu", "leaky_relu", "rbf"])
@pytest.mark.parametrize("opt", ["sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"])
def test_fast_fit_equals_plain_loop_bit_for_bit(activation, opt):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((50, 6))
    y = rng.integers(0, 3, 50)
    a, b = make_net(activation=activation), make_net(activation=activation)
    fit(a, losses.SoftmaxCrossEntropy(), optimizers.get(opt, learning_rate=0.05), X, y,
        epochs=3, batch_size=8, random_state=11)
    plain_fit(b, losses.SoftmaxCrossEntropy(), optimizers.get(opt, learning_rate=0.05), X, y, 3, 8, 11)
    np.testing.assert_array_equal(a.get_weights(), b.get_weights())


def test_float32_is_preserved_end_to_end():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((40, 6)).astype(np.float32)
    net = make_net(dtype="float32", activation="relu")
    loss = losses.SoftmaxCrossEntropy()
    fit(net, loss, optimizers.Adam(0.01), X, rng.integers(0, 3, 40), epochs=2, batch_size=16)
    assert net.flat_params.dtype == np.float32 and net.flat_grads.dtype == np.float32
    logits = net.forward(X[:5], training=True)
    assert logits.dtype == np.float32
    loss.forward(logits, np.zeros(5, dtype=np.int64))
    assert loss.backward().dtype == np.float32
    assert net.predict_proba(X).dtype == np.float32


# ---------------------------------------------------------------------------------------- in place
@pytest.mark.parametrize("activation", sorted(layers.ACTIVATIONS))
def test_network_does_not_touch_caller_arrays(activation):
    rng = np.random.default_rng(9)
    net = glassnet.Sequential([layers.Dense(4, 3), layers.activations.get(activation), layers.Dense(3, 2)],
                              random_state=0)
    X = rng.standard_normal((5, 4))
    dY = rng.standard_normal((5, 2))
    X0, dY0 = X.copy(), dY.copy()
    net.forward(X, training=True)
    net.backward(dY)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(dY, dY0)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_standalone_activation_backward_leaves_dY_alone(activation):
    rng = np.random.default_rng(10)
    layer = layers.activations.get(activation)
    Z = rng.standard_normal((6, 4))
    dY = rng.standard_normal((6, 4))
    Z0, dY0 = Z.copy(), dY.copy()
    Y = layer.forward(Z, training=True)
    dZ = layer.backward(dY)
    np.testing.assert_array_equal(Z, Z0)
    np.testing.assert_array_equal(dY, dY0)
    slope = {"sigmoid": Y * (1 - Y), "tanh": 1 - Y * Y, "relu": (Z > 0).astype(float)}[activation]
    np.testing.assert_allclose(dZ, dY * slope, rtol=1e-14)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_in_place_backward_gives_the_gradient_of_the_copying_one(activation):
    rng = np.random.default_rng(11)
    Z = rng.standard_normal((6, 4))
    dY = rng.standard_normal((6, 4))
    plain, inplace = layers.activations.get(activation), layers.activations.get(activation)
    inplace.inplace = inplace.inplace_grad = True
    plain.forward(Z.copy(), True)
    expected = plain.backward(dY)
    inplace.forward(Z.copy(), True)
    got = inplace.backward(dY.copy())
    np.testing.assert_array_equal(got, expected)


def test_gradients_still_match_central_differences_on_the_fast_path():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((10, 6))
    y = rng.integers(0, 3, 10)
    for activation in ("sigmoid", "tanh", "gelu"):
        net = make_net(activation=activation)
        fit(net, losses.SoftmaxCrossEntropy(), optimizers.Adam(0.01), X, y, epochs=2, batch_size=4)
        assert glassnet.gradcheck(net, losses.SoftmaxCrossEntropy(), X, y, tol=1e-5) < 1e-5


# ---------------------------------------------------------------------------------------- optimizers
def test_optimizer_scratch_buffers_leave_the_update_rule_unchanged():
    rng = np.random.default_rng(13)
    theta = rng.standard_normal(9)
    grads = [rng.standard_normal(9) for _ in range(4)]
    p = theta.copy()
    opt = optimizers.Momentum(0.1, momentum=0.9)
    M = np.zeros(9)
    expected = theta.copy()
    for g in grads:
        opt.step([(p, g)])
        M = 0.9 * M - 0.1 * g  # M(i+1) = lambda M(i) - mu g ; theta += M
        expected = expected + M
    np.testing.assert_allclose(p, expected, rtol=1e-14)
    assert set(opt.state_dict()["state"][0]) == {"M"}  # scratch space is not saved state

    p = theta.copy()
    adam = optimizers.Adam(0.01)
    m = np.zeros(9)
    v = np.zeros(9)
    expected = theta.copy()
    for t, g in enumerate(grads, start=1):
        adam.step([(p, g)])
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        expected = expected - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(p, expected, rtol=1e-12)



def test_evaluate_in_chunks_equals_one_pass():
    rng = np.random.default_rng(14)
    X = rng.standard_normal((23, 6))
    y = rng.integers(0, 3, 23)
    net = make_net(activation="relu")
    loss = losses.SoftmaxCrossEntropy()
    chunked = glassnet.training.evaluate(net, loss, X, y, metrics=("accuracy",), batch_size=5)
    whole = glassnet.training.evaluate(net, loss, X, y, metrics=("accuracy",), batch_size=100)
    expected, _ = reference_softmax_ce(net.forward(X), y)
    assert chunked["loss"] == pytest.approx(expected, rel=1e-12)
    assert chunked == pytest.approx(whole, rel=1e-12)


def test_one_shuffled_batch_of_everything_uses_the_data_in_place():
    rng = np.random.default_rng(15)
    X = rng.standard_normal((30, 6)).astype(np.float32)
    y = rng.integers(0, 3, 30)
    net = make_net(dtype="float32")
    fit(net, losses.SoftmaxCrossEntropy(), optimizers.SGD(0.1), X, y, epochs=2, batch_size=64, random_state=0)
    assert np.shares_memory(net.layers[0]._X, X)
    # same step as on the shuffled copy, up to the order of the sums
    other = make_net(dtype="float32")
    perm = np.random.default_rng(0).permutation(30)
    for _ in range(2):
        train_step(other, losses.SoftmaxCrossEntropy(), optimizers.SGD(0.1), X[perm], y[perm])
    np.testing.assert_allclose(net.get_weights(), other.get_weights(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("loss_cls, output", [(losses.BinaryCrossEntropy, "sigmoid"),
                                              (losses.MeanSquaredError, "identity")])
@pytest.mark.parametrize("weighted", [False, True])
def test_fast_fit_equals_plain_loop_for_other_losses(loss_cls, output, weighted):
    rng = np.random.default_rng(16)
    X = rng.standard_normal((40, 6))
    y = (rng.random(40) > 0.5).astype(np.int64) if output == "sigmoid" else rng.standard_normal(40)
    w = rng.uniform(0.5, 2.0, 40) if weighted else None

    def net():
        return glassnet.Sequential([layers.Dense(6, 5), layers.Tanh(), layers.Dense(5, 1)], output=output,
                                   random_state=3)

    a, b = net(), net()
    fit(a, loss_cls(), optimizers.Adam(0.01), X, y, epochs=2, batch_size=8, random_state=5, sample_weight=w)
    order = np.random.default_rng(5)
    opt = optimizers.Adam(0.01)
    for _ in range(2):
        for idx in batch_indices(40, 8, order):
            train_step(b, loss_cls(), opt, X[idx], y[idx], None if w is None else w[idx])
    np.testing.assert_array_equal(a.get_weights(), b.get_weights())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the diverging run overflows on purpose
def test_fast_fit_with_l2_equals_plain_loop_and_divergence_is_still_caught():
    rng = np.random.default_rng(18)
    X = rng.standard_normal((32, 6))
    y = rng.integers(0, 3, 32)
    a, b = make_net(activation="relu"), make_net(activation="relu")
    fit(a, losses.SoftmaxCrossEntropy(), optimizers.Momentum(0.05), X, y, epochs=2, batch_size=8,
        random_state=2, l2=0.01)
    order = np.random.default_rng(2)
    opt = optimizers.Momentum(0.05)
    for _ in range(2):
        for idx in batch_indices(32, 8, order):
            train_step(b, losses.SoftmaxCrossEntropy(), opt, X[idx], y[idx], l2=0.01)
    np.testing.assert_array_equal(a.get_weights(), b.get_weights())

    # linear least squares with a step size far past stability: the error grows ~1e50-fold per step
    net = glassnet.Sequential([layers.Dense(6, 1)], random_state=0)
    with pytest.raises(glassnet.DivergenceError):
        fit(net, losses.MeanSquaredError(), optimizers.SGD(1e50), X, rng.standard_normal(32), epochs=3,
            batch_size=8, random_state=0)
    assert np.isfinite(net.get_weights()).all()


class _Float32Watch(np.ndarray):
    """A float32 array that records every ufunc operand of another float dtype (a NumPy float64
    scalar, say, which would make NumPy compute the whole pass in float64 and cast back)."""

    foreign: list = []

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = []
        for x in inputs:
            if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind == "f" and x.dtype != np.float32:
                _Float32Watch.foreign.append((ufunc.__name__, x.dtype))
            plain.append(x.view(np.ndarray) if isinstance(x, _Float32Watch) else x)
        if "out" in kwargs:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, _Float32Watch) else o for o in kwargs["out"])
        result = getattr(ufunc, method)(*plain, **kwargs)
        # results stay watched, so whatever is computed from them is checked too
        if isinstance(result, np.ndarray) and result.dtype == np.float32:
            return result.view(_Float32Watch)
        return result


class _Float64Rate(schedules.Schedule):
    """A user's schedule returning NumPy float64 rates."""

    def __call__(self, epoch):
        return np.float64(self.initial) / (epoch + 1)


@pytest.mark.parametrize("name", sorted(optimizers.OPTIMIZERS))
def test_float32_updates_never_compute_in_float64(name):
    rng = np.random.default_rng(3)
    theta = rng.standard_normal(50).astype(np.float32).view(_Float32Watch)
    grad = rng.standard_normal(50).astype(np.float32).view(_Float32Watch)
    opt = optimizers.get(name, learning_rate=_Float64Rate(0.01))
    _Float32Watch.foreign = []
    for epoch in range(3):
        opt.set_epoch(epoch)
        opt.step([(theta, grad)])
    assert _Float32Watch.foreign == []
    assert type(opt.lr) is float
    assert theta.dtype == np.float32 and np.isfinite(theta.view(np.ndarray)).all()


@pytest.mark.parametrize("activation", sorted(layers.activations.ACTIVATIONS))
@pytest.mark.parametrize("loss_cls", [losses.SoftmaxCrossEntropy, losses.BinaryCrossEntropy, losses.MeanSquaredError])
@pytest.mark.parametrize("dropout", [False, True])
def test_float32_network_step_never_computes_in_float64(activation, loss_cls, dropout):
    net = make_net(activation=activation, dtype="float32")
    if dropout:
        stack = [*net.layers[:2], layers.Dropout(0.3), *net.layers[2:]]
        net = glassnet.Sequential(stack, output=net.output, random_state=0, dtype="float32")
    rng = np.random.default_rng(4)
    X = rng.standard_normal((8, 6)).astype(np.float32).view(_Float32Watch)
    y = {losses.SoftmaxCrossEntropy: rng.integers(0, 3, 8), losses.BinaryCrossEntropy: rng.integers(0, 2, (8, 3)),
         losses.MeanSquaredError: rng.standard_normal((8, 3))}[loss_cls]
    loss_fn = loss_cls()
    # Some losses compute the per-sample values in float64 on purpose (one number a row, summed in
    # float64); everything else, the gradient included, stays float32.
    per_sample = loss_fn._per_sample
    loss_fn._per_sample = lambda Z, T: per_sample(Z.view(np.ndarray), T)
    y = loss_fn.prepare_targets(y, 3, np.float32)
    _Float32Watch.foreign = []
    net.flat_params, net.flat_grads = net.flat_params.view(_Float32Watch), net.flat_grads.view(_Float32Watch)
    l2 = np.float64(1e-3)  # as np.logspace hands it to a parameter search
    train_step(net, loss_fn, optimizers.Adam(0.01), X, y, l2=l2, validate=False)
    assert _Float32Watch.foreign == []
    assert net.flat_grads.dtype == np.float32 and np.isfinite(net.flat_grads).all()
