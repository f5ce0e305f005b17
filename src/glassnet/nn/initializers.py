"""Weight and bias initialisers: ``init(shape, rng, dtype, fan_in, fan_out) -> ndarray``.

The layer that owns the weights says what its fans are (a dense layer's input and output widths, a
convolution's channels times its kernel size), so an initialiser never guesses them from the shape.
Each one draws from ``rng`` (a ``numpy.random.Generator`` or a legacy ``RandomState``), so a seed
fixes the whole network.
"""

from __future__ import annotations

import math

import numpy as np

from .checks import from_name


class Initializer:
    """Base class: ``__call__(shape, rng, dtype, fan_in, fan_out)`` returns a fresh array of ``shape``."""

    def __call__(self, shape, rng, dtype, fan_in, fan_out) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (the usual bias initialiser)."""

    def __call__(self, shape, rng, dtype, fan_in, fan_out):
        return np.zeros(shape, dtype=dtype)


class Normal(Initializer):
    """``N(0, scale^2)``, as the tutorials use (``np.random.randn(...) * scale``)."""

    def __init__(self, scale: float = 0.1):
        self.scale = scale

    def __call__(self, shape, rng, dtype, fan_in, fan_out):
        return (rng.standard_normal(size=shape) * self.scale).astype(dtype, copy=False)


class GlorotUniform(Initializer):
    """Glorot/Xavier uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    ``gain=sqrt(1/3)`` gives scikit-learn's bound for logistic units, ``sqrt(2 / (fan_in + fan_out))``.
    """

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, rng, dtype, fan_in, fan_out):
        bound = self.gain * math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)


class HeNormal(Initializer):
    """He/Kaiming normal: ``N(0, 2 / fan_in)``, for ReLU layers."""

    def __call__(self, shape, rng, dtype, fan_in, fan_out):
        return (rng.standard_normal(size=shape) * math.sqrt(2.0 / fan_in)).astype(dtype, copy=False)


class PyTorchDefault(Initializer):
    """PyTorch's default for ``nn.Linear`` and ``nn.ConvNd``: ``U(-a, a)`` with ``a = 1 / sqrt(fan_in)``.

    For weights PyTorch writes it as ``kaiming_uniform_(a=sqrt(5))``: ``gain * sqrt(3 / fan_in)`` with
    ``gain = sqrt(2 / (1 + 5))``, which is ``1 / sqrt(fan_in)``; its biases use the same bound with the
    weights' ``fan_in``, so this serves as a layer's ``bias_init`` too (the layer passes its fans).
    """

    def __call__(self, shape, rng, dtype, fan_in, fan_out):
        bound = 1.0 / math.sqrt(fan_in)
        return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)


INITIALIZERS = {
    "zeros": Zeros,
    "normal": Normal,
    "glorot_uniform": GlorotUniform,
    "xavier_uniform": GlorotUniform,
    "he_normal": HeNormal,
    "pytorch": PyTorchDefault,
}


def get(init):
    """An initialiser from a name in ``INITIALIZERS``, an :class:`Initializer`, or any function with
    the same signature."""
    if callable(init) and not isinstance(init, type):
        return init
    return from_name("initializer", INITIALIZERS, init, Initializer)


def name(init):
    """How a layer's config stores ``init``: its name, or the repr of a custom initialiser (a loaded
    file replaces that with "zeros": the stored weights overwrite whatever it draws)."""
    return init if isinstance(init, str) else repr(init)
