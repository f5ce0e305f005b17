"""MNIST-1D as glassnet generates it: the published split of the mnist1d package, exactly, with no
global generator touched."""

import random

import numpy as np
import pytest

from glassnet import datasets


def test_the_generator_leaves_global_generators_alone_and_is_cached():
    np.random.seed(123)
    random.seed(123)
    before_np, before_py = np.random.get_state()[1].copy(), random.getstate()
    X, y, X_test, y_test = datasets.load_mnist1d()
    assert np.array_equal(np.random.get_state()[1], before_np) and random.getstate() == before_py
    assert X.shape == (4000, 1, 40) and X_test.shape == (1000, 1, 40)
    assert y.shape == (4000,) and y_test.shape == (1000,) and set(np.unique(y)) == set(range(10))
    rows = datasets.load_mnist1d(as_sequences=False)[0]
    assert rows.shape == (4000, 40) and np.array_equal(rows, X[:, 0, :])
    X[...] = 0.0  # a caller's copy: the next caller still gets the data
    assert np.abs(datasets.load_mnist1d()[0]).sum() > 0
    bundle = datasets.load("mnist1d")
    assert bundle.X.shape == (5000, 40) and bundle.n_train == 4000


def test_it_is_the_published_split_of_the_mnist1d_package():
    mnist1d = pytest.importorskip("mnist1d.data")  # in the test extras; never its get_dataset, which downloads
    state = np.random.get_state(), random.getstate()
    try:
        expected = mnist1d.make_dataset(mnist1d.get_dataset_args())
    finally:  # the package reseeds both global generators
        np.random.set_state(state[0])
        random.setstate(state[1])
    X, y, X_test, y_test = datasets.load_mnist1d(as_sequences=False)
    np.testing.assert_allclose(X, expected["x"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(X_test, expected["x_test"], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(y, expected["y"])
    np.testing.assert_array_equal(y_test, expected["y_test"])
