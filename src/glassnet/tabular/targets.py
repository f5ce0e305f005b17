"""The target column, encoded one way for every command: class indices, or standardised values.

Classification: labels are read as text (``1``, ``1.0`` and ``" 1"`` are the same class); the classes
are those a data set names, or the labels present sorted as numbers first, then as text. Regression:
the values are standardised with the training rows' mean and standard deviation, so that one learning
rate suits every target's units.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .data import label_text, regression_targets

TASKS = ("classification", "regression")


class TargetEncoder(TransformerMixin, BaseEstimator):
    """Raw targets to what the network trains on, and back.

    Parameters
    ----------
    task : {"classification", "regression"}
    classes : list of str or None
        The classes in order; None takes the labels present when fitting.
    target : str
        The target column's name, for messages.

    Attributes
    ----------
    classes_ : list of str or None
    mean_, scale_ : float
        The regression scaling (0 and 1 for classification).
    """

    def __init__(self, task="classification", classes=None, target="target"):
        self.task = task
        self.classes = classes
        self.target = target

    def fit(self, y, x=None):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}.")
        self.mean_, self.scale_, self.classes_ = 0.0, 1.0, None
        if self.task == "classification":
            labels = {label_text(v) for v in np.ravel(y)}
            classes = list(self.classes) if self.classes is not None else sorted(labels, key=_numbers_first)
            if len(classes) < 2:
                raise ValueError(f"classification needs at least two classes; the target holds only {classes}.")
            self.classes_ = classes
        else:
            values = regression_targets(np.ravel(y), self.target)
            self.mean_, self.scale_ = float(values.mean()), float(values.std() or 1.0)
        return self

    def transform(self, y):
        """Class indices (int64), or standardised values in the shape given."""
        if self.task == "classification":
            index = {c: i for i, c in enumerate(self.classes_)}
            labels = [label_text(v) for v in np.ravel(y)]
            unknown = sorted({v for v in labels if v not in index})
            if unknown:
                raise ValueError(f"the target has classes {unknown[:5]} that the model was not trained on "
                                 f"(it knows {self.classes_}).")
            return np.array([index[v] for v in labels], dtype=np.int64)
        values = regression_targets(np.ravel(y), self.target).reshape(np.shape(y))
        return (values - self.mean_) / self.scale_

    def inverse_transform(self, encoded):
        """Labels (object array of str) from class indices, or values in the target's units."""
        if self.task == "classification":
            return np.array(self.classes_, dtype=object)[np.asarray(encoded)]
        return np.asarray(encoded, dtype=np.float64) * self.scale_ + self.mean_


def _numbers_first(label):
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)
