"""Losses with one signature: ``forward(outputs, targets, sample_weight=None) -> float`` and
``backward() -> dL/doutputs`` (same shape as ``outputs``).

``reduction="mean"`` (default) averages the per-sample losses, weighted by ``sample_weight`` when given
(``sum_i w_i l_i / sum_i w_i``); ``reduction="sum"`` adds them up (``sum_i w_i l_i``), as the tutorials do.

The classification losses are *fused* with their output function and take logits: softmax followed by
cross-entropy, and the logistic function followed by binary cross-entropy, both have the gradient
``Y - T`` with respect to the logits. Computing it that way is cheaper and stays finite where
``log(softmax(z))`` computed in two steps would give ``log(0) = -inf``.
"""

from __future__ import annotations

import numpy as np

from . import functional as F
from .backend import is_foreign, like, namespace, to_numpy
from .checks import check_real, from_name

REDUCTIONS = ("mean", "sum")


class Loss:
    """Base class. Subclasses implement ``_per_sample`` and ``_grad``; reduction and weights live here.

    Attributes
    ----------
    output : str
        The output function a network pairs with this loss for predictions
        (``"softmax"``, ``"sigmoid"`` or ``"identity"``).
    """

    output = "identity"

    def __init__(self, reduction="mean"):
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}.")
        self.reduction = reduction

    def forward(self, outputs, targets, sample_weight=None, *, validate=True) -> float:
        """outputs : (n_samples, n_outputs); targets : see the subclass; returns the reduced loss.

        ``validate=False`` skips the checks of ``outputs``, ``targets`` and ``sample_weight``: the
        training loop checks the whole data set once (:meth:`prepare_targets`) and then passes batches
        of the prepared targets, and float64 weights, straight through.
        """
        if validate:
            outputs = outputs if is_foreign(outputs) else np.asarray(outputs)
            if outputs.ndim != 2 or outputs.shape[0] == 0:
                raise ValueError(f"outputs must be a non-empty 2-D array, got shape {outputs.shape}.")
            # checked on the host, then placed beside the outputs
            host = np.broadcast_to(np.zeros((), dtype=_host_dtype(outputs)), outputs.shape)
            targets = like(self._check_targets(host, to_numpy(targets)), outputs)
            sample_weight = self.check_sample_weight(to_numpy(sample_weight), outputs.shape[0])
            if sample_weight is not None:
                sample_weight = like(sample_weight, outputs)
        xp = namespace(outputs)
        n = outputs.shape[0]
        if sample_weight is None:
            weights, total = None, float(n)
        else:
            weights = sample_weight
            total = float(xp.sum(weights))
            if total <= 0:
                raise ValueError("sample_weight must not be all zero.")
        losses = self._per_sample(outputs, targets)  # (n,)
        if weights is not None:
            losses = losses * weights
        self._cache = (outputs, targets, weights, total if self.reduction == "mean" else 1.0)
        value = float(xp.sum(losses, dtype=xp.float64))
        return value / total if self.reduction == "mean" else value

    @staticmethod
    def check_sample_weight(sample_weight, n):
        """``sample_weight`` as a float64 array of shape (n,), finite and non-negative (or None)."""
        if sample_weight is None:
            return None
        weights = np.asarray(sample_weight, dtype=np.float64)
        if weights.shape != (n,):
            raise ValueError(f"sample_weight must have shape ({n},), got {weights.shape}.")
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise ValueError("sample_weight must be finite and non-negative.")
        if float(weights.sum()) <= 0:
            raise ValueError("sample_weight must not be all zero.")
        return weights

    def prepare_targets(self, targets, n_outputs, dtype=np.float64):
        """Check a whole set of targets once, for outputs of width ``n_outputs`` and ``dtype``.

        Returns them in the form ``forward(..., validate=False)`` takes (rows can then be indexed into
        batches); raises what ``forward`` would raise on bad targets.
        """
        targets = np.asarray(targets)
        n = targets.shape[0] if targets.ndim else 0
        if n == 0:
            raise ValueError(f"targets must be a non-empty array, got shape {targets.shape}.")
        # A zero-strided stand-in: the checks read only the shape and dtype of the outputs.
        outputs = np.broadcast_to(np.zeros((), dtype=dtype), (n, n_outputs))
        return self._check_targets(outputs, targets)

    def backward(self) -> np.ndarray:
        """dL/doutputs for the last ``forward``: (n_samples, n_outputs), the dtype of the outputs."""
        outputs, targets, weights, divisor = self._cache
        grad = self._grad(outputs, targets)
        if weights is not None:
            grad *= namespace(grad).astype(weights[:, None], grad.dtype)
        if divisor != 1.0:
            grad *= 1.0 / divisor
        return grad

    def _check_targets(self, outputs, targets):
        targets = np.asarray(targets)
        if targets.ndim == 1:
            targets = targets.reshape(-1, 1)
        if targets.shape != outputs.shape:
            raise ValueError(f"targets of shape {targets.shape} do not match outputs of shape {outputs.shape}.")
        return targets.astype(outputs.dtype, copy=False)

    def __repr__(self):
        return f"{type(self).__name__}(reduction={self.reduction!r})"


