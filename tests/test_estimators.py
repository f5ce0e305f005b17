"""MLPClassifier / MLPRegressor: scikit-learn semantics, the extras, and the save/load contract."""

import json
import re
import pickle
import warnings

import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

import glassnet
from glassnet import MLPClassifier, MLPRegressor
from glassnet.training import Callback

FAST = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=120, n_features=5, n_targets=1, noise=0.1, random_state=0)
    return X, y / y.std()


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


# ---------------------------------------------------------------------- same face as scikit-learn
@pytest.mark.parametrize("ours, theirs", [(MLPClassifier, sk.MLPClassifier), (MLPRegressor, sk.MLPRegressor)])
def test_parameters_keep_scikit_learn_names_and_defaults(ours, theirs):
    mine, ref = ours().get_params(), theirs().get_params()
    for name, value in ref.items():
        assert name in mine, name
        assert mine[name] == value, name


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_fitted_attributes_match_scikit_learn(iris, solver):
    X, y = iris
    kw = dict(FAST, solver=solver, early_stopping=True)
    ours, ref = quiet(MLPClassifier(**kw).fit, X, y), quiet(sk.MLPClassifier(**kw).fit, X, y)
    ref_attrs = {k for k in vars(ref) if k.endswith("_") and not k.startswith("_")}
    for name in ref_attrs:
        assert hasattr(ours, name), name
    assert ours.n_layers_ == ref.n_layers_ == 3
    assert ours.out_activation_ == ref.out_activation_ == "softmax"
    assert [c.shape for c in ours.coefs_] == [c.shape for c in ref.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in ref.intercepts_]
    assert ours.t_ == ref.t_ and ours.n_iter_ == ref.n_iter_
    n = ours.n_iter_
    assert len(ours.loss_curve_) == len(ours.validation_scores_) == len(ours.validation_loss_curve_) == n


def test_binary_uses_one_logistic_output_and_two_probability_columns():
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    labels = np.where(y == 1, "yes", "no")
    clf = quiet(MLPClassifier(**FAST).fit, X, labels)
    assert clf.out_activation_ == "logistic" and clf.coefs_[-1].shape == (8, 1)
    P = clf.predict_proba(X)
    assert P.shape == (80, 2)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[P.argmax(axis=1)])
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(P))


@pytest.mark.parametrize("labels", [np.array(["setosa", "versicolor", "virginica"]), np.array([-3, 0, 7])])
def test_labels_of_any_type(iris, labels):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0).fit(X, labels[y])
    np.testing.assert_array_equal(clf.classes_, labels)
    pred = clf.predict(X)
    assert pred.dtype == labels.dtype and set(pred) <= set(labels)
    assert clf.score(X, labels[y]) > 0.9


def test_multilabel_uses_sigmoid_outputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 2] > 0]).astype(int)
    clf = quiet(MLPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", alpha=1.0, max_iter=60, random_state=0).fit,
                X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 3
    P = clf.predict_proba(X)
    assert P.shape == (100, 3) and ((P > 0) & (P < 1)).all()
    np.testing.assert_array_equal(clf.predict(X), (P > 0.5).astype(int))
    assert clf.score(X, Y) > 0.8


def test_multi_output_regression():
    X, Y = make_regression(n_samples=100, n_features=4, n_targets=3, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0).fit(X, Y / Y.std())
    assert reg.predict(X).shape == (100, 3) and reg.n_outputs_ == 3
    assert reg.score(X, Y / Y.std()) > 0.9


def test_one_sgd_step_by_hand(regression):
    # No hidden layer: a linear model, so one full-batch SGD step can be written out. sklearn's
    # objective: L = 1/(2n) sum (X w + b - y)^2 + alpha/(2n) ||w||^2, with gradients
    #   dL/dw = (X^T r + alpha w) / n,   dL/db = sum(r) / n,   r = X w + b - y.
    X, y = regression
    n, alpha, lr = len(X), 0.3, 0.05
    reg = MLPRegressor(hidden_layer_sizes=(), solver="sgd", momentum=0.0, alpha=alpha, batch_size=n,
                       learning_rate_init=lr, shuffle=False, random_state=0)
    reg.partial_fit(X, y)
    w, b = reg.coefs_[0][:, 0].copy(), reg.intercepts_[0][0]
    r = X @ w + b - y
    expected_loss = 0.5 * np.mean(r**2) + alpha / (2 * n) * (w @ w)
    reg.partial_fit(X, y)
    np.testing.assert_allclose(reg.coefs_[0][:, 0], w - lr * (X.T @ r + alpha * w) / n, rtol=1e-12)
    np.testing.assert_allclose(reg.intercepts_[0][0], b - lr * r.sum() / n, rtol=1e-12)
    assert reg.loss_ == pytest.approx(expected_loss, rel=1e-12)
    assert reg.t_ == 2 * n and reg.n_iter_ == 1


def test_tol_and_n_iter_no_change_stop_like_scikit_learn(iris):
    X, y = iris
    kw = dict(hidden_layer_sizes=(8,), tol=10.0, n_iter_no_change=3, random_state=0)
    ours, ref = MLPClassifier(**kw).fit(X, y), sk.MLPClassifier(**kw).fit(X, y)
    assert ours.n_iter_ == ref.n_iter_ == 5


def test_max_iter_gives_convergence_warning(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="lbfgs"):
        MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=2, random_state=0).fit(X, y)


