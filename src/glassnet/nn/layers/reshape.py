"""Layers that only change how each sample is laid out: ``Flatten`` and ``Reshape``."""

from __future__ import annotations

import math

from ..backend import namespace
from ..checks import check_positive_int
from .base import Layer


class Flatten(Layer):
    """Each sample as one row: ``(N, *shape) -> (N, prod(shape))``; ``dL/dX`` is ``dY`` reshaped back."""

    keeps_shape = False

    def forward(self, X, training=False):
        self._shape = X.shape
        return namespace(X).reshape(X, (X.shape[0], -1))

    def backward(self, dY):
        return namespace(dY).reshape(dY, self._shape) if self.input_grad else None

    def output_shape(self, input_shape):
        return None if input_shape is None else (math.prod(input_shape),)


class Reshape(Layer):
    """Each sample read as ``shape``: ``(N, *input) -> (N, *shape)``, ``prod(shape) = prod(input)``; ``dL/dX``
    is ``dY`` reshaped back. Rows of 64 pixels become ``(1, 8, 8)`` images this way.

    Parameters
    ----------
    shape : tuple of int
        One sample's shape at the output, for instance ``(1, 8, 8)`` or ``(1, 40)``.
    """

    keeps_shape = False

    def __init__(self, shape):
        super().__init__()
        if not isinstance(shape, (tuple, list)) or not shape:
            raise TypeError(f"shape must be a tuple of positive integers, like (1, 8, 8); got {shape!r}.")
        self.shape = tuple(check_positive_int(n, "shape entries") for n in shape)

    def forward(self, X, training=False):
        if math.prod(X.shape[1:]) != math.prod(self.shape):
            raise ValueError(f"Reshape to {self.shape} needs samples of {math.prod(self.shape)} values, "
                             f"got samples of shape {X.shape[1:]}.")
        self._shape = X.shape
        return namespace(X).reshape(X, (X.shape[0], *self.shape))

    def backward(self, dY):
        return namespace(dY).reshape(dY, self._shape) if self.input_grad else None

    def output_shape(self, input_shape):
        if input_shape is not None and math.prod(input_shape) != math.prod(self.shape):
            raise ValueError(f"Reshape to {self.shape} needs samples of {math.prod(self.shape)} values, but the "
                             f"layer before it gives {tuple(input_shape)}.")
        return self.shape

    def get_config(self):
        return {"shape": list(self.shape)}
