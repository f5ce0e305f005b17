"""What the classifier and the regressor share: parameters, network building and the training loops.

The estimator is an adapter. The maths lives in the core: a :class:`glassnet.Sequential` holds the
weights, :func:`glassnet.training.train_step` does a forward, backward and optimizer step on a batch,
:func:`glassnet.training.batch_indices` draws the batches and :func:`glassnet.training.evaluate`
scores held-out data. Here we only translate scikit-learn's conventions onto those pieces:

* the L2 penalty ``alpha / (2 n_batch) ||W||^2`` is the core's ``l2 / 2 ||W||^2`` with
  ``l2 = alpha / n_batch`` (``n_batch`` is the sum of the batch's sample weights when given);
* ``loss_curve_`` holds, per epoch, the batch losses weighted by batch size, as scikit-learn does;
* ``tol`` / ``n_iter_no_change`` stop training (or divide an adaptive rate by 5) exactly as there;
* ``learning_rate="invscaling"`` sets ``lr = learning_rate_init / (t_ + 1) ** power_t`` after each
  epoch, ``t_`` counting the samples seen.
"""

from __future__ import annotations

import numbers
import sys
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .. import initializers, layers, optimizers
from .._checks import check_scale
from ..callbacks import Callback, ProgressBar
from ..network import Sequential
from ..training import BatchGatherer, History, batch_indices, evaluate, train_step

HIDDEN_ACTIVATIONS = ("identity", "logistic", "sigmoid", "tanh", "relu", "leaky_relu", "gelu", "rbf")
STOCHASTIC_SOLVERS = ("sgd", "adam")
DTYPES = {"float32": np.float32, "float64": np.float64}


