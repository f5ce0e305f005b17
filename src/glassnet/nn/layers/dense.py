"""Affine layers: ``Dense`` (``X @ W + b``) and ``Bias`` (``X + b``)."""

from __future__ import annotations

import numpy as np

from .. import initializers
from ..backend import like, namespace
from ..checks import as_float_dtype, check_positive_int
from ..sparse import is_sparse, sparse_t_times_dense, sparse_times_dense
from .base import Layer


class Dense(Layer):
    """Affine map ``Y = X @ W + b``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths; ``W`` has shape ``(n_in, n_out)`` and ``b`` shape ``(n_out,)``.
    init : str or callable, default="glorot_uniform"
        Initialiser for ``W`` (see :mod:`glassnet.nn.initializers`).
    bias_init : str or callable, default="zeros"
        Initialiser for ``b``, given the same fans as ``W`` (``"pytorch"`` draws both as PyTorch does).
    bias : bool, default=True
        Whether to learn ``b``.
    random_state : int, Generator or None
        Seed for the initial weights (a network passes its own generator instead).
    dtype : {"float64", "float32"}

    Backward, with ``dY = dL/dY`` of shape (n_samples, n_out)::

        dL/dW = X^T dY          (n_in, n_out)
        dL/db = sum_i dY_i      (n_out,)
        dL/dX = dY W^T          (n_samples, n_in)

    ``X`` may be a SciPy sparse matrix (CSR) when the layer is first in its network: the same two
    products, sparse times dense (see :mod:`glassnet.nn.sparse`).
    """

    decayed = ("W",)
    accepts_sparse = True
    keeps_shape = False
    fresh_output = True
    fresh_input_grad = True

    def __init__(self, n_in, n_out, init="glorot_uniform", bias=True, random_state=None, dtype="float64",
                 bias_init="zeros"):
        super().__init__()
        self.n_in = check_positive_int(n_in, "n_in")
        self.n_out = check_positive_int(n_out, "n_out")
        self.init, self.bias_init = init, bias_init
        self.bias = bool(bias)
        self.input_shape = (self.n_in,)
        dtype = as_float_dtype(dtype)
        self.params["W"] = np.empty((self.n_in, self.n_out), dtype=dtype)
        if self.bias:
            self.params["b"] = np.zeros(self.n_out, dtype=dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.reset_parameters(np.random.default_rng(random_state))
        self._X = None

    @classmethod
    def param_count(cls, config):
        n_in, n_out = _width(config.get("n_in")), _width(config.get("n_out"))
        return n_in * n_out + (n_out if config.get("bias", True) else 0)

    def reset_parameters(self, rng) -> None:
        W = self.params["W"]
        # drawn on the host, so a seed gives the same weights on every array library
        dtype = _host_dtype(W)
        W[...] = like(initializers.get(self.init)(W.shape, rng, dtype, fan_in=self.n_in, fan_out=self.n_out), W, dtype)
        if self.bias:
            b = self.params["b"]
            b[...] = like(initializers.get(self.bias_init)(b.shape, rng, dtype, fan_in=self.n_in, fan_out=self.n_out),
                          b, dtype)

    # xp.dot rather than @: on NumPy the same BLAS call with less around it (about 0.5 us a product,
    # which counts on small batches); xp.matmul only where np.dot cannot write into the gradient's dtype.
    def forward(self, X, training=False):
        self._X = X
        if is_sparse(X):
            Y = sparse_times_dense(X, self.params["W"], self.params["W"].dtype)
        else:
            Y = namespace(X).dot(X, self.params["W"])
        if self.bias:
            Y += self.params["b"]
        return Y

    def backward(self, dY):
        xp, gW = namespace(dY), self.grads["W"]
        if is_sparse(self._X):
            sparse_t_times_dense(self._X, dY, out=gW)
        elif self._X.dtype == dY.dtype == gW.dtype:
            xp.dot(self._X.T, dY, out=gW)
        else:
            xp.matmul(self._X.T, dY, out=gW)
        if self.bias:
            xp.column_sums(dY, self.grads["b"])
        if not self.input_grad:
            return None
        return xp.dot(dY, self.params["W"].T)

    def output_shape(self, input_shape):
        if input_shape is not None and tuple(input_shape) != self.input_shape:
            if len(input_shape) == 1:
                given = str(input_shape[0])
            else:
                given = f"samples of shape {tuple(input_shape)} (put a Flatten() before the Dense layer)"
            raise ValueError(f"Dense layer expects {self.n_in} inputs, but the layer before it gives {given}.")
        return (self.n_out,)

    def get_config(self):
        return {"n_in": self.n_in, "n_out": self.n_out, "init": initializers.name(self.init), "bias": self.bias,
                "bias_init": initializers.name(self.bias_init)}


def _width(value) -> int:
    """A width from a layer's config, or 0 for one its constructor will refuse anyway."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _host_dtype(a):
    """NumPy's float32 or float64, matching the dtype of ``a`` (an array of any library)."""
    return np.float32 if a.dtype == namespace(a).float32 else np.float64


class Bias(Layer):
    """Adds a learned offset: ``Y = X + b``, ``dL/db = sum_i dY_i``, ``dL/dX = dY``.

    The tutorial's one-neuron network adds an output bias without a weight; this is that layer.
    """

    fresh_output = True

    def __init__(self, n, dtype="float64"):
        super().__init__()
        self.n = check_positive_int(n, "n")
        self.input_shape = (self.n,)
        self.params["b"] = np.zeros(self.n, dtype=as_float_dtype(dtype))
        self.grads["b"] = np.zeros_like(self.params["b"])

    @classmethod
    def param_count(cls, config):
        return _width(config.get("n"))

    def reset_parameters(self, rng) -> None:
        self.params["b"][...] = 0.0

    def forward(self, X, training=False):
        return X + self.params["b"]

    def backward(self, dY):
        namespace(dY).column_sums(dY, self.grads["b"])
        return dY if self.input_grad else None

    def get_config(self):
        return {"n": self.n}