def test_invscaling_and_adaptive_rates(iris):
    X, y = iris
    clf = quiet(MLPClassifier(**dict(FAST, max_iter=3), solver="sgd", learning_rate="invscaling", power_t=0.5).fit, X, y)
    assert clf._optimizer.lr == pytest.approx(0.001 / (clf.t_ + 1) ** 0.5)
    # adaptive: with an unreachable tol every epoch counts as no improvement, so after
    # n_iter_no_change + 1 epochs the rate is divided by 5, and training goes on
    clf = quiet(MLPClassifier(**dict(FAST, max_iter=5), solver="sgd", learning_rate="adaptive", tol=100.0,
                              n_iter_no_change=1).fit, X, y)
    assert clf.n_iter_ == 5 and clf._optimizer.lr == pytest.approx(0.001 / 25)


def test_same_seed_same_model_and_clone(iris):
    X, y = iris
    a = quiet(MLPClassifier(**FAST).fit, X, y)
    b = quiet(clone(a).fit, X, y)
    for ca, cb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(ca, cb)
    assert not hasattr(clone(a), "coefs_")


def test_coefs_are_views_of_the_network(iris):
    X, y = iris
    clf = quiet(MLPClassifier(**FAST).fit, X, y)
    before = clf.predict_proba(X)
    clf.coefs_[-1][...] = 0.0
    clf.intercepts_[-1][...] = 0.0
    np.testing.assert_allclose(clf.predict_proba(X), 1 / 3)
    assert not np.allclose(before, 1 / 3)


def test_pickle_keeps_views_and_predictions(iris):
    X, y = iris
    clf = quiet(MLPClassifier(**FAST).fit, X, y)
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    back.coefs_[0][...] = 0.0
    assert not np.allclose(back.predict_proba(X), clf.predict_proba(X))


def test_warm_start_continues_and_checks_classes(iris):
    X, y = iris
    clf = quiet(MLPClassifier(**dict(FAST, max_iter=5), warm_start=True).fit, X, y)
    first = clf.loss_curve_[-1]
    quiet(clf.fit, X, y)
    assert len(clf.loss_curve_) == 10 and clf.loss_curve_[-1] < first
    with pytest.raises(ValueError, match="warm_start can only be used"):
        clf.fit(X[y < 2], y[y < 2])


def test_partial_fit_needs_classes_and_refuses_unknown_ones(iris):
    X, y = iris
    clf = MLPClassifier(**FAST)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert clf.n_outputs_ == 3
    with pytest.raises(ValueError, match="classes not in"):
        clf.partial_fit(X, y + 1)
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")


