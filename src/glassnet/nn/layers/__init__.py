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
from .conv import Conv1D, Conv2D
from .dense import Bias, Dense
from .dropout import Dropout
from .normalization import BatchNorm
from .pooling import AvgPool1D, AvgPool2D, GlobalAveragePool, MaxPool1D, MaxPool2D
from .reshape import Flatten, Reshape
from .residual import Residual

LAYERS = {cls.__name__: cls for cls in (
    Dense, Bias, Dropout, Identity, Sigmoid, Tanh, ReLU, LeakyReLU, RBF, GELU, Softmax,
    Conv1D, Conv2D, MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D, GlobalAveragePool, Flatten, Reshape, BatchNorm,
    Residual,
)}

__all__ = [
    "ACTIVATIONS", "LAYERS", "Activation", "AvgPool1D", "AvgPool2D", "BatchNorm", "Bias", "Conv1D", "Conv2D",
    "Dense", "Dropout", "Flatten", "GELU", "GlobalAveragePool", "Identity", "Layer", "LeakyReLU", "MaxPool1D",
    "MaxPool2D", "RBF", "ReLU", "Reshape", "Residual", "Sigmoid", "Softmax", "Tanh",
]
