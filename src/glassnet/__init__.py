"""glassnet: neural networks in plain NumPy where every gradient is written out and checked.

The package is built in rings (see ARCHITECTURE.md): the core (:mod:`glassnet.nn`,
:mod:`glassnet.optim`, :mod:`glassnet.training`), file formats (:mod:`glassnet.serialize`), the faces
built on them (:mod:`glassnet.estimators`, :mod:`glassnet.tabular`, the command line).

The names below are loaded on first use, so ``import glassnet`` costs almost nothing and loads
neither scikit-learn nor matplotlib::

    import glassnet as gn
    net = gn.Sequential([gn.nn.Dense(4, 8), gn.nn.Tanh(), gn.nn.Dense(8, 3)], output="softmax")
    history = gn.fit(net, gn.nn.SoftmaxCrossEntropy(), gn.optim.Adam(0.01), X, y, epochs=20)
"""

from __future__ import annotations

import importlib

from ._version import __version__

# public name -> the module that defines it
_EXPORTS = {
    "Sequential": "glassnet.nn",
    "fit": "glassnet.training",
    "History": "glassnet.training",
    "DivergenceError": "glassnet.training",
    "gradcheck": "glassnet.training",
    "GradientCheckError": "glassnet.training",
    "save": "glassnet.persist",
    "load": "glassnet.persist",
    "ModelFileError": "glassnet.serialize.container",
    "MLPClassifier": "glassnet.estimators",
    "MLPRegressor": "glassnet.estimators",
    "NeuralNetClassifier": "glassnet.estimators",
    "NeuralNetRegressor": "glassnet.estimators",
    "export_onnx": "glassnet.export",
}
_SUBPACKAGES = ("nn", "optim", "training", "serialize", "estimators", "tabular", "datasets", "plotting",
                "experiments", "persist", "export", "sweep", "cli")


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"glassnet.{name}")
    else:
        raise AttributeError(f"module 'glassnet' has no attribute {name!r}")
    globals()[name] = value  # looked up once
    return value


def __dir__():
    return sorted([*globals(), *_EXPORTS, *_SUBPACKAGES])


__all__ = ["__version__", *_EXPORTS]