# ---------------------------------------------------------------------- scikit-learn tools
def test_pipeline_grid_random_search_cross_val(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=40,
                                                       random_state=0))
    grid = quiet(GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1.0]}, cv=3).fit, X, y)
    assert grid.best_score_ > 0.85
    rand = quiet(RandomizedSearchCV(MLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, random_state=0),
                                    {"alpha": [1e-4, 1e-2, 1.0]}, n_iter=2, cv=2, random_state=0).fit, X, X[:, 0])
    assert len(rand.cv_results_["params"]) == 2
    scores = quiet(cross_val_score, pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.85


def test_pandas_feature_names_kept(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = quiet(MLPClassifier(**FAST).fit, df, pd.Series(y))
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b", "c", "d"])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_array_equal(clf.predict(df), clf.predict(X))
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df[["b", "a", "c", "d"]])


# ---------------------------------------------------------------------- extras
@pytest.mark.parametrize("activation", ["leaky_relu", "gelu", "rbf", "sigmoid", "logistic", "tanh", "identity"])
def test_extra_and_standard_activations_train(iris, activation):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(16,), activation=activation, solver="lbfgs", random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9


def test_sigmoid_is_logistic(iris):
    X, y = iris
    a = quiet(MLPClassifier(**FAST, activation="sigmoid").fit, X, y)
    b = quiet(MLPClassifier(**FAST, activation="logistic").fit, X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_dropout_layers_and_rates(iris):
    X, y = iris
    clf = quiet(MLPClassifier(hidden_layer_sizes=(8, 8), dropout=[0.5, 0.0], max_iter=5, random_state=0).fit, X, y)
    rates = [layer.rate for layer in clf._net.layers if isinstance(layer, glassnet.nn.layers.Dropout)]
    assert rates == [0.5]
    # prediction is deterministic (dropout is off outside training)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    with pytest.raises(ValueError, match="dropout has 1 rates"):
        MLPClassifier(hidden_layer_sizes=(8, 8), dropout=[0.5]).fit(X, y)
    with pytest.raises(ValueError, match="stochastic solver"):
        MLPClassifier(dropout=0.2, solver="lbfgs").fit(X, y)


@pytest.mark.parametrize("loss", ["absolute_error", "huber", "squared_error"])
def test_regressor_losses(regression, loss):
    X, y = regression
    reg = quiet(MLPRegressor(loss=loss, hidden_layer_sizes=(16,), solver="lbfgs", random_state=0).fit, X, y)
    assert reg.score(X, y) > 0.95


def test_absolute_error_resists_outliers(regression):
    X, y = regression
    y = y.copy()
    y[:6] += 50.0
    kw = dict(hidden_layer_sizes=(), solver="lbfgs", random_state=0)
    l1 = MLPRegressor(loss="absolute_error", **kw).fit(X, y)
    l2 = MLPRegressor(loss="squared_error", **kw).fit(X, y)
    clean = slice(6, None)
    assert l1.score(X[clean], y[clean]) > l2.score(X[clean], y[clean])


def test_poisson_predicts_positive_counts():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0]))
    reg = quiet(MLPRegressor(loss="poisson", hidden_layer_sizes=(8,), solver="lbfgs", random_state=0).fit, X, y)
    assert reg.out_activation_ == "exp" and (reg.predict(X) > 0).all()
    with pytest.raises(ValueError, match="negative"):
        reg.fit(X, y - 5)


