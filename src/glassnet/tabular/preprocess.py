"""Column preprocessing: a scikit-learn transformer whose learned numbers are plain data.

Numeric columns: missing values become the training median (``SimpleImputer``), then
``(x - mean) / scale`` (``StandardScaler``). Categorical columns: missing values become the most
frequent training category, then one 0/1 column per training category (``OneHotEncoder`` with
``handle_unknown="ignore"``: an unseen category gives all zeros).

``fit`` learns with scikit-learn; only the numbers (medians, means, scales, most frequent values,
categories) are kept, and ``transform`` applies them with NumPy. A freshly trained model and one
loaded from a file therefore run exactly the same arithmetic, and nothing needs pickling. Being a
transformer, the same step prepares the data for ``glassnet train`` and, inside each
cross-validation fold, for ``glassnet sweep``.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .data import CATEGORICAL, NUMERIC

# One-hot encoding makes a column per category: an identifier column (a value per row) or a numeric
# column read as text because of one typo would make thousands of inputs, and as many weights per
# hidden unit. A categorical column may have at most this many categories, and at most half as many
# as there are rows once it has more than ID_LIKE_ABOVE.
MAX_CATEGORIES = 1000
ID_LIKE_ABOVE = 100


class Preprocessor(TransformerMixin, BaseEstimator):
    """Turns a DataFrame of the ``features`` columns into the float matrix a network takes.

    Parameters
    ----------
    features : list of (name, kind)
        The input columns, in order; kind is ``"numeric"`` or ``"categorical"``.

    Attributes
    ----------
    median_, mean_, scale_ : ndarray of shape (n_numeric,)
    fill_ : dict of str -> str
        The most frequent training category of each categorical column.
    categories_ : dict of str -> list of str
    """

    def __init__(self, features=()):
        self.features = features

    @property
    def numeric(self):
        return [n for n, k in self.features if k == NUMERIC]

    @property
    def categorical(self):
        return [n for n, k in self.features if k == CATEGORICAL]

    def get_feature_names_out(self, input_features=None):
        """The transformed matrix's columns: ``name`` or ``name=category``."""
        one_hot = [f"{n}={c}" for n in self.categorical for c in self.categories_[n]]
        return np.array(self.numeric + one_hot, dtype=object)

    def fit(self, frame, y=None):
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        numeric, categorical = self.numeric, self.categorical
        self._check_columns(frame)
        for name in numeric:
            if frame[name].isna().all():
                raise ValueError(f"column {name!r} has no values in the training data; drop it.")
        for name in categorical:
            if frame[name].isna().all():
                raise ValueError(f"column {name!r} has no values in the training data; drop it.")
            _check_cardinality(name, frame[name])
        self.median_ = self.mean_ = self.scale_ = np.zeros(0)
        if numeric:
            pipe = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit(self._numbers(frame))
            self.median_ = pipe[0].statistics_
            self.mean_, self.scale_ = pipe[1].mean_, pipe[1].scale_
        self.fill_, self.categories_ = {}, {}
        if categorical:
            Xc = frame[categorical].to_numpy(dtype=object, copy=True)
            Xc[frame[categorical].isna().to_numpy()] = np.nan
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                pipe = make_pipeline(
                    SimpleImputer(strategy="most_frequent", missing_values=np.nan),
                    OneHotEncoder(handle_unknown="ignore"),
                ).fit(Xc)
            for j, name in enumerate(categorical):
                self.fill_[name] = str(pipe[0].statistics_[j])
                self.categories_[name] = [str(c) for c in pipe[1].categories_[j]]
        self.n_features_in_ = len(self.features)
        return self

    def transform(self, frame, dtype=np.float64) -> np.ndarray:
        """frame -> ndarray of shape (n_rows, len(get_feature_names_out()))."""
        self._check_columns(frame)
        blocks = []
        if self.numeric:
            Xn = self._numbers(frame)
            Xn = np.where(np.isnan(Xn), self.median_, Xn)
            Xn -= self.mean_
            Xn /= self.scale_
            blocks.append(Xn)
        for name in self.categorical:
            column = frame[name]
            values = np.where(column.isna().to_numpy(), self.fill_[name], column.to_numpy(dtype=object))
            values = np.array([str(v) for v in values], dtype=object)
            cats = np.array(self.categories_[name], dtype=object)
            blocks.append((values[:, None] == cats[None, :]).astype(np.float64))
        return np.ascontiguousarray(np.hstack(blocks), dtype=dtype)

    def unseen(self, frame) -> dict:
        """``{column: {category: rows}}`` for categories of ``frame`` that training never saw (which
        :meth:`transform` encodes as all zeros); empty when there are none."""
        found = {}
        for name in self.categorical:
            column = frame[name].dropna().astype(str)
            new = column[~column.isin(self.categories_[name])].value_counts()
            if len(new):
                found[name] = {str(k): int(v) for k, v in new.items()}
        return found

    def _numbers(self, frame):
        return frame[self.numeric].to_numpy(dtype=np.float64)

    def _check_columns(self, frame):
        missing = [n for n, _ in self.features if n not in frame.columns]
        if missing:
            raise ValueError(f"the data lacks the columns {missing} that the model was trained on.")

    # ------------------------------------------------------------------ plain-data state
    def to_state(self):
        meta = {"features": [list(f) for f in self.features], "fill": self.fill_, "categories": self.categories_}
        arrays = {"median": self.median_, "mean": self.mean_, "scale": self.scale_}
        return meta, arrays

    @classmethod
    def from_state(cls, meta, arrays):
        pre = cls([(str(n), str(k)) for n, k in meta["features"]])
        pre.median_, pre.mean_, pre.scale_ = (np.asarray(arrays[k], dtype=np.float64)
                                              for k in ("median", "mean", "scale"))
        pre.fill_ = dict(meta["fill"])
        pre.categories_ = {k: list(v) for k, v in meta["categories"].items()}
        pre.n_features_in_ = len(pre.features)
        return pre


def _check_cardinality(name, column):
    """Raise ValueError when ``column`` has too many categories to one-hot encode, saying whether it
    looks like an identifier or like numbers with a few typos."""
    values = column.dropna().astype(str)
    distinct = values.nunique()
    if distinct <= MAX_CATEGORIES and (distinct <= ID_LIKE_ABOVE or 2 * distinct <= len(column)):
        return
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() >= 0.9 * len(values):
        typos = ", ".join(repr(v) for v in values[numbers.isna()].unique()[:3])
        hint = (f"; {int(numbers.notna().sum()):,} of its {len(values):,} values are numbers, so it was read as text "
                f"because of {typos}: fix those values to use it as a number")
    else:
        hint = "; it looks like an identifier, which predicts nothing: drop it from the CSV"
    raise ValueError(f"column {name!r} has {distinct:,} distinct values in {len(column):,} rows, too many categories to "
                     f"one-hot encode (at most {MAX_CATEGORIES:,}, and at most half the rows){hint}.")
