"""``Sequential``: layers applied in order, with all parameters in one flat buffer."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from . import functional as F
from .checks import as_float_dtype, check_positive_int, check_X, describe_shape
from .layers import Layer

OUTPUTS = ("identity", "softmax", "sigmoid")


def as_rng(random_state):
    """A ``numpy.random.Generator`` (or the given legacy ``RandomState``) from a seed or generator."""
    if isinstance(random_state, (np.random.Generator, np.random.RandomState)):
        return random_state
    return np.random.default_rng(random_state)


class Sequential:
    """A feed-forward network: ``forward`` applies the layers in order, ``backward`` in reverse.

    Parameters
    ----------
    layers : list of Layer
        Each layer object appears once: a layer caches what its backward needs for its own position.
    output : {"identity", "softmax", "sigmoid"}, default="identity"
        The output function applied by :meth:`predict_proba` to the last layer's output (the
        logits). Training pairs the logits with a fused loss instead, so ``forward`` never applies it.
    random_state : int, Generator or None
        When given, every layer's parameters (and dropout masks) are drawn afresh from one generator,
        so the seed alone fixes the network.
    dtype : {"float64", "float32"}, default="float64"
    input_shape : tuple of int or None
        The shape of one sample, ``(n_features,)`` for rows or, for instance, ``(channels, length)``
        for sequences. ``None`` takes it from the first layer that fixes it (a ``Dense`` layer's
        ``(n_in,)``), or leaves it open.

    Attributes
    ----------
    input_shape, output_shape : tuple or None
        One sample's shape at the input and at the output, as the layers declare them.

    Notes
    -----
    All parameters live in one flat array ``flat_params`` and all gradients in ``flat_grads``; each
    layer's ``params``/``grads`` entries are views into them. Weights that L2 applies to come first,
    so ``flat_params[:n_decayed]`` is exactly the penalised part. An optimizer handed
    ``[(flat_params, flat_grads)]`` therefore updates the whole network in a few NumPy calls.
    """

    def __init__(self, layers, output="identity", random_state=None, dtype="float64", input_shape=None):
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer.")
        first_seen = {}
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] is {layer!r}, which is not a glassnet Layer.")
            if id(layer) in first_seen:
                raise ValueError(
                    f"layers[{i}] is the same {type(layer).__name__} object as layers[{first_seen[id(layer)]}]; "
                    f"a layer keeps what its backward needs for one position, so each position needs its own "
                    f"object: make a new one, e.g. {type(layer).__name__}({_args(layer)})."
                )
            first_seen[id(layer)] = i
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}.")
        self.layers = layers
        self.output = output
        self.dtype = as_float_dtype(dtype)
        if input_shape is not None:
            input_shape = tuple(check_positive_int(n, "input_shape entries") for n in input_shape)
        self.input_shape = input_shape if input_shape is not None else _first_declared_shape(layers)
        self.output_shape = self.output_shape_for(self.input_shape)
        if output == "softmax" and self.n_outputs is not None and self.n_outputs < 2:
            raise ValueError(
                f"a softmax output needs at least two units, one per class; the last layer gives "
                f"{self.n_outputs}. A classifier needs at least two classes; for a yes/no output with "
                "one unit use output='sigmoid'."
            )
        if random_state is not None:
            rng = as_rng(random_state)
            for layer in layers:
                layer.reset_parameters(rng)
        self._pack_parameters()
        self._plan_hot_path()

    # ------------------------------------------------------------------ construction
    def output_shape_for(self, input_shape):
        """The sample shape the layers give for samples of ``input_shape`` (``None`` when unknown)."""
        shape = input_shape
        for i, layer in enumerate(self.layers):
            try:
                shape = layer.output_shape(shape)
            except ValueError as exc:
                raise ValueError(f"layers[{i}]: {exc}") from None
        return shape

    @property
    def n_outputs(self) -> int | None:
        """The width of the output, for networks whose samples come out as rows."""
        shape = self.output_shape
        return shape[0] if shape is not None and len(shape) == 1 else None

    def _pack_parameters(self):
        entries = [(i, name) for i, layer in enumerate(self.layers) for name in layer.params]
        entries.sort(key=lambda e: e[1] not in self.layers[e[0]].decayed)  # stable: decayed first, order kept
        sizes = [self.layers[i].params[name].size for i, name in entries]
        self.flat_params = np.zeros(sum(sizes), dtype=self.dtype)
        self.flat_grads = np.zeros_like(self.flat_params)
        self.n_decayed = sum(s for (i, name), s in zip(entries, sizes) if name in self.layers[i].decayed)
        self._entries = entries
        offset = 0
        for (i, name), size in zip(entries, sizes):
            layer = self.layers[i]
            shape = layer.params[name].shape
            view = self.flat_params[offset : offset + size].reshape(shape)
            view[...] = layer.params[name]
            layer.params[name] = view
            layer.grads[name] = self.flat_grads[offset : offset + size].reshape(shape)
            offset += size

    def __setstate__(self, state):
        # Pickling copies each view into an array of its own; pack them into one flat buffer again,
        # or an optimizer stepping on flat_params would no longer move the layers' weights.
        self.__dict__.update(state)
        self._pack_parameters()

    def _plan_hot_path(self):
        # From what the layers declare: the first layer's input gradient is never needed; a layer that
        # can overwrite may work in place on a fresh output of the layer before it, and may write its
        # input gradient over a fresh input gradient of the layer after it. Never on the caller's X.
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            layer.input_grad = i > 0
            layer.inplace = layer.overwrites and i > 0 and self.layers[i - 1].fresh_output
            layer.inplace_grad = layer.overwrites and i < last and self.layers[i + 1].fresh_input_grad

    # ------------------------------------------------------------------ maths
    def forward(self, X, training=False):
        """X : (n_samples, *input_shape) -> logits : (n_samples, *output_shape).

        ``X`` may be a SciPy sparse matrix of rows when the first layer accepts one (``Dense``)."""
        if sp.issparse(X):
            self.check_sparse_input()
            X = X.astype(self.dtype, copy=False)
        else:
            X = np.asarray(X, dtype=self.dtype)
        if self.input_shape is not None and X.shape[1:] != self.input_shape:
            raise ValueError(
                f"X has shape {X.shape}, but this network expects {describe_shape(self.input_shape)}."
            )
        for layer in self.layers:
            X = layer.forward(X, training)
        return X

    def check_sparse_input(self):
        """Refuse sparse ``X`` unless the first layer takes it (only its products see ``X``)."""
        if not self.layers[0].accepts_sparse:
            raise TypeError(
                f"X is a sparse matrix, but the network's first layer, {type(self.layers[0]).__name__}, needs a "
                "dense array; start the network with a Dense layer, or pass X.toarray()."
            )

    def backward(self, dY):
        """dY = dL/dlogits : (n_samples, *output_shape); fills every parameter gradient, returns dL/dX
        (``None``, since the first layer skips it)."""
        for layer in reversed(self.layers):
            dY = layer.backward(dY)
        return dY

    def parameters(self):
        """``(param, grad)`` pairs, one per parameter array, as views into the flat buffers."""
        return [(layer.params[k], layer.grads[k]) for layer in self.layers for k in layer.params]

    def named_parameters(self):
        """``(name, param, grad)`` triples, with names like ``"layers[0].W"``, in flat-buffer order."""
        return [(f"layers[{i}].{key}", self.layers[i].params[key], self.layers[i].grads[key])
                for i, key in self._entries]

    def flat_parameters(self):
        """The single ``(flat_params, flat_grads)`` pair, for optimizers."""
        return [(self.flat_params, self.flat_grads)]

    def zero_grad(self):
        self.flat_grads[...] = 0.0

    @property
    def n_params(self) -> int:
        return int(self.flat_params.size)

    def get_weights(self) -> np.ndarray:
        """A copy of every parameter, as one flat array."""
        return self.flat_params.copy()

    def set_weights(self, flat) -> None:
        """Overwrite every parameter from a flat array made by :meth:`get_weights`."""
        flat = np.asarray(flat)
        if flat.shape != self.flat_params.shape:
            raise ValueError(f"expected {self.flat_params.size} weights, got array of shape {flat.shape}.")
        self.flat_params[...] = flat

    # ------------------------------------------------------------------ predictions
    def predict_proba(self, X, batch_size=4096):
        """The output function applied to the logits: probabilities for softmax and sigmoid outputs."""
        X = check_X(X, input_shape=self.input_shape, dtype=self.dtype)
        if sp.issparse(X):
            self.check_sparse_input()
        chunks = [self._output(self.forward(X[i : i + batch_size])) for i in range(0, X.shape[0], batch_size)]
        return np.concatenate(chunks, axis=0)

    def _output(self, Z):
        if self.output == "softmax":
            return F.softmax(Z)
        if self.output == "sigmoid":
            return F.sigmoid(Z)
        return Z

    def predict(self, X, batch_size=4096):
        """Class indices for a softmax output, 0/1 per column for sigmoid, values for identity."""
        P = self.predict_proba(X, batch_size)
        if self.output == "softmax":
            return P.argmax(axis=1)
        if self.output == "sigmoid":
            labels = (P > 0.5).astype(np.int64)
            return labels.ravel() if labels.shape[1] == 1 else labels
        return P

    def __repr__(self):
        inner = ",\n    ".join(repr(layer) for layer in self.layers)
        shape = "" if self.input_shape is None else f", input_shape={self.input_shape!r}"
        return f"Sequential([\n    {inner}\n], output={self.output!r}, dtype={np.dtype(self.dtype).name!r}{shape})"


def _first_declared_shape(layers):
    """The sample shape the first layer that fixes one expects, carried back through the layers before
    it as long as they keep their input's shape (as activations and dropout do)."""
    for layer in layers:
        if layer.input_shape is not None:
            return tuple(layer.input_shape)
        if not layer.keeps_shape:
            return None
    return None


def _args(layer) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in layer.get_config().items())
