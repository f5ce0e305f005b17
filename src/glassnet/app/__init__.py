"""The trainable model behind ``glassnet train``: data sets, CSV files, preprocessing and a network.

This face builds on the core (``glassnet.Sequential``, ``glassnet.training.fit``, callbacks) and is
never imported by it.
"""

from .data import DATASETS, Dataset, Table, load_dataset, read_csv
from .model import TabularModel
from .preprocess import Preprocessor

__all__ = ["DATASETS", "Dataset", "Preprocessor", "Table", "TabularModel", "load_dataset", "read_csv"]
