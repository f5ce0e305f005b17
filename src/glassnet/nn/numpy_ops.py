"""NumPy as a namespace of the backend (:mod:`glassnet.nn.backend`): NumPy's own functions with
their ``out=``, and the backend's extras written for NumPy's speed on small blocks.

A training step on a small network is tens of NumPy calls on blocks of a few hundred numbers, where
the time around a call counts as much as the maths in it. Each extra here says what it avoids; the
portable versions in :mod:`glassnet.nn.backend`, written with the standard only, are the reference
that ``tests/test_numpy_ops.py`` holds these to.
"""

from __future__ import annotations

import numpy as np


class NumPyNamespace:
    """NumPy as a namespace: its own functions, with ``out=``, plus the extras below."""

    __name__ = "numpy"
    name = "numpy"
    float32, float64 = np.float32, np.float64
    # The hot names, looked up as class attributes (no __getattr__ call on the training path).
    for _name in ("multiply", "subtract", "add", "divide", "maximum", "negative", "square", "exp", "log",
                  "tanh", "sqrt", "abs", "dot", "matmul", "where", "astype", "asarray", "reshape", "zeros",
                  "empty", "zeros_like", "empty_like"):
        vars()[_name] = staticmethod(getattr(np, _name))
    del _name

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def sum(x, axis=None, dtype=None, keepdims=False):
        return np.add.reduce(x, axis, dtype, None, keepdims)

    @staticmethod
    def max(x, axis=None, keepdims=False):
        return np.maximum.reduce(x, axis, None, None, keepdims)

    @staticmethod
    def expit(z, out=None):
        """``1 / (1 + exp(-z))`` in four vectorised calls, two to three times faster than SciPy's
        ``expit`` (a loop of one scalar ``exp`` per element) on anything but the smallest blocks.

        Full relative precision wherever the result is a normal float: ``exp(-z)`` overflows only
        below z = -88 (float32) or -709 (float64), where the logistic is under the smallest normal
        number, and the result is 0 there.
        """
        out = np.negative(z, out=out)
        with np.errstate(over="ignore"):
            np.exp(out, out=out)
        out += 1.0
        return np.reciprocal(out, out=out)

    @staticmethod
    def positive_part(X, out=None):
        """``max(X, 0)``, against a block of zeros: NumPy's vectorised maximum wants both operands laid
        out alike, and takes two to four times longer against the scalar 0 (which ReLU would pass).
        The zeros grow to the largest block seen, up to ``2**20`` elements; larger ``X`` takes the scalar."""
        if X.size > 1 << 20 or not X.flags.c_contiguous:
            return np.maximum(X, 0.0, out=out)
        zeros = _ZEROS.get(X.dtype)
        if zeros is None or zeros.size < X.size:
            zeros = _ZEROS[X.dtype] = np.zeros(X.size, dtype=X.dtype)
        return np.maximum(X, zeros[: X.size].reshape(X.shape), out=out)

    @staticmethod
    def column_sums(A, out):
        """``out[...] = A.sum(axis=0)``.

        Small blocks go through ``ones @ A``, a BLAS matrix-vector product two to three times faster
        than NumPy's column reduction there; large ones through the reduction, because OpenBLAS would
        run the product on several threads, and a threaded call costs a wake-up that dwarfs the sum.
        """
        if A.size > 8192 or A.dtype != out.dtype or A.ndim != 2:
            np.add.reduce(A, axis=0, out=out)
            return out
        ones = _ONES.get(A.dtype)
        if ones is None or ones.shape[0] < A.shape[0]:
            ones = _ONES[A.dtype] = np.ones(max(A.shape[0], 256), dtype=A.dtype)
        return np.dot(ones[: A.shape[0]], A, out=out)

    @staticmethod
    def take_rows(X, idx, out=None):
        """``X[idx]`` written into ``out`` (NumPy's ``take`` with mode "clip": "raise" buffers ``out``
        and copies twice). ``idx`` holds indices in ``[0, len(X))``."""
        if out is None:
            return X.take(idx, axis=0)
        return X.take(idx, axis=0, out=out, mode="clip")

    @staticmethod
    def pick(A, T):
        """``A[i, T_i]`` for each row ``i``: one take on the flattened array (cheaper than two-array
        fancy indexing, which gathers and scatters twice)."""
        return A.reshape(-1).take(_flat_positions(A, T))

    @staticmethod
    def subtract_at(A, T, value):
        """``A[i, T_i] -= value`` for each row ``i``, in place."""
        A.reshape(-1)[_flat_positions(A, T)] -= value
        return A

    @staticmethod
    def pad(X, widths, value=0.0):
        """``X`` (N, C, *spatial) with ``widths[i]`` entries of ``value`` on both sides of spatial axis ``i``."""
        return np.pad(X, [(0, 0), (0, 0), *[(p, p) for p in widths]], constant_values=value)

    @staticmethod
    def windows(X, kernel, stride):
        """A read-only strided view ``(N, C, *out, *kernel)``, ``V[n, c, l, j] = X[n, c, s l + j]`` (no copy)."""
        view = np.lib.stride_tricks.sliding_window_view(X, kernel, axis=tuple(range(2, X.ndim)))
        return view[(slice(None), slice(None), *[slice(None, None, s) for s in stride])]

    contiguous = staticmethod(np.ascontiguousarray)


_ONES: dict = {}
_ZEROS: dict = {}
_ROW_STARTS: list = [0, 0, None]  # (rows, width, i * width for each row): one batch shape repeats
_LAST_POSITIONS: list = [None, 0, None]  # (T, width, positions): a loss picks, then subtracts, at the same places


def _flat_positions(A, T):
    """Positions of ``A[i, T_i]`` in the flattened ``A``; the row starts of the last shape are kept
    between calls, and the positions of the last ``T`` (held here, so its identity cannot be reused) too."""
    last, width = _LAST_POSITIONS, A.shape[1]
    if last[0] is T and last[1] == width:
        return last[2]
    n = T.shape[0]
    if _ROW_STARTS[0] != n or _ROW_STARTS[1] != width:
        _ROW_STARTS[:] = n, width, np.arange(n) * width
    flat = _ROW_STARTS[2] + T
    last[:] = T, width, flat
    return flat


NUMPY = NumPyNamespace()
