"""``solver="sgd"`` and ``"adam"``: scikit-learn's rules as callbacks of the core's training loop.

Training is :func:`glassnet.fit`; what makes it scikit-learn's MLP is how it is called:

* the L2 penalty ``alpha / (2 n_batch) ||W||^2`` is the loop's per-batch ``l2 = alpha / n_batch``
  (``n_batch`` is the sum of the batch's sample weights when given);
* ``loss_curve_`` holds, per epoch, the batch losses weighted by batch size, which is the loop's epoch
  loss;
* ``tol`` / ``n_iter_no_change`` stop training, or divide an adaptive rate by 5, through one
  :class:`~glassnet.training.EarlyStopping` kept on the estimator (so ``partial_fit`` calls go on
  counting), watching the training loss or, with ``early_stopping=True``, the validation score;
* ``learning_rate="invscaling"`` sets ``lr = learning_rate_init / (t_ + 1) ** power_t`` after each
  epoch, ``t_`` counting the samples seen (:class:`SklearnEpoch`).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ..nn import backend as B
from ..optim import optimizers
from ..training import Callback, EarlyStopping, ProgressBar, evaluate, fit


def make_optimizer(est):
    if est.solver == "sgd":
        cls = optimizers.Nesterov if est.nesterovs_momentum else optimizers.Momentum
        return cls(learning_rate=est.learning_rate_init, momentum=est.momentum)
    return optimizers.Adam(est.learning_rate_init, est.beta_1, est.beta_2, est.epsilon)


def make_stopper(est):
    """The one rule for ``tol`` and ``n_iter_no_change`` (and the adaptive learning rate)."""
    if est.early_stopping:
        monitor = "val_score" if est.early_stopping_metric == "score" else "val_loss"
    else:
        monitor = "loss"
    adaptive = est.solver == "sgd" and est.learning_rate == "adaptive"
    # n_iter_no_change=np.inf (allowed, as in scikit-learn): tol never stops training
    patience = est.n_iter_no_change + 1 if np.isfinite(est.n_iter_no_change) else sys.maxsize
    return EarlyStopping(monitor, patience=patience, min_delta=est.tol,
                         restore_best=est.early_stopping, lr_divisor=5.0 if adaptive else None, min_lr=1e-6)


class SklearnEpoch(Callback):
    """After each epoch: the fitted attributes scikit-learn updates (``n_iter_``, ``t_``, ``loss_``,
    ``loss_curve_``), the validation score and loss with ``early_stopping``, and the invscaling rate."""

    def __init__(self, est, validation=None):
        self.est, self.validation = est, validation

    def on_epoch_end(self, loop):
        est = self.est
        est.n_iter_ += 1
        est.t_ += loop.n_samples
        est.loss_ = loop.logs["loss"]
        est.loss_curve_.append(est.loss_)
        if self.validation is not None:
            X_val, Y_val, T_val, w_val = self.validation
            score = est._score_arrays(X_val, Y_val, w_val)
            val_loss = evaluate(loop.net, loop.loss_fn, X_val, T_val, sample_weight=w_val)["loss"]
            est.validation_scores_.append(score)
            est.validation_loss_curve_.append(val_loss)
            loop.log("val_score", score)
            loop.log("val_loss", val_loss)
        if est.solver == "sgd" and est.learning_rate == "invscaling":
            loop.optimizer.lr = est.learning_rate_init / (est.t_ + 1) ** est.power_t


class SklearnVerbose(Callback):
    """``verbose``: the lines scikit-learn's MLP prints to standard output, character for character
    (scripts and notebooks parse them): ``Iteration N, loss = ...`` after each epoch, ``Validation
    score: ...`` with early stopping, and the message of the ``tol``/``n_iter_no_change`` rule when it
    stops training or divides an adaptive rate. It runs right after that rule's :class:`EarlyStopping`."""

    def __init__(self, est, stopper):
        self.est, self.stopper = est, stopper
        self.lr = None

    def on_epoch_begin(self, loop):
        self.lr = loop.optimizer.lr

    def on_epoch_end(self, loop):
        est = self.est
        print("Iteration %d, loss = %.8f" % (est.n_iter_, est.loss_))
        if est.early_stopping:
            print("Validation score: %f" % est.validation_scores_[-1])
        what = "Validation score" if est.early_stopping else "Training loss"
        msg = "%s did not improve more than tol=%f for %d consecutive epochs." % (what, est.tol, est.n_iter_no_change)
        adaptive = self.stopper.lr_divisor is not None
        if loop.stopping and loop.history.stop_reason == self.stopper.reason:
            print(msg + (" Learning rate too small. Stopping." if adaptive else " Stopping."))
        elif adaptive and loop.optimizer.lr < self.lr:
            print(msg + " Setting learning rate to %f" % loop.optimizer.lr)