class BaseMLP(BaseEstimator):
    """Shared machinery of :class:`MLPClassifier` and :class:`MLPRegressor` (not for direct use)."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "power_t": [Interval(numbers.Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(numbers.Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
        "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left"), Options(numbers.Real, {np.inf})],
        "max_fun": [Interval(numbers.Integral, 1, None, closed="left")],
        # extras
        "dropout": ["array-like", Interval(numbers.Real, 0, 1, closed="left")],
        "callbacks": [None, list, tuple],
        "early_stopping_metric": [StrOptions({"score", "loss"})],
        # strings only, so that get_params() stays JSON-serialisable
        "dtype": [None, StrOptions(set(DTYPES))],
    }

    # ------------------------------------------------------------------ hooks for subclasses
    def _validate_input(self, X, y, incremental, reset):
        """Return ``X`` and the 2-D target matrix ``Y`` the subclass trains on."""
        raise NotImplementedError

    def _loss_targets(self, Y):
        """``Y`` (2-D) in the form the core loss takes."""
        raise NotImplementedError

    def _make_loss(self):
        raise NotImplementedError

    def _out_activation(self, Y):
        raise NotImplementedError

    def _score_arrays(self, X, Y, sample_weight):
        """Validation score (accuracy or R^2) of the network on already validated arrays."""
        raise NotImplementedError

    def _extra_sample_weight(self, Y, sample_weight, incremental):
        return sample_weight

    # ------------------------------------------------------------------ parameters
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    def _dropout_rates(self, n_hidden):
        rates = self.dropout
        if np.ndim(rates) == 0:
            return [float(rates)] * n_hidden
        rates = [float(r) for r in rates]
        if len(rates) != n_hidden:
            raise ValueError(
                f"dropout has {len(rates)} rates but there are {n_hidden} hidden layers; give one rate "
                "per hidden layer or a single rate."
            )
        for r in rates:
            if not 0.0 <= r < 1.0:
                raise ValueError(f"dropout rates must lie in [0, 1), got {rates}.")
        return rates

    def _resolve_dtype(self, X_dtype):
        if self.dtype is None:
            return np.dtype(X_dtype).type
        return DTYPES[self.dtype]

    # ------------------------------------------------------------------ network
    def _build_network(self, n_features, n_outputs, dtype, seed):
        sizes = self._hidden_sizes()
        rates = self._dropout_rates(len(sizes))
        widths = [n_features] + sizes + [n_outputs]
        # scikit-learn's Glorot bound sqrt(6 / (fan_in + fan_out)), with factor 2 instead of 6 for
        # logistic units
        gain = np.sqrt(1.0 / 3.0) if self.activation in ("logistic", "sigmoid") else 1.0
        init = initializers.GlorotUniform(gain=gain)
        stack = []
        for i in range(len(widths) - 1):
            stack.append(layers.Dense(widths[i], widths[i + 1], init=init, random_state=0, dtype=dtype))
            if i < len(sizes):
                stack.append(layers.activations.get(self.activation))
                if rates[i] > 0.0:
                    stack.append(layers.Dropout(rates[i]))
        output = {"softmax": "softmax", "logistic": "sigmoid"}.get(self.out_activation_, "identity")
        return Sequential(stack, output=output, random_state=np.random.default_rng(seed), dtype=dtype)

    def _bind_attributes(self):
        """Point ``coefs_`` and ``intercepts_`` at the network's weights (views, not copies)."""
        dense = [layer for layer in self._net.layers if isinstance(layer, layers.Dense)]
        self.coefs_ = [layer.params["W"] for layer in dense]
        self.intercepts_ = [layer.params["b"] for layer in dense]

    def _initialize(self, Y, n_features, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(self._hidden_sizes()) + 2
        self.out_activation_ = self._out_activation(Y)
        seed = int(self._random_state.randint(np.iinfo(np.int32).max))
        self._net = self._build_network(n_features, self.n_outputs_, dtype, seed)
        self._rng = np.random.default_rng(seed + 1)
        self._bind_attributes()
        self._history = History()
        for name in ("_optimizer", "_best_weights"):
            self.__dict__.pop(name, None)
        if self.solver in STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.validation_loss_curve_ = []
                self.best_validation_score_ = -np.inf
                self.best_validation_loss_ = np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.validation_loss_curve_ = None
                self.best_validation_score_ = None
                self.best_validation_loss_ = None

    # ------------------------------------------------------------------ fitting
    def _fit(self, X, y, sample_weight=None, incremental=False):
        self._hidden_sizes()
        first_pass = not hasattr(self, "_net") or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        dtype = self._resolve_dtype(X.dtype) if first_pass else self._net.dtype.type
        check_scale(X, dtype)  # before the cast, so the message shows the caller's value
        X = np.ascontiguousarray(X, dtype=dtype)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        sample_weight = self._extra_sample_weight(Y, sample_weight, incremental)
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(Y, X.shape[1], dtype)
        elif self._net.n_outputs != Y.shape[1]:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, but the network was fitted with {self._net.n_outputs}."
            )
        if self.solver in STOCHASTIC_SOLVERS:
            self._fit_stochastic(X, Y, sample_weight, incremental)
        else:
            if self._dropout_rates(len(self._hidden_sizes())) != [0.0] * len(self._hidden_sizes()):
                raise ValueError(
                    "dropout needs a stochastic solver ('sgd' or 'adam'); solver='lbfgs' minimises a "
                    "fixed function. Set dropout=0.0 or change the solver."
                )
            from ._lbfgs import fit_lbfgs

            fit_lbfgs(self, X, Y, sample_weight)
        if not np.isfinite(self._net.flat_params).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain large values "
                "and need to be preprocessed."
            )
        return self

    def _make_optimizer(self):
        if self.solver == "sgd":
            cls = optimizers.Nesterov if self.nesterovs_momentum else optimizers.Momentum
            return cls(learning_rate=self.learning_rate_init, momentum=self.momentum)
        return optimizers.Adam(self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)

    def _callback_objects(self):
        out = []
        for cb in self.callbacks or ():
            if isinstance(cb, Callback):
                out.append(cb)
            elif callable(cb):
                out.append(_HistoryCallback(cb))
            else:
                raise TypeError(
                    f"callbacks must be callables f(history) or glassnet.callbacks.Callback objects, "
                    f"got {cb!r}."
                )
        return out

    def _fit_stochastic(self, X, Y, sample_weight, incremental):
        net = self._net
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer()
        optimizer = self._optimizer
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        loss_fn = self._loss_fn = self._make_loss()
        early_stopping = self.early_stopping
        if early_stopping:
            # as scikit-learn: stratify single-output classification only
            stratify = Y if (self._is_classifier() and self.n_outputs_ == 1) else None
            train, val = train_test_split(
                np.arange(X.shape[0]), random_state=self._random_state,
                test_size=self.validation_fraction, stratify=stratify,
            )
            if len(val) < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' or the size of "
                    "your dataset."
                )
            X_val, Y_val = X[val], Y[val]
            w_val = None if sample_weight is None else sample_weight[val]
            T_val = self._loss_targets(Y_val)
            X, Y = X[train], Y[train]
            sample_weight = None if sample_weight is None else sample_weight[train]
        # Targets are checked once here; every batch then takes the core's unchecked fast path.
        T = loss_fn.prepare_targets(self._loss_targets(Y), net.n_outputs, net.dtype)
        gather = BatchGatherer(X)
        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped")
            batch_size = int(np.clip(self.batch_size, 1, n_samples))

        history = self._history
        callbacks = self._callback_objects()
        if self.verbose and not incremental:
            callbacks.append(ProgressBar(total=self.max_iter, desc=type(self).__name__, file=sys.stderr))
        for cb in callbacks:
            cb.on_train_begin(net, history)
        self.n_iter_ = 0
        for _ in range(self.max_iter):
            accumulated = 0.0
            for idx in batch_indices(n_samples, batch_size, self._rng, self.shuffle):
                Xb, Tb = gather(idx), T[idx]
                wb = None if sample_weight is None else sample_weight[idx]
                n_batch = Xb.shape[0]
                weight = n_batch if wb is None else float(wb.sum())
                if weight == 0.0:
                    continue  # a batch whose samples all weigh 0 has no gradient: no step
                loss, _ = train_step(net, loss_fn, optimizer, Xb, Tb, wb, self.alpha / weight, validate=False)
                accumulated += loss * n_batch
            self.n_iter_ += 1
            self.loss_ = accumulated / n_samples
            self.t_ += n_samples
            self.loss_curve_.append(self.loss_)
            logs = {"loss": self.loss_}
            if early_stopping:
                logs.update(self._validate_epoch(X_val, Y_val, T_val, w_val))
            else:
                self._update_loss_count()
            history.append(logs)
            if self.solver == "sgd" and self.learning_rate == "invscaling":
                optimizer.lr = self.learning_rate_init / (self.t_ + 1) ** self.power_t
            stop = False
            for cb in callbacks:
                stop = bool(cb.on_epoch_end(self.n_iter_ - 1, history, net)) or stop
            if stop:
                history.stop_reason = history.stop_reason or "callback"
                break
            if self._no_improvement_count > self.n_iter_no_change:
                if self._trigger_stopping(optimizer):
                    break
                self._no_improvement_count = 0
            if incremental:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                    "optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
        if early_stopping and getattr(self, "_best_weights", None) is not None:
            net.set_weights(self._best_weights)
        for cb in callbacks:
            cb.on_train_end(net, history)

    def _trigger_stopping(self, optimizer):
        """scikit-learn's rule: adaptive SGD divides its rate by 5 until it falls under 1e-6."""
        if self.solver == "sgd" and self.learning_rate == "adaptive":
            if optimizer.lr > 1e-6:
                optimizer.lr /= 5.0
                return False
        self._history.stop_reason = f"no improvement larger than tol={self.tol} for {self.n_iter_no_change} epochs"
        return True

    def _update_loss_count(self):
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if self.loss_curve_[-1] < self.best_loss_:
            self.best_loss_ = self.loss_curve_[-1]

    def _validate_epoch(self, X_val, Y_val, T_val, w_val):
        score = self._score_arrays(X_val, Y_val, w_val)
        val_loss = evaluate(self._net, self._loss_fn, X_val, T_val, sample_weight=w_val)["loss"]
        self.validation_scores_.append(score)
        self.validation_loss_curve_.append(val_loss)
        if self.early_stopping_metric == "score":
            worse = not score >= self.best_validation_score_ + self.tol
            improved = score > self.best_validation_score_
        else:
            worse = not val_loss <= self.best_validation_loss_ - self.tol
            improved = val_loss < self.best_validation_loss_
        self._no_improvement_count = self._no_improvement_count + 1 if worse else 0
        if improved:
            self.best_validation_score_ = score
            self.best_validation_loss_ = val_loss
            self._best_weights = self._net.get_weights()
        return {"val_loss": val_loss, "val_score": score}

    @classmethod
    def _is_classifier(cls):
        return False

    # ------------------------------------------------------------------ predicting
    def _forward(self, X):
        """Network outputs (probabilities, or values for regression) for validated ``X``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        check_scale(X, self._net.dtype)
        return self._outputs(np.asarray(X, dtype=self._net.dtype))

    def _outputs(self, X):
        out = self._net.predict_proba(X)
        if self.out_activation_ == "exp":
            out = np.exp(out)
        return out

    # ------------------------------------------------------------------ pickling and saving
    def __getstate__(self):
        state = super().__getstate__()
        state = dict(state)
        # coefs_ and intercepts_ are views of the network's buffer; rebuilt on unpickling
        state.pop("coefs_", None)
        state.pop("intercepts_", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_net" in self.__dict__:
            self._bind_attributes()

    _STATE_SCALARS = (
        "n_iter_", "t_", "n_outputs_", "n_layers_", "out_activation_", "n_features_in_", "loss_",
        "best_loss_", "best_validation_score_", "best_validation_loss_",
    )
    _STATE_LISTS = ("loss_curve_", "validation_scores_", "validation_loss_curve_")

    def _get_fitted_state(self):
        """``(meta, arrays)``: a JSON-serialisable dict and plain arrays that rebuild this fitted model.

        Pass them to :meth:`_set_fitted_state` of ``type(self)(**self.get_params())``.
        """
        check_is_fitted(self)
        meta = {"estimator": type(self).__name__, "dtype": np.dtype(self._net.dtype).name}
        for name in self._STATE_SCALARS:
            if hasattr(self, name):
                value = getattr(self, name)
                meta[name] = value if value is None or isinstance(value, str) else _py(value)
        for name in self._STATE_LISTS:
            if hasattr(self, name):
                value = getattr(self, name)
                meta[name] = None if value is None else [_py(v) for v in value]
        arrays = {"weights": self._net.get_weights()}
        if hasattr(self, "feature_names_in_"):
            arrays["feature_names_in"] = np.asarray(self.feature_names_in_, dtype=str)
        self._get_extra_state(meta, arrays)
        return meta, arrays

    def _set_fitted_state(self, meta, arrays):
        """Restore what :meth:`_get_fitted_state` returned; the estimator then predicts as the original."""
        if meta.get("estimator") != type(self).__name__:
            raise ValueError(f"this state belongs to a {meta.get('estimator')}, not a {type(self).__name__}.")
        for name in self._STATE_SCALARS + self._STATE_LISTS:
            if name in meta:
                value = meta[name]
                setattr(self, name, list(value) if isinstance(value, list) else value)
        if "feature_names_in" in arrays:
            self.feature_names_in_ = np.asarray(arrays["feature_names_in"]).astype(object)
        self._set_extra_state(meta, arrays)
        dtype = DTYPES[meta["dtype"]]
        widths = [int(self.n_features_in_), *self._hidden_sizes(), int(self.n_outputs_)]
        expected = sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
        stored = np.asarray(arrays["weights"]).size
        if expected != stored:  # checked before allocating anything of the described size
            raise ValueError(
                f"the layer sizes {widths} need {expected} weights, but the state holds {stored}."
            )
        self._net = self._build_network(self.n_features_in_, self.n_outputs_, dtype, 0)
        self._net.set_weights(np.asarray(arrays["weights"], dtype=dtype))
        self._rng = np.random.default_rng()
        self._history = History()
        self._no_improvement_count = 0
        self._bind_attributes()
        return self

    def _get_extra_state(self, meta, arrays):
        pass

    def _set_extra_state(self, meta, arrays):
        pass

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


def _py(value):
    """A JSON-friendly Python scalar from a NumPy or Python number (infinities as floats)."""
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    return float(value)


class _HistoryCallback(Callback):
    """Adapts a plain callable ``f(history) -> bool`` to the core's callback protocol."""

    def __init__(self, fn):
        self.fn = fn

    def on_epoch_end(self, epoch, history, net):
        return bool(self.fn(history))
