"""Sequential: flat parameter buffers, whole-network gradients, predictions and input checks."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn import layers, losses
from glassnet.nn.checks import check_X


def small_net(activation="tanh", output="softmax", n_out=3, dropout=0.0, seed=0, dtype="float64"):
    hidden = [layers.Dense(4, 5), layers.activations.get(activation)]
    if dropout:
        hidden.append(layers.Dropout(dropout))
    return gn.Sequential(hidden + [layers.Dense(5, n_out)], output=output, random_state=seed, dtype=dtype)


def test_parameters_are_views_into_one_flat_buffer():
    net = small_net()
    for param, grad in net.parameters():
        assert np.shares_memory(param, net.flat_params)
        assert np.shares_memory(grad, net.flat_grads)
    assert net.n_params == 4 * 5 + 5 + 5 * 3 + 3
    # weights (under L2) first, biases after
    assert net.n_decayed == 4 * 5 + 5 * 3
    net.flat_params[:] = 0.0
    assert not net.layers[0].params["W"].any()


def test_an_optimizer_step_on_the_flat_pair_moves_every_layer():
    net = small_net()
    before = [p.copy() for p, _ in net.parameters()]
    net.flat_grads[:] = 1.0
    gn.optim.SGD(0.5).step(net.flat_parameters())
    for (p, _), b in zip(net.parameters(), before):
        np.testing.assert_allclose(p, b - 0.5)


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu", "leaky_relu", "rbf", "gelu", "identity"])
@pytest.mark.parametrize(
    "loss,output,n_out",
    [
        (losses.SoftmaxCrossEntropy(), "softmax", 3),
        (losses.BinaryCrossEntropy(), "sigmoid", 2),
        (losses.MeanSquaredError(), "identity", 2),
    ],
)
def test_whole_network_gradients_match_central_differences(activation, loss, output, n_out):
    rng = np.random.default_rng(7)
    net = small_net(activation, output, n_out)
    X = rng.normal(size=(8, 4))
    if output == "softmax":
        y = rng.integers(0, n_out, 8)
    elif output == "sigmoid":
        y = rng.integers(0, 2, (8, n_out)).astype(float)
    else:
        y = rng.normal(size=(8, n_out))
    worst = gn.gradcheck(net, loss, X, y, l2=0.3, tol=1e-5)
    assert worst < 1e-5


def test_gradcheck_names_the_wrong_entry():
    class BrokenTanh(layers.Tanh):
        def backward(self, dY):
            return dY * (1.0 - self._Y)  # should be 1 - Y^2

    net = gn.Sequential([layers.Dense(3, 4), BrokenTanh(), layers.Dense(4, 2)], output="softmax", random_state=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    with pytest.raises(gn.GradientCheckError, match=r"layers\[0\]\.W\[\d, \d\].*backpropagation.*numerically"):
        gn.gradcheck(net, losses.SoftmaxCrossEntropy(), X, np.array([0, 1, 0, 1, 1]))


def test_gradcheck_refuses_float32():
    net = small_net(dtype="float32")
    with pytest.raises(ValueError, match="float64"):
        gn.gradcheck(net, losses.SoftmaxCrossEntropy(), np.zeros((2, 4)), np.array([0, 1]))


def test_a_seed_fixes_the_network():
    a, b, c = small_net(seed=3), small_net(seed=3), small_net(seed=4)
    np.testing.assert_array_equal(a.flat_params, b.flat_params)
    assert not np.array_equal(a.flat_params, c.flat_params)


def test_float32_network_keeps_float32_throughout():
    net = small_net(dtype="float32")
    X = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    assert net.forward(X).dtype == np.float32
    assert net.predict_proba(X).dtype == np.float32
    loss = losses.SoftmaxCrossEntropy()
    loss.forward(net.forward(X, training=True), np.array([0, 1, 2, 0, 1, 2]))
    net.backward(loss.backward())
    assert net.flat_grads.dtype == np.float32


def test_predictions_follow_the_output_function():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 4))
    soft = small_net(output="softmax")
    P = soft.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(soft.predict(X), P.argmax(axis=1))
    sig = small_net(output="sigmoid", n_out=1)
    np.testing.assert_array_equal(sig.predict(X), (sig.predict_proba(X)[:, 0] > 0.5).astype(int))
    ident = small_net(output="identity", n_out=2)
    np.testing.assert_array_equal(ident.predict(X), ident.forward(X))


def test_layer_widths_must_chain():
    with pytest.raises(ValueError, match=r"layers\[2\].*expects 6 inputs.*gives 5"):
        gn.Sequential([layers.Dense(4, 5), layers.ReLU(), layers.Dense(6, 2)])


def test_layers_must_be_layers():
    with pytest.raises(TypeError, match=r"layers\[1\]"):
        gn.Sequential([layers.Dense(4, 5), "relu"])
    with pytest.raises(ValueError, match="at least one layer"):
        gn.Sequential([])
    with pytest.raises(ValueError, match="output"):
        gn.Sequential([layers.Dense(2, 2)], output="tanh")


def test_wrong_input_width_is_named():
    with pytest.raises(ValueError, match="5 features, but this network expects 4"):
        small_net().predict(np.zeros((3, 5)))


@pytest.mark.parametrize(
    "X,match",
    [
        (np.array([[1.0, np.nan]]), "NaN or infinity.*row 0, column 1"),
        (np.array([[np.inf, 1.0]]), "NaN or infinity"),
        (np.zeros((0, 2)), "empty"),
        (np.zeros(3), "2-D"),
        (np.array([["a", "b"]]), "numbers"),
        ([[1.0, 2.0], [3.0]], "ragged"),
        (np.array([[1, 2]], dtype=object), "object"),
    ],
)
def test_check_X_names_the_problem(X, match):
    with pytest.raises(ValueError, match=match):
        check_X(X)


def test_check_X_makes_no_copy_of_float32_contiguous_data():
    X = np.ones((5, 3), dtype=np.float32)
    assert check_X(X, dtype=np.float32) is X


def test_check_X_allocates_nothing_the_size_of_the_data():
    import tracemalloc

    X = np.random.default_rng(0).normal(size=(4000, 250)).astype(np.float32)  # 4 MB
    tracemalloc.start()
    try:
        check_X(X, input_shape=(250,), dtype=np.float32)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < X.nbytes / 20


@pytest.mark.parametrize("big", [1e300, -1e300])
def test_check_X_refuses_unscaled_values_of_either_sign(big):
    X = np.zeros((3, 2))
    X[1, 0] = big
    with pytest.raises(ValueError, match=r"too large.*row 1, column 0.*unscaled"):
        check_X(X)


def test_a_pickled_network_keeps_its_flat_buffer_and_leaves_the_last_batch_behind():
    import pickle

    rng = np.random.default_rng(0)
    net = small_net()
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)
    gn.fit(net, losses.SoftmaxCrossEntropy(), gn.optim.SGD(0.1), X, y, epochs=2)
    copy = pickle.loads(pickle.dumps(net))
    assert all(getattr(layer, "_X", None) is None for layer in copy.layers)
    np.testing.assert_array_equal(copy.predict_proba(X), net.predict_proba(X))
    for param, grad in copy.parameters():
        assert np.shares_memory(param, copy.flat_params) and np.shares_memory(grad, copy.flat_grads)
    # training the copy moves the weights its layers use
    before = copy.layers[0].params["W"].copy()
    gn.fit(copy, losses.SoftmaxCrossEntropy(), gn.optim.SGD(0.1), X, y, epochs=1)
    assert not np.array_equal(copy.layers[0].params["W"], before)


# ------------------------------------------------------------------------------------------ shapes
class FlattenForTest(layers.Layer):
    """(C, L) samples -> (C * L,) rows, the way a flattening layer declares its shapes."""

    keeps_shape = False

    def output_shape(self, input_shape):
        return None if input_shape is None else (int(np.prod(input_shape)),)

    def forward(self, X, training=False):
        self._shape = X.shape
        return X.reshape(len(X), -1)

    def backward(self, dY):
        return dY.reshape(self._shape)


def test_a_network_takes_samples_of_any_shape_it_declares():
    net = gn.Sequential([FlattenForTest(), layers.Dense(8, 5), layers.Tanh(), layers.Dense(5, 3)],
                        output="softmax", input_shape=(2, 4), random_state=0)
    assert net.input_shape == (2, 4) and net.output_shape == (3,) and net.n_outputs == 3
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(10, 2, 4)), rng.integers(0, 3, 10)
    assert gn.gradcheck(net, losses.SoftmaxCrossEntropy(), X, y) < 1e-6
    history = gn.fit(net, losses.SoftmaxCrossEntropy(), gn.optim.Adam(0.05), X, y, epochs=3, batch_size=4,
                     validation_data=(X, y), metrics=["accuracy"])
    assert len(history["val_accuracy"]) == 3 and net.predict_proba(X).shape == (10, 3)
    with pytest.raises(ValueError, match=r"samples of shape \(4, 2\), but this network expects \(2, 4\)"):
        net.predict(np.zeros((3, 4, 2)))
    with pytest.raises(ValueError, match=r"must be 3-D of shape \(n_samples, 2, 4\)"):
        net.predict(np.zeros((3, 8)))


def test_the_input_shape_comes_from_the_first_layer_that_fixes_it():
    assert gn.Sequential([layers.Tanh(), layers.Dropout(0.1), layers.Dense(4, 2)]).input_shape == (4,)
    # a layer that changes shapes stands between: the input shape stays open until data arrive
    open_net = gn.Sequential([FlattenForTest(), layers.Dense(8, 2)])
    assert open_net.input_shape is None and open_net.output_shape == (2,)
    assert open_net.forward(np.zeros((5, 2, 4))).shape == (5, 2)
    with pytest.raises(ValueError, match=r"layers\[1\]: Dense layer expects 8 inputs, but the layer before it gives "
                                         r"samples of shape \(3, 3\)"):
        gn.Sequential([layers.Tanh(), layers.Dense(8, 2)], input_shape=(3, 3))
    with pytest.raises(ValueError, match="input_shape entries must be an integer >= 1"):
        gn.Sequential([layers.Dense(4, 2)], input_shape=(0,))


def test_a_layer_object_used_twice_is_refused():
    tanh = layers.Tanh()
    with pytest.raises(ValueError, match=r"layers\[3\] is the same Tanh object as layers\[1\].*make a new one, e.g. "
                                         r"Tanh\(\)"):
        gn.Sequential([layers.Dense(3, 4), tanh, layers.Dense(4, 4), tanh, layers.Dense(4, 2)])


class Fresh(layers.Layer):
    """Doubles its input into a new array it keeps no reference to."""

    fresh_output = True

    def forward(self, X, training=False):
        return 2.0 * X

    def backward(self, dY):
        return 2.0 * dY


def test_the_hot_path_is_planned_from_what_layers_declare():
    declared = gn.Sequential([layers.Dense(3, 3), Fresh(), layers.Tanh(), layers.Dense(3, 2)])
    assert declared.layers[2].inplace and declared.layers[2].inplace_grad  # fresh in both directions
    undeclared = gn.Sequential([layers.Dense(3, 3), layers.Identity(), layers.Tanh(), layers.Dense(3, 2)])
    assert not undeclared.layers[2].inplace and undeclared.layers[2].inplace_grad
    assert not declared.layers[0].input_grad and declared.layers[1].input_grad
    X = np.random.default_rng(0).normal(size=(4, 3))
    original = X.copy()
    first, last = declared.layers[0].params, declared.layers[3].params
    expected = np.tanh(2.0 * (X @ first["W"] + first["b"])) @ last["W"] + last["b"]
    np.testing.assert_allclose(declared.forward(X), expected, rtol=1e-12)
    np.testing.assert_array_equal(X, original)  # in place only on arrays the network made
    assert gn.gradcheck(declared, losses.MeanSquaredError(), X, np.zeros((4, 2))) < 1e-6


def test_initialisers_take_their_fans_from_the_layer():
    seen = []

    def record(shape, rng, dtype, fan_in, fan_out):
        seen.append((shape, fan_in, fan_out))
        return np.zeros(shape, dtype=dtype)

    layers.Dense(5, 3, init=record)
    assert seen == [((5, 3), 5, 3)]


@pytest.mark.parametrize("name", sorted(layers.LAYERS))
def test_every_layer_says_how_many_parameters_a_config_holds_without_building_it(name):
    cls = layers.LAYERS[name]
    config = {
        "Dense": {"n_in": 7, "n_out": 3}, "Bias": {"n": 4}, "Reshape": {"shape": [1, 8, 8]},
        "Conv1D": {"in_channels": 2, "out_channels": 3, "kernel_size": 5},
        "Conv2D": {"in_channels": 2, "out_channels": 3, "kernel_size": [3, 2]},
        "MaxPool1D": {"kernel_size": 2}, "MaxPool2D": {"kernel_size": 2},
        "AvgPool1D": {"kernel_size": 2}, "AvgPool2D": {"kernel_size": 2}, "BatchNorm": {"n_features": 5},
        "Residual": {"layers": [{"class": "Dense", "config": {"n_in": 4, "n_out": 4}}, {"class": "ReLU", "config": {}},
                                {"class": "BatchNorm", "config": {"n_features": 4}}]},
    }.get(name, {})
    with_bias = name in ("Dense", "Conv1D", "Conv2D")
    for variant in (config, {**config, "bias": False} if with_bias else config):
        layer = cls.from_config(variant)
        held = sum(p.size for p in layer.params.values()) + sum(
            p.size for inner in layer.sublayers for p in inner.params.values())
        assert cls.param_count(variant) == held
