"""Taking over a fitted scikit-learn MLP (``from_sklearn``) and handing one back (``to_sklearn``).

Both directions copy the weights, the classes and the settings, so the new estimator predicts what
the old one does (to float tolerance) and can go on training with ``partial_fit`` or a warm-started
``fit``. What does not carry over: the optimizer's running state (Adam's moments, the momentum
velocity) starts afresh, as after scikit-learn's own ``fit`` with ``warm_start``.
"""

from __future__ import annotations

import numpy as np
from sklearn import neural_network as skl
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import check_is_fitted

from ..training import History
from .weights import assign_all

# scikit-learn's fitted attributes a model carries in both directions, when present
FITTED = ("n_features_in_", "feature_names_in_", "n_outputs_", "n_layers_", "out_activation_", "n_iter_", "t_",
          "loss_", "loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_")
SKLEARN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")


def _counterpart(glassnet_cls):
    return skl.MLPClassifier if glassnet_cls._is_classifier() else skl.MLPRegressor


def from_sklearn(cls, fitted):
    """A glassnet ``cls`` holding ``fitted``'s weights, classes, settings and fitted attributes."""
    expected = _counterpart(cls)
    if not isinstance(fitted, expected):
        raise TypeError(f"{cls.__name__}.from_sklearn takes a fitted sklearn.neural_network.{expected.__name__}, "
                        f"got {type(fitted).__name__}.")
    check_is_fitted(fitted)
    est = cls(**fitted.get_params())
    for name in FITTED:
        if hasattr(fitted, name):
            value = getattr(fitted, name)
            setattr(est, name, list(value) if isinstance(value, list) else value)
    if est.solver != "lbfgs":
        est.validation_loss_curve_ = [] if est.early_stopping else None
        est.best_validation_loss_ = None
    if cls._is_classifier():
        est._label_binarizer = _copy_binarizer(fitted._label_binarizer)
        est.classes_ = est._label_binarizer.classes_
    dtype = np.result_type(fitted.coefs_[0].dtype, np.float32).type
    sizes = [W.shape[1] for W in fitted.coefs_[:-1]]
    if est._hidden_sizes() != sizes:  # a model whose hidden_layer_sizes was changed after fitting
        raise ValueError(f"the fitted layers have {sizes} units but hidden_layer_sizes is {est.hidden_layer_sizes}.")
    est._random_state = np.random.RandomState(0)
    est.input_shape_ = (int(fitted.n_features_in_),)
    est._net = est._build_network(est.input_shape_, int(fitted.n_outputs_), dtype, 0)
    est._bind_attributes()
    assign_all(est._net, "W", fitted.coefs_)
    assign_all(est._net, "b", fitted.intercepts_)
    est._rng = np.random.default_rng()
    est._history = History()
    return est


def to_sklearn(est):
    """The scikit-learn estimator with ``est``'s weights, classes and settings; refused, by setting, when
    ``est`` uses one scikit-learn does not have."""
    check_is_fitted(est)
    activation = {"sigmoid": "logistic"}.get(est.activation, est.activation)
    refused = []
    if activation not in SKLEARN_ACTIVATIONS:
        refused.append(f"activation={est.activation!r} (scikit-learn has {list(SKLEARN_ACTIVATIONS)})")
    if np.any(np.asarray(est.dropout) > 0):
        refused.append(f"dropout={est.dropout!r}")
    if getattr(est, "class_weight", None) is not None:
        refused.append(f"class_weight={est.class_weight!r}")
    if getattr(est, "loss", "squared_error") not in ("squared_error", "poisson"):
        refused.append(f"loss={est.loss!r}")
    if est.early_stopping and est.early_stopping_metric != "score":
        refused.append(f"early_stopping_metric={est.early_stopping_metric!r}")
    if refused:
        raise ValueError(f"scikit-learn's MLP has no equivalent of {', '.join(refused)}; this model cannot be "
                         "handed over to it.")
    target = _counterpart(type(est))
    params = {k: v for k, v in est.get_params().items() if k in target().get_params()}
    sk = target(**dict(params, activation=activation))
    for name in FITTED:
        if hasattr(est, name):
            value = getattr(est, name)
            setattr(sk, name, list(value) if isinstance(value, list) else value)
    sk.coefs_ = [W.copy() for W in est.coefs_]
    sk.intercepts_ = [b.copy() for b in est.intercepts_]
    # what scikit-learn's own _initialize sets, so that partial_fit and warm starts continue from here
    sk._no_improvement_count = 0
    sk._best_coefs = [W.copy() for W in sk.coefs_]
    sk._best_intercepts = [b.copy() for b in sk.intercepts_]
    if target is skl.MLPClassifier:
        sk._label_binarizer = _copy_binarizer(est._label_binarizer)
        sk.classes_ = sk._label_binarizer.classes_
    return sk


def _copy_binarizer(lb):
    copy = LabelBinarizer(neg_label=lb.neg_label, pos_label=lb.pos_label, sparse_output=lb.sparse_output)
    copy.classes_ = np.array(lb.classes_, copy=True)
    copy.y_type_ = lb.y_type_
    copy.sparse_input_ = getattr(lb, "sparse_input_", False)
    return copy
