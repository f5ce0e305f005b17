"""``from_sklearn`` and ``to_sklearn``: the same weights, classes and settings, the same predictions."""

import warnings

import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import glassnet
from glassnet import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


CLASSIFIER_CASES = {
    "multiclass strings": lambda y: np.array(["a", "b", "c"])[y],
    "binary": lambda y: (y > 0).astype(int),
    "multilabel": lambda y: np.stack([y == 0, y == 2], axis=1).astype(int),
}


@pytest.mark.parametrize("case", CLASSIFIER_CASES)
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_classifier_taken_over_predicts_the_same_and_goes_on_training(iris, case, activation):
    X, y = iris
    labels = CLASSIFIER_CASES[case](y)
    kw = dict(activation=activation, max_iter=20, random_state=0, shuffle=False, solver="sgd", learning_rate_init=0.1)
    theirs = quiet(sk.MLPClassifier((7, 5), **kw).fit, X, labels)
    ours = MLPClassifier.from_sklearn(theirs)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.get_params()["hidden_layer_sizes"] == (7, 5) and ours.n_iter_ == theirs.n_iter_
    assert ours.loss_curve_ == theirs.loss_curve_ and ours.loss_curve_ is not theirs.loss_curve_
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    # ready to go on training: an epoch from the same weights with a fresh optimizer takes the same step
    del theirs._optimizer
    ours.partial_fit(X, labels)
    theirs.partial_fit(X, labels)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    back = ours.to_sklearn()
    np.testing.assert_allclose(back.predict_proba(X), ours.predict_proba(X), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(back.predict(X), ours.predict(X))
    back.partial_fit(X, labels)
    del ours._optimizer  # both from a fresh optimizer again
    ours.partial_fit(X, labels)
    for a, b in zip(ours.coefs_ + ours.intercepts_, back.coefs_ + back.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_both_ways(iris, loss):
    X, y = iris
    theirs = quiet(sk.MLPRegressor(loss=loss, hidden_layer_sizes=(6,), max_iter=20, random_state=0).fit, X, y * 1.0)
    ours = MLPRegressor.from_sklearn(theirs)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10)
    ours.set_params(warm_start=True, max_iter=2)
    quiet(ours.fit, X, y * 1.0)
    np.testing.assert_allclose(ours.to_sklearn().predict(X), ours.predict(X), rtol=1e-10)


def test_taken_over_models_are_saved_and_take_dropout(iris, tmp_path):
    X, y = iris
    theirs = quiet(sk.MLPClassifier((6,), max_iter=10, random_state=0).fit, X, y)
    ours = MLPClassifier.from_sklearn(theirs)
    glassnet.save(ours, tmp_path / "m.glassnet")
    np.testing.assert_allclose(glassnet.load(tmp_path / "m.glassnet").predict_proba(X), theirs.predict_proba(X),
                               rtol=1e-10)
    ours.set_params(dropout=0.2)
    ours.partial_fit(X, y)
    with pytest.raises(ValueError, match=r"no equivalent of dropout=0.2"):
        ours.to_sklearn()


def test_float32_models_stay_float32(iris):
    X, y = iris
    theirs = quiet(sk.MLPClassifier((6,), max_iter=10, random_state=0).fit, X.astype(np.float32), y)
    ours = MLPClassifier.from_sklearn(theirs)
    assert ours.coefs_[0].dtype == np.float32
    np.testing.assert_allclose(ours.predict_proba(X.astype(np.float32)), theirs.predict_proba(X.astype(np.float32)),
                               rtol=1e-5, atol=1e-6)


def test_what_cannot_be_handed_over_is_named(iris):
    X, y = iris
    ours = quiet(MLPClassifier((4,), activation="gelu", class_weight="balanced", max_iter=5, random_state=0).fit, X, y)
    with pytest.raises(ValueError, match=r"activation='gelu'.*class_weight='balanced'"):
        ours.to_sklearn()
    with pytest.raises(TypeError, match="takes a fitted sklearn.neural_network.MLPRegressor, got MLPClassifier"):
        MLPRegressor.from_sklearn(sk.MLPClassifier())
    with pytest.raises(Exception, match="not fitted"):
        MLPClassifier.from_sklearn(sk.MLPClassifier())
    sig = quiet(MLPClassifier((4,), activation="sigmoid", max_iter=5, random_state=0).fit, X, y)
    assert sig.to_sklearn().activation == "logistic"
