"""Activation layers: element-wise (or row-wise, for softmax) maps without parameters.

Each docstring gives the function and the derivative its ``backward`` applies. Those that declare
``overwrites = True`` can work in place: a network sets ``inplace`` when their input is a fresh array
nobody else holds (a ``Dense`` output), and ``inplace_grad`` when the upstream gradient ``dY`` is one
(the input gradient a following ``Dense`` just made); see ``Sequential``.
"""

from __future__ import annotations

import math

from .. import functional as F
from ..backend import namespace
from ..checks import check_real, from_name
from .base import Layer


class Activation(Layer):
    """Base for parameter-free activations, which keep the shape of their input."""

    def _out(self, Z):
        return Z if self.inplace else None

    def _grad_out(self, dY):
        return dY if self.inplace_grad else None


class Identity(Activation):
    """``Y = Z``; ``dZ = dY``."""

    def forward(self, X, training=False):
        return X

    def backward(self, dY):
        return dY


class Sigmoid(Activation):
    """Logistic ``Y = 1 / (1 + exp(-Z))``; ``dZ = dY * Y * (1 - Y)``."""

    overwrites = True

    def forward(self, X, training=False):
        self._Y = F.sigmoid(X, out=self._out(X))
        return self._Y

    def backward(self, dY):
        Y, xp = self._Y, namespace(dY)
        slope = xp.multiply(Y, Y)
        slope = xp.subtract(Y, slope, out=slope)  # Y (1 - Y)
        return xp.multiply(dY, slope, out=self._grad_out(dY))


class Tanh(Activation):
    """``Y = tanh(Z)``; ``dZ = dY * (1 - Y^2)``."""

    overwrites = True

    def forward(self, X, training=False):
        self._Y = namespace(X).tanh(X, out=self._out(X))
        return self._Y

    def backward(self, dY):
        Y, xp = self._Y, namespace(dY)
        slope = xp.multiply(Y, Y)
        slope = xp.subtract(1.0, slope, out=slope)  # 1 - Y^2
        return xp.multiply(dY, slope, out=self._grad_out(dY))


class ReLU(Activation):
    """``Y = max(Z, 0)``; ``dZ = dY * [Z > 0]``."""

    overwrites = True

    def forward(self, X, training=False):
        self._Y = namespace(X).positive_part(X, out=self._out(X))
        return self._Y

    def backward(self, dY):
        xp = namespace(dY)
        return xp.multiply(dY, _mask(xp, self._Y > 0.0, dY), out=self._grad_out(dY))


class LeakyReLU(Activation):
    """``Y = Z`` where ``Z > 0``, else ``alpha * Z``; ``dZ = dY`` or ``alpha * dY`` likewise.

    Parameters
    ----------
    alpha : float, default=0.01
        Slope for negative inputs, in [0, 1).
    """

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = check_real(alpha, "alpha", low=0.0, high=1.0, high_inclusive=False)

    def forward(self, X, training=False):
        self._positive = X > 0.0
        return namespace(X).where(self._positive, X, self.alpha * X)

    def backward(self, dY):
        return namespace(dY).where(self._positive, dY, self.alpha * dY)

    def get_config(self):
        return {"alpha": self.alpha}


class RBF(Activation):
    """Gaussian radial basis ``Y = exp(-Z^2)``; ``dZ = dY * (-2 Z Y)`` (the tutorials' hidden unit)."""

    overwrites = True

    def forward(self, X, training=False):
        xp = namespace(X)
        self._Z = xp.asarray(X, copy=True) if self.inplace else X
        Y = xp.square(X, out=self._out(X))
        Y = xp.negative(Y, out=Y)
        self._Y = xp.exp(Y, out=Y)
        return self._Y

    def backward(self, dY):
        return dY * (-2.0 * self._Z * self._Y)


class GELU(Activation):
    """Gaussian error linear unit, tanh approximation (Hendrycks & Gimpel)::

        Y  = Z/2 * (1 + t),   t = tanh(u),   u = c (Z + 0.044715 Z^3),   c = sqrt(2 / pi)
        dZ = dY * [ (1 + t)/2 + Z/2 * (1 - t^2) * c (1 + 3 * 0.044715 Z^2) ]
    """

    _C = math.sqrt(2.0 / math.pi)  # a Python float, so float32 inputs stay float32
    _A = 0.044715

    def forward(self, X, training=False):
        self._Z = X
        self._t = namespace(X).tanh(self._C * (X + self._A * (X * X * X)))  # X * X * X: a power is 8x slower
        return 0.5 * X * (1.0 + self._t)

    def backward(self, dY):
        Z, t = self._Z, self._t
        dudz = self._C * (1.0 + 3.0 * self._A * Z * Z)
        return dY * (0.5 * (1.0 + t) + 0.5 * Z * (1.0 - t * t) * dudz)


class Softmax(Activation):
    """Row-wise ``Y_k = exp(Z_k) / sum_j exp(Z_j)``; ``dZ = Y * (dY - sum_k dY_k Y_k)``.

    That is the Jacobian-vector product of softmax over the last axis. To train a classifier, prefer
    the fused :class:`glassnet.nn.SoftmaxCrossEntropy`, which goes from logits straight to ``Y - T``.
    """

    overwrites = True

    def forward(self, X, training=False):
        self._Y = F.softmax(X, out=self._out(X))
        return self._Y

    def backward(self, dY):
        Y = self._Y
        return Y * (dY - namespace(dY).sum(dY * Y, axis=-1, keepdims=True))


def _mask(xp, condition, like):
    """A boolean array as 0/1 in ``like``'s dtype (NumPy multiplies by booleans directly, in one pass;
    the standard mixes no booleans into arithmetic)."""
    return condition if xp.name == "numpy" else xp.astype(condition, like.dtype)


ACTIVATIONS = {
    "identity": Identity,
    "logistic": Sigmoid,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "rbf": RBF,
    "gelu": GELU,
    "softmax": Softmax,
}


def get(name, **kwargs) -> Activation:
    """A fresh activation layer from its name (``"relu"``, ``"logistic"``/``"sigmoid"``, ...)."""
    return from_name("activation", ACTIVATIONS, name, Activation, **kwargs)
