"""The core on other array libraries: whole networks train, check and predict on array-api-strict and
PyTorch (CPU) as they do on NumPy; networks move between libraries; model files hold host NumPy arrays;
data on the wrong library or device gets an error saying how to move it."""

import pickle

import numpy as np
import pytest

import glassnet as gn
from backends import BACKENDS, host, on
from glassnet.nn import backend as B
from glassnet.nn import layers, losses

OTHERS = [p for p in BACKENDS if p.values[0] != "numpy"]


def data(seed=0, n=120, d=6, k=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    return X, np.minimum(y, k - 1)


def network(dtype="float64", dropout=0.0):
    return gn.Sequential(
        [layers.Dense(6, 16), layers.Tanh(), layers.Dense(16, 12), layers.ReLU(), layers.Dropout(dropout),
         layers.Dense(12, 8), layers.GELU(), layers.Dense(8, 3)],
        output="softmax", random_state=0, dtype=dtype,
    )


def train(backend, optimizer, dtype="float64", dropout=0.0, epochs=3, weighted=False, **kwargs):
    X, y = data()
    net = network(dtype, dropout).to(backend)
    if weighted:  # sample weights, validation data and an early stop that restores its best epoch
        w = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
        kwargs.update(sample_weight=on(backend, w), validation_data=(on(backend, X[:40]), on(backend, y[:40])),
                      callbacks=[gn.training.EarlyStopping(monitor="val_loss", patience=1, restore_best=True)])
    history = gn.fit(net, losses.SoftmaxCrossEntropy(), optimizer, on(backend, X), on(backend, y), epochs=epochs,
                     batch_size=32, random_state=0, metrics=["accuracy"], **kwargs)
    return net, history


@pytest.mark.parametrize("backend", OTHERS)
@pytest.mark.parametrize("optimizer", ["sgd", "nesterov", "adam", "rmsprop", "adagrad"])
@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-10), ("float32", 2e-4)])
def test_a_short_training_run_agrees_with_numpy(backend, optimizer, dtype, rtol):
    weighted = optimizer == "adam"
    reference, expected = train("numpy", gn.optim.optimizers.get(optimizer, learning_rate=0.05), dtype,
                                weighted=weighted, l2=1e-3)
    net, history = train(backend, gn.optim.optimizers.get(optimizer, learning_rate=0.05), dtype,
                         weighted=weighted, l2=1e-3)
    if weighted:
        np.testing.assert_allclose(history["val_loss"], expected["val_loss"], rtol=rtol)
        assert history["val_accuracy"] == expected["val_accuracy"]
    assert B.namespace(net.flat_params).name != "numpy"
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=rtol)
    np.testing.assert_allclose(host(net.flat_params), reference.flat_params, rtol=rtol * 10, atol=rtol)
    assert host(net.flat_params).dtype == np.dtype(dtype)
    X, _ = data()
    P = net.predict_proba(on(backend, X, dtype))
    assert B.namespace(P) is B.namespace(net.flat_params)
    np.testing.assert_allclose(host(P), reference.predict_proba(X), rtol=rtol * 10, atol=rtol)


def cnn(dtype="float64"):
    """Every convolutional layer: Conv1D, BatchNorm (its running statistics), Residual, both pools,
    a reshape to 2-D, Conv2D, global average pooling, Flatten."""
    # No bias before BatchNorm: its exact gradient is zero, and Adam would turn the round-off into
    # full-sized steps that differ from library to library.
    return gn.Sequential(
        [layers.Reshape((1, 12)), layers.Conv1D(1, 4, 3, padding=1, bias=False), layers.BatchNorm(4), layers.ReLU(),
         layers.Residual([layers.Conv1D(4, 4, 3, padding=1), layers.Tanh()]), layers.MaxPool1D(2),
         layers.Reshape((4, 2, 3)), layers.Conv2D(4, 3, 2, padding=1), layers.AvgPool2D(2, stride=1),
         layers.GlobalAveragePool(), layers.Flatten(), layers.Dense(3, 3)],
        input_shape=(12,), output="softmax", random_state=0, dtype=dtype,
    )


