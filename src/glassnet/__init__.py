"""glassnet: neural networks in plain NumPy where every gradient is written out and checked.

The core (this package's top level) is layers, activations, losses, initialisers, optimisers, a
network container and a training loop. Faces built on it live in sub-packages and import the core,
never the other way round.
"""

from . import callbacks, functional, initializers, layers, losses, optimizers, schedules
from .gradcheck import GradientCheckError, gradcheck
from .io import ModelFileError, load, save
from .network import Sequential
from .training import DivergenceError, History, fit

__version__ = "0.1.0"


def __getattr__(name):
    # The scikit-learn face (glassnet.estimators) imports only the core, and is loaded on first use
    # so that ``import glassnet`` does not pay for importing scikit-learn.
    if name in ("MLPClassifier", "MLPRegressor"):
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


__all__ = [
    "DivergenceError", "GradientCheckError", "History", "MLPClassifier", "MLPRegressor", "ModelFileError",
    "Sequential", "callbacks", "fit", "functional", "gradcheck", "initializers", "layers", "load", "losses",
    "optimizers", "save", "schedules", "__version__",
]
