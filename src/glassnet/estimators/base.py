"""What the classifier and the regressor share: parameters, the network, fitting and predicting.

The estimator is an adapter. The maths lives in the core: a :class:`glassnet.nn.Sequential` holds the
weights and :func:`glassnet.fit` trains it (see :mod:`._stochastic` for how scikit-learn's rules hang
off that loop, and :mod:`._lbfgs` for its L-BFGS solver). Here we translate scikit-learn's parameters
and conventions onto those pieces.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..nn import backend as B
from ..nn import Dense, Dropout, Sequential, initializers, layers
from ..nn.checks import FLOAT_DTYPES, check_scale, check_X
from ..training import History
from ._layers import LAYER_PREFIX, as_rows, build_layers, check_layer_params, layer_params, store_layer_params
from .weights import WeightList, assign_all, dense_layers

HIDDEN_ACTIVATIONS = ("identity", "logistic", "sigmoid", "tanh", "relu", "leaky_relu", "gelu", "rbf")
STOCHASTIC_SOLVERS = ("sgd", "adam")


class BaseNeuralNet(BaseEstimator):
    """What every glassnet estimator shares: the training parameters, fitting and predicting.

    A subclass says which network to train (:meth:`_network_layers`): the layers given by the user for
    :class:`NeuralNetClassifier` and :class:`NeuralNetRegressor`, a stack of ``Dense`` layers for the
    MLPs (:class:`MLPLayers`). Not for direct use.
    """

    _parameter_constraints: dict = {
        "layers": [list, tuple, callable],
        "input_shape": [None, tuple, list],
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
        "callbacks": [None, list, tuple],
        "progress_bar": ["boolean"],
        "early_stopping_metric": [StrOptions({"score", "loss"})],
        # strings only, so that get_params() stays JSON-serialisable
        "dtype": [None, StrOptions(set(FLOAT_DTYPES))],
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

    # ------------------------------------------------------------------ the network
    # The layers come from the ``layers`` parameter: a list of glassnet layers, or a function
    # ``layers(input_shape, n_outputs, **params)`` returning one, its arguments given as ``layers__NAME``
    # (see :mod:`.neuralnet`). :class:`MLPLayers` overrides these four methods for hidden_layer_sizes.
    def _check_architecture(self):
        """Refuse a bad architecture before any data is looked at."""
        check_layer_params(self)

    def _network_layers(self, input_shape, n_outputs, dtype):
        """The list of layers to train, for samples of ``input_shape`` and ``n_outputs`` outputs."""
        return build_layers(self, input_shape, n_outputs)

    def _as_rows(self, X, reset):
        """``X`` with samples of any shape flattened to rows (a view), and the sample shape it had."""
        return as_rows(self, X, reset)

    def _bind_attributes(self):
        """Fitted attributes that look into the network."""
        self.network_ = self._net

    def _resolve_dtype(self, X_dtype):
        if self.dtype is None:
            return np.dtype(X_dtype).type
        return FLOAT_DTYPES[self.dtype]

    def _build_network(self, input_shape, n_outputs, dtype, seed):
        output = {"softmax": "softmax", "logistic": "sigmoid"}.get(self.out_activation_, "identity")
        layers = self._network_layers(input_shape, n_outputs, dtype)
        name = type(self).__name__
        try:
            net = Sequential(layers, output=output, random_state=np.random.default_rng(seed), dtype=dtype,
                             input_shape=input_shape)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{name}: the layers do not fit samples of shape {input_shape}: {exc}") from None
        if net.output_shape != (n_outputs,):
            raise ValueError(
                f"{name}: the layers give outputs of shape {net.output_shape} per sample, but y needs "
                f"{n_outputs} ({self._outputs_needed(n_outputs)}): end with a layer of {n_outputs} units."
            )
        return net

    def _outputs_needed(self, n_outputs):
        """Why ``n_outputs`` outputs, in words (for error messages)."""
        return f"{n_outputs} target column{'s' if n_outputs != 1 else ''}"

    def _initialize(self, Y, input_shape, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = Y.shape[1]
        self.input_shape_ = tuple(input_shape)
        self.out_activation_ = self._out_activation(Y)
        seed = int(self._random_state.randint(np.iinfo(np.int32).max))
        self._net = self._build_network(self.input_shape_, self.n_outputs_, dtype, seed)
        self._rng = np.random.default_rng(seed + 1)
        self._bind_attributes()
        self._history = History()
        for name in ("_optimizer", "_stopper"):
            self.__dict__.pop(name, None)
        if self.solver in STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
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
        self._check_architecture()
        # scikit-learn's convention: with array_api_dispatch on, data of another array library trains
        # there. The checks and label encoding run on a host copy; training runs where X lives.
        data = X if _dispatched(X) else None
        if data is not None:
            X, y, sample_weight = B.to_numpy(X), B.to_numpy(y), B.to_numpy(sample_weight)
        first_pass = not hasattr(self, "_net") or (not self.warm_start and not incremental)
        X, sample_shape = self._as_rows(X, reset=first_pass)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        dtype = self._resolve_dtype(X.dtype) if first_pass else self._net.dtype.type
        X = self._as_network_input(X, dtype)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        sample_weight = self._extra_sample_weight(Y, sample_weight, incremental)
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(Y, sample_shape or (X.shape[1],), dtype)
        elif self._net.n_outputs != Y.shape[1]:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, but the network was fitted with {self._net.n_outputs}."
            )
        self._place(data if data is not None else "numpy", incremental and not first_pass)
        X = self._as_samples(X)
        if self.solver in STOCHASTIC_SOLVERS:
            from ._stochastic import fit_stochastic

            fit_stochastic(self, X, Y, sample_weight, incremental)
        else:
            if any(isinstance(layer, Dropout) and layer.rate > 0.0 for layer in self._net.layers):
                raise ValueError(
                    "dropout needs a stochastic solver ('sgd' or 'adam'); solver='lbfgs' minimises a "
                    "fixed function. Set dropout=0.0 (or leave out the Dropout layers) or change the solver."
                )
            from ._lbfgs import fit_lbfgs

            fit_lbfgs(self, X, Y, sample_weight)
        if not np.isfinite(B.to_numpy(self._net.flat_params)).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain large values "
                "and need to be preprocessed."
            )
        return self

    @classmethod
    def _is_classifier(cls):
        return False

    def _place_fitted_arrays(self):
        """Put fitted arrays other than the weights (``classes_``) beside the network's weights."""

    def _place(self, where, continuing):
        """Move the network (and fitted arrays) to the library and device of ``where``."""
        net = self._net
        xp, device = B.resolve(where)
        if xp is not net.xp or device != net.device:
            if continuing:
                raise TypeError(
                    f"partial_fit got {B.describe(xp, device)}, but this {type(self).__name__} trains on "
                    f"{B.describe(net.xp, net.device)}; pass the data there, or move the model with est.to(...) first."
                )
            net.to(xp, device)
            self.__dict__.pop("_optimizer", None)  # its state lives where the weights were
        self._place_fitted_arrays()

    def to(self, target, device=None):
        """Move the fitted model to another array library or device (what ``Sequential.to`` takes:
        ``"numpy"``, ``"torch"``, ``torch.device("cuda")``, an array...); returns the estimator.

        A model then predicts on data there, as scikit-learn's ``array_api_dispatch`` convention has
        it: fitted attributes and predictions live in the input's library and device.
        """
        check_is_fitted(self)
        self._net.to(target, device)
        self.__dict__.pop("_optimizer", None)  # its state lives where the weights were
        self._place_fitted_arrays()
        return self

    # ------------------------------------------------------------------ predicting
    def _forward(self, X):
        """Network outputs (probabilities, or values for regression) for validated ``X``."""
        check_is_fitted(self)
        net = self._net
        if _dispatched(X):
            X = check_X(X, input_shape=(self.n_features_in_,), dtype=net.dtype)
        else:
            X, _ = self._as_rows(X, reset=False)
            X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32), reset=False)
            X = self._as_network_input(X, net.dtype)
        data_xp, data_device = B.namespace(X), B.device(X)
        if data_xp is not net.xp or data_device != net.device:
            hint = "" if B.is_numpy(data_xp) or get_config().get("array_api_dispatch") else (
                " (and turn on sklearn.set_config(array_api_dispatch=True))")
            raise TypeError(
                f"this {type(self).__name__} lives on {B.describe(net.xp, net.device)}, but X holds "
                f"{B.describe(data_xp, data_device)}: pass X there{hint}, or move the model with "
                f"est.to({'numpy' if B.is_numpy(data_xp) else data_xp.name!r})."
            )
        return self._outputs(self._as_samples(X))

    @staticmethod
    def _as_network_input(X, dtype):
        """Validated ``X`` checked for scale and cast to ``dtype``: C-contiguous, or CSR when sparse
        (never densified: only the first layer's products see it)."""
        if sp.issparse(X):
            return check_X(X, dtype=dtype)
        check_scale(X, dtype)  # before the cast, so the message shows the caller's value
        return np.ascontiguousarray(X, dtype=dtype)

    def _as_samples(self, X):
        """Rows reshaped (a view) to the samples the network takes; rows (and sparse rows) stay as they are."""
        shape = self._net.input_shape
        return X if tuple(X.shape[1:]) == shape else X.reshape(X.shape[0], *shape)

    def _outputs(self, X):
        out = self._net.predict_proba(X)
        if self.out_activation_ == "exp":
            out = self._net.xp.exp(out)
        return out

    # ------------------------------------------------------------------ layer parameters
    def get_params(self, deep=True):
        """The estimator's parameters, with the layers function's arguments as ``layers__NAME``."""
        params = super().get_params(deep=deep)
        params.update(layer_params(self))
        return params

    def set_params(self, **params):
        """Set parameters; ``layers__NAME`` sets an argument of the layers function."""
        store_layer_params(self, {k: params.pop(k) for k in [k for k in params if k.startswith(LAYER_PREFIX)]})
        return super().set_params(**params)

    # ------------------------------------------------------------------ saving
    def _get_extra_state(self, meta, arrays):
        """Subclasses add what they need to rebuild (see :mod:`.persistence`)."""

    def _set_extra_state(self, meta, arrays):
        """Subclasses restore what :meth:`_get_extra_state` added."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags


class MLPLayers:
    """The architecture of :class:`MLPClassifier` and :class:`MLPRegressor`: ``Dense`` layers of
    ``hidden_layer_sizes``, each followed by ``activation`` and an optional ``Dropout``, on rows.

    A mixin placed before the neural-net estimator it specialises, whose network hooks it overrides.
    """

    _mlp_parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "dropout": ["array-like", Interval(numbers.Real, 0, 1, closed="left")],
    }

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

    def _check_architecture(self):
        self._hidden_sizes()

    def _network_layers(self, input_shape, n_outputs, dtype):
        sizes = self._hidden_sizes()
        rates = self._dropout_rates(len(sizes))
        widths = [input_shape[0]] + sizes + [n_outputs]
        # scikit-learn's Glorot bound sqrt(6 / (fan_in + fan_out)), with factor 2 instead of 6 for
        # logistic units
        gain = np.sqrt(1.0 / 3.0) if self.activation in ("logistic", "sigmoid") else 1.0
        init = initializers.GlorotUniform(gain=gain)
        stack = []
        for i in range(len(widths) - 1):
            stack.append(Dense(widths[i], widths[i + 1], init=init, random_state=0, dtype=dtype))
            if i < len(sizes):
                stack.append(layers.activations.get(self.activation))
                if rates[i] > 0.0:
                    stack.append(Dropout(rates[i]))
        return stack

    def _as_rows(self, X, reset):
        return X, None  # rows only, as scikit-learn's MLPs: N-D input gets check_array's message

    def _bind_attributes(self):
        self.n_layers_ = len(dense_layers(self._net)) + 1

    # scikit-learn's fitted weights: views into the network, and assignments are copied into it
    @property
    def coefs_(self):
        """Weight matrices, ``coefs_[i]`` of shape (n_inputs, n_outputs) of layer ``i``."""
        return WeightList(self._fitted_net("coefs_"), "W")

    @coefs_.setter
    def coefs_(self, arrays):
        assign_all(self._fitted_net("coefs_"), "W", arrays)

    @property
    def intercepts_(self):
        """Bias vectors, ``intercepts_[i]`` of shape (n_outputs,) of layer ``i``."""
        return WeightList(self._fitted_net("intercepts_"), "b")

    @intercepts_.setter
    def intercepts_(self, arrays):
        assign_all(self._fitted_net("intercepts_"), "b", arrays)

    def _fitted_net(self, name):
        net = self.__dict__.get("_net")
        if net is None:
            # AttributeError, so that hasattr() and check_is_fitted see an unfitted estimator
            raise AttributeError(
                f"{type(self).__name__} has no {name} before it is fitted: call fit or partial_fit first "
                "(the layer sizes come from the data)."
            )
        return net

    # ------------------------------------------------------------------ scikit-learn's models
    @classmethod
    def from_sklearn(cls, fitted):
        """A glassnet estimator with the weights, classes, settings and fitted attributes of a fitted
        scikit-learn MLP (of the same kind): it predicts what ``fitted`` predicts, and is ready for
        ``partial_fit``, a warm-started ``fit``, dropout or :func:`glassnet.save`."""
        from .sklearn_bridge import from_sklearn

        return from_sklearn(cls, fitted)

    def to_sklearn(self):
        """The scikit-learn MLP with this model's weights, classes and settings; a ``ValueError`` names
        the settings scikit-learn does not have (a glassnet activation, dropout, class weights, ...)."""
        from .sklearn_bridge import to_sklearn

        return to_sklearn(self)


def _dispatched(X) -> bool:
    """Whether ``X`` stays in its own library: scikit-learn's ``array_api_dispatch`` is on and ``X`` is
    an array of a library other than NumPy."""
    return bool(get_config().get("array_api_dispatch", False)) and B.is_foreign(X)
