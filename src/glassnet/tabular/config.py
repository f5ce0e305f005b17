"""``TrainConfig``: everything that defines a ``glassnet train`` run, checked once when it is made."""

from __future__ import annotations

import dataclasses

from ..nn.checks import FLOAT_DTYPES, check_positive_int, check_real
from ..nn.layers.activations import ACTIVATIONS
from ..optim import optimizers

TASKS = ("auto", "classification", "regression")
# Every activation but softmax, which is an output function
HIDDEN_ACTIVATIONS = tuple(sorted(name for name in ACTIVATIONS if name != "softmax"))


def parse_layers(text) -> tuple:
    """Hidden-layer widths as every command writes them: ``64`` or ``64,32``."""
    parts = str(text).split(",")
    if not all(part.strip().isdigit() and int(part) > 0 for part in parts):
        raise ValueError(f"hidden-layer widths are positive whole numbers separated by commas, like 64,32; "
                         f"got {text!r}.")
    return tuple(int(part) for part in parts)


@dataclasses.dataclass
class TrainConfig:
    """A run's settings (all plain values, stored in models and checkpoints).

    Making one checks every value with the core's checks, so a bad setting is refused with the same
    message whether it comes from the command line, Python or a checkpoint.
    """

    dataset: str | None = "digits"
    csv: str | None = None
    target: str | None = None
    task: str = "auto"
    layers: tuple = (64,)
    activation: str = "relu"
    optimizer: str = "adam"
    learning_rate: float = 0.001
    epochs: int = 1000
    batch_size: int = 32
    l2: float = 1e-4
    dropout: float = 0.0
    early_stopping: int = 20
    validation_fraction: float = 0.2
    test_fraction: float = 0.0
    seed: int = 0
    dtype: str = "float64"
    checkpoint_every: int = 0

    def __post_init__(self):
        if self.csv is not None and not self.target:
            raise ValueError("--csv needs --target COLUMN, the column to predict.")
        if self.csv is None and self.target is not None:
            raise ValueError("--target goes with --csv PATH; the bundled data sets know their target.")
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}.")
        self.layers = tuple(self.layers)
        if not self.layers:
            raise ValueError("layers must give at least one hidden-layer width, like 64,32.")
        for width in self.layers:
            check_positive_int(width, "each hidden-layer width")
        if self.activation == "softmax":
            raise ValueError("softmax is an output function, not a hidden activation; use relu, tanh, ...")
        if self.activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"Unknown activation {self.activation!r}; expected one of {list(HIDDEN_ACTIVATIONS)}.")
        optimizers.get(self.optimizer, learning_rate=self.learning_rate)  # name and rate
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.early_stopping, "early_stopping", minimum=0)
        check_positive_int(self.checkpoint_every, "checkpoint_every", minimum=0)
        check_real(self.l2, "l2", low=0.0)
        check_real(self.dropout, "dropout", low=0.0, high=1.0, high_inclusive=False)
        check_real(self.validation_fraction, "validation_fraction", low=0.0, high=1.0, high_inclusive=False)
        check_real(self.test_fraction, "test_fraction", low=0.0, high=1.0, high_inclusive=False)
        if self.validation_fraction + self.test_fraction >= 1.0:
            raise ValueError(f"validation fraction {self.validation_fraction} and test fraction "
                             f"{self.test_fraction} leave no rows to train on: their sum must be below 1.")
        if self.early_stopping and self.validation_fraction == 0.0:
            raise ValueError("early stopping watches the validation loss: give --validation-fraction > 0 "
                             "or switch it off with --early-stopping 0.")
        if self.dtype not in FLOAT_DTYPES:
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be an integer from 0 to 2**32 - 1, got {self.seed!r}.")

    def to_json(self):
        out = dataclasses.asdict(self)
        out["layers"] = list(self.layers)
        return out

    @classmethod
    def from_json(cls, d):
        return cls(**d)