def fit_stochastic(est, X, Y, sample_weight, incremental):
    """Train ``est._net`` on ``(X, Y)``: ``max_iter`` epochs, or one for ``partial_fit``."""
    if est.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    if not incremental or not hasattr(est, "_optimizer"):
        est._optimizer = make_optimizer(est)
    loss_fn = est._loss_fn = est._make_loss()
    validation = None
    if est.early_stopping:
        # as scikit-learn: stratify single-output classification only
        stratify = Y if (est._is_classifier() and est.n_outputs_ == 1) else None
        train, val = train_test_split(np.arange(X.shape[0]), random_state=est._random_state,
                                      test_size=est.validation_fraction, stratify=stratify)
        if len(val) < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size of your dataset."
            )
        w_val = None if sample_weight is None else sample_weight[val]
        validation = (X[val], Y[val], est._loss_targets(Y[val]), w_val)
        X, Y = X[train], Y[train]
        sample_weight = None if sample_weight is None else sample_weight[train]
    X = B.like(X, est._net.flat_params)  # where the network lives (a no-op for NumPy)
    if validation is not None:
        validation = (B.like(validation[0], est._net.flat_params), *validation[1:])
    n_samples = X.shape[0]
    if est.batch_size == "auto":
        batch_size = min(200, n_samples)
    else:
        if est.batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped")
        batch_size = int(np.clip(est.batch_size, 1, n_samples))
    previous = getattr(est, "_stopper", None)
    est._stopper = make_stopper(est)  # the current settings, and the count so far when continuing
    if previous is not None and previous.monitor == est._stopper.monitor:
        est._stopper.restore(*previous.state())
    callbacks = [SklearnEpoch(est, validation), est._stopper]
    if est.verbose:
        callbacks.append(SklearnVerbose(est, est._stopper))
    callbacks.extend(est.callbacks or ())
    if est.progress_bar and not incremental:
        callbacks.append(ProgressBar(total=est.max_iter, desc=type(est).__name__, file=sys.stderr))
    est.n_iter_ = 0
    est._history.stop_reason = None
    history = fit(est._net, loss_fn, est._optimizer, X, est._loss_targets(Y), epochs=1 if incremental else est.max_iter,
                  batch_size=batch_size, shuffle=est.shuffle, random_state=est._rng, sample_weight=sample_weight,
                  l2=lambda batch_weight: est.alpha / batch_weight, callbacks=callbacks, history=est._history,
                  start_epoch=len(est.loss_curve_))
    stopper = est._stopper
    if est.early_stopping:
        if stopper.best_epoch is not None:
            est.best_validation_score_ = est.validation_scores_[stopper.best_epoch]
            est.best_validation_loss_ = est.validation_loss_curve_[stopper.best_epoch]
    else:
        est.best_loss_ = stopper.best
    if not incremental and est.n_iter_ == est.max_iter and history.stop_reason is None:
        warnings.warn(
            f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and the optimization hasn't "
            "converged yet.",
            ConvergenceWarning,
        )
