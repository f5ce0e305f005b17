"""Every convolutional layer through a model file and back, bit for bit, running statistics included;
and the errors bad input to them gets."""

import pickle

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn import layers


def trained_cnn(dtype="float64"):
    net = gn.Sequential([
        layers.Conv2D(1, 3, 3, stride=1, padding=1), layers.BatchNorm(3), layers.ReLU(), layers.MaxPool2D(2),
        layers.Residual([layers.Conv2D(3, 3, (3, 1), padding=(1, 0)), layers.BatchNorm(3), layers.Tanh()]),
        layers.AvgPool2D(2, stride=1), layers.Conv2D(3, 2, 1), layers.GlobalAveragePool(),
        layers.Dense(2, 3),
    ], input_shape=(1, 6, 6), output="softmax", random_state=0, dtype=dtype)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 1, 6, 6)).astype(dtype), rng.integers(0, 3, size=20)
    gn.fit(net, gn.nn.SoftmaxCrossEntropy(), gn.optim.Adam(0.01), X, y, epochs=2, batch_size=5, random_state=0)
    return net, X


def one_d_net():
    return gn.Sequential([
        layers.Conv1D(1, 4, 5, stride=2, padding=1), layers.BatchNorm(4), layers.ReLU(), layers.AvgPool1D(2),
        layers.MaxPool1D(3, stride=2, padding=1), layers.Flatten(), layers.BatchNorm(16),
        layers.Residual([layers.Dense(16, 16), layers.ReLU()]), layers.Dense(16, 2),
    ], input_shape=(1, 33), output="softmax", random_state=1)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_trained_cnn_round_trips_bit_for_bit(tmp_path, dtype):
    net, X = trained_cnn(dtype)
    running = net.get_buffers()
    assert running.size == 12 and not np.all(running[:3] == 0.0)  # training moved the running statistics
    gn.save(net, tmp_path / "cnn.glassnet")
    loaded = gn.load(tmp_path / "cnn.glassnet")
    assert [type(a) for a in loaded.layers] == [type(b) for b in net.layers]
    assert [a.get_config() for a in loaded.layers] == [b.get_config() for b in net.layers]
    np.testing.assert_array_equal(loaded.get_weights(), net.get_weights())
    np.testing.assert_array_equal(loaded.get_buffers(), running)
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    assert loaded.get_buffers().dtype == np.dtype(dtype)


def test_one_d_layers_round_trip_and_pickle(tmp_path):
    net = one_d_net()
    X = np.random.default_rng(2).normal(size=(6, 1, 33))
    net.forward(X, training=True)
    gn.save(net, tmp_path / "net.glassnet")
    loaded = gn.load(tmp_path / "net.glassnet")
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    unpickled = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(unpickled.predict_proba(X), net.predict_proba(X))
    # the unpickled network's optimizer steps still move its layers' weights
    unpickled.flat_params[...] += 1.0
    assert np.all(unpickled.layers[0].params["W"] == net.layers[0].params["W"] + 1.0)


def test_residual_layers_share_the_flat_buffer():
    net = one_d_net()
    inner = net.layers[7].layers[0]
    assert np.shares_memory(inner.params["W"], net.flat_params)
    assert "layers[7].layers[0].W" in [name for name, _, _ in net.named_parameters()]


@pytest.mark.parametrize("make,X,match", [
    (lambda: layers.Conv1D(1, 4, 3), np.zeros((5, 40)), r"Conv1D expects \(N, 1, L\) input, got \(N, 40\): reshape with X\[:, None, :\]"),
    (lambda: layers.Conv1D(2, 4, 3), np.zeros((5, 1, 40)), r"Conv1D expects \(N, 2, L\) input, got 1 channels"),
    (lambda: layers.Conv2D(1, 4, 3), np.zeros((5, 8, 8)), r"Conv2D expects \(N, 1, H, W\) input, got \(N, 8, 8\): reshape"),
    (lambda: layers.Conv1D(1, 4, 7), np.zeros((5, 1, 4)), r"kernel_size 7 but its input is only 4 long with padding 0"),
    (lambda: layers.MaxPool2D(3), np.zeros((2, 1, 2, 5)), r"kernel_size 3 but its input is only 2 long"),
    (lambda: layers.BatchNorm(3), np.zeros((4, 2)), r"BatchNorm\(3\) expects \(N, 3\) or \(N, 3, \.\.\.\) input"),
    (lambda: layers.GlobalAveragePool(), np.zeros((4, 2)), r"at least one spatial axis"),
])
def test_bad_input_is_named(make, X, match):
    with pytest.raises(ValueError, match=match):
        make().forward(X)


def test_a_network_refuses_shapes_before_any_data_flows():
    with pytest.raises(ValueError, match=r"layers\[0\]: Conv1D expects \(N, 1, L\) input, got \(N, 40\)"):
        gn.Sequential([layers.Conv1D(1, 4, 3)], input_shape=(40,))
    with pytest.raises(ValueError, match=r"layers\[2\]: Dense layer expects 10 inputs, but the layer before it gives 76"):
        gn.Sequential([layers.Conv1D(1, 4, 3, stride=2), layers.Flatten(), layers.Dense(10, 2)], input_shape=(1, 40))


@pytest.mark.parametrize("name,value,error", [
    ("stride", 0, ValueError), ("stride", -3, ValueError), ("stride", 2.5, TypeError), ("stride", None, TypeError),
    ("stride", "2", TypeError), ("stride", True, TypeError), ("padding", -1, ValueError), ("padding", 1.0, TypeError),
    ("kernel_size", 0, ValueError), ("kernel_size", (3, 3), TypeError),
])
def test_window_arguments_are_checked(name, value, error):
    args = {"kernel_size": 3, name: value}
    with pytest.raises(error, match=name):
        layers.Conv1D(1, 2, **args)
    if value is not None:  # a pool's stride=None means the kernel size
        with pytest.raises(error, match=name):
            layers.MaxPool1D(**args)


def test_maxpool_padding_is_at_most_half_the_kernel():
    with pytest.raises(ValueError, match="at most half the kernel"):
        layers.MaxPool1D(2, padding=2)


def test_an_output_length_of_zero_is_refused():
    # kernel 3 fits in 3 + 2*0 positions, but stride leaves one output; a 2-long input leaves none.
    with pytest.raises(ValueError, match="kernel_size 3 but its input is only 2 long"):
        gn.Sequential([layers.Conv1D(1, 1, 3, stride=5)], input_shape=(1, 2))


def test_a_custom_initialiser_inside_a_residual_does_not_stop_the_file_loading(tmp_path):
    def small(shape, rng, dtype, fan_in, fan_out):
        return 0.01 * rng.standard_normal(shape).astype(dtype)

    net = gn.Sequential([layers.Residual([layers.Dense(3, 3, init=small), layers.Tanh()]), layers.Dense(3, 2)],
                        random_state=0)
    gn.save(net, tmp_path / "r.glassnet")
    loaded = gn.load(tmp_path / "r.glassnet")
    np.testing.assert_array_equal(loaded.get_weights(), net.get_weights())
