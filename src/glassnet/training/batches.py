"""Mini-batches: which rows each step sees, and gathering them into one reused buffer."""

from __future__ import annotations

import numpy as np

from ..nn.backend import NUMPY, asarray, device, namespace
from ..nn.sparse import is_sparse


def batch_indices(n_samples: int, batch_size: int | None, rng=None, shuffle=True):
    """Index arrays covering ``range(n_samples)`` once, in ``ceil(n / batch_size)`` batches.

    ``batch_size=None`` gives one full batch in the original order.
    """
    if batch_size is None or batch_size >= n_samples:
        order = rng.permutation(n_samples) if (shuffle and rng is not None and batch_size is not None) else None
        yield order if order is not None else slice(None)
        return
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    for start in range(0, n_samples, batch_size):
        yield order[start : start + batch_size]


class BatchGatherer:
    """Copies the rows ``X[idx]`` of each batch into one buffer allocated once per batch shape.

    ``X[idx]`` allocates a new array per batch; ``X.take(idx, axis=0, out=)`` reuses one (mode "clip":
    with the default "raise", NumPy buffers ``out`` and copies twice). ``idx`` must hold indices in
    ``[0, len(X))``, as :func:`batch_indices` gives (negative indices would be clipped to 0, not
    wrapped). A ``slice`` returns ``X[idx]``, a view, never a copy.

    The returned array is the buffer itself: the next call overwrites it. A sparse (CSR) ``X`` gives
    ``X[idx]``, a small CSR matrix of the batch's rows: its non-zeros are all a batch costs. On
    libraries other than NumPy, the standard has no gather into a buffer, and each batch is a new array.
    """

    def __init__(self, X):
        self.X = X
        self.xp = namespace(X)
        self._device = device(X)
        self._buffer = None

    def place(self, idx):
        """Host indices (from :func:`batch_indices`) as indices where ``X`` lives."""
        if isinstance(idx, slice) or self.xp is NUMPY:
            return idx
        return asarray(idx, self.xp, self._device)

    def rows(self, A, idx):
        """``A[idx]`` for placed indices (targets, weights): a view for a slice, a new array otherwise."""
        if self.xp is NUMPY:
            return A[idx]
        return A[idx, ...] if isinstance(idx, slice) else self.xp.take(A, idx, axis=0)

    def __call__(self, idx):
        if is_sparse(self.X):
            return self.X[idx]
        if isinstance(idx, slice):
            return self.X[idx, ...]
        if self.xp is not NUMPY:
            return self.xp.take_rows(self.X, idx)
        n = idx.shape[0]
        if self._buffer is None or self._buffer.shape[0] < n:
            self._buffer = np.empty((n,) + self.X.shape[1:], dtype=self.X.dtype)
        return NUMPY.take_rows(self.X, idx, out=self._buffer[:n])
