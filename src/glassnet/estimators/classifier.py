"""``NeuralNetClassifier``, a classifier for any network, and ``MLPClassifier``, scikit-learn's
multi-layer perceptron classifier: the same classifier on a stack of ``Dense`` layers."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d, validate_data

from ..nn import backend as B
from ..nn import losses
from ._layers import store_layer_params
from .base import STOCHASTIC_SOLVERS, BaseNeuralNet, MLPLayers


class NeuralNetClassifier(ClassifierMixin, BaseNeuralNet):
    """A classifier for any glassnet network, with the interface of scikit-learn's ``MLPClassifier``.

    Parameters
    ----------
    layers : list of Layer, or callable
        The network, without its output function: a list of glassnet layers (deep-copied for each
        fit, so the objects given are never trained), or a function
        ``layers(input_shape, n_outputs, **params) -> list`` called at each fit with the shape of one
        sample and the number of outputs y needs (one logistic unit for two classes, one unit per class
        for more, one per label for multi-label y). The function's arguments are parameters named
        ``layers__NAME`` (``NeuralNetClassifier(cnn, layers__channels=16)``), which ``set_params``
        and ``GridSearchCV`` set like any other.
    input_shape : tuple of int or None, default=None
        The shape of one sample, such as ``(1, 40)`` for one-channel sequences. ``X`` may then come as
        ``(n_samples, *input_shape)`` or as rows of ``prod(input_shape)`` values (as from a
        ``Pipeline`` or a DataFrame). ``None``: the shape of ``X``'s samples.
    **layers__kwargs
        ``layers__NAME=value``: the arguments of a layers function. (The catch-all's own name starts
        with ``layers__`` because scikit-learn's checks pass every name in the signature to
        ``__init__`` and ``set_params``, and those accept any ``layers__`` name.)

    The other parameters are :class:`MLPClassifier`'s training parameters, with the same names,
    meanings and defaults (``solver``, ``alpha`` (L2 on the weights that layers mark as decayed),
    ``batch_size``, ``learning_rate``, ``learning_rate_init``, ``max_iter``, ``early_stopping``,
    ``class_weight``, ``callbacks``, ``dtype``, ...).

    Attributes
    ----------
    network_ : Sequential
        The fitted network (``network_.layers``, ``network_.flat_params``).
    input_shape_ : tuple of int
        The shape of one sample the network takes.
    classes_, n_features_in_, n_outputs_, out_activation_, loss_, loss_curve_, n_iter_, t_, ...
        As in :class:`MLPClassifier`.
    """

    _parameter_constraints: dict = {
        **BaseNeuralNet._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        layers,
        input_shape=None,
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        class_weight=None,
        callbacks=None,
        progress_bar=False,
        early_stopping_metric="score",
        dtype=None,
        **layers__kwargs,
    ):
        self.layers = layers
        self.input_shape = input_shape
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.progress_bar = progress_bar
        self.early_stopping_metric = early_stopping_metric
        self.dtype = dtype
        store_layer_params(self, layers__kwargs)

    def _outputs_needed(self, n_outputs):
        kind = self._label_binarizer.y_type_
        if kind == "binary":
            return "two classes: one logistic unit"
        if kind == "multiclass":
            return f"{n_outputs} classes: one unit per class"
        return f"{n_outputs} labels: one logistic unit per label"

    @classmethod
    def _is_classifier(cls):
        return True

    # ------------------------------------------------------------------ data
    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self, X, y, multi_output=True, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32), reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self._label_binarizer.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the previous "
                        f"call to fit. Previously got {self._label_binarizer.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self._label_binarizer.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has {self._label_binarizer.classes_}. "
                    f"'y' has {classes}."
                )
        self._y_labels = y
        return X, self._label_binarizer.transform(y).astype(bool)

    def _extra_sample_weight(self, Y, sample_weight, incremental):
        y = self._y_labels
        del self._y_labels
        if self.class_weight is None:
            return sample_weight
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit: the class frequencies of the "
                "whole data are unknown. Pass a dict computed with "
                "sklearn.utils.class_weight.compute_class_weight instead."
            )
        weights = compute_sample_weight(self.class_weight, y)
        return weights if sample_weight is None else weights * sample_weight

    def _loss_targets(self, Y):
        if self.out_activation_ == "softmax":
            return Y.argmax(axis=1)
        return Y.astype(self._net.dtype)

    def _make_loss(self):
        if self.out_activation_ == "softmax":
            return losses.SoftmaxCrossEntropy()
        return losses.BinaryCrossEntropy()

    def _out_activation(self, Y):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _place_fitted_arrays(self):
        classes = self._label_binarizer.classes_
        if B.is_numpy(self._net.xp):
            self.classes_ = classes
            return
        if classes.dtype.kind not in "biuf":
            raise ValueError(
                f"class labels of dtype {classes.dtype} cannot live in {self._net.xp.name}: with "
                "array_api_dispatch=True, encode the labels as numbers (sklearn.preprocessing.LabelEncoder)."
            )
        self.classes_ = B.like(classes, self._net.flat_params)

    def _labels_from_proba(self, P):
        xp = self._net.xp
        if not B.is_numpy(xp):  # labels where the model lives, as scikit-learn's array API convention has it
            if self._label_binarizer.y_type_.startswith("multilabel"):
                return xp.astype(P > 0.5, xp.int64)
            index = xp.astype(P[:, 0] > 0.5, xp.int64) if self.n_outputs_ == 1 else xp.argmax(P, axis=1)
            return xp.take(self.classes_, index, axis=0)
        if self.n_outputs_ == 1:
            P = P.ravel()
        return self._label_binarizer.inverse_transform(P)

    def _score_arrays(self, X, Y, sample_weight):
        P = B.to_numpy(self._outputs(X))
        if not np.isfinite(P).all():
            return np.nan
        y_true = self._label_binarizer.inverse_transform(Y[:, 0] if self.n_outputs_ == 1 else Y)
        return float(accuracy_score(y_true, self._labels_from_proba(P), sample_weight=sample_weight))

    # ------------------------------------------------------------------ API
    def fit(self, X, y, sample_weight=None):
        """Fit the model to ``X`` (n_samples, n_features) or (n_samples, *input_shape) and labels ``y`` (n_samples,) or a
        label-indicator matrix (n_samples, n_labels); ``sample_weight`` (n_samples,) optional."""
        self._validate_params()
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. {self.solver} is not stochastic.")
        return True

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``(X, y)``; ``classes`` (all labels) is required on the first call."""
        if not hasattr(self, "_net"):
            self._validate_params()
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Class labels, shape (n_samples,), or a 0/1 indicator matrix for multi-label models."""
        return self._labels_from_proba(self._forward(X))

    def predict_proba(self, X):
        """Probabilities of shape (n_samples, n_classes), columns ordered as ``classes_``."""
        P, xp = self._forward(X), self._net.xp
        if self.n_outputs_ == 1:
            P = P[:, 0]
            return xp.stack([1 - P, P], axis=1)
        return P

    def predict_log_proba(self, X):
        """``log(predict_proba(X))``."""
        P = self.predict_proba(X)
        with B.quiet_floating_point():
            return self._net.xp.log(P)

    # ------------------------------------------------------------------ saving
    def _get_extra_state(self, meta, arrays):
        lb = self._label_binarizer
        classes = np.asarray(self._label_binarizer.classes_)
        meta["y_type"] = lb.y_type_
        meta["classes_kind"] = classes.dtype.kind
        arrays["classes"] = classes.astype(str) if classes.dtype.kind in "OU" else classes

    def _set_extra_state(self, meta, arrays):
        classes = np.asarray(arrays["classes"])
        if meta["classes_kind"] == "O":
            classes = classes.astype(object)
        lb = LabelBinarizer()
        lb.classes_ = classes
        lb.y_type_ = meta["y_type"]
        lb.sparse_input_ = False
        self._label_binarizer = lb
        self.classes_ = classes

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPClassifier(MLPLayers, NeuralNetClassifier):
    """Multi-layer perceptron classifier with scikit-learn's interface, trained by glassnet's core.

    Every parameter of :class:`sklearn.neural_network.MLPClassifier` keeps its name, meaning and
    default; see scikit-learn's documentation for them. The output is a softmax for multi-class
    problems and logistic units for binary (one unit) and multi-label problems.

    Extra parameters
    ----------------
    activation : adds ``"leaky_relu"``, ``"gelu"``, ``"rbf"`` and ``"sigmoid"`` (alias of ``"logistic"``).
    dropout : float or sequence of float, default=0.0
        Inverted-dropout rate after each hidden layer (one rate for all, or one per layer).
    class_weight : dict, "balanced" or None, default=None
        Multiplies each sample's weight by its class's weight (as in :class:`LogisticRegression`).
    callbacks : list or None, default=None
        :class:`glassnet.training.Callback` objects, which see every event of the training loop, or
        plain functions ``f(loop)`` called after each epoch (``loop.history`` has ``"loss"`` and, with
        early stopping, ``"val_loss"`` and ``"val_score"``); one returning True stops training.
    progress_bar : bool, default=False
        A tqdm bar over the epochs (L-BFGS iterations for ``solver="lbfgs"``) on standard error, showing
        the loss. ``verbose`` prints scikit-learn's lines instead; the two can be combined.
    early_stopping_metric : {"score", "loss"}, default="score"
        What early stopping monitors on the validation split: accuracy (scikit-learn's rule) or the
        validation loss. Either way the best epoch's weights are restored.
    dtype : {"float32", "float64"} or None, default=None
        Training and prediction precision; ``None`` follows ``X`` (float32 stays float32).

    Extra attributes
    ----------------
    validation_loss_curve_ : list of float or None
        Validation loss per epoch (without the L2 term) when ``early_stopping=True``.
    """

    _parameter_constraints: dict = {
        **NeuralNetClassifier._parameter_constraints,
        **MLPLayers._mlp_parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        class_weight=None,
        callbacks=None,
        progress_bar=False,
        early_stopping_metric="score",
        dtype=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.progress_bar = progress_bar
        self.early_stopping_metric = early_stopping_metric
        self.dtype = dtype