def test_class_weight_equals_sample_weight():
    X, y = make_classification(n_samples=120, n_features=4, weights=[0.8, 0.2], flip_y=0.2, class_sep=0.5,
                               random_state=0)
    kw = dict(hidden_layer_sizes=(), solver="lbfgs", random_state=0)
    a = MLPClassifier(class_weight="balanced", **kw).fit(X, y)
    b = MLPClassifier(**kw).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X))
    c = MLPClassifier(class_weight={0: 1.0, 1: 10.0}, **kw).fit(X, y)
    plain = MLPClassifier(**kw).fit(X, y)
    assert (c.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


def test_callback_stops_training_and_sees_history(iris):
    X, y = iris
    seen = []

    def stop_at_three(loop):
        seen.append(list(loop.history["loss"]))
        return len(loop.history["loss"]) == 3

    clf = MLPClassifier(**FAST, callbacks=[stop_at_three]).fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert seen[-1] == clf.loss_curve_


class RecordWeights(Callback):
    def on_train_begin(self, loop):
        self.weights = []

    def on_epoch_end(self, loop):
        self.weights.append(loop.net.get_weights())


@pytest.mark.parametrize("metric", ["loss", "score"])
def test_early_stopping_restores_best_weights(metric):
    X, y = make_classification(n_samples=300, n_features=10, flip_y=0.3, random_state=1)
    rec = RecordWeights()
    clf = quiet(MLPClassifier(hidden_layer_sizes=(64,), learning_rate_init=0.05, early_stopping=True,
                              early_stopping_metric=metric, n_iter_no_change=5, max_iter=60, random_state=0,
                              callbacks=[rec]).fit, X, y)
    curve = clf.validation_loss_curve_ if metric == "loss" else [-s for s in clf.validation_scores_]
    best = int(np.argmin(curve))
    assert best < clf.n_iter_ - 1  # it stopped after the best epoch...
    np.testing.assert_array_equal(clf._net.get_weights(), rec.weights[best])  # ...and went back to it
    if metric == "score":
        assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_float32_end_to_end(iris):
    X, y = iris
    clf = quiet(MLPClassifier(**FAST).fit, X.astype(np.float32), y)
    assert all(c.dtype == np.float32 for c in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X).dtype == np.float32
    reg = quiet(MLPRegressor(**FAST, dtype="float32").fit, X, X[:, 0])
    assert reg.coefs_[0].dtype == np.float32 and reg.predict(X).dtype == np.float32
    reg64 = quiet(MLPRegressor(**FAST, dtype="float64").fit, X.astype(np.float32), X[:, 0])
    assert reg64.coefs_[0].dtype == np.float64


def test_progress_bar_is_an_explicit_extra(iris, capsys):
    X, y = iris
    quiet(MLPClassifier(**dict(FAST, max_iter=3), progress_bar=True, early_stopping=True).fit, X, y)
    out, err = capsys.readouterr()
    assert "loss" in err and "val_score" in err and "3/3" in err and out == ""
    quiet(MLPClassifier(**dict(FAST, max_iter=3), solver="lbfgs", progress_bar=True).fit, X, y)
    assert "lbfgs" in capsys.readouterr().err


VERBOSE_CASES = {
    "adam": dict(),
    "early stopping": dict(early_stopping=True, n_iter_no_change=2, tol=0.5),
    "loss stalls": dict(n_iter_no_change=1, tol=10.0),
    "adaptive rate": dict(solver="sgd", learning_rate="adaptive", n_iter_no_change=1, tol=10.0),
}


@pytest.mark.parametrize("case", VERBOSE_CASES)
def test_verbose_prints_scikit_learns_lines(iris, capsys, case):
    X, y = iris
    kw = dict(FAST, max_iter=6, verbose=True, **VERBOSE_CASES[case])
    quiet(MLPClassifier(**kw).fit, X, y)
    ours = capsys.readouterr()
    quiet(sk.MLPClassifier(**kw).fit, X, y)
    theirs = capsys.readouterr().out
    assert ours.err == ""
    ours_lines, their_lines = ours.out.splitlines(), theirs.splitlines()
    # the same lines in the same order and format (the numbers differ: the initial weights do)
    assert len(ours_lines) == len(their_lines) > 0
    for a, b in zip(ours_lines, their_lines):
        if b.startswith("Iteration"):
            assert re.fullmatch(r"Iteration \d+, loss = \d+\.\d{8}", a) and a.split(",")[0] == b.split(",")[0]
        elif b.startswith("Validation score:"):
            assert re.fullmatch(r"Validation score: \d\.\d{6}", a)
        else:
            assert a == b


def test_verbose_partial_fit_prints_each_call(regression, capsys):
    X, y = regression
    for est in (MLPRegressor(**FAST, verbose=True), sk.MLPRegressor(**FAST, verbose=True)):
        for _ in range(2):
            est.partial_fit(X, y)
            assert capsys.readouterr().out == "Iteration 1, loss = %.8f\n" % est.loss_


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "param, value",
    [("alpha", -1.0), ("hidden_layer_sizes", 0), ("solver", "newton"), ("activation", "swish"),
     ("learning_rate_init", 0.0), ("batch_size", 0), ("max_iter", 0), ("momentum", 1.5),
     ("validation_fraction", 1.0), ("dropout", 1.0), ("early_stopping_metric", "f1"), ("dtype", "int8"),
     ("class_weight", "even"), ("n_iter_no_change", 0)],
)
def test_bad_parameters_name_parameter_value_and_allowed(iris, param, value):
    X, y = iris
    with pytest.raises(ValueError, match=f"'{param}' parameter of MLPClassifier must be") as info:
        MLPClassifier(**{param: value}).fit(X, y)
    assert repr(value) in str(info.value) or str(value) in str(info.value)


