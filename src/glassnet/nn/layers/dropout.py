"""Inverted dropout."""

from __future__ import annotations

import numpy as np

from ..backend import namespace, uniform_like
from ..checks import check_real
from .base import Layer


class Dropout(Layer):
    """Zeroes each input with probability ``rate`` during training and scales the rest by ``1/(1-rate)``.

    ``Y = X * M / (1 - rate)`` with ``M ~ Bernoulli(1 - rate)`` drawn anew each training forward;
    ``dX = dY * M / (1 - rate)``. At prediction time (``training=False``) it is the identity, so no
    rescaling is needed there.

    Parameters
    ----------
    rate : float in [0, 1)
    random_state : int, Generator or None
        Seed for the masks (a network passes its own generator instead).
    """

    def __init__(self, rate=0.5, random_state=None):
        super().__init__()
        self.rate = check_real(rate, "rate", low=0.0, high=1.0, high_inclusive=False)
        self.rng = np.random.default_rng(random_state)
        self._scale = None

    def reset_parameters(self, rng) -> None:
        # Masks are drawn from the network's generator so a seed fixes them too.
        self.rng = rng

    def forward(self, X, training=False):
        if not training or self.rate == 0.0:
            self._scale = None
            return X
        keep = uniform_like(self.rng, X)  # see glassnet.nn.backend for the stream on each library
        self._scale = namespace(X).astype(keep >= self.rate, X.dtype)
        self._scale *= 1.0 / (1.0 - self.rate)
        return X * self._scale

    def backward(self, dY):
        if self._scale is None:
            return dY
        return dY * self._scale

    def get_config(self):
        return {"rate": self.rate}
