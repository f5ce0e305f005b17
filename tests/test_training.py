"""The training loop: learning, determinism, validation, early stopping, divergence and its inputs."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn import layers, losses
from glassnet.optim import optimizers
from glassnet.training import batch_indices, callbacks


def blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[0, 3], [3, -2], [-3, -2]])
    return centres[y] + rng.normal(size=(n, 2)), y


def net(seed=0, dtype="float64"):
    return gn.Sequential(
        [layers.Dense(2, 8), layers.Tanh(), layers.Dense(8, 3)], output="softmax", random_state=seed, dtype=dtype
    )


def test_fit_learns_separable_blobs():
    X, y = blobs()
    model = net()
    history = gn.fit(model, losses.SoftmaxCrossEntropy(), optimizers.Adam(0.05), X, y,
                     epochs=30, batch_size=16, random_state=0, metrics=["accuracy"])
    assert history["loss"][-1] < history["loss"][0] / 5
    assert history["accuracy"][-1] > 0.95
    assert (model.predict(X) == y).mean() > 0.95
    assert len(history.batch_loss) == 30 * int(np.ceil(120 / 16))


def test_same_seed_same_weights():
    X, y = blobs()
    runs = []
    for _ in range(2):
        model = net()
        gn.fit(model, losses.SoftmaxCrossEntropy(), optimizers.Momentum(0.1), X, y, epochs=5, batch_size=10, random_state=1)
        runs.append(model.get_weights())
    np.testing.assert_array_equal(runs[0], runs[1])


def test_full_batch_step_is_plain_gradient_descent():
    # one epoch without mini-batches is exactly one step theta <- theta - mu * dL/dtheta
    X, y = blobs(20)
    model = net()
    loss = losses.SoftmaxCrossEntropy()
    loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    expected = model.flat_params - 0.3 * model.flat_grads
    gn.fit(model, loss, optimizers.SGD(0.3), X, y, epochs=1)
    np.testing.assert_allclose(model.flat_params, expected)


def test_l2_adds_its_penalty_and_gradient():
    X, y = blobs(20)
    model = net()
    history = gn.fit(model, losses.SoftmaxCrossEntropy(), optimizers.SGD(1e-12), X, y, epochs=1, l2=2.0)
    w = model.flat_params[: model.n_decayed]
    data_loss = losses.SoftmaxCrossEntropy().forward(model.forward(X), y)
    assert history["loss"][0] == pytest.approx(data_loss + 0.5 * 2.0 * np.dot(w, w), rel=1e-6)


def test_validation_metrics_and_early_stopping_restore_the_best_epoch():
    X, y = blobs(200)
    Xv, yv = blobs(100, seed=1)
    model = net()
    stopper = callbacks.EarlyStopping("val_loss", patience=3)
    history = gn.fit(model, losses.SoftmaxCrossEntropy(), optimizers.SGD(2.0), X, y, epochs=200, batch_size=8,
                     random_state=0, validation_data=(Xv, yv), metrics=["accuracy"], callbacks=[stopper])
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history.history)
    assert history.epochs < 200 and "did not improve" in history.stop_reason
    best = int(np.argmin(history["val_loss"]))
    loss = losses.SoftmaxCrossEntropy().forward(model.forward(Xv), yv)
    assert loss == pytest.approx(history["val_loss"][best])


def test_a_callback_returning_true_stops_training():
    X, y = blobs(30)
    seen = []
    stop_at_3 = callbacks.LambdaCallback(on_epoch_end=lambda loop: seen.append(loop.epoch) or loop.epoch == 2)
    history = gn.fit(net(), losses.SoftmaxCrossEntropy(), optimizers.SGD(0.1), X, y, epochs=10, callbacks=[stop_at_3])
    assert seen == [0, 1, 2] and history.epochs == 3


def test_divergence_is_caught_and_the_last_good_weights_kept():
    X, y = blobs(60)
    X = X * 1e3  # unscaled inputs
    model = gn.Sequential([layers.Dense(2, 8), layers.ReLU(), layers.Dense(8, 3)], output="softmax", random_state=0)
    with pytest.raises(gn.DivergenceError, match="learning rate.*too high"), np.errstate(all="ignore"):
        gn.fit(model, losses.MeanSquaredError(), optimizers.SGD(1e3), X, np.eye(3)[y], epochs=50, batch_size=10)
    assert np.isfinite(model.flat_params).all()


def test_float32_training_stays_float32():
    X, y = blobs()
    model = net(dtype="float32")
    gn.fit(model, losses.SoftmaxCrossEntropy(), optimizers.Adam(0.01), X.astype(np.float32), y, epochs=2, batch_size=32)
    assert model.flat_params.dtype == np.float32
    assert model.forward(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("n,batch", [(10, 3), (10, 10), (7, 100), (1, 1)])
def test_batches_cover_every_sample_once(n, batch):
    idx = np.concatenate(list(batch_indices(n, batch, np.random.default_rng(0))))
    np.testing.assert_array_equal(np.sort(idx), np.arange(n))


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"epochs": -1}, ValueError, "epochs"),
        ({"epochs": 2.5}, TypeError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"l2": -1.0}, ValueError, "l2"),
        ({"metrics": ["f1"]}, ValueError, "Unknown metric"),
    ],
)
def test_fit_rejects_bad_arguments(kwargs, error, match):
    X, y = blobs(10)
    with pytest.raises(error, match=match):
        gn.fit(net(), losses.SoftmaxCrossEntropy(), optimizers.SGD(0.1), X, y, **kwargs)


def test_fit_rejects_mismatched_lengths_and_bad_labels():
    X, y = blobs(10)
    with pytest.raises(ValueError, match="different numbers of samples"):
        gn.fit(net(), losses.SoftmaxCrossEntropy(), optimizers.SGD(0.1), X, y[:5])
    with pytest.raises(ValueError, match="out of range"):
        gn.fit(net(), losses.SoftmaxCrossEntropy(), optimizers.SGD(0.1), X, y + 5)


def test_early_stopping_without_validation_data_says_what_to_do():
    X, y = blobs(10)
    with pytest.raises(ValueError, match="pass validation data"):
        gn.fit(net(), losses.SoftmaxCrossEntropy(), optimizers.SGD(0.1), X, y, epochs=2,
               callbacks=[callbacks.EarlyStopping("val_loss")])


@pytest.mark.parametrize(
    "X,match",
    [
        (np.zeros((0, 2)), "empty"),
        (np.array([[0.0, np.nan]] * 10), "NaN"),
        (np.zeros((10, 3)), "3 features, but this network expects 2"),
    ],
)
def test_fit_checks_X_once_with_a_clear_message(X, match):
    with pytest.raises(ValueError, match=match):
        gn.fit(net(), losses.SoftmaxCrossEntropy(), optimizers.SGD(0.1), X, np.zeros(len(X), dtype=int))
