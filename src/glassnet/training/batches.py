"""Mini-batches: which rows each step sees, and gathering them into one reused buffer."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


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
    ``X[idx]``, a small CSR matrix of the batch's rows: its non-zeros are all a batch costs.
    """

    def __init__(self, X):
        self.X = X
        self._buffer = None

    def __call__(self, idx):
        if isinstance(idx, slice) or sp.issparse(self.X):
            return self.X[idx]
        n = idx.shape[0]
        if self._buffer is None or self._buffer.shape[0] < n:
            self._buffer = np.empty((n,) + self.X.shape[1:], dtype=self.X.dtype)
        out = self._buffer[:n]
        self.X.take(idx, axis=0, out=out, mode="clip")
        return out
