"""Sparse X (SciPy CSR/CSC): the first Dense layer's products take it, nothing densifies the data set,
and the estimators behave as scikit-learn's do on text and one-hot pipelines."""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import neural_network as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import glassnet
from glassnet import MLPClassifier, MLPRegressor
from glassnet.nn import Dense, ReLU, Sequential, SoftmaxCrossEntropy, Tanh
from glassnet.optim import Adam


def sparse_rows(n=300, d=40, density=0.1, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, format="csr", random_state=seed, data_rvs=rng.standard_normal)
    y = (X @ rng.standard_normal(d) > 0).astype(int)
    return X, y


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


def test_dense_layer_gives_the_same_products_for_sparse_and_dense_input():
    X, _ = sparse_rows(20, 7)
    layer = Dense(7, 3, random_state=0)
    dY = np.random.default_rng(1).standard_normal((20, 3))
    Y_dense = layer.forward(X.toarray())
    layer.backward(dY)
    gW_dense, gb_dense = layer.grads["W"].copy(), layer.grads["b"].copy()
    Y_sparse = layer.forward(X)
    layer.backward(dY)
    assert isinstance(Y_sparse, np.ndarray)
    np.testing.assert_allclose(Y_sparse, Y_dense, rtol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], gW_dense, rtol=1e-12)  # X^T dY
    np.testing.assert_allclose(layer.grads["b"], gb_dense, rtol=1e-12)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fit_on_sparse_x_trains_exactly_as_on_its_dense_copy(fmt, dtype):
    X, y = sparse_rows()
    nets = [Sequential([Dense(40, 8), Tanh(), Dense(8, 2)], output="softmax", random_state=0, dtype=dtype)
            for _ in range(2)]
    glassnet.fit(nets[0], SoftmaxCrossEntropy(), Adam(0.01), X.toarray(), y, epochs=3, batch_size=32, random_state=0)
    glassnet.fit(nets[1], SoftmaxCrossEntropy(), Adam(0.01), X.asformat(fmt), y, epochs=3, batch_size=32, random_state=0)
    rtol = 1e-10 if dtype == "float64" else 2e-4
    np.testing.assert_allclose(nets[1].flat_params, nets[0].flat_params, rtol=rtol, atol=rtol)
    assert nets[1].flat_params.dtype == np.dtype(dtype)
    np.testing.assert_allclose(nets[1].predict_proba(X), nets[0].predict_proba(X.toarray()), rtol=rtol, atol=rtol)
    loss = glassnet.training.evaluate(nets[1], SoftmaxCrossEntropy(), X, y)["loss"]
    assert loss == pytest.approx(glassnet.training.evaluate(nets[1], SoftmaxCrossEntropy(), X.toarray(), y)["loss"], rel=rtol)


def test_sparse_x_needs_a_dense_first_layer_and_checked_values():
    X, y = sparse_rows()
    net = Sequential([ReLU(), Dense(40, 2)], output="softmax", random_state=0)
    with pytest.raises(TypeError, match="first layer, ReLU, needs a dense array"):
        glassnet.fit(net, SoftmaxCrossEntropy(), Adam(0.01), X, y, epochs=1)
    with pytest.raises(TypeError, match="first layer, ReLU"):
        net.predict(X)
    good = Sequential([Dense(40, 2)], output="softmax", random_state=0)
    bad = X.copy()
    bad.data[5] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity \(first at row \d+, column \d+\)"):
        glassnet.fit(good, SoftmaxCrossEntropy(), Adam(0.01), bad, y, epochs=1)
    bad.data[5] = 1e300
    with pytest.raises(ValueError, match="too large.*MaxAbsScaler"):
        good.predict(bad)
    with pytest.raises(ValueError, match="X has 39 features, but this network expects 40"):
        good.predict(X[:, :39])


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_estimators_predict_the_same_from_sparse_and_dense_x(solver):
    X, y = sparse_rows()
    kw = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0, solver=solver)
    dense = quiet(MLPClassifier(**kw).fit, X.toarray(), y)
    sparse = quiet(MLPClassifier(**kw).fit, X, y)
    np.testing.assert_allclose(sparse.predict_proba(X.tocsc()), dense.predict_proba(X.toarray()), rtol=1e-10)
    assert sparse.score(X, y) == dense.score(X.toarray(), y)
    reg_dense = quiet(MLPRegressor(**kw).fit, X.toarray(), y * 1.0)
    reg_sparse = quiet(MLPRegressor(**kw).fit, X, y * 1.0)
    np.testing.assert_allclose(reg_sparse.predict(X), reg_dense.predict(X.toarray()), rtol=1e-10, atol=1e-12)


