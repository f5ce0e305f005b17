"""Networks in glassnet files: a :class:`glassnet.nn.Sequential` as layer configs and flat weights."""

from __future__ import annotations

import numpy as np

from ..nn import initializers
from ..nn.layers import LAYERS
from ..nn.network import Sequential
from .container import ModelFileError

# More layers than any network glassnet trains; building each costs time, so a file that lists more
# (a few bytes per one-unit layer) is refused before any is built, and glassnet never writes one.
MAX_LAYERS = 10_000


def network_state(net):
    """``(meta, arrays)`` describing a :class:`glassnet.Sequential`: layer configs and flat weights."""
    if len(net.layers) > MAX_LAYERS:
        raise ValueError(f"the network has {len(net.layers):,} layers; a glassnet file holds at most {MAX_LAYERS:,}.")
    layers = []
    for i, layer in enumerate(net.layers):
        name = type(layer).__name__
        if LAYERS.get(name) is not type(layer):
            raise ValueError(
                f"layers[{i}] is a {name}, which glassnet cannot save; savable layers are {sorted(LAYERS)}."
            )
        layers.append({"class": name, "config": layer.get_config()})
    meta = {"layers": layers, "output": net.output, "dtype": np.dtype(net.dtype).name}
    if net.input_shape is not None:
        meta["input_shape"] = list(net.input_shape)
    return meta, {"weights": net.get_weights()}


def network_from_state(meta, arrays, path="<network>"):
    """Rebuild the :class:`glassnet.Sequential` described by :func:`network_state`.

    Layers are looked up in ``LAYERS`` by name, never imported from the file; the weights stored bound
    what the layers may allocate, so a damaged size (say 10**9 x 10**9) is refused before any memory
    is taken for it.
    """
    try:
        if len(meta["layers"]) > MAX_LAYERS:
            raise ValueError(f"it lists {len(meta['layers']):,} layers, more than the {MAX_LAYERS:,} a glassnet "
                             "network may have")
        budget = int(arrays["weights"].size)
        layers = []
        for spec in meta["layers"]:
            cls = LAYERS[spec["class"]]
            config = dict(spec["config"])
            budget -= cls.param_count(config)
            if budget < 0:
                raise ValueError(f"the layers need more parameters than the {arrays['weights'].size} stored")
            if "init" in config and not _known_initializer(config["init"]):
                # A custom initialiser is saved by its repr; the stored weights replace whatever it drew.
                config["init"] = "zeros"
            layers.append(cls(**config))
        net = Sequential(layers, output=meta["output"], dtype=meta["dtype"], input_shape=meta.get("input_shape"))
        net.set_weights(arrays["weights"].astype(net.dtype, copy=False))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(path, "corrupted", f"the network it describes cannot be rebuilt ({exc!r}).") from None
    return net


def _known_initializer(init) -> bool:
    try:
        initializers.get(init)
    except (ValueError, TypeError):
        return False
    return True
