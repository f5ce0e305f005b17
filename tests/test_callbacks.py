"""One loop, one callback signature: every face sees the same events, and on_train_end always runs."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet import MLPClassifier, MLPRegressor
from glassnet.nn import Dense, Sequential, Tanh, losses
from glassnet.optim import SGD, Adam
from glassnet.training import Callback, DivergenceError, EarlyStopping, LambdaCallback, TrainingLoop


class Recorder(Callback):
    """Writes down every event with the loop's position."""

    def __init__(self):
        self.events = []

    def on_train_begin(self, loop):
        assert isinstance(loop, TrainingLoop)
        self.events.append(("train_begin",))

    def on_epoch_begin(self, loop):
        self.events.append(("epoch_begin", loop.epoch))

    def on_batch_end(self, loop):
        self.events.append(("batch_end", loop.epoch, loop.batch, loop.loss))

    def on_epoch_end(self, loop):
        self.events.append(("epoch_end", loop.epoch, dict(loop.logs)))

    def on_train_end(self, loop):
        self.events.append(("train_end", loop.history.stop_reason))

    def names(self):
        return [e[0] for e in self.events]


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def net(seed=0):
    return Sequential([Dense(3, 6), Tanh(), Dense(6, 2)], output="softmax", random_state=seed)


def test_fit_sends_every_event_in_order_with_one_argument():
    X, y = data()
    rec = Recorder()
    history = gn.fit(net(), losses.SoftmaxCrossEntropy(), SGD(0.1), X, y, epochs=2, batch_size=16,
                     random_state=0, callbacks=[rec])
    batches = ["batch_end"] * 3  # 40 samples in batches of 16
    assert rec.names() == ["train_begin", "epoch_begin", *batches, "epoch_end", "epoch_begin", *batches, "epoch_end",
                           "train_end"]
    assert [e[3] for e in rec.events if e[0] == "batch_end"] == history.batch_loss
    assert [e[2]["loss"] for e in rec.events if e[0] == "epoch_end"] == history["loss"]


def test_a_plain_function_is_an_epoch_end_hook_that_stops_by_returning_true():
    X, y = data()
    seen = []
    history = gn.fit(net(), losses.SoftmaxCrossEntropy(), SGD(0.1), X, y, epochs=10,
                     callbacks=[lambda loop: seen.append(loop.epoch) or loop.epoch == 1])
    assert seen == [0, 1] and history.epochs == 2 and history.stop_reason == "callback"


def test_stopping_from_a_batch_ends_training_without_recording_the_unfinished_epoch():
    X, y = data()
    stopper = LambdaCallback(on_batch_end=lambda loop: loop.epoch == 1 and loop.batch == 0)
    rec = Recorder()
    history = gn.fit(net(), losses.SoftmaxCrossEntropy(), SGD(0.1), X, y, epochs=5, batch_size=16,
                     callbacks=[stopper, rec])
    assert history.epochs == 1 and len(history.batch_loss) == 4 and rec.names()[-1] == "train_end"


def test_on_train_end_runs_when_training_diverges():
    X, y = data()
    rec = Recorder()
    with pytest.raises(DivergenceError) as info, np.errstate(all="ignore"):
        gn.fit(net(), losses.MeanSquaredError(), SGD(1e4), X * 1e3, np.eye(2)[y], epochs=20, batch_size=8,
               callbacks=[rec])
    assert rec.events[-1] == ("train_end", "diverged")
    err = info.value
    assert (not np.isfinite(err.loss) or err.loss > 1e4) and err.epoch >= 1 and err.batch >= 1 and err.learning_rate == 1e4
    assert isinstance(err, ValueError)  # what scikit-learn expects of a failed fit
    assert f"epoch {err.epoch}, batch {err.batch}" in str(err)


@pytest.mark.parametrize("cls, y_of", [(MLPClassifier, lambda X, y: y), (MLPRegressor, lambda X, y: X[:, 0])])
def test_the_estimators_send_the_same_events(cls, y_of):
    X, y = data(100)
    rec = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = cls(hidden_layer_sizes=(4,), max_iter=3, batch_size=25, random_state=0, callbacks=[rec]).fit(X, y_of(X, y))
    assert rec.names() == ["train_begin", *(["epoch_begin", *["batch_end"] * 4, "epoch_end"] * 3), "train_end"]
    assert [e[2]["loss"] for e in rec.events if e[0] == "epoch_end"] == est.loss_curve_
    rec.events.clear()
    est.partial_fit(X, y_of(X, y))
    assert rec.names() == ["train_begin", "epoch_begin", *["batch_end"] * 4, "epoch_end", "train_end"]


