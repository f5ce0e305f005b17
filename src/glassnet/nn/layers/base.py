"""The ``Layer`` interface every building block implements."""

from __future__ import annotations

import numpy as np

from ..backend import is_array
from ..sparse import is_sparse


class Layer:
    """A differentiable map ``Y = f(X; params)`` applied to a batch of samples.

    ``forward`` caches exactly what ``backward`` needs; ``backward`` receives ``dY = dL/dY`` and returns
    ``dX = dL/dX``, writing parameter gradients into ``grads`` (same keys as ``params``) in place, so
    that a network can keep all of them as views into one flat buffer.

    Shapes are those of one sample, without the batch axis: a dense layer maps ``(n_in,)`` to
    ``(n_out,)``, a 1-D convolution ``(channels, length)`` to ``(filters, new_length)``.

    Attributes
    ----------
    params, grads : dict of str -> ndarray
        Parallel dicts; empty for layers without parameters.
    buffers : dict of str -> ndarray
        State that is not trained but belongs to the model (``BatchNorm``'s running statistics): no
        optimizer moves it, model files and checkpoints keep it.
    sublayers : tuple of Layer
        The layers a container (``Residual``) applies; a network packs their parameters with its own.
    decayed : tuple of str
        Names of parameters that an L2 penalty applies to (weights, not biases).
    input_shape : tuple or None
        The sample shape this layer requires, when its parameters fix it (``(n_in,)`` for ``Dense``).
    keeps_shape : bool
        Whether every output sample has its input's shape (activations, dropout); a layer that changes
        shapes sets it to False and overrides :meth:`output_shape`.
    fresh_output, fresh_input_grad : bool
        Whether ``forward`` (``backward``) always returns a new array that the layer keeps no reference
        to. The layer after it may then overwrite that array instead of allocating another.
    accepts_sparse : bool
        Whether ``forward`` takes a SciPy sparse batch (CSR); only such a layer may come first in a
        network fed sparse ``X``.
    overwrites : bool
        Whether the layer can work in place: compute its output into its input (``inplace``) and its
        input gradient into ``dY`` (``inplace_grad``). A network switches these on where the array is
        fresh (see ``Sequential``).
    input_grad : bool
        Whether ``backward`` must return ``dL/dX``. A network switches it off for its first layer,
        whose input gradient nobody needs.
    """

    decayed: tuple = ()
    input_shape: tuple | None = None
    keeps_shape = True
    fresh_output = False
    fresh_input_grad = False
    overwrites = False
    sublayers: tuple = ()
    accepts_sparse = False

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.input_grad = True
        self.inplace = False
        self.inplace_grad = False

    def __getstate__(self):
        # What forward cached for backward (private arrays: inputs, outputs, masks) is not part of the
        # layer: leaving it out keeps a pickled network free of the last batch of training data.
        return {k: (None if k.startswith("_") and (is_array(v) or is_sparse(v)) else v)
                for k, v in self.__dict__.items()}

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """X : (n_samples, *input_shape) -> Y : (n_samples, *output_shape)."""
        raise NotImplementedError

    def backward(self, dY: np.ndarray) -> np.ndarray | None:
        """dY : (n_samples, *output_shape) -> dX : (n_samples, *input_shape), or None when
        ``input_grad`` is off."""
        raise NotImplementedError

    def output_shape(self, input_shape: tuple | None) -> tuple | None:
        """The sample shape this layer gives for ``input_shape`` (``None`` when unknown).

        Raises ``ValueError`` saying what the layer expects when it cannot take ``input_shape``.
        """
        if input_shape is not None and self.input_shape is not None and tuple(input_shape) != self.input_shape:
            raise ValueError(
                f"{type(self).__name__} expects samples of shape {self.input_shape}, but the layer before it "
                f"gives {tuple(input_shape)}."
            )
        return input_shape

    @classmethod
    def param_count(cls, config: dict) -> int:
        """How many parameters a layer built from ``config`` holds, found without building it (a model
        file's loader checks this against the weights stored before allocating anything)."""
        return 0

    def reset_parameters(self, rng) -> None:
        """Draw fresh parameters from ``rng``; layers without parameters do nothing."""

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        """The layer :meth:`get_config` describes (a container builds its inner layers here)."""
        return cls(**config)

    def get_config(self) -> dict:
        """The constructor arguments that rebuild this layer (parameters excluded)."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
