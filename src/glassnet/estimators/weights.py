"""``coefs_`` and ``intercepts_`` that can be assigned, as in scikit-learn.

The network keeps every weight in one flat buffer (see :class:`glassnet.nn.Sequential`), so the lists
the estimator shows hold views into it: ``clf.coefs_[0][...] = 0`` changes the model directly.
Replacing an entry (``clf.coefs_[0] = W``) or the whole list (``clf.coefs_ = [...]``) copies the new
values into the buffer after checking them, so the next ``predict``, ``partial_fit`` or warm-started
``fit`` uses them, and ``coefs_`` always shows what the model computes with.
"""

from __future__ import annotations

import numpy as np

from ..nn import Dense
from ..nn.backend import like, namespace, to_numpy

NAMES = {"W": "coefs_", "b": "intercepts_"}


def dense_layers(net):
    return [layer for layer in net.layers if isinstance(layer, Dense)]


class WeightList(list):
    """The network's weight (``"W"``) or bias (``"b"``) arrays, layer by layer, as views; assigning an
    entry writes into the network."""

    def __init__(self, net, key):
        self._net, self._key = net, key
        super().__init__(layer.params[key] for layer in dense_layers(net))

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            arrays = list(self)
            arrays[index] = value
            assign_all(self._net, self._key, arrays)
        else:
            position = range(len(self))[index]  # IndexError for a layer that does not exist
            assign(self._net, self._key, position, value)
        super().__init__(layer.params[self._key] for layer in dense_layers(self._net))

    def __delitem__(self, index):
        raise TypeError(f"{NAMES[self._key]} has one array per layer; layers cannot be deleted from it.")

    def _refuse(self, *args, **kwargs):
        raise TypeError(f"{NAMES[self._key]} has one array per layer; its length is fixed by hidden_layer_sizes.")

    append = extend = insert = pop = remove = clear = _refuse

    def __reduce__(self):
        return list, (list(self),)


def assign(net, key, position, value):
    """Copy ``value`` into layer ``position``'s ``key`` array, after checking its shape and dtype."""
    target = dense_layers(net)[position].params[key]
    name = f"{NAMES[key]}[{position}]"
    try:
        array = np.asarray(to_numpy(value))  # from any array library: checked on the host
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers; could not make one from {type(value).__name__}: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}.")
    if array.shape != tuple(target.shape):
        what = "(n_inputs, n_outputs) of the layer" if key == "W" else "(n_outputs,) of the layer"
        raise ValueError(
            f"{name} must have shape {target.shape}, {what}, got {array.shape}. The layer sizes are fixed "
            "by the fitted network (n_features_in_, hidden_layer_sizes, the outputs); to change them, set "
            "hidden_layer_sizes and fit again."
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinity; weights must be finite.")
    # placed where the network lives (another library or device after a fit under array_api_dispatch)
    target[...] = like(array, target, np.float32 if target.dtype == namespace(target).float32 else np.float64)


def assign_all(net, key, arrays):
    """Assign one array per layer; nothing is written unless every array passes its check."""
    try:
        arrays = list(arrays)
    except TypeError:
        raise TypeError(f"{NAMES[key]} must be a list with one array per layer, got {type(arrays).__name__}.") from None
    n_layers = len(dense_layers(net))
    if len(arrays) != n_layers:
        raise ValueError(f"{NAMES[key]} must hold {n_layers} arrays, one per layer, got {len(arrays)}.")
    saved = net.get_weights()
    try:
        for position, value in enumerate(arrays):
            assign(net, key, position, value)
    except (TypeError, ValueError):
        net.set_weights(saved)
        raise
