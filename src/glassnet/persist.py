"""``glassnet.save`` and ``glassnet.load``: every kind of model in the one file format.

The container (:mod:`glassnet.serialize.container`) stores a kind, plain-JSON metadata and arrays;
this module maps each kind to the code that writes and reads it, in a fixed table. A class is never
imported by a name read from a file: the file only chooses a row of the table.
"""

from __future__ import annotations

import os

import numpy as np

from .serialize.container import ModelFileError, read_file, write_file


def _sequential_state(net):
    from .serialize.network import network_state

    return network_state(net)


def _sequential(meta, arrays, path):
    from .serialize.network import network_from_state

    return network_from_state(meta, arrays, path)


def _estimator(meta, arrays, path):
    from .estimators.persistence import estimator_from_state
    from .serialize.network import MAX_LAYERS

    # Each hidden layer costs time to build whatever its width: count them before building any.
    sizes = meta.get("params", {}).get("hidden_layer_sizes") if isinstance(meta, dict) and isinstance(
        meta.get("params"), dict) else None
    if isinstance(sizes, list) and len(sizes) > MAX_LAYERS:
        raise ModelFileError(path, "corrupted", f"the estimator it describes has {len(sizes):,} hidden layers, more "
                             f"than the {MAX_LAYERS:,} a glassnet network may have.")
    return estimator_from_state(meta, arrays, path)


def _tabular_model(meta, arrays, path):
    from .tabular.model import TabularModel

    return TabularModel.from_state(meta, arrays, path)


def _checkpoint(meta, arrays, path):
    folder = os.path.dirname(os.fspath(path)) or "."
    raise ValueError(
        f"{path} is a training checkpoint, not a model: continue it with `glassnet train --resume {folder}`, "
        "or load the model file written beside it."
    )


# kind -> the function that rebuilds it from (meta, arrays, path)
LOADERS = {
    "sequential": _sequential,
    "estimator": _estimator,
    "tabular-model": _tabular_model,
    "checkpoint": _checkpoint,
}


def to_state(obj):
    """``(kind, meta, arrays)`` for any object :func:`save` accepts."""
    from .nn.network import Sequential

    if isinstance(obj, Sequential):
        return ("sequential", *_sequential_state(obj))
    from .tabular.model import TabularModel

    if isinstance(obj, TabularModel):
        return (TabularModel.KIND, *obj.to_state())
    if type(obj).__module__.startswith("glassnet.estimators"):
        from .estimators.persistence import estimator_state

        return ("estimator", *estimator_state(obj))
    raise TypeError(
        f"glassnet.save takes a Sequential, a fitted glassnet estimator (MLPClassifier, NeuralNetClassifier, ...) or a model from "
        f"`glassnet train`, got {type(obj).__name__}."
    )


def save(obj, path) -> None:
    """Save ``obj`` to ``path`` (atomically) in the glassnet file format.

    ``obj`` is a :class:`glassnet.nn.Sequential`, a fitted ``glassnet.MLPClassifier`` or
    ``MLPRegressor``, or a model made by ``glassnet train`` (:class:`glassnet.tabular.TabularModel`).
    """
    kind, meta, arrays = to_state(obj)
    write_file(path, kind, meta, arrays)


def from_state(kind, meta, arrays, path="<model>"):
    """The object :func:`to_state` described."""
    loader = LOADERS.get(kind)
    if loader is None:
        raise ModelFileError(path, "corrupted", f"it holds a glassnet {kind!r}, which this glassnet does not know "
                             f"how to load (it loads {', '.join(k for k in LOADERS if k != 'checkpoint')} files).")
    obj = loader(meta, arrays, path)
    _check_finite(obj, path)
    return obj


def _network(obj):
    """The :class:`glassnet.nn.Sequential` inside a loaded model."""
    for attribute in ("net", "_net"):  # a TabularModel's, a fitted estimator's
        if hasattr(obj, attribute):
            return getattr(obj, attribute)
    return obj


def _check_finite(obj, path):
    """A model whose weights hold NaN or infinity predicts nothing but NaN: refuse it."""
    net = _network(obj)
    weights = getattr(net, "flat_params", None)
    if weights is not None and not np.isfinite(weights).all():
        bad = int(np.count_nonzero(~np.isfinite(weights)))
        raise ModelFileError(path, "corrupted", f"the model's weights hold {bad:,} NaN or infinite values of "
                             f"{weights.size:,}, so it cannot predict (was it saved from a run that diverged?).")


def load(path, device=None):
    """Load what :func:`save` wrote. Never executes code from the file.

    Files hold host NumPy arrays whatever device the model trained on. ``device`` moves a loaded
    network onto another array library or device (anything ``Sequential.to`` takes: ``"torch"``,
    ``"cupy"``, ``torch.device("cuda")``...); by default it stays in NumPy.

    Raises
    ------
    ModelFileError
        Not a glassnet file, truncated, corrupted, or written in a newer format.
    """
    kind, meta, arrays = read_file(path)
    obj = from_state(kind, meta, arrays, path)
    if device is not None:
        if not hasattr(obj, "to"):
            raise TypeError(f"{path} holds a {kind}, which lives in NumPy only; load it without device=.")
        obj.to(device)
    return obj
