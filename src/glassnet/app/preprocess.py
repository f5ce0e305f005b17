"""Column preprocessing fitted with scikit-learn and stored as plain numbers.

Numeric columns: missing values become the training median (``SimpleImputer``), then
``(x - mean) / scale`` (``StandardScaler``). Categorical columns: missing values become the most
frequent training category, then one 0/1 column per training category (``OneHotEncoder`` with
``handle_unknown="ignore"``: an unseen category gives all zeros).

Only the learned numbers (medians, means, scales, most frequent values, categories) are kept, as JSON
and arrays, and :meth:`Preprocessor.transform` applies them with NumPy. A freshly trained model and
one loaded from a file therefore run exactly the same arithmetic, and nothing needs pickling.
"""

from __future__ import annotations

import warnings

import numpy as np

from .data import Table


class Preprocessor:
    """Turns a :class:`Table` into the float matrix a network takes.

    Attributes
    ----------
    features : list of (name, kind)
        The input columns, in order; kind is ``"numeric"`` or ``"categorical"``.
    output_names : list of str
        The columns of the transformed matrix (``name`` or ``name=category``).
    """

    def __init__(self, features, median, mean, scale, fill, categories):
        self.features = [(str(n), str(k)) for n, k in features]
        self.median = np.asarray(median, dtype=np.float64)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.fill = dict(fill)
        self.categories = {k: list(v) for k, v in categories.items()}

    @property
    def numeric(self):
        return [n for n, k in self.features if k == "numeric"]

    @property
    def categorical(self):
        return [n for n, k in self.features if k == "categorical"]

    @property
    def output_names(self):
        return self.numeric + [f"{n}={c}" for n in self.categorical for c in self.categories[n]]

    @classmethod
    def fit(cls, table: Table) -> "Preprocessor":
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        features = [(n, table.kinds[n]) for n in table.names]
        numeric = [n for n, k in features if k == "numeric"]
        categorical = [n for n, k in features if k == "categorical"]
        for name in numeric:
            if np.all(np.isnan(table.columns[name])):
                raise ValueError(f"column {name!r} has no values in the training data; drop it.")
        for name in categorical:
            if all(v is None for v in table.columns[name]):
                raise ValueError(f"column {name!r} has no values in the training data; drop it.")
        median = mean = scale = np.zeros(0)
        if numeric:
            Xn = np.column_stack([table.columns[n] for n in numeric])
            pipe = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit(Xn)
            median = pipe[0].statistics_
            mean, scale = pipe[1].mean_, pipe[1].scale_
        fill, categories = {}, {}
        if categorical:
            Xc = np.column_stack([table.columns[n] for n in categorical]).astype(object)
            Xc[np.equal(Xc, None)] = np.nan
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                pipe = make_pipeline(
                    SimpleImputer(strategy="most_frequent", missing_values=np.nan),
                    OneHotEncoder(handle_unknown="ignore"),
                ).fit(Xc)
            for j, name in enumerate(categorical):
                fill[name] = str(pipe[0].statistics_[j])
                categories[name] = [str(c) for c in pipe[1].categories_[j]]
        return cls(features, median, mean, scale, fill, categories)

    def transform(self, table: Table, dtype=np.float64) -> np.ndarray:
        """table -> ndarray of shape (n_rows, len(output_names))."""
        missing = [n for n, _ in self.features if n not in table.columns]
        if missing:
            raise ValueError(f"the data lacks the columns {missing} that the model was trained on.")
        blocks = []
        if self.numeric:
            Xn = np.column_stack([np.asarray(table.columns[n], dtype=np.float64) for n in self.numeric])
            Xn = np.where(np.isnan(Xn), self.median, Xn)
            Xn -= self.mean
            Xn /= self.scale
            blocks.append(Xn)
        for name in self.categorical:
            values = np.array([self.fill[name] if v is None else str(v) for v in table.columns[name]], dtype=object)
            cats = np.array(self.categories[name], dtype=object)
            blocks.append((values[:, None] == cats[None, :]).astype(np.float64))
        return np.ascontiguousarray(np.hstack(blocks), dtype=dtype)

    # ------------------------------------------------------------------ plain-data state
    def to_state(self):
        meta = {"features": [list(f) for f in self.features], "fill": self.fill, "categories": self.categories}
        arrays = {"median": self.median, "mean": self.mean, "scale": self.scale}
        return meta, arrays

    @classmethod
    def from_state(cls, meta, arrays):
        return cls(meta["features"], arrays["median"], arrays["mean"], arrays["scale"], meta["fill"], meta["categories"])
