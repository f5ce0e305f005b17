"""Assigning ``coefs_`` and ``intercepts_`` takes effect, as in scikit-learn, with checked shapes and dtypes."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import glassnet
from glassnet import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def fitted(X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPClassifier(hidden_layer_sizes=(6,), max_iter=20, random_state=0, **kw).fit(X, y)


def manual_proba(clf, X):
    H = np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0.0)
    Z = H @ clf.coefs_[1] + clf.intercepts_[1]
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def test_assigning_one_array_changes_predictions(iris):
    X, y = iris
    clf = fitted(X, y)
    W = np.random.default_rng(0).standard_normal(clf.coefs_[1].shape)
    clf.coefs_[1] = W
    clf.intercepts_[1] = np.array([0.0, 1.0, -1.0])
    np.testing.assert_array_equal(clf.coefs_[1], W)
    np.testing.assert_allclose(clf.predict_proba(X), manual_proba(clf, X), rtol=1e-10)
    clf.coefs_[-1] = np.zeros_like(W)  # negative indices, as in a list
    clf.intercepts_[-1] = np.array([0.0, 5.0, 0.0])
    assert (clf.predict(X) == 1).all()


def test_assigning_whole_lists_copies_weights_between_models(iris):
    X, y = iris
    source, target = fitted(X, y, solver="sgd"), fitted(X[::-1], y[::-1])
    target.coefs_ = [W.copy() for W in source.coefs_]
    target.intercepts_ = list(source.intercepts_)
    np.testing.assert_allclose(target.predict_proba(X), source.predict_proba(X), rtol=1e-12)
    target.coefs_[0][...] = 0.0  # still views: in-place edits change the model
    assert np.allclose(target.predict_proba(X), target.predict_proba(X[:1]))


def test_assigned_weights_are_where_partial_fit_and_warm_fit_start(iris):
    X, y = iris
    a, b = fitted(X, y), fitted(X, y, warm_start=True)
    a.coefs_ = [np.full_like(W, 0.1) for W in a.coefs_]
    b.coefs_ = [np.full_like(W, 0.1) for W in b.coefs_]
    reference = fitted(X, y)
    reference.coefs_ = [np.full_like(W, 0.1) for W in reference.coefs_]
    a.partial_fit(X, y)
    reference.partial_fit(X, y)
    np.testing.assert_allclose(a.coefs_[0], reference.coefs_[0], rtol=1e-12)
    pruned = b.coefs_[0].copy()
    pruned[np.abs(pruned) < 1] = 0.0
    b.coefs_[0] = pruned
    b.set_params(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        b.fit(X, y)
    assert np.abs(b.coefs_[0] - pruned).max() < 0.05  # one epoch from the pruned weights, not from new ones


def test_assigned_weights_are_saved_and_pickled(iris, tmp_path):
    X, y = iris
    clf = fitted(X, y)
    clf.coefs_[0] = np.ones_like(clf.coefs_[0])
    glassnet.save(clf, tmp_path / "m.glassnet")
    for back in (glassnet.load(tmp_path / "m.glassnet"), pickle.loads(pickle.dumps(clf))):
        np.testing.assert_array_equal(back.coefs_[0], 1.0)
        np.testing.assert_allclose(back.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("value, error, match", [
    (np.zeros((4, 7)), ValueError, r"coefs_\[0\] must have shape \(4, 6\).*got \(4, 7\)"),
    (np.zeros(24), ValueError, r"must have shape \(4, 6\)"),
    (np.full((4, 6), "a"), TypeError, r"coefs_\[0\] must be an array of real numbers, got dtype <U1"),
    (np.full((4, 6), 1j), TypeError, "real numbers"),
    (np.full((4, 6), np.nan), ValueError, "NaN or infinity"),
])
def test_bad_arrays_are_refused_and_change_nothing(iris, value, error, match):
    X, y = iris
    clf = fitted(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(error, match=match):
        clf.coefs_[0] = value
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_bad_lists_are_refused_and_change_nothing(iris):
    X, y = iris
    clf = fitted(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="coefs_ must hold 2 arrays, one per layer, got 1"):
        clf.coefs_ = [clf.coefs_[0]]
    with pytest.raises(ValueError, match=r"intercepts_\[1\] must have shape \(3,\)"):
        clf.intercepts_ = [np.zeros(6), np.zeros(4)]  # the first is valid: it must not be kept either
    with pytest.raises(TypeError, match="length is fixed"):
        clf.coefs_.append(np.zeros((6, 3)))
    with pytest.raises(IndexError):
        clf.coefs_[2] = np.zeros((6, 3))
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_unfitted_estimators_have_no_weights():
    reg = MLPRegressor()
    assert not hasattr(reg, "coefs_")
    with pytest.raises(AttributeError, match="call fit or partial_fit first"):
        reg.coefs_ = [np.zeros((2, 2))]


def test_float32_models_keep_their_dtype(iris):
    X, y = iris
    clf = fitted(X, y, dtype="float32")
    clf.coefs_[0] = np.ones((4, 6))  # float64 values are stored in the model's float32
    assert clf.coefs_[0].dtype == np.float32 and clf.predict_proba(X).dtype == np.float32
