"""Sparse inputs: SciPy CSR/CSC matrices (and arrays) as ``X``, never densified as a whole.

:func:`glassnet.nn.checks.check_X` validates them (shape, stored values) and returns CSR.

Only the first layer sees ``X``, and only a layer that declares ``accepts_sparse`` (``Dense``) may be
first: its two products with ``X`` (forward ``X @ W``, backward ``X^T dY``) are sparse-times-dense
products that give dense results. Everything after the first layer is dense, one batch at a time, so
training holds the non-zeros plus one dense batch.

CSC input is converted to CSR once (a copy of the non-zeros): mini-batches are row slices, which CSR
gives cheaply and CSC does not.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def is_sparse(X) -> bool:
    """Whether ``X`` is a SciPy sparse matrix or array. A NumPy array is answered by its type alone:
    SciPy's ``issparse`` is an abstract-class check, which every layer pass would pay for."""
    return type(X) is not np.ndarray and sp.issparse(X)


def sparse_times_dense(X, W, out_dtype):
    """``X @ W`` for sparse ``X``: a dense array of ``out_dtype``."""
    return np.asarray(X @ W, dtype=out_dtype)


def sparse_t_times_dense(X, dY, out):
    """``out[...] = X^T @ dY`` for sparse ``X`` (CSR: its transpose is CSC, no copy)."""
    out[...] = X.T @ dY
