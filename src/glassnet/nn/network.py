"""``Sequential``: layers applied in order, with all parameters in one flat buffer."""

from __future__ import annotations

import numpy as np

from . import backend as B
from . import functional as F
from .checks import as_float_dtype, check_positive_int, check_X, describe_shape
from .layers.chain import chain_output_shape, check_layers, first_declared_shape, leaves, plan_hot_path
from .sparse import is_sparse

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
    xp, device
        The array namespace and device the parameters live on (NumPy and ``"cpu"`` until
        :meth:`to` moves them); data given to the network must be there too.

    Notes
    -----
    All parameters live in one flat array ``flat_params`` and all gradients in ``flat_grads``; each
    layer's ``params``/``grads`` entries are views into them. Weights that L2 applies to come first,
    so ``flat_params[:n_decayed]`` is exactly the penalised part. An optimizer handed
    ``[(flat_params, flat_grads)]`` therefore updates the whole network in a few NumPy calls.
    """

    def __init__(self, layers, output="identity", random_state=None, dtype="float64", input_shape=None):
        layers = check_layers(layers, "Sequential")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}.")
        self.layers = layers
        self.output = output
        self.dtype = as_float_dtype(dtype)
        self.xp, self.device = B.NUMPY, "cpu"
        if input_shape is not None:
            input_shape = tuple(check_positive_int(n, "input_shape entries") for n in input_shape)
        self.input_shape = input_shape if input_shape is not None else first_declared_shape(layers)
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
        return chain_output_shape(self.layers, input_shape)

    @property
    def n_outputs(self) -> int | None:
        """The width of the output, for networks whose samples come out as rows."""
        shape = self.output_shape
        return shape[0] if shape is not None and len(shape) == 1 else None

    def _pack_parameters(self):
        # Containers (Residual) are opened: their layers' parameters join the flat buffer like any other.
        self._leaves = list(leaves(self.layers))
        entries = [(path, layer, name) for path, layer in self._leaves for name in layer.params]
        entries.sort(key=lambda e: e[2] not in e[1].decayed)  # stable: decayed first, order kept
        sizes = [_size(layer.params[name].shape) for _, layer, name in entries]
        xp = self.xp
        self.flat_params = xp.zeros(sum(sizes), dtype=B.dtype_in(xp, self.dtype), device=self.device)
        self.flat_grads = xp.zeros_like(self.flat_params)
        self.n_decayed = sum(s for (_, layer, name), s in zip(entries, sizes) if name in layer.decayed)
        self._entries = entries
        offset = 0
        for (_, layer, name), size in zip(entries, sizes):
            shape = layer.params[name].shape
            view = xp.reshape(self.flat_params[offset : offset + size], shape)
            view[...] = B.asarray(layer.params[name], xp, self.device, self.dtype)
            layer.params[name] = view
            layer.grads[name] = xp.reshape(self.flat_grads[offset : offset + size], shape)
            offset += size
        for _, layer in self._leaves:
            for name, buffer in layer.buffers.items():
                layer.buffers[name] = B.asarray(buffer, xp, self.device, self.dtype)

    def __getstate__(self):
        # The namespace object is rebuilt from the arrays on unpickling.
        state = dict(self.__dict__)
        state.pop("xp", None)
        return state

    def __setstate__(self, state):
        # Pickling copies each view into an array of its own; pack them into one flat buffer again,
        # or an optimizer stepping on flat_params would no longer move the layers' weights.
        self.__dict__.update(state)
        self.xp, self.device = B.namespace(self.flat_params), B.device(self.flat_params)
        self._pack_parameters()

    def to(self, target, device=None):
        """Move every parameter to another array library or device, in place; returns the network.

        ``target`` is a library's name (``"numpy"``, ``"cupy"``, ``"torch"``, ``"array_api_strict"``),
        a ``torch.device`` or a torch device string (``"cuda"``, ``"cuda:1"``), or an array, whose
        library and device are taken (``net.to(X)``). ``device`` picks the device within a library.
        Data passed to the network must then live there too. An optimizer keeps its state where the
        parameters were at its first step: make a new one after moving.
        """
        xp, device = B.resolve(target, device)
        B.check_dtype_supported(xp, device, self.dtype)
        for layer in self.layers:
            for name in layer.params:
                # through the host: one copy per parameter, and no library needs to know another
                layer.params[name] = B.to_numpy(layer.params[name])
        self.xp, self.device = xp, device
        self._pack_parameters()
        return self

    def as_input(self, X, name="X"):
        """``X`` in the network's dtype, checked to live where its parameters do (no copy when it
        already has that dtype). A ``TypeError`` says how to move one or the other when it does not."""
        xp, dev = self.xp, self.device
        if xp is B.NUMPY and not B.is_foreign(X):
            return np.asarray(X, dtype=self.dtype)
        try:
            data_xp = B.namespace(X)
        except TypeError as exc:
            raise TypeError(f"{name}: {exc}") from None
        data_dev = B.device(X) if B.is_array(X) else "cpu"
        if data_xp is not xp or data_dev != dev:
            raise TypeError(
                f"{name} holds {B.describe(data_xp, data_dev)}, but this network's parameters are "
                f"{B.describe(xp, dev)}: move the network with net.to(X) (or net.to({data_xp.name!r})), "
                f"or the data to where the network is."
            )
        return xp.astype(X, B.dtype_in(xp, self.dtype), copy=False)

    def _plan_hot_path(self):
        # From what the layers declare: the first layer's input gradient is never needed; a layer that
        # can overwrite may work in place on a fresh output of the layer before it, and may write its
        # input gradient over a fresh input gradient of the layer after it. Never on the caller's X.
        plan_hot_path(self.layers, input_fresh=False, input_grad=False, grad_fresh=False)

    # ------------------------------------------------------------------ maths
    def forward(self, X, training=False):
        """X : (n_samples, *input_shape) -> logits : (n_samples, *output_shape).

        ``X`` may be a SciPy sparse matrix of rows when the first layer accepts one (``Dense``)."""
        if is_sparse(X):
            self.check_sparse_input()
            X = X.astype(self.dtype, copy=False)
        else:
            X = self.as_input(X)
        if self.input_shape is not None and tuple(X.shape[1:]) != self.input_shape:
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
        return [(layer.params[k], layer.grads[k]) for _, layer in self._leaves for k in layer.params]

    def named_parameters(self):
        """``(name, param, grad)`` triples, with names like ``"layers[0].W"``, in flat-buffer order."""
        return [(f"{path}.{key}", layer.params[key], layer.grads[key]) for path, layer, key in self._entries]

    def flat_parameters(self):
        """The single ``(flat_params, flat_grads)`` pair, for optimizers."""
        return [(self.flat_params, self.flat_grads)]

    def zero_grad(self):
        self.flat_grads[...] = 0.0

    @property
    def n_params(self) -> int:
        return int(self.flat_params.shape[0])

    def get_weights(self):
        """A copy of every parameter, as one flat array where the parameters live."""
        return self.xp.asarray(self.flat_params, copy=True)

    def set_weights(self, flat) -> None:
        """Overwrite every parameter from a flat array made by :meth:`get_weights` (from any library:
        a host NumPy array is copied to the network's device)."""
        flat = B.asarray(flat, self.xp, self.device, self.dtype)
        if tuple(flat.shape) != tuple(self.flat_params.shape):
            raise ValueError(f"expected {self.n_params} weights, got array of shape {tuple(flat.shape)}.")
        self.flat_params[...] = flat

    def snapshot(self):
        """A copy of every parameter followed by every buffer, as one flat array: what a callback keeps
        to bring the network back to an earlier epoch (``BatchNorm``'s running statistics included)."""
        if not self._n_buffers():
            return self.get_weights()
        return np.concatenate([B.to_numpy(self.flat_params), self.get_buffers()])  # on the host

    def restore(self, snapshot) -> None:
        """Bring the network back to a :meth:`snapshot`."""
        n, n_buffers = self.n_params, self._n_buffers()
        if len(snapshot.shape) != 1 or snapshot.shape[0] != n + n_buffers:
            raise ValueError(f"expected a snapshot of {n + n_buffers} values, got shape {tuple(snapshot.shape)}.")
        self.set_weights(snapshot[:n])
        if n_buffers:
            self.set_buffers(snapshot[n:])

    def _n_buffers(self) -> int:
        return sum(_size(layer.buffers[k].shape) for _, layer in self._leaves for k in layer.buffers)

    def summary(self) -> list:
        """One row per layer, ``(layer, output shape of one sample, parameters)``: the layer table.

        Output shapes are those the layers declare for ``input_shape`` (``None`` where unknown); the
        parameters of a container (``Residual``) include its layers'.
        """
        rows, shape = [], self.input_shape
        for layer in self.layers:
            shape = layer.output_shape(shape)
            count = sum(_size(leaf.params[k].shape) for _, leaf in leaves([layer]) for k in leaf.params)
            rows.append((repr(layer), None if shape is None else tuple(shape), int(count)))
        return rows

    def get_buffers(self) -> np.ndarray:
        """A copy of every buffer (``BatchNorm``'s running statistics), as one flat host NumPy array."""
        arrays = [B.to_numpy(layer.buffers[k]).reshape(-1) for _, layer in self._leaves for k in layer.buffers]
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype=self.dtype)

    def set_buffers(self, flat) -> None:
        """Overwrite every buffer from a flat array made by :meth:`get_buffers`."""
        flat = np.asarray(flat)
        sizes = [_size(layer.buffers[k].shape) for _, layer in self._leaves for k in layer.buffers]
        if flat.shape != (sum(sizes),):
            raise ValueError(f"expected {sum(sizes)} buffer values, got array of shape {flat.shape}.")
        offset = 0
        for _, layer in self._leaves:
            for buffer in layer.buffers.values():
                size = _size(buffer.shape)
                buffer[...] = B.like(flat[offset : offset + size].reshape(tuple(buffer.shape)), buffer, self.dtype)
                offset += size

    # ------------------------------------------------------------------ predictions
    def predict_proba(self, X, batch_size=4096):
        """The output function applied to the logits: probabilities for softmax and sigmoid outputs."""
        X = check_X(X, input_shape=self.input_shape, dtype=self.dtype)
        if is_sparse(X):
            self.check_sparse_input()
        else:
            X = self.as_input(X)
        n = X.shape[0]
        chunks = [self._output(self.forward(_rows(X, i, min(i + batch_size, n)))) for i in range(0, n, batch_size)]
        return self.xp.concat(chunks, axis=0)

    def _output(self, Z):
        if self.output == "softmax":
            return F.softmax(Z)
        if self.output == "sigmoid":
            return F.sigmoid(Z)
        return Z

    def predict(self, X, batch_size=4096):
        """Class indices for a softmax output, 0/1 per column for sigmoid, values for identity."""
        P, xp = self.predict_proba(X, batch_size), self.xp
        if self.output == "softmax":
            return xp.argmax(P, axis=1)
        if self.output == "sigmoid":
            labels = xp.astype(P > 0.5, xp.int64)
            return xp.reshape(labels, (-1,)) if labels.shape[1] == 1 else labels
        return P

    def __repr__(self):
        inner = ",\n    ".join(repr(layer) for layer in self.layers)
        shape = "" if self.input_shape is None else f", input_shape={self.input_shape!r}"
        return f"Sequential([\n    {inner}\n], output={self.output!r}, dtype={np.dtype(self.dtype).name!r}{shape})"


def _rows(X, start, stop):
    """Rows ``start:stop`` of a batch (SciPy sparse matrices take no Ellipsis; the standard wants one)."""
    return X[start:stop] if is_sparse(X) else X[start:stop, ...]


def _size(shape) -> int:
    n = 1
    for k in shape:
        n *= k
    return n
