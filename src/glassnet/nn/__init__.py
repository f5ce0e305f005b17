"""The maths of glassnet: layers, activations, losses, initialisers and ``Sequential``.

Nothing here imports from the rest of glassnet; everything else is built on it::

    from glassnet.nn import Dense, Sequential, SoftmaxCrossEntropy, Tanh
"""

from . import functional, initializers, layers, losses
from .layers import (
    GELU,
    RBF,
    Activation,
    AvgPool1D,
    AvgPool2D,
    BatchNorm,
    Bias,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePool,
    Identity,
    Layer,
    LeakyReLU,
    MaxPool1D,
    MaxPool2D,
    ReLU,
    Reshape,
    Residual,
    Sigmoid,
    Softmax,
    Tanh,
)
from .losses import (
    AbsoluteError,
    BinaryCrossEntropy,
    HalfSquaredError,
    Huber,
    Loss,
    MeanSquaredError,
    PoissonDeviance,
    SoftmaxCrossEntropy,
)
from .network import Sequential

__all__ = [
    "AvgPool1D", "AvgPool2D", "BatchNorm", "Conv1D", "Conv2D", "Flatten", "GlobalAveragePool", "MaxPool1D",
    "MaxPool2D", "Reshape", "Residual",
    "GELU", "RBF", "AbsoluteError", "Activation", "Bias", "BinaryCrossEntropy", "Dense", "Dropout", "HalfSquaredError",
    "Huber", "Identity", "Layer", "LeakyReLU", "Loss", "MeanSquaredError", "PoissonDeviance", "ReLU", "Sequential",
    "Sigmoid", "Softmax", "SoftmaxCrossEntropy", "Tanh", "functional", "initializers", "layers", "losses",
]
