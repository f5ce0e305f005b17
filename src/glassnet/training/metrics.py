"""Scores of a network's outputs, computed with scikit-learn's metrics.

A network gives logits; what a metric compares depends on the output function its loss pairs with:
class indices for a softmax, 0/1 per column for logistic outputs, values otherwise. scikit-learn is
imported when a score is first computed, so that importing the core stays light.
"""

from __future__ import annotations

import numpy as np

from ..nn.backend import to_numpy

# name -> the function in sklearn.metrics
METRICS = {"accuracy": "accuracy_score", "r2": "r2_score"}


def check_names(names) -> list:
    """``names`` as a list of known metric names, or a ``ValueError`` listing them."""
    names = list(names)
    for name in names:
        if name not in METRICS:
            raise ValueError(f"Unknown metric {name!r}; expected one of {sorted(METRICS)}.")
    return names


def predictions(logits, output: str) -> np.ndarray:
    """What the network predicts from its ``logits``, in the form a metric compares (on the host)."""
    logits = to_numpy(logits)
    if output == "softmax":
        return logits.argmax(axis=1)
    if output == "sigmoid":
        labels = logits > 0.0
        return labels.ravel() if labels.shape[1] == 1 else labels
    values = np.exp(logits) if output == "exp" else logits
    return values.ravel() if values.shape[1] == 1 else values


def truths(targets, output: str) -> np.ndarray:
    """Targets, as a loss takes them, in the form :func:`predictions` gives (on the host)."""
    targets = to_numpy(targets)
    if output == "softmax":
        return targets if targets.ndim == 1 else targets.argmax(axis=1)
    if output == "sigmoid":
        labels = targets.reshape(len(targets), -1) > 0.5
        return labels.ravel() if labels.shape[1] == 1 else labels
    return targets if targets.ndim == 1 or targets.shape[1] > 1 else targets.ravel()


def score(name: str, y_true, y_pred, sample_weight=None) -> float:
    """The metric ``name`` of ``y_pred`` against ``y_true`` (see :func:`predictions`)."""
    from sklearn import metrics

    return float(getattr(metrics, METRICS[name])(y_true, y_pred, sample_weight=sample_weight))