def _host_dtype(outputs):
    return np.float32 if outputs.dtype == namespace(outputs).float32 else np.float64


class SoftmaxCrossEntropy(Loss):
    """Softmax followed by cross-entropy, on logits ``Z``::

        Y = softmax(Z),   l_i = -sum_k T_ik log Y_ik = -sum_k T_ik (Z_ik - logsumexp(Z_i)),   dL/dZ = Y - T

    ``targets`` are class indices of shape (n_samples,) or one-hot/probability rows of shape
    (n_samples, n_classes). The per-sample losses are computed in the logits' dtype (for float32
    logits they agree with a float64 computation to about 1e-7 relative) and summed in float64.
    """

    output = "softmax"

    def _check_targets(self, outputs, targets):
        targets = np.asarray(targets)
        n, n_classes = outputs.shape
        if n_classes < 2:
            raise ValueError(
                f"softmax cross-entropy needs at least two output columns, one per class; got {n_classes}. "
                "A classifier needs at least two classes; for one yes/no output use BinaryCrossEntropy."
            )
        if targets.ndim == 1:
            if targets.shape[0] != n:
                raise ValueError(f"targets has {targets.shape[0]} labels but outputs has {n} rows.")
            if targets.dtype.kind not in "iub":
                if targets.dtype.kind == "f" and np.all(np.mod(targets, 1) == 0):
                    targets = targets.astype(np.int64)
                else:
                    raise ValueError(f"class-index targets must be integers, got dtype {targets.dtype}.")
            if targets.size and (targets.min() < 0 or targets.max() >= n_classes):
                raise ValueError(
                    f"class index out of range: labels must lie in [0, {n_classes - 1}], "
                    f"got min {targets.min()} and max {targets.max()}."
                )
            return targets.astype(np.intp, copy=False)
        if targets.shape != outputs.shape:
            raise ValueError(
                f"one-hot targets of shape {targets.shape} do not match outputs of shape {outputs.shape}."
            )
        return targets.astype(outputs.dtype, copy=False)

    # forward keeps exp(Z - max) and its row sums; backward normalises them in place into the softmax,
    # so one batch costs one exp pass (the straightforward form, log_softmax then softmax, costs two).
    _softmax_cache = None

    def _per_sample(self, Z, T):
        xp = namespace(Z)
        shifted = Z - xp.max(Z, axis=1, keepdims=True)
        if T.ndim == 1:
            picked = xp.pick(shifted, T)  # Z_it - max_i, before shifted becomes exp(shifted)
            E = xp.exp(shifted, out=shifted)
            sums = xp.sum(E, axis=1)
            losses = xp.log(sums)  # l_i = logsumexp(Z_i) - Z_it = log(sum_k exp(Z_ik - max_i)) - (Z_it - max_i)
            losses -= picked
        else:
            E = xp.exp(shifted)
            sums = xp.sum(E, axis=1)
            shifted -= xp.log(sums)[:, None]  # log softmax
            losses = -xp.sum(T * shifted, axis=1)
        self._softmax_cache = (Z, E, sums)
        return losses

    def _grad(self, Z, T):
        cache, self._softmax_cache = self._softmax_cache, None
        if cache is not None and cache[0] is Z:
            _, Y, sums = cache
            Y /= sums[:, None]
        else:
            Y = F.softmax(Z)
        if T.ndim == 1:
            namespace(Y).subtract_at(Y, T, 1.0)  # Y_it -= 1: Y - T with T one-hot
        else:
            Y -= T
        return Y


class BinaryCrossEntropy(Loss):
    """The logistic function followed by binary cross-entropy, on logits ``Z`` (one column per label)::

        Y = sigmoid(Z),   l_i = -sum_k [T log Y + (1 - T) log(1 - Y)]
                              = sum_k [max(Z, 0) - Z T + log(1 + exp(-|Z|))],   dL/dZ = Y - T

    ``targets`` are 0/1 (or probabilities) of shape (n_samples,) or (n_samples, n_labels).
    """

    output = "sigmoid"

    def _check_targets(self, outputs, targets):
        targets = super()._check_targets(outputs, targets)
        if ((targets < 0) | (targets > 1)).any():  # on the host (see Loss.forward)
            raise ValueError("binary cross-entropy targets must lie in [0, 1].")
        return targets

    def _per_sample(self, Z, T):
        xp = namespace(Z)
        Z = xp.astype(Z, xp.float64, copy=False)
        return xp.sum(xp.maximum(Z, 0.0) - Z * T + xp.log1p(xp.exp(-xp.abs(Z))), axis=1)

    def _grad(self, Z, T):
        Y = F.sigmoid(Z)
        Y -= T
        return Y


