"""``TabularModel``: preprocessing, a :class:`glassnet.nn.Sequential` and what its outputs mean."""

from __future__ import annotations

import numpy as np

from ..serialize.container import ModelFileError
from ..serialize.network import network_from_state, network_state
from .preprocess import Preprocessor
from .targets import TargetEncoder

# The parts of the data a training run reports on, in the order they are shown.
SPLITS = ("train", "validation", "test")


class TabularModel:
    """A trained network together with everything needed to use it on raw tables.

    Parameters
    ----------
    preprocessor : Preprocessor
        Fitted on the training rows.
    net : glassnet.nn.Sequential
        Softmax output over the classes for classification, one identity output for regression
        (trained on standardised targets).
    targets : TargetEncoder
        Fitted: the classes, or the regression scaling.
    info : dict
        Plain-JSON record of the run: hyperparameters, data summary, history, metrics, versions.
    """

    KIND = "tabular-model"

    def __init__(self, preprocessor, net, targets, info=None):
        self.preprocessor = preprocessor
        self.net = net
        self.targets = targets
        self.info = dict(info or {})

    @property
    def task(self):
        return self.targets.task

    @property
    def target(self):
        return self.targets.target

    @property
    def classes(self):
        return self.targets.classes_

    @property
    def features(self):
        return self.preprocessor.features

    # ------------------------------------------------------------------ data
    def transform(self, frame) -> np.ndarray:
        """Raw feature columns -> the network's input matrix."""
        return self.preprocessor.transform(frame, dtype=self.net.dtype)

    def encode_targets(self, y) -> np.ndarray:
        """Raw targets -> class indices (classification) or standardised values (regression)."""
        return self.targets.transform(y)

    # ------------------------------------------------------------------ predictions
    def predict_proba_matrix(self, X) -> np.ndarray:
        if self.task != "classification":
            raise ValueError("class probabilities exist only for classification models.")
        return self.net.predict_proba(X)

    def predict_matrix(self, X) -> np.ndarray:
        """Preprocessed X -> labels (array of str) or values in the target's units."""
        if self.task == "classification":
            return self.targets.inverse_transform(self.net.predict(X))
        return self.targets.inverse_transform(self.net.predict(X)[:, 0])

    def predict_proba(self, frame) -> np.ndarray:
        """frame -> ndarray of shape (n_rows, n_classes)."""
        return self.predict_proba_matrix(self.transform(frame))

    def predict(self, frame) -> np.ndarray:
        return self.predict_matrix(self.transform(frame))

    def evaluate(self, frame, y) -> dict:
        """Metrics of this model on a table with known targets (see :func:`metrics`)."""
        return metrics(self, self.transform(frame), self.encode_targets(y))

    # ------------------------------------------------------------------ saving
    def to_state(self):
        """``(meta, arrays)`` for a glassnet file."""
        pre_meta, pre_arrays = self.preprocessor.to_state()
        net_meta, net_arrays = network_state(self.net)
        t = self.targets
        meta = {
            "task": t.task, "target": t.target, "classes": t.classes_, "y_mean": t.mean_, "y_scale": t.scale_,
            "preprocessing": pre_meta, "network": net_meta, "info": self.info,
        }
        arrays = {f"pre.{k}": v for k, v in pre_arrays.items()}
        arrays.update({f"net.{k}": v for k, v in net_arrays.items()})
        return meta, arrays

    @classmethod
    def from_state(cls, meta, arrays, path="<model>"):
        """The model :meth:`to_state` described; a ``ModelFileError`` when its parts do not fit."""
        try:
            part = {p: {k[4:]: v for k, v in arrays.items() if k.startswith(p + ".")} for p in ("pre", "net")}
            pre = Preprocessor.from_state(meta["preprocessing"], part["pre"])
            net = network_from_state(meta["network"], part["net"], path)
            targets = TargetEncoder(meta["task"], meta["classes"], meta["target"])
            targets.classes_ = None if meta["classes"] is None else [str(c) for c in meta["classes"]]
            targets.mean_, targets.scale_ = float(meta["y_mean"]), float(meta["y_scale"])
            model = cls(pre, net, targets, _checked_info(meta["info"]))
            model._check_consistent()
            return model
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise ModelFileError(path, "corrupted", f"the model it describes is incomplete ({exc!r}).") from None

    def _check_consistent(self):
        """Raise ValueError unless the parts fit together (a loaded model must be usable)."""
        pre, net = self.preprocessor, self.net
        n_numeric = len(pre.numeric)
        if not all(a.shape == (n_numeric,) for a in (pre.median_, pre.mean_, pre.scale_)):
            raise ValueError("the numeric preprocessing does not match its columns")
        if set(pre.categorical) != set(pre.categories_) or not all(c in pre.fill_ for c in pre.categorical):
            raise ValueError("the categorical preprocessing does not match its columns")
        n_inputs = len(pre.get_feature_names_out())
        if net.input_shape != (n_inputs,):
            raise ValueError(f"the preprocessing gives {n_inputs} inputs, the network takes {net.input_shape}")
        if self.task == "classification":
            if not self.classes or len(self.classes) != net.n_outputs or net.output != "softmax":
                raise ValueError("the classes do not match the network's outputs")
        elif self.task != "regression" or net.n_outputs != 1:
            raise ValueError(f"unknown task {self.task!r} or wrong number of outputs")
        t = self.targets
        if not (np.isfinite(t.mean_) and np.isfinite(t.scale_) and t.scale_ != 0):
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
        true = model.targets.inverse_transform(y_encoded)
        out["r2"] = float(skm.r2_score(true, pred))
        out["mae"] = float(skm.mean_absolute_error(true, pred))
        out["rmse"] = float(np.sqrt(skm.mean_squared_error(true, pred)))
    return out


def _checked_info(info):
    """The model's record, if it has the shape ``glassnet info`` and the report read: a dict whose
    sections (and each split's metrics) are dicts."""
    if not isinstance(info, dict):
        raise ValueError(f"its record is a {type(info).__name__}, not a mapping")
    for section in ("config", "data", "metrics", "versions", "history"):
        if not isinstance(info.get(section, {}), dict):
            raise ValueError(f"its record's {section!r} is a {type(info[section]).__name__}, not a mapping")
    for part in SPLITS:
        if not isinstance(info.get("metrics", {}).get(part, {}), dict):
            raise ValueError(f"its record's metrics for {part!r} are not a mapping")
    return info
