"""Out-of-core training: feed ``partial_fit`` one block of rows at a time.

``X`` may be a NumPy array or memmap (a block is a slice, read from disk only when it is used) or a
Dask array (a block is one of its row chunks, computed only when it is used). Either way no more than
one block of data is in memory at once, besides the network's own batch buffers. A SciPy sparse
matrix gives sparse blocks (CSR row slices), which ``partial_fit`` takes as they are.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier as sklearn_is_classifier

from ..nn.checks import check_positive_int


def iter_blocks(X, y=None, block_size=None):
    """Yield ``(X_block, y_block)`` NumPy arrays covering the rows of ``X`` in order.

    Parameters
    ----------
    X : ndarray, numpy.memmap, SciPy sparse matrix or dask.array.Array of shape (n_samples, n_features)
    y : array-like or dask array of shape (n_samples,) or (n_samples, n_outputs), or None
    block_size : int or None
        Rows per block. ``None`` uses a Dask array's own row chunks, or 10,000 rows for NumPy input.
    """
    if block_size is not None:
        block_size = check_positive_int(block_size, "block_size")
    if _is_dask(X):
        if block_size is not None:
            X = X.rechunk({0: block_size, 1: -1})
            y = y.rechunk({0: block_size}) if _is_dask(y) else y
        else:
            X = X.rechunk({1: -1})
        start = 0
        for i, rows in enumerate(X.chunks[0]):
            Xb = np.asarray(X.blocks[i, 0].compute())
            yb = None if y is None else _rows(y, start, start + rows)
            start += rows
            yield Xb, yb
        return
    if sp.issparse(X):
        X = X.tocsr()  # row slices: cheap for CSR, not for CSC
    n = X.shape[0]
    step = block_size or 10_000
    for start in range(0, n, step):
        Xb = X[start : start + step] if sp.issparse(X) else np.asarray(X[start : start + step])
        yield Xb, (None if y is None else _rows(y, start, start + step))


def _rows(y, start, stop):
    block = y[start:stop]
    return np.asarray(block.compute() if _is_dask(block) else block)


def _is_dask(a):
    return type(a).__module__.startswith("dask.")


def partial_fit_blocks(estimator, X, y, *, block_size=None, epochs=1, classes=None, sample_weight=None):
    """Train ``estimator`` with ``partial_fit`` over the blocks of ``X`` (see :func:`iter_blocks`).

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor (any estimator with ``partial_fit``)
    X, y : arrays, memmaps or Dask arrays with the same number of rows
    block_size : int or None
    epochs : int, default=1
        Passes over all blocks.
    classes : array-like or None
        All class labels; required by a classifier's first ``partial_fit`` call. When ``None`` for a
        classifier that has not been fitted, they are gathered in a first pass over ``y``.
    sample_weight : array-like of shape (n_samples,) or None

    Returns
    -------
    estimator
    """
    epochs = check_positive_int(epochs, "epochs")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y have different numbers of rows: {X.shape[0]} and {y.shape[0]}.")
    is_classifier = sklearn_is_classifier(estimator)
    # a label-indicator matrix (multi-label) needs no classes; labels are small, so gathering them
    # reads only y
    if is_classifier and classes is None and not hasattr(estimator, "classes_") and getattr(y, "ndim", 1) == 1:
        classes = np.unique(np.asarray(y.compute() if _is_dask(y) else y))
    start = 0
    for _ in range(epochs):
        start = 0
        for Xb, yb in iter_blocks(X, y, block_size):
            kwargs = {}
            if sample_weight is not None:
                kwargs["sample_weight"] = np.asarray(sample_weight[start : start + Xb.shape[0]])
            if is_classifier and classes is not None:
                kwargs["classes"] = classes
            estimator.partial_fit(Xb, yb, **kwargs)
            start += Xb.shape[0]
    return estimator
