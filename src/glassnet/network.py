"""``Sequential``: layers applied in order, with all parameters in one flat buffer."""

from __future__ import annotations

import numpy as np

from . import functional as F
from ._checks import as_float_dtype, check_X
from .layers import Activation, Dense, Layer

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
    output : {"identity", "softmax", "sigmoid"}, default="identity"
        The output function applied by :meth:`predict_proba` to the last layer's output (the
        logits). Training pairs the logits with a fused loss instead, so ``forward`` never applies it.
    random_state : int, Generator or None
        When given, every layer's parameters (and dropout masks) are drawn afresh from one generator,
        so the seed alone fixes the network.
    dtype : {"float64", "float32"}, default="float64"

    Notes
    -----
    All parameters live in one flat array ``flat_params`` and all gradients in ``flat_grads``; each
    layer's ``params``/``grads`` entries are views into them. Weights that L2 applies to come first,
    so ``flat_params[:n_decayed]`` is exactly the penalised part. An optimizer handed
    ``[(flat_params, flat_grads)]`` therefore updates the whole network in a few NumPy calls.
    """

    def __init__(self, layers, output="identity", random_state=None, dtype="float64"):
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer.")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] is {layer!r}, which is not a glassnet Layer.")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}.")
        self.layers = layers
        self.output = output
        self.dtype = as_float_dtype(dtype)
        self.n_features_in = self._check_widths()
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
    def _check_widths(self):
        n_in = None
        first_width = None
        for i, layer in enumerate(self.layers):
            try:
                n_in = layer.output_width(n_in)
            except ValueError as exc:
                raise ValueError(f"layers[{i}]: {exc}") from None
            if first_width is None and isinstance(layer, Dense):
                first_width = layer.n_in
        self.n_outputs = n_in
        return first_width

    def _pack_parameters(self):
        entries = [(layer, name) for layer in self.layers for name in layer.params]
        entries.sort(key=lambda e: e[1] not in e[0].decayed)  # stable: decayed first, order kept
        sizes = [e[0].params[e[1]].size for e in entries]
        self.flat_params = np.zeros(sum(sizes), dtype=self.dtype)
        self.flat_grads = np.zeros_like(self.flat_params)
        self.n_decayed = sum(s for (layer, name), s in zip(entries, sizes) if name in layer.decayed)
        self._names = []
        offset = 0
        for (layer, name), size in zip(entries, sizes):
            shape = layer.params[name].shape
            view = self.flat_params[offset : offset + size].reshape(shape)
            view[...] = layer.params[name]
            layer.params[name] = view
            layer.grads[name] = self.flat_grads[offset : offset + size].reshape(shape)
            self._names.append(f"layers[{self.layers.index(layer)}].{name}")
            offset += size

    def __setstate__(self, state):
        # Pickling copies each view into an array of its own; pack them into one flat buffer again,
        # or an optimizer stepping on flat_params would no longer move the layers' weights.
        self.__dict__.update(state)
        self._pack_parameters()

    def _plan_hot_path(self):
        # The first layer's input gradient is never needed; activations right after a Dense may
        # overwrite the Dense output, a temporary nobody else holds; activations right before a Dense
        # may overwrite the upstream gradient, the Dense layer's freshly made dL/dX.
        for i, layer in enumerate(self.layers):
            layer.input_grad = i > 0
            if isinstance(layer, Activation) and i > 0 and isinstance(self.layers[i - 1], Dense):
                layer.inplace = True
            if (isinstance(layer, Activation) and i + 1 < len(self.layers)
                    and isinstance(self.layers[i + 1], Dense)):
                layer.inplace_grad = True

    # ------------------------------------------------------------------ maths
    def forward(self, X, training=False):
        """X : (n_samples, n_features) -> logits : (n_samples, n_outputs)."""
        X = np.asarray(X, dtype=self.dtype)
        if self.n_features_in is not None and (X.ndim != 2 or X.shape[1] != self.n_features_in):
            raise ValueError(
                f"X has shape {X.shape}, but this network expects (n_samples, {self.n_features_in})."
            )
        for layer in self.layers:
            X = layer.forward(X, training)
        return X

    def backward(self, dY):
        """dY = dL/dlogits : (n_samples, n_outputs); fills every parameter gradient, returns dL/dX
        (``None``, since the first layer skips it)."""
        for layer in reversed(self.layers):
            dY = layer.backward(dY)
        return dY

    def parameters(self):
        """``(param, grad)`` pairs, one per parameter array, as views into the flat buffers."""
        return [(layer.params[k], layer.grads[k]) for layer in self.layers for k in layer.params]

    def named_parameters(self):
        """``(name, param, grad)`` triples, with names like ``"layers[0].W"``, in flat-buffer order."""
        out = []
        for name in self._names:
            index, key = name[len("layers[") :].split("].")
            layer = self.layers[int(index)]
            out.append((name, layer.params[key], layer.grads[key]))
        return out

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
        X = check_X(X, n_features=self.n_features_in, dtype=self.dtype)
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
        return f"Sequential([\n    {inner}\n], output={self.output!r}, dtype={np.dtype(self.dtype).name!r})"
