"""How parameters move: optimizers (``step(pairs)``) and learning-rate schedules."""

from . import optimizers, schedules
from .optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, Optimizer, RMSProp
from .schedules import Constant, ExponentialDecay, InverseScaling, Schedule, StepDecay

__all__ = [
    "SGD", "AdaGrad", "Adam", "Constant", "ExponentialDecay", "InverseScaling", "Momentum", "Nesterov", "Optimizer",
    "RMSProp", "Schedule", "StepDecay", "optimizers", "schedules",
]
