"""Parameters as search tools produce them (NumPy scalars and arrays, RandomState instances) go into model files."""

import json
import warnings
import zipfile

import numpy as np
import pytest
from scipy.stats import loguniform, randint
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RandomizedSearchCV

import glassnet
from glassnet import MLPClassifier


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X / X.max(axis=0), y


def fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def test_numpy_scalars_and_arrays_are_saved_as_plain_values(iris, tmp_path):
    X, y = iris
    clf = fit(MLPClassifier(random_state=np.int64(3), hidden_layer_sizes=np.array([8, 4]),
                            learning_rate_init=np.float32(0.01), alpha=np.float64(1e-3), max_iter=np.int32(5)), X, y)
    glassnet.save(clf, tmp_path / "m.glassnet")
    back = glassnet.load(tmp_path / "m.glassnet")
    params = back.get_params()
    assert params["random_state"] == 3 and type(params["random_state"]) is int
    assert params["hidden_layer_sizes"] == [8, 4]
    assert params["learning_rate_init"] == float(np.float32(0.01)) and params["max_iter"] == 5
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


def test_a_random_state_instance_is_saved_as_its_state(iris, tmp_path):
    X, y = iris
    clf = fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=np.random.RandomState(7)), X, y)
    glassnet.save(clf, tmp_path / "m.glassnet")
    with zipfile.ZipFile(tmp_path / "m.glassnet") as zf:
        header = next(json.loads(zf.read(n)) for n in zf.namelist() if n.endswith(".json"))
    assert "__random_state__" in json.dumps(header)  # stored as data, not pickled
    back = glassnet.load(tmp_path / "m.glassnet")
    rng = back.get_params()["random_state"]
    assert isinstance(rng, np.random.RandomState) and rng is not clf.random_state
    # the generator continues where the saved one was: refitting both gives the same model
    np.testing.assert_array_equal(fit(back, X, y).predict_proba(X), fit(clf, X, y).predict_proba(X))


def test_randomized_search_winner_is_saved(iris, tmp_path):
    X, y = iris
    search = RandomizedSearchCV(
        MLPClassifier(max_iter=10), {"alpha": loguniform(1e-5, 1e-1), "hidden_layer_sizes": randint(3, 9),
                                     "learning_rate_init": loguniform(1e-3, 1e-1)},
        n_iter=2, cv=2, random_state=np.random.RandomState(0))
    fit(search, X, y)
    glassnet.save(search.best_estimator_, tmp_path / "best.glassnet")
    back = glassnet.load(tmp_path / "best.glassnet")
    np.testing.assert_array_equal(back.predict(X), search.best_estimator_.predict(X))


@pytest.mark.parametrize("state", [
    {"kind": "PCG64"}, {"kind": "MT19937", "keys": [1] * 3, "pos": 0, "has_gauss": 0, "cached_gaussian": 0.0},
    {"kind": "MT19937", "keys": [2**32] * 624, "pos": 0, "has_gauss": 0, "cached_gaussian": 0.0},
    {"kind": "MT19937", "keys": [1] * 624, "pos": 625, "has_gauss": 0, "cached_gaussian": 0.0},
])
def test_a_corrupted_random_state_is_refused(state):
    from glassnet.estimators.persistence import _decode_param

    with pytest.raises(ValueError, match="random_state"):
        _decode_param({"__random_state__": state})


def test_other_objects_are_refused_with_the_reason(iris, tmp_path):
    X, y = iris
    clf = fit(MLPClassifier(hidden_layer_sizes=(3,), max_iter=2), X, y)
    clf.set_params(random_state=object())
    with pytest.raises(TypeError, match="parameters must be plain values.*object is not JSON serializable"):
        glassnet.save(clf, tmp_path / "m.glassnet")
    assert not (tmp_path / "m.glassnet").exists()