def test_bad_regressor_loss_and_hidden_sizes(regression):
    X, y = regression
    with pytest.raises(ValueError, match="'loss' parameter of MLPRegressor must be a str among"):
        MLPRegressor(loss="hinge").fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be > 0"):
        MLPRegressor(hidden_layer_sizes=(8, 0)).fit(X, y)


def test_partial_fit_refuses_early_stopping_and_balanced(iris):
    X, y = iris
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="balanced"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])


# ---------------------------------------------------------------------- save / load contract
def round_trip(est):
    from glassnet.estimators.persistence import fitted_state, set_fitted_state

    meta, arrays = fitted_state(est)
    meta = json.loads(json.dumps(meta))  # must survive JSON
    for name, arr in arrays.items():
        assert isinstance(arr, np.ndarray) and arr.dtype != object, name
    fresh = type(est)(**est.get_params())
    return set_fitted_state(fresh, meta, arrays)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_state_round_trip_string_labels(iris, dtype):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    clf = quiet(MLPClassifier(**FAST).fit, X.astype(dtype), names[y])
    back = round_trip(clf)
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    assert back.predict_proba(X).dtype == dtype
    assert back.loss_curve_ == clf.loss_curve_ and back.n_iter_ == clf.n_iter_ and back.t_ == clf.t_


def test_state_round_trip_binary_object_labels_pandas_multilabel_regressor(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    labels = np.array(["a", "b", "b"], dtype=object)[y]
    frame = pd.DataFrame(X, columns=list("pqrs"))
    clf = quiet(MLPClassifier(**FAST, early_stopping=True).fit, frame, labels)
    back = round_trip(clf)
    np.testing.assert_array_equal(back.predict(frame), clf.predict(frame))
    np.testing.assert_array_equal(back.feature_names_in_, clf.feature_names_in_)
    assert back.validation_scores_ == clf.validation_scores_
    Y = np.column_stack([y == 0, y == 1]).astype(int)
    ml = quiet(MLPClassifier(**FAST).fit, X, Y)
    np.testing.assert_array_equal(round_trip(ml).predict(X), ml.predict(X))
    reg = quiet(MLPRegressor(**FAST, solver="lbfgs", loss="poisson").fit, X, y)
    np.testing.assert_array_equal(round_trip(reg).predict(X), reg.predict(X))


def test_get_params_are_json_serialisable():
    for est in (MLPClassifier(hidden_layer_sizes=(3, 2), class_weight={0: 2.0}), MLPRegressor()):
        params = {k: v for k, v in est.get_params().items() if k != "callbacks"}
        json.dumps(params)


def test_zero_weight_batches_are_skipped(regression):
    # with fixed batches of 10, the first batch weighs nothing: the fit must equal a fit without it
    X, y = regression
    kw = dict(hidden_layer_sizes=(4,), batch_size=10, shuffle=False, max_iter=5, random_state=0)
    w = np.r_[np.zeros(10), np.ones(len(X) - 10)]
    weighted = quiet(MLPRegressor(**kw).fit, X, y, sample_weight=w)
    dropped = quiet(MLPRegressor(**kw).fit, X[10:], y[10:])
    for a, b in zip(weighted.coefs_ + weighted.intercepts_, dropped.coefs_ + dropped.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12)
