"""Weight initialisers: ``init(shape, rng, dtype) -> ndarray``.

Each one draws from ``rng`` (a ``numpy.random.Generator`` or a legacy ``RandomState``) so a seed fixes
the whole network.
"""

from __future__ import annotations

import numpy as np


class Initializer:
    """Base class: ``__call__(shape, rng, dtype)`` returns a fresh array of ``shape``."""

    def __call__(self, shape, rng, dtype=np.float64) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (the usual bias initialiser)."""

    def __call__(self, shape, rng, dtype=np.float64):
        return np.zeros(shape, dtype=dtype)


class Normal(Initializer):
    """``N(0, scale^2)``, as the tutorials use (``np.random.randn(...) * scale``)."""

    def __init__(self, scale: float = 0.1):
        self.scale = scale

    def __call__(self, shape, rng, dtype=np.float64):
        return (_standard_normal(rng, shape) * self.scale).astype(dtype, copy=False)


class GlorotUniform(Initializer):
    """Glorot/Xavier uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (n_in + n_out))``.

    ``gain=sqrt(1/3)`` gives scikit-learn's bound for logistic units, ``sqrt(2 / (n_in + n_out))``.
    """

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, rng, dtype=np.float64):
        n_in, n_out = shape[0], shape[-1]
        bound = self.gain * np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)


class HeNormal(Initializer):
    """He/Kaiming normal: ``N(0, 2 / n_in)``, for ReLU layers."""

    def __call__(self, shape, rng, dtype=np.float64):
        return (_standard_normal(rng, shape) * np.sqrt(2.0 / shape[0])).astype(dtype, copy=False)


def _standard_normal(rng, shape):
    # Legacy RandomState has randn-compatible standard_normal; both accept a shape tuple.
    return rng.standard_normal(size=shape)


_BY_NAME = {
    "zeros": Zeros,
    "normal": Normal,
    "glorot_uniform": GlorotUniform,
    "xavier_uniform": GlorotUniform,
    "he_normal": HeNormal,
}


def get(init) -> Initializer:
    """An ``Initializer`` from a name (``"glorot_uniform"``, ``"he_normal"``, ``"normal"``, ``"zeros"``),
    an instance, or any callable ``(shape, rng, dtype) -> ndarray``."""
    if isinstance(init, str):
        try:
            return _BY_NAME[init]()
        except KeyError:
            raise ValueError(f"Unknown initializer {init!r}; expected one of {sorted(_BY_NAME)}.") from None
    if callable(init):
        return init
    raise TypeError(f"init must be an initializer name or a callable, got {init!r}.")
