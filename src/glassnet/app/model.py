"""``TabularModel``: preprocessing, a :class:`glassnet.Sequential` and what its outputs mean."""

from __future__ import annotations

import numpy as np

from .. import io
from .data import Table, label_text, regression_targets
from .preprocess import Preprocessor

# The parts of the data a training run reports on, in the order they are shown.
SPLITS = ("train", "validation", "test")


class TabularModel:
    """A trained network together with everything needed to use it on raw tables.

    Parameters
    ----------
    preprocessor : Preprocessor
    net : glassnet.Sequential
        Softmax output over ``classes`` for classification, one identity output for regression
        (trained on ``(y - y_mean) / y_scale``).
    task : {"classification", "regression"}
    target : str
        The target column's name.
    classes : list of str or None
    y_mean, y_scale : float
        Regression target scaling (0 and 1 for classification).
    info : dict
        Plain-JSON record of the run: hyperparameters, data summary, history, metrics, versions.
    """

    _glassnet_kind = "tabular-model"

    def __init__(self, preprocessor, net, task, target, classes=None, y_mean=0.0, y_scale=1.0, info=None):
        self.preprocessor = preprocessor
        self.net = net
        self.task = task
        self.target = target
        self.classes = list(classes) if classes is not None else None
        self.y_mean = float(y_mean)
        self.y_scale = float(y_scale)
        self.info = dict(info or {})

    @property
    def features(self):
        return self.preprocessor.features

    # ------------------------------------------------------------------ data
    def transform(self, table: Table) -> np.ndarray:
        return self.preprocessor.transform(table, dtype=self.net.dtype)

    def encode_targets(self, y) -> np.ndarray:
        """Raw targets -> class indices (classification) or scaled values (regression)."""
        if self.task == "classification":
            index = {c: i for i, c in enumerate(self.classes)}
            labels = [label_text(v) for v in y]
            unknown = sorted({v for v in labels if v not in index})
            if unknown:
                raise ValueError(f"the target has classes {unknown[:5]} that the model was not trained on "
                                 f"(it knows {self.classes}).")
            return np.array([index[v] for v in labels], dtype=np.int64)
        return (regression_targets(y, self.target) - self.y_mean) / self.y_scale

    # ------------------------------------------------------------------ predictions
    def predict_proba_matrix(self, X) -> np.ndarray:
        if self.task != "classification":
            raise ValueError("class probabilities exist only for classification models.")
        return self.net.predict_proba(X)

    def predict_matrix(self, X) -> np.ndarray:
        """Preprocessed X -> labels (array of str) or values in the target's units."""
        if self.task == "classification":
            return np.array(self.classes, dtype=object)[self.net.predict(X)]
        return self.net.predict(X)[:, 0].astype(np.float64) * self.y_scale + self.y_mean

    def predict_proba(self, table: Table) -> np.ndarray:
        """table -> ndarray of shape (n_rows, n_classes)."""
        return self.predict_proba_matrix(self.transform(table))

    def predict(self, table: Table) -> np.ndarray:
        return self.predict_matrix(self.transform(table))

    def evaluate(self, table: Table, y) -> dict:
        """Metrics of this model on a table with known targets (see :func:`metrics`)."""
        return metrics(self, self.transform(table), self.encode_targets(y))

    # ------------------------------------------------------------------ saving
    def _to_state(self):
        pre_meta, pre_arrays = self.preprocessor.to_state()
        net_meta, net_arrays = io.network_state(self.net)
        meta = {
            "task": self.task, "target": self.target, "classes": self.classes,
            "y_mean": self.y_mean, "y_scale": self.y_scale,
            "preprocessing": pre_meta, "network": net_meta, "info": self.info,
        }
        arrays = {f"pre.{k}": v for k, v in pre_arrays.items()}
        arrays.update({f"net.{k}": v for k, v in net_arrays.items()})
        return meta, arrays

    @classmethod
    def _from_state(cls, meta, arrays, path="<model>"):
        try:
            part = {p: {k[4:]: v for k, v in arrays.items() if k.startswith(p + ".")} for p in ("pre", "net")}
            pre = Preprocessor.from_state(meta["preprocessing"], part["pre"])
            net = io.network_from_state(meta["network"], part["net"], path)
            model = cls(pre, net, meta["task"], meta["target"], meta["classes"], meta["y_mean"], meta["y_scale"],
                        meta["info"])
            model._check_consistent()
            return model
        except io.ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise io.ModelFileError(path, "corrupted", f"the model it describes is incomplete ({exc!r}).") from None

    def _check_consistent(self):
        """Raise ValueError unless the parts fit together (a loaded model must be usable)."""
        pre, net = self.preprocessor, self.net
        n_numeric = len(pre.numeric)
        if not all(a.shape == (n_numeric,) for a in (pre.median, pre.mean, pre.scale)):
            raise ValueError("the numeric preprocessing does not match its columns")
        if set(pre.categorical) != set(pre.categories) or not all(c in pre.fill for c in pre.categorical):
            raise ValueError("the categorical preprocessing does not match its columns")
        if len(pre.output_names) != net.n_features_in:
            raise ValueError(f"the preprocessing gives {len(pre.output_names)} inputs, the network takes "
                             f"{net.n_features_in}")
        if self.task == "classification":
            if not self.classes or len(self.classes) != net.n_outputs or net.output != "softmax":
                raise ValueError("the classes do not match the network's outputs")
        elif self.task != "regression" or net.n_outputs != 1:
            raise ValueError(f"unknown task {self.task!r} or wrong number of outputs")
        if not (np.isfinite(self.y_mean) and np.isfinite(self.y_scale) and self.y_scale != 0):
            raise ValueError("the target scaling is not finite")

    def __repr__(self):
        sizes = [layer.n_out for layer in self.net.layers if hasattr(layer, "n_out")]
        return (f"TabularModel(task={self.task!r}, target={self.target!r}, features={len(self.features)}, "
                f"layers={sizes})")


def metrics(model, X, y_encoded) -> dict:
    """Plain-JSON metrics of ``model`` on preprocessed ``X`` and encoded targets.

    Classification: accuracy, log loss, per-class precision/recall/F1/support and the confusion
    matrix (sklearn.metrics). Regression: R^2, mean absolute error and root mean squared error in the
    target's units.
    """
    from sklearn import metrics as skm

    out = {"n_samples": int(len(X))}
    if model.task == "classification":
        P = model.net.predict_proba(X)
        pred = P.argmax(axis=1)
        labels = list(range(len(model.classes)))
        out["accuracy"] = float(skm.accuracy_score(y_encoded, pred))
        out["log_loss"] = float(skm.log_loss(y_encoded, np.clip(P, 1e-15, 1.0), labels=labels))
        p, r, f, s = skm.precision_recall_fscore_support(y_encoded, pred, labels=labels, zero_division=0)
        out["per_class"] = [
            {"class": c, "precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, c in enumerate(model.classes)
        ]
        out["confusion_matrix"] = skm.confusion_matrix(y_encoded, pred, labels=labels).tolist()
    else:
        pred = model.predict_matrix(X)
        true = y_encoded * model.y_scale + model.y_mean
        out["r2"] = float(skm.r2_score(true, pred))
        out["mae"] = float(skm.mean_absolute_error(true, pred))
        out["rmse"] = float(np.sqrt(skm.mean_squared_error(true, pred)))
    return out
