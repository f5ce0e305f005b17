"""The ``Layer`` interface every building block implements."""

from __future__ import annotations

import numpy as np


class Layer:
    """A differentiable map ``Y = f(X; params)``.

    ``forward`` caches exactly what ``backward`` needs; ``backward`` receives ``dY = dL/dY`` and returns
    ``dX = dL/dX``, writing parameter gradients into ``grads`` (same keys as ``params``) in place, so
    that a network can keep all of them as views into one flat buffer.

    Attributes
    ----------
    params, grads : dict of str -> ndarray
        Parallel dicts; empty for layers without parameters.
    decayed : tuple of str
        Names of parameters that an L2 penalty applies to (weights, not biases).
    input_grad : bool
        Whether ``backward`` must return ``dL/dX``. A network switches it off for its first layer,
        whose input gradient nobody needs.
    """

    decayed: tuple = ()

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.input_grad = True

    def __getstate__(self):
        # What forward cached for backward (private arrays: inputs, outputs, masks) is not part of the
        # layer: leaving it out keeps a pickled network free of the last batch of training data.
        return {k: (None if k.startswith("_") and isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """X : (n_samples, n_in) -> Y : (n_samples, n_out)."""
        raise NotImplementedError

    def backward(self, dY: np.ndarray) -> np.ndarray | None:
        """dY : (n_samples, n_out) -> dX : (n_samples, n_in), or None when ``input_grad`` is off."""
        raise NotImplementedError

    def output_width(self, n_in: int | None) -> int | None:
        """Width of the output given the input width (``None`` when unknown)."""
        return n_in

    def reset_parameters(self, rng) -> None:
        """Draw fresh parameters from ``rng``; layers without parameters do nothing."""

    def get_config(self) -> dict:
        """The constructor arguments that rebuild this layer (parameters excluded)."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