def test_the_estimators_stop_at_divergence():
    X, y = data(100)
    with pytest.raises(DivergenceError, match="learning rate .* too high"), np.errstate(all="ignore"):
        MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=1e6, momentum=0.0,
                     random_state=0).fit(X * 1e3, X[:, 0] * 1e6)


def _plateau(values, stopper):
    """Feed ``values`` to ``stopper`` as epoch ends; returns how many epochs ran and the rates seen."""
    loop = TrainingLoop(net(), None, SGD(1.0), gn.History(), 10)
    rates = []
    for epoch, value in enumerate(values):
        loop.epoch, loop.logs = epoch, {"val_loss": value}
        stopper.on_epoch_end(loop)
        rates.append(loop.optimizer.lr)
        if loop.stopping:
            return epoch + 1, rates
    return len(values), rates


def test_early_stopping_counts_improvements_larger_than_min_delta_over_the_best():
    # 1.0, then improvements of 0.05 (not more than min_delta 0.1): the best moves, the count goes on
    stopper = EarlyStopping("val_loss", patience=3, min_delta=0.1)
    epochs, _ = _plateau([1.0, 0.95, 0.9, 0.85, 0.8, 0.1], stopper)
    assert epochs == 4 and stopper.best == 0.85 and stopper.best_epoch == 3
    # an improvement larger than min_delta resets the count
    stopper = EarlyStopping("val_loss", patience=2, min_delta=0.1)
    epochs, _ = _plateau([1.0, 1.0, 0.5, 0.5, 0.5], stopper)
    assert epochs == 5 and stopper.best_epoch == 2


def test_early_stopping_divides_the_rate_before_it_stops():
    # scikit-learn's adaptive rate: divide by 5 on each plateau until the rate is at most 1e-6
    stopper = EarlyStopping("val_loss", patience=2, lr_divisor=5.0, min_lr=0.01)
    epochs, rates = _plateau([1.0] * 20, stopper)
    assert rates[:7] == [1.0, 1.0, 0.2, 0.2, 0.2 / 5, 0.2 / 5, 0.2 / 5 / 5]
    assert epochs == 9  # 0.008 <= min_lr: the next plateau stops


def test_early_stopping_says_when_it_may_end_a_run_early():
    # A plateau (no improvement after the first epoch) ends a run soonest. Whenever may_stop(epochs)
    # is False, that many plateau epochs run to the end; it is False for as many epochs as the
    # patience still left allows, however many epochs were seen before.
    for patience in (1, 2, 5):
        for seen in range(patience):  # plateau epochs before this run (the wait carried over)
            stopper = EarlyStopping("val_loss", patience=patience)
            _plateau([1.0] * (seen + 1), stopper)
            for epochs in range(1, 9):
                probe = EarlyStopping("val_loss", patience=patience)
                probe.restore(*stopper.state())
                ran, _ = _plateau([1.0] * epochs, probe)
                if not stopper.may_stop(epochs):
                    assert ran == epochs, (patience, seen, epochs)
                assert stopper.may_stop(epochs) == (epochs > patience - seen), (patience, seen, epochs)


def test_early_stopping_state_continues_a_run():
    first = EarlyStopping("val_loss", patience=3)
    _plateau([1.0, 0.5, 0.6], first)
    second = EarlyStopping("val_loss", patience=3)
    meta, arrays = first.state()
    second.restore(meta, arrays)
    assert (second.best, second.best_epoch, second.wait) == (0.5, 1, 1)
    np.testing.assert_array_equal(second.best_weights, first.best_weights)


def test_early_stopping_restores_the_best_weights_however_training_ends():
    X, y = data()
    model = net()
    seen = []
    stopper = EarlyStopping("loss", patience=100)
    gn.fit(model, losses.SoftmaxCrossEntropy(), Adam(0.05), X, y, epochs=6, batch_size=8, random_state=0,
           callbacks=[stopper, lambda loop: seen.append((loop.logs["loss"], loop.net.get_weights()))])
    best = min(range(len(seen)), key=lambda i: seen[i][0])
    np.testing.assert_array_equal(model.get_weights(), seen[best][1])


@pytest.mark.parametrize("bad, error", [(3, TypeError), ("x", TypeError)])
def test_callbacks_must_be_callbacks_or_functions(bad, error):
    X, y = data()
    with pytest.raises(error, match="Callback objects or functions"):
        gn.fit(net(), losses.SoftmaxCrossEntropy(), SGD(0.1), X, y, epochs=1, callbacks=[bad])


def test_lambda_callback_names_its_hooks():
    with pytest.raises(TypeError, match="takes the hooks"):
        LambdaCallback(on_epoch_ends=print)
    with pytest.raises(TypeError, match="must be a function"):
        LambdaCallback(on_epoch_end=3)
