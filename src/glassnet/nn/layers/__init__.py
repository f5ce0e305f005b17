"""Layers: objects with ``forward(X)`` and ``backward(dY) -> dX`` (see :class:`Layer`)."""

from .activations import (
    ACTIVATIONS,
    GELU,
    RBF,
    Activation,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from .base import Layer
from .dense import Bias, Dense
from .dropout import Dropout

LAYERS = {cls.__name__: cls for cls in (Dense, Bias, Dropout, Identity, Sigmoid, Tanh, ReLU, LeakyReLU, RBF, GELU, Softmax)}

__all__ = [
    "ACTIVATIONS", "LAYERS", "Activation", "Bias", "Dense", "Dropout", "GELU", "Identity", "Layer",
    "LeakyReLU", "RBF", "ReLU", "Sigmoid", "Softmax", "Tanh",
]
