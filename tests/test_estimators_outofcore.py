"""Out-of-core training: partial_fit over the blocks of a NumPy memmap or a Dask array."""

import numpy as np
import pytest

from glassnet import MLPClassifier, MLPRegressor
from glassnet.estimators import iter_blocks, partial_fit_blocks

N, D = 6000, 12  # 6000 rows: 30 times the default batch of 200, 4 blocks of 1500


@pytest.fixture(scope="module")
def memmapped(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("ooc") / "X.dat"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(N, D))
    X[:] = rng.normal(size=(N, D)).astype(np.float32)
    X.flush()
    X = np.load(path, mmap_mode="r")
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)
    return X, y


def manual(est, X, y, block, epochs, **kw):
    for _ in range(epochs):
        for start in range(0, len(X), block):
            est.partial_fit(np.array(X[start : start + block]), y[start : start + block], **kw)
    return est


def test_memmap_blocks_equal_manual_partial_fit(memmapped):
    X, y = memmapped
    assert isinstance(X, np.memmap)
    kw = dict(hidden_layer_sizes=(16,), random_state=0, learning_rate_init=0.01)
    streamed = partial_fit_blocks(MLPClassifier(**kw), X, y, block_size=1500, epochs=2)
    by_hand = manual(MLPClassifier(**kw), X, y, 1500, 2, classes=[0, 1])
    for a, b in zip(streamed.coefs_, by_hand.coefs_):
        np.testing.assert_array_equal(a, b)
    assert streamed.coefs_[0].dtype == np.float32  # the memmap's dtype is kept
    assert streamed.t_ == 2 * N and streamed.score(X, y) > 0.95


def test_dask_array_blocks_equal_memmap_blocks(memmapped):
    da = pytest.importorskip("dask.array")
    X, y = memmapped
    kw = dict(hidden_layer_sizes=(8,), random_state=0)
    dX, dy = da.from_array(X, chunks=(1500, D)), da.from_array(y, chunks=1500)
    assert [len(b) for b, _ in iter_blocks(dX, dy)] == [1500] * 4
    from_dask = partial_fit_blocks(MLPRegressor(**kw), dX, dy.astype(np.float64))
    from_memmap = partial_fit_blocks(MLPRegressor(**kw), X, y.astype(np.float64), block_size=1500)
    for a, b in zip(from_dask.coefs_, from_memmap.coefs_):
        np.testing.assert_array_equal(a, b)
    rechunked = partial_fit_blocks(MLPClassifier(**kw), dX, dy, block_size=2000)
    np.testing.assert_array_equal(rechunked.classes_, [0, 1])
    assert rechunked.t_ == N


def test_iter_blocks_covers_rows_in_order(memmapped):
    X, y = memmapped
    blocks = list(iter_blocks(X, y, block_size=2500))
    assert [len(b) for b, _ in blocks] == [2500, 2500, 1000]
    np.testing.assert_array_equal(np.concatenate([b for b, _ in blocks]), X)
    np.testing.assert_array_equal(np.concatenate([t for _, t in blocks]), y)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "64"])
def test_bad_block_size(memmapped, bad):
    X, y = memmapped
    with pytest.raises((ValueError, TypeError), match="block_size"):
        partial_fit_blocks(MLPClassifier(), X, y, block_size=bad)


def test_mismatched_rows(memmapped):
    X, y = memmapped
    with pytest.raises(ValueError, match="different numbers of rows"):
        partial_fit_blocks(MLPClassifier(), X, y[:10])