class MeanSquaredError(Loss):
    """Squared error averaged over the outputs::

        l_i = (1/k) sum_k (Y_ik - T_ik)^2,   dl_i/dY_i = (2/k) (Y_i - T_i)
    """

    def _per_sample(self, Y, T):
        xp = namespace(Y)
        diff = xp.astype(Y, xp.float64, copy=False) - T
        return xp.mean(diff * diff, axis=1)

    def _grad(self, Y, T):
        grad = Y - T
        grad *= 2.0 / Y.shape[1]
        return grad


class HalfSquaredError(Loss):
    """Half the squared error, averaged over the outputs (scikit-learn's ``squared_error``)::

        l_i = 1/(2k) sum_k (Y_ik - T_ik)^2,   dl_i/dY_i = (Y_i - T_i) / k

    With one output its gradient is the plain residual ``Y - T``, which is what scikit-learn's MLP
    back-propagates, so learning rates carry over unchanged.
    """

    def _per_sample(self, Y, T):
        xp = namespace(Y)
        diff = xp.astype(Y, xp.float64, copy=False) - T
        return 0.5 * xp.mean(diff * diff, axis=1)

    def _grad(self, Y, T):
        grad = Y - T
        grad *= 1.0 / Y.shape[1]
        return grad


class AbsoluteError(Loss):
    """Absolute error averaged over the outputs::

        l_i = (1/k) sum_k |Y_ik - T_ik|,   dl_i/dY_ik = sign(Y_ik - T_ik) / k

    (the subgradient 0 is used where ``Y == T``).
    """

    def _per_sample(self, Y, T):
        xp = namespace(Y)
        return xp.mean(xp.abs(xp.astype(Y, xp.float64, copy=False) - T), axis=1)

    def _grad(self, Y, T):
        grad = namespace(Y).sign(Y - T)
        grad *= 1.0 / Y.shape[1]
        return grad


class Huber(Loss):
    """Huber loss averaged over the outputs, quadratic within ``delta`` of the target, linear beyond::

        r = Y - T
        h(r) = r^2 / 2                      if |r| <= delta
             = delta (|r| - delta / 2)      otherwise
        l_i = (1/k) sum_k h(r_ik),   dl_i/dY_ik = clip(r_ik, -delta, delta) / k

    Parameters
    ----------
    delta : float > 0, default=1.0
    reduction : {"mean", "sum"}
    """

    def __init__(self, delta=1.0, reduction="mean"):
        super().__init__(reduction)
        self.delta = check_real(delta, "delta", low=0.0, low_inclusive=False)

    def _per_sample(self, Y, T):
        xp = namespace(Y)
        r = xp.abs(xp.astype(Y, xp.float64, copy=False) - T)
        h = xp.where(r <= self.delta, 0.5 * r * r, self.delta * (r - 0.5 * self.delta))
        return xp.mean(h, axis=1)

    def _grad(self, Y, T):
        grad = namespace(Y).clip(Y - T, -self.delta, self.delta)
        grad *= 1.0 / Y.shape[1]
        return grad

    def __repr__(self):
        return f"Huber(delta={self.delta!r}, reduction={self.reduction!r})"


class PoissonDeviance(Loss):
    """Half the Poisson deviance on a log link (scikit-learn's ``poisson``), on ``Z = log(mu)``::

        mu = exp(Z),   l_i = sum_k [T log(T / mu) - T + mu] = sum_k [xlogy(T, T) - T Z - T + exp(Z)]
        dl_i/dZ = exp(Z) - T

    Targets must be non-negative; predictions are ``exp(Z)`` (``output = "exp"``).
    """

    output = "exp"

    def _check_targets(self, outputs, targets):
        targets = super()._check_targets(outputs, targets)
        if (targets < 0).any():  # on the host (see Loss.forward)
            raise ValueError("Poisson targets must be non-negative.")
        return targets

    def _per_sample(self, Z, T):
        xp = namespace(Z)
        Z = xp.astype(Z, xp.float64, copy=False)
        T = xp.astype(T, xp.float64, copy=False)
        TlogT = xp.where(T > 0, T * xp.log(xp.where(T > 0, T, 1.0)), 0.0)
        return xp.sum(TlogT - T * Z - T + xp.exp(Z), axis=1)

    def _grad(self, Z, T):
        grad = namespace(Z).exp(Z)
        grad -= T
        return grad


LOSSES = {
    "softmax_cross_entropy": SoftmaxCrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
    "mean_squared_error": MeanSquaredError,
    "half_squared_error": HalfSquaredError,
    "absolute_error": AbsoluteError,
    "huber": Huber,
    "poisson": PoissonDeviance,
}


def get(loss, **kwargs) -> Loss:
    """A loss from a name in ``LOSSES`` (built with ``kwargs``) or an instance."""
    return from_name("loss", LOSSES, loss, Loss, **kwargs)
