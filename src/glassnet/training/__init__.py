"""Training: the loop (``fit``), what hangs off it (callbacks, metrics) and gradient checking."""

from . import callbacks, metrics
from .batches import BatchGatherer, batch_indices
from .callbacks import Callback, EarlyStopping, LambdaCallback, ProgressBar
from .gradcheck import GradientCheckError, gradcheck
from .loop import DivergenceError, History, TrainingLoop, evaluate, fit, objective, train_step

__all__ = [
    "BatchGatherer", "Callback", "DivergenceError", "EarlyStopping", "GradientCheckError", "History",
    "LambdaCallback", "ProgressBar", "TrainingLoop", "batch_indices", "callbacks", "evaluate", "fit", "gradcheck",
    "metrics", "objective", "train_step",
]
