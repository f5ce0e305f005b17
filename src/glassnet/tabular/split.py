"""Which rows a run trains on, validates on and holds out as a test set."""

from __future__ import annotations

import numpy as np


def split_rows(y, validation_fraction, test_fraction, seed, n_classes=None):
    """``(train, validation, test)`` row indices, each sorted.

    The test rows are held out first (never seen in training or model selection), then the validation
    rows from what is left. Splits are stratified by class where every class has two rows.

    Parameters
    ----------
    y : ndarray of shape (n_rows,)
        Encoded targets (class indices for classification).
    n_classes : int or None
        The number of classes, for classification.
    """
    rows, test = _hold_out(np.arange(len(y)), y, test_fraction, "test", seed, n_classes)
    train, validation = _hold_out(rows, y, validation_fraction, "validation", seed, n_classes)
    return train, validation, test


def _hold_out(rows, y, fraction, what, seed, n_classes):
    """Split ``rows`` into ``(kept, held out)`` with ``fraction`` of them held out."""
    n = len(rows)
    n_held = int(np.ceil(fraction * n))
    if n - n_held < 2:
        hint = (f"; a {what} fraction of {fraction} holds back {n_held} of them (give more rows or a smaller "
                f"--{what}-fraction)") if n_held else "; give more rows"
        rows_text = f"{n} row" if n == 1 else f"{n} rows"
        raise ValueError(f"the data have {rows_text}, too few to train on: training needs at least 2 rows{hint}.")
    if fraction == 0.0:
        return rows, rows[:0]
    from sklearn.model_selection import train_test_split

    stratify = None
    if n_classes is not None:
        counts = np.bincount(y[rows])
        if counts[counts > 0].min() >= 2 and n_held >= n_classes:
            stratify = y[rows]
    try:
        kept, held = train_test_split(rows, test_size=fraction, random_state=seed, stratify=stratify)
    except ValueError as exc:
        raise ValueError(f"cannot split {n} rows with {what} fraction {fraction}: {exc}") from None
    return np.sort(kept), np.sort(held)