def test_a_pickled_model_leaves_the_last_sparse_batch_out():
    import pickle

    X, y = sparse_rows()
    clf = quiet(MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit, X, y)
    assert sp.issparse(clf._net.layers[0]._X)  # kept for the backward pass
    back = pickle.loads(pickle.dumps(clf))
    assert back._net.layers[0]._X is None
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


def test_partial_fit_and_early_stopping_take_sparse_x():
    X, y = sparse_rows()
    clf = MLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    ref = MLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    for _ in range(3):
        ref.partial_fit(X.toarray(), y, classes=[0, 1])
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X.toarray()), rtol=1e-10)
    stopped = quiet(MLPClassifier(hidden_layer_sizes=(8,), random_state=0, early_stopping=True, max_iter=15).fit, X, y)
    assert len(stopped.validation_scores_) == stopped.n_iter_


def test_partial_fit_blocks_streams_sparse_blocks():
    from glassnet.estimators import partial_fit_blocks

    X, y = sparse_rows()
    streamed = partial_fit_blocks(MLPClassifier(hidden_layer_sizes=(8,), random_state=0), X.tocsc(), y, block_size=100)
    by_hand = MLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    for start in range(0, 300, 100):
        by_hand.partial_fit(X[start : start + 100].toarray(), y[start : start + 100], classes=[0, 1])
    np.testing.assert_allclose(streamed.predict_proba(X), by_hand.predict_proba(X.toarray()), rtol=1e-10)


def test_training_on_sparse_x_never_holds_a_dense_copy():
    # 1000 x 50000 at 0.1%: 50k non-zeros (about 0.6 MB as CSR) where the dense copy would take 400 MB
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, 1000, 50000), rng.integers(0, 50000, 50000)
    X = sp.csr_matrix((rng.random(50000), (rows, cols)), shape=(1000, 50000))
    y = np.arange(1000) % 2
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, random_state=0)
    tracemalloc.start()
    try:
        quiet(clf.fit, X, y)
        clf.predict_proba(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    dense_bytes = X.shape[0] * X.shape[1] * 8
    assert peak < dense_bytes / 20, f"peak {peak / 1e6:.0f} MB"


def synthetic_texts(n, seed):
    """Documents of two topics sharing a common vocabulary: a text classification task with no download."""
    rng = np.random.default_rng(seed)
    common = [f"w{i}" for i in range(300)]
    topics = [[f"sport{i}" for i in range(60)], [f"money{i}" for i in range(60)]]
    docs, labels = [], []
    for _ in range(n):
        label = int(rng.integers(2))
        words = list(rng.choice(common, size=25)) + list(rng.choice(topics[label], size=5))
        words += list(rng.choice(topics[1 - label], size=int(rng.integers(0, 3))))
        docs.append(" ".join(words))
        labels.append(label)
    return docs, np.array(labels)


def test_tfidf_pipeline_is_as_accurate_as_scikit_learns():
    docs, y = synthetic_texts(800, seed=0)
    train_docs, test_docs, y_train, y_test = train_test_split(docs, y, test_size=0.25, random_state=0)
    kw = dict(hidden_layer_sizes=(16,), max_iter=30, random_state=0)
    ours = quiet(make_pipeline(TfidfVectorizer(), MLPClassifier(**kw)).fit, train_docs, y_train)
    theirs = quiet(make_pipeline(TfidfVectorizer(), sk.MLPClassifier(**kw)).fit, train_docs, y_train)
    ours_acc, theirs_acc = ours.score(test_docs, y_test), theirs.score(test_docs, y_test)
    assert ours_acc > 0.9
    assert ours_acc >= theirs_acc - 0.03


def test_one_hot_pipeline_is_as_accurate_as_scikit_learns():
    rng = np.random.default_rng(0)
    cats = rng.integers(0, 6, size=(600, 4))
    y = (cats[:, 0] < 2) ^ (cats[:, 2] > 3)  # an interaction of two columns: a hidden layer needs it
    X_train, X_test, y_train, y_test = train_test_split(cats.astype(str), y, test_size=0.25, random_state=0)
    kw = dict(hidden_layer_sizes=(32,), max_iter=200, random_state=0)
    ours = quiet(make_pipeline(OneHotEncoder(), MLPClassifier(**kw)).fit, X_train, y_train)
    theirs = quiet(make_pipeline(OneHotEncoder(), sk.MLPClassifier(**kw)).fit, X_train, y_train)
    assert ours.score(X_test, y_test) >= theirs.score(X_test, y_test) - 0.03
    assert ours.score(X_test, y_test) > 0.9
