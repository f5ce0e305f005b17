"""Batch normalisation (Ioffe & Szegedy, 2015)."""

from __future__ import annotations

import math

import numpy as np

from ..backend import namespace
from ..checks import as_float_dtype, check_positive_int, check_real
from .base import Layer


class BatchNorm(Layer):
    """Normalises each feature (of ``(N, F)`` input) or channel (of ``(N, C, ...)`` input) over the batch
    and its positions, then scales and shifts it.

    Training (``training=True``), with the mean and (biased) variance over the ``m`` values of a
    feature, ``mu`` and ``var``, and ``sigma = sqrt(var + eps)``::

        xhat = (X - mu) / sigma,   Y = gamma xhat + beta
        dL/dgamma = sum dY xhat,   dL/dbeta = sum dY
        dL/dX = gamma / sigma * (dY - mean(dY) - xhat mean(dY xhat))

    (sums and means over the batch and positions, per feature), and the running statistics move
    towards the batch's, as PyTorch defines them (the variance unbiased, ``var * m / (m - 1)``)::

        running_mean <- (1 - momentum) running_mean + momentum mu
        running_var  <- (1 - momentum) running_var  + momentum var m / (m - 1)

    Evaluation (``training=False``) uses the running statistics, a fixed affine map::

        Y = gamma (X - running_mean) / sqrt(running_var + eps) + beta,   dL/dX = dY gamma / sqrt(running_var + eps)

    The running statistics are buffers, not parameters: no optimizer moves them, and model files and
    checkpoints keep them.

    A bias just before BatchNorm (``Dense`` or ``Conv`` with ``bias=True``) is subtracted again with
    the mean: its exact gradient is zero, and an optimizer that rescales steps (Adam) turns round-off
    into full-size steps. Give that layer ``bias=False``.

    Parameters
    ----------
    n_features : int
        ``F`` of ``(N, F)`` input, or ``C`` of ``(N, C, ...)`` input.
    momentum : float in (0, 1], default=0.1
    eps : float > 0, default=1e-5
    dtype : {"float64", "float32"}
    """

    fresh_output = True
    fresh_input_grad = True

    def __init__(self, n_features, momentum=0.1, eps=1e-5, dtype="float64"):
        super().__init__()
        self.n_features = check_positive_int(n_features, "n_features")
        self.momentum = check_real(momentum, "momentum", low=0.0, high=1.0, low_inclusive=False)
        self.eps = check_real(eps, "eps", low=0.0, low_inclusive=False)
        dtype = as_float_dtype(dtype)
        self.params = {"gamma": np.ones(self.n_features, dtype=dtype), "beta": np.zeros(self.n_features, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.buffers = {"running_mean": np.zeros(self.n_features, dtype=dtype),
                        "running_var": np.ones(self.n_features, dtype=dtype)}

    @classmethod
    def param_count(cls, config):
        n = config.get("n_features")
        return 2 * n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 0

    def reset_parameters(self, rng) -> None:
        self.params["gamma"][...] = 1.0
        self.params["beta"][...] = 0.0
        self.buffers["running_mean"][...] = 0.0
        self.buffers["running_var"][...] = 1.0

    def _check(self, X):
        if X.ndim < 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"BatchNorm({self.n_features}) expects (N, {self.n_features}) or (N, {self.n_features}, ...) "
                f"input, got shape {X.shape}."
            )

    def _per_feature(self, v, ndim):
        """A per-feature vector shaped to broadcast over ``(N, F, ...)``."""
        return namespace(v).reshape(v, (self.n_features, *(1,) * (ndim - 2)))

    def forward(self, X, training=False):
        self._check(X)
        xp, axes = namespace(X), (0, *range(2, X.ndim))
        gamma = self._per_feature(self.params["gamma"], X.ndim)
        beta = self._per_feature(self.params["beta"], X.ndim)
        self._training, self._gamma = training, gamma
        if not training:
            self._inv_sigma = 1.0 / xp.sqrt(self._per_feature(self.buffers["running_var"], X.ndim) + self.eps)
            self._xhat = (X - self._per_feature(self.buffers["running_mean"], X.ndim)) * self._inv_sigma
            return self._xhat * gamma + beta
        m = math.prod(X.shape) // self.n_features
        if m < 2:
            raise ValueError(
                "BatchNorm in training needs more than one value per feature to take a variance; got a "
                f"batch of shape {X.shape}. Use batches of at least two samples."
            )
        mu = xp.mean(X, axis=axes, keepdims=True)
        centred = X - mu
        var = xp.mean(centred * centred, axis=axes, keepdims=True)
        self._inv_sigma = 1.0 / xp.sqrt(var + self.eps)
        self._xhat = centred * self._inv_sigma
        running_mean, running_var = self.buffers["running_mean"], self.buffers["running_var"]
        running_mean *= 1.0 - self.momentum
        running_mean += self.momentum * xp.reshape(mu, (-1,))
        running_var *= 1.0 - self.momentum
        running_var += (self.momentum * m / (m - 1)) * xp.reshape(var, (-1,))
        return self._xhat * gamma + beta

    def backward(self, dY):
        xp, axes = namespace(dY), (0, *range(2, dY.ndim))
        xhat = self._xhat
        self.grads["gamma"][...] = xp.sum(dY * xhat, axis=axes)
        self.grads["beta"][...] = xp.sum(dY, axis=axes)
        if not self.input_grad:
            return None
        if not self._training:
            return dY * (self._gamma * self._inv_sigma)
        mean_dY = xp.mean(dY, axis=axes, keepdims=True)
        mean_dY_xhat = xp.mean(dY * xhat, axis=axes, keepdims=True)
        return (self._gamma * self._inv_sigma) * (dY - mean_dY - xhat * mean_dY_xhat)

    def output_shape(self, input_shape):
        if input_shape is not None and (len(input_shape) < 1 or input_shape[0] != self.n_features):
            raise ValueError(f"BatchNorm({self.n_features}) expects samples of shape ({self.n_features},) or "
                             f"({self.n_features}, ...), but the layer before it gives {tuple(input_shape)}.")
        return input_shape

    def get_config(self):
        return {"n_features": self.n_features, "momentum": self.momentum, "eps": self.eps}
