"""The array libraries the core is tested on: NumPy, array-api-strict (the standard and nothing else)
and PyTorch on the CPU (the `test-arrays` extra installs both). Each test parametrized with
``BACKENDS`` runs once per library, and is skipped where the library is not installed."""

import importlib.util

import numpy as np
import pytest

from glassnet.nn import backend as B

NAMES = ["numpy", "array_api_strict", "torch"]
if importlib.util.find_spec("torch") is not None:
    import torch

    # The tests' products are tiny: PyTorch's worker threads only wait on each other (tens of ms a
    # product on a shared machine), one thread keeps the suite fast.
    torch.set_num_threads(1)
BACKENDS = [
    pytest.param(name, id=name, marks=pytest.mark.skipif(
        importlib.util.find_spec(name) is None, reason=f"{name} is not installed (pip install glassnet[test-arrays])"))
    for name in NAMES
]


def on(name, a, dtype=None):
    """The host array ``a`` as an array of library ``name`` (on its CPU device)."""
    xp, dev = B.resolve(name)
    return B.asarray(np.asarray(a), xp, dev, dtype)


def host(a):
    return None if a is None else np.asarray(B.to_numpy(a))


def put_layer(layer, name):
    """Move a layer's parameters (and fresh gradients), its buffers and those of the layers inside it
    (a ``Residual``'s stack) to library ``name``; returns the layer."""
    for key in list(layer.params):
        layer.params[key] = on(name, host(layer.params[key]))
        layer.grads[key] = B.namespace(layer.params[key]).zeros_like(layer.params[key])
    for key in list(layer.buffers):
        layer.buffers[key] = on(name, host(layer.buffers[key]))
    for inner in layer.sublayers:
        put_layer(inner, name)
    return layer