@pytest.mark.parametrize("backend", OTHERS)
@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-10), ("float32", 2e-4)])
def test_a_short_cnn_training_run_agrees_with_numpy(backend, dtype, rtol):
    X, y = data(d=12)
    runs = {}
    for name in ("numpy", backend):
        net = cnn(dtype).to(name)
        history = gn.fit(net, losses.SoftmaxCrossEntropy(), gn.optim.Adam(0.01), on(name, X), on(name, y),
                         epochs=3, batch_size=32, random_state=0,
                         validation_data=(on(name, X[:40]), on(name, y[:40])))
        runs[name] = net, history
    (reference, expected), (net, history) = runs["numpy"], runs[backend]
    assert B.namespace(net.layers[2].buffers["running_var"]) is net.xp is not B.NUMPY
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=rtol)
    np.testing.assert_allclose(history["val_loss"], expected["val_loss"], rtol=rtol)
    np.testing.assert_allclose(host(net.flat_params), reference.flat_params, rtol=rtol * 10, atol=rtol)
    np.testing.assert_allclose(net.get_buffers(), reference.get_buffers(), rtol=rtol * 10, atol=rtol)
    P = net.predict_proba(on(backend, X, dtype))  # evaluation mode: the running statistics
    assert B.namespace(P) is net.xp
    np.testing.assert_allclose(host(P), reference.predict_proba(X), rtol=rtol * 10, atol=rtol)
    net.restore(reference.snapshot())  # a snapshot (parameters and buffers) is a host array
    np.testing.assert_array_equal(net.get_buffers(), reference.get_buffers())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("loss,output,targets", [
    ("softmax_cross_entropy", "softmax", "labels"), ("binary_cross_entropy", "sigmoid", "binary"),
    ("mean_squared_error", "identity", "values"), ("huber", "identity", "values"),
])
def test_gradcheck_of_whole_networks(backend, loss, output, targets):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 4))
    width = 1 if targets == "binary" else 3
    y = {"labels": rng.integers(0, 3, 10), "binary": rng.integers(0, 2, 10).astype(float),
         "values": rng.normal(size=(10, 3))}[targets]
    net = gn.Sequential([layers.Dense(4, 5), layers.Sigmoid(), layers.Dense(5, 5), layers.Softmax(),
                         layers.Dense(5, 4), layers.LeakyReLU(), layers.RBF(), layers.Bias(4),
                         layers.Dense(4, width)], output=output, random_state=2).to(backend)
    w = on(backend, rng.uniform(0.5, 2.0, 10))
    assert gn.gradcheck(net, losses.get(loss), on(backend, X), on(backend, y), sample_weight=w, l2=0.01) < 1e-6


