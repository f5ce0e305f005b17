"""Networks in glassnet files: a :class:`glassnet.nn.Sequential` as layer configs and flat weights."""

from __future__ import annotations

import numpy as np

from ..nn import initializers
from ..nn.backend import to_numpy
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
    arrays = {"weights": np.array(to_numpy(net.flat_params))}  # files hold host NumPy arrays
    buffers = net.get_buffers()
    if buffers.size:  # BatchNorm's running statistics
        arrays["buffers"] = np.array(to_numpy(buffers))
    return meta, arrays


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
            layers.append(cls.from_config(_named_initializers(config)))
        net = Sequential(layers, output=meta["output"], dtype=meta["dtype"], input_shape=meta.get("input_shape"))
        net.set_weights(arrays["weights"].astype(net.dtype, copy=False))
        if "buffers" in arrays or net.get_buffers().size:
            net.set_buffers(arrays["buffers"].astype(net.dtype, copy=False))
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        raise ModelFileError(path, "corrupted", f"the network it describes cannot be rebuilt ({exc!r}).") from None
    return net


def _named_initializers(config: dict) -> dict:
    """``config`` with every custom initialiser (saved by its repr) replaced by "zeros", in the layers of
    a container too: the stored weights replace whatever it drew."""
    config = dict(config)
    for key in ("init", "bias_init"):
        if key in config and not _known_initializer(config[key]):
            config[key] = "zeros"
    if isinstance(config.get("layers"), list):
        config["layers"] = [{**spec, "config": _named_initializers(spec["config"])}
                            if isinstance(spec, dict) and isinstance(spec.get("config"), dict) else spec
                            for spec in config["layers"]]
    return config


def _known_initializer(init) -> bool:
    try:
        initializers.get(init)
    except (ValueError, TypeError):
        return False
    return True
