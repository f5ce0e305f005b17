"""The estimators under scikit-learn's array_api_dispatch, on PyTorch (CPU) and array-api-strict.

scikit-learn refuses the setting unless SciPy's own array API support was switched on before SciPy was
imported (SCIPY_ARRAY_API=1), so the checks run in one fresh interpreter with it set."""

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or importlib.util.find_spec("array_api_strict") is None,
    reason="needs the test-arrays extra (torch, array-api-strict)",
)

SCRIPT = textwrap.dedent("""
    import warnings
    import numpy as np, sklearn, torch, array_api_strict as strict
    import glassnet as gn
    from glassnet.nn import backend as B
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 5))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    t = X @ rng.normal(size=5)

    def host(a):
        return np.asarray(B.to_numpy(a))

    for solver in ("adam", "lbfgs"):
        clf_ref = gn.MLPClassifier(hidden_layer_sizes=(8,), solver=solver, max_iter=15, random_state=0).fit(X, y)
        reg_ref = gn.MLPRegressor(hidden_layer_sizes=(8,), solver=solver, max_iter=15, random_state=0).fit(X, t)
        for lib in (torch, strict):
            with sklearn.config_context(array_api_dispatch=True):
                clf = gn.MLPClassifier(hidden_layer_sizes=(8,), solver=solver, max_iter=15, random_state=0).fit(lib.asarray(X), lib.asarray(y))
                for fitted in (clf.classes_, clf.coefs_[0], clf.intercepts_[-1]):
                    assert B.namespace(fitted).name == lib.__name__.split(".")[0], type(fitted)
                P, labels = clf.predict_proba(lib.asarray(X)), clf.predict(lib.asarray(X))
                assert B.namespace(P).name == B.namespace(labels).name == B.namespace(clf.classes_).name
                np.testing.assert_allclose(host(P), clf_ref.predict_proba(X), rtol=1e-9, atol=1e-12)
                np.testing.assert_array_equal(host(labels), clf_ref.predict(X))
                clf.coefs_[0] = host(clf.coefs_[0]) * 1.0  # assigned from the host, placed on the model's library
                assert B.namespace(clf.coefs_[0]) is B.namespace(clf.classes_)
                np.testing.assert_array_equal(host(clf.predict(lib.asarray(X))), clf_ref.predict(X))
                if solver == "adam":
                    np.testing.assert_allclose(clf.loss_curve_, clf_ref.loss_curve_, rtol=1e-10)
                reg = gn.MLPRegressor(hidden_layer_sizes=(8,), solver=solver, max_iter=15, random_state=0).fit(lib.asarray(X), lib.asarray(t))
                np.testing.assert_allclose(host(reg.predict(lib.asarray(X))), reg_ref.predict(X), rtol=1e-9, atol=1e-12)
                try:
                    clf.predict(X)
                except TypeError as exc:
                    assert "X holds NumPy arrays on the CPU: pass X there, or move the model with est.to('numpy')" in str(exc), exc
                else:
                    raise AssertionError("NumPy input to a model fitted elsewhere was accepted")
            np.testing.assert_array_equal(clf.to("numpy").predict(X), clf_ref.predict(X))
            assert isinstance(clf.classes_, np.ndarray) and isinstance(clf.coefs_[0], np.ndarray)
    # without dispatch, behaviour is unchanged: the data become NumPy arrays and so does everything fitted
    clf = gn.MLPClassifier(hidden_layer_sizes=(8,), max_iter=15, random_state=0).fit(torch.asarray(X), torch.asarray(y))
    assert isinstance(clf.predict(torch.asarray(X)), np.ndarray) and isinstance(clf.coefs_[0], np.ndarray)
    print("ok")
""")


def test_estimators_train_and_predict_where_the_data_lives():
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]
