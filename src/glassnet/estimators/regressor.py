"""``NeuralNetRegressor``, a regressor for any network, and ``MLPRegressor``, scikit-learn's
multi-layer perceptron regressor: the same regressor on a stack of ``Dense`` layers."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import column_or_1d, validate_data

from ..nn import backend as B
from ..nn import losses
from ._layers import store_layer_params
from .base import STOCHASTIC_SOLVERS, BaseNeuralNet, MLPLayers

REGRESSION_LOSSES = ("squared_error", "poisson", "absolute_error", "huber")


class NeuralNetRegressor(RegressorMixin, BaseNeuralNet):
    """A regressor for any glassnet network, with the interface of scikit-learn's ``MLPRegressor``.

    ``layers``, ``input_shape`` and ``layers__NAME`` are as in :class:`NeuralNetClassifier` (a layers
    function gets ``n_outputs``, the number of target columns); the other parameters are
    :class:`MLPRegressor`'s training parameters, ``loss`` and ``huber_delta`` included, with the same
    names, meanings and defaults. Fitted attributes: ``network_``, ``input_shape_`` and those of
    :class:`MLPRegressor` except ``coefs_``, ``intercepts_`` and ``n_layers_``.
    """

    _parameter_constraints: dict = {
        **BaseNeuralNet._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
        "huber_delta": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        layers,
        input_shape=None,
        *,
        loss="squared_error",
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
        huber_delta=1.0,
        callbacks=None,
        progress_bar=False,
        early_stopping_metric="score",
        dtype=None,
        **layers__kwargs,
    ):
        self.layers = layers
        self.input_shape = input_shape
        self.loss = loss
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
        self.huber_delta = huber_delta
        self.callbacks = callbacks
        self.progress_bar = progress_bar
        self.early_stopping_metric = early_stopping_metric
        self.dtype = dtype
        store_layer_params(self, layers__kwargs)

    # ------------------------------------------------------------------ data
    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self, X, y, multi_output=True, accept_sparse=("csr", "csc"), y_numeric=True, dtype=(np.float64, np.float32), reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and (y < 0).any():
            raise ValueError("Some value(s) of y are negative which is not allowed for Poisson regression.")
        return X, (y.reshape(-1, 1) if y.ndim == 1 else y)

    def _loss_targets(self, Y):
        return np.asarray(Y, dtype=self._net.dtype)

    def _make_loss(self):
        if self.loss == "squared_error":
            return losses.HalfSquaredError()
        if self.loss == "absolute_error":
            return losses.AbsoluteError()
        if self.loss == "huber":
            return losses.Huber(delta=self.huber_delta)
        return losses.PoissonDeviance()

    def _out_activation(self, Y):
        return "exp" if self.loss == "poisson" else "identity"

    def _score_arrays(self, X, Y, sample_weight):
        pred = B.to_numpy(self._outputs(X))
        if not np.isfinite(pred).all():
            return np.nan
        return float(r2_score(Y, pred, sample_weight=sample_weight))

    # ------------------------------------------------------------------ API
    def fit(self, X, y, sample_weight=None):
        """Fit the model to ``X`` (n_samples, n_features) or (n_samples, *input_shape) and targets ``y`` (n_samples,) or
        (n_samples, n_outputs); ``sample_weight`` (n_samples,) optional."""
        self._validate_params()
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. {self.solver} is not stochastic.")
        return True

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``, continuing from the current weights."""
        if not hasattr(self, "_net"):
            self._validate_params()
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predictions of shape (n_samples,) or (n_samples, n_outputs)."""
        pred = self._forward(X)
        return pred[:, 0] if pred.shape[1] == 1 else pred


class MLPRegressor(MLPLayers, NeuralNetRegressor):
    """Multi-layer perceptron regressor with scikit-learn's interface, trained by glassnet's core.

    Every parameter of :class:`sklearn.neural_network.MLPRegressor` keeps its name, meaning and
    default. The extras are those of :class:`MLPClassifier` (except ``class_weight``) and:

    loss : {"squared_error", "poisson", "absolute_error", "huber"}, default="squared_error"
        ``"squared_error"`` is half the squared error and ``"poisson"`` half the Poisson deviance on a
        log link (predictions ``exp(z)``), as in scikit-learn; ``"absolute_error"`` and ``"huber"`` are
        glassnet's additions (:class:`glassnet.nn.AbsoluteError`, :class:`glassnet.nn.Huber`).
    huber_delta : float > 0, default=1.0
        Where the Huber loss turns from quadratic to linear.
    """

    _parameter_constraints: dict = {
        **NeuralNetRegressor._parameter_constraints,
        **MLPLayers._mlp_parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
        "huber_delta": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        loss="squared_error",
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
        huber_delta=1.0,
        callbacks=None,
        progress_bar=False,
        early_stopping_metric="score",
        dtype=None,
    ):
        self.loss = loss
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
        self.huber_delta = huber_delta
        self.callbacks = callbacks
        self.progress_bar = progress_bar
        self.early_stopping_metric = early_stopping_metric
        self.dtype = dtype
