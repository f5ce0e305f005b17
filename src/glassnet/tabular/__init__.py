"""The application behind ``glassnet train``: tables in, a trained model and its report out.

``config`` (the settings), ``data`` (bundled sets and CSV files), ``preprocess`` and ``targets`` (one
preparation of features and targets for every command), ``model`` (preprocessing + network),
``split``, ``run`` (training through the core's loop), ``callbacks``, ``checkpoint``, ``outputs`` and
``report``. It builds on the core and is never imported by it.
"""

from .config import TrainConfig
from .data import Dataset, load_dataset, read_csv
from .model import TabularModel
from .preprocess import Preprocessor
from .run import Run
from .targets import TargetEncoder

__all__ = ["Dataset", "Preprocessor", "Run", "TabularModel", "TargetEncoder", "TrainConfig", "load_dataset", "read_csv"]