@pytest.mark.parametrize("backend", OTHERS)
def test_dropout_runs_are_seeded_per_library(backend):
    first = train(backend, gn.optim.Adam(0.01), dropout=0.3)[0]
    second = train(backend, gn.optim.Adam(0.01), dropout=0.3)[0]
    np.testing.assert_array_equal(host(first.flat_params), host(second.flat_params))
    if backend == "array_api_strict":  # drawn on the host: the same masks as NumPy's
        reference = train("numpy", gn.optim.Adam(0.01), dropout=0.3)[0]
        np.testing.assert_allclose(host(first.flat_params), reference.flat_params, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("backend", OTHERS)
def test_to_moves_every_parameter_and_back(backend):
    net = network()
    before = net.get_weights()
    assert net.to(backend) is net
    assert net.xp.name != "numpy"
    for layer in net.layers:
        for key in layer.params:
            assert B.namespace(layer.params[key]) is net.xp
    net.layers[0].params["W"][0, 0] = 5.0  # the layers' weights are still views into the flat buffer
    assert float(net.flat_params[0]) == 5.0
    net.to("numpy")
    assert isinstance(net.flat_params, np.ndarray)
    before[0] = 5.0
    np.testing.assert_array_equal(net.flat_params, before)


def test_to_takes_a_library_a_device_or_an_array():
    torch = pytest.importorskip("torch")
    assert network().to(torch.device("cpu")).xp.name == "torch"
    assert network().to(torch.zeros(2, dtype=torch.float64)).device == torch.device("cpu")
    assert network().to(torch).xp.name == "torch"
    # one namespace per library, whatever the array's class: a Parameter's data meets a Tensor's
    assert B.namespace(torch.nn.Parameter(torch.zeros(2))) is B.namespace(torch.zeros(2))
    with pytest.raises(ValueError, match="NumPy arrays live on the CPU"):
        network().to("numpy", device="cuda")
    with pytest.raises(TypeError, match="library name"):
        network().to(42)


@pytest.mark.parametrize("backend", OTHERS)
def test_data_elsewhere_than_the_network_says_how_to_move(backend):
    X, y = data()
    net = network()
    with pytest.raises(TypeError, match=r"NumPy arrays on the CPU: move the network with net.to\(X\)"):
        gn.fit(net, losses.SoftmaxCrossEntropy(), gn.optim.SGD(0.1), on(backend, X), y, epochs=1)
    net.to(backend)
    with pytest.raises(TypeError, match="holds NumPy arrays on the CPU, but this network's parameters are"):
        net.predict(X)


def test_data_on_another_device_of_the_same_library():
    strict = pytest.importorskip("array_api_strict")
    net = network().to("array_api_strict", device=strict.Device("device1"))
    X = strict.asarray(data()[0])  # on the default device
    with pytest.raises(TypeError, match="device1"):
        net.predict(X)
    assert host(net.predict(strict.asarray(data()[0], device=strict.Device("device1")))).shape == (120,)


def test_an_array_of_no_known_library_is_refused():
    class NotAnArray:
        shape = (3, 6)

    with pytest.raises(TypeError, match="neither a NumPy array .* nor an array of a library implementing"):
        network().predict(NotAnArray())


def test_float64_on_a_device_without_it_is_refused():
    class Info:
        def dtypes(self, device=None):
            return {"float32": "float32"}

    class Library:
        name = "gpu-lib"

        def __array_namespace_info__(self):
            return Info()

    with pytest.raises(ValueError, match="gpu-lib on mps has no float64; build the network with dtype='float32'"):
        B.check_dtype_supported(Library(), "mps", np.float64)
    B.check_dtype_supported(Library(), "mps", np.float32)


@pytest.mark.parametrize("backend", OTHERS)
def test_model_files_hold_host_arrays_and_load_onto_the_device_asked_for(backend, tmp_path):
    net, _ = train(backend, gn.optim.Adam(0.01))
    path = tmp_path / "net.glassnet"
    gn.save(net, path)
    from glassnet.serialize.container import read_file

    _, _, arrays = read_file(path)
    assert type(arrays["weights"]) is np.ndarray
    on_host = gn.load(path)
    assert isinstance(on_host.flat_params, np.ndarray)
    moved = gn.load(path, device=backend)
    assert moved.xp.name == net.xp.name
    X = data()[0]
    np.testing.assert_allclose(host(moved.predict_proba(on(backend, X))), on_host.predict_proba(X), rtol=1e-12)


@pytest.mark.parametrize("backend", OTHERS)
def test_optimizer_state_is_saved_on_the_host_and_resumes_on_the_device(backend):
    net, _ = train(backend, gn.optim.Adam(0.01), epochs=1)
    optimizer = gn.optim.Adam(0.01)
    X, y = data()
    Xd, yd = on(backend, X), on(backend, y)
    gn.fit(net, losses.SoftmaxCrossEntropy(), optimizer, Xd, yd, epochs=1, batch_size=32, random_state=1)
    saved = optimizer.state_dict()
    assert all(type(v) is np.ndarray for s in saved["state"] for v in s.values())
    copy = pickle.loads(pickle.dumps(net))
    assert copy.xp.name == net.xp.name
    resumed = gn.optim.Adam(0.01)
    resumed.load_state_dict(saved)
    for n, opt in ((net, optimizer), (copy, resumed)):
        gn.fit(n, losses.SoftmaxCrossEntropy(), opt, Xd, yd, epochs=1, batch_size=32, random_state=2)
    np.testing.assert_array_equal(host(copy.flat_params), host(net.flat_params))
