"""The training loop: ``fit``, the only one in glassnet, and the step it repeats.

The loop itself is the tutorials' three lines; validation, metrics, schedules, callbacks and the
divergence guard hang off it::

    for X_batch, y_batch in batches:
        loss = loss_fn.forward(net.forward(X_batch, training=True), y_batch)
        net.backward(loss_fn.backward())
        optimizer.step(net.flat_parameters())

Every face (the Python API, the estimators, the command line) trains through :func:`fit`, and every
callback sees the same events with one argument, the running :class:`TrainingLoop`.
"""

from __future__ import annotations

import math

import numpy as np

from ..nn import backend as B
from ..nn.checks import check_positive_int, check_real, check_X
from ..nn.network import as_rng
from ..nn.sparse import is_sparse
from . import metrics as M
from .batches import BatchGatherer, batch_indices
from .callbacks import as_callback


# A run whose epoch loss grows past this many times its starting loss is diverging even while the
# numbers stay finite (Adam at a learning rate of 10 reaches losses of 1e120); healthy runs end below
# where they start.
RUNAWAY_FACTOR = 1e4


class DivergenceError(FloatingPointError, ValueError):
    """Training produced a non-finite loss or weights, or a loss that ran away (grew past
    ``RUNAWAY_FACTOR`` times the loss it started from).

    ``fit`` puts back the weights from the end of the last epoch whose loss and weights were good before raising
    (callbacks then run their ``on_train_end``: an :class:`EarlyStopping` that restores its best epoch
    does so). It is a ``ValueError`` too, as scikit-learn expects of a failed fit.

    Attributes
    ----------
    loss : float
        The non-finite batch loss.
    epoch, batch : int
        Where it happened, counted from 1.
    learning_rate : float
        The optimizer's rate at that step.
    """

    def __init__(self, loss, epoch, batch, learning_rate, what=None):
        self.loss, self.epoch, self.batch, self.learning_rate = loss, epoch, batch, learning_rate
        what = what or f"the training loss became {loss}"
        super().__init__(
            f"{what} at epoch {epoch}, batch {batch}: the learning rate "
            f"({learning_rate:g}) is probably too high, or the inputs are not scaled"
        )


class History:
    """Per-epoch records: ``history["loss"]``, ``["val_loss"]``, ``["accuracy"]``, ``["val_accuracy"]``
    (the metrics present depend on the run) and ``batch_loss``, one entry per optimizer step."""

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.batch_loss: list[float] = []
        self.epochs = 0
        self.stop_reason = None

    def append(self, logs: dict) -> None:
        """Record one finished epoch."""
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        self.epochs += 1

    def __getitem__(self, key):
        return self.history[key]

    def __contains__(self, key):
        return key in self.history

    def __repr__(self):
        last = {k: round(v[-1], 6) for k, v in self.history.items() if v}
        return f"History(epochs={self.epochs}, last={last})"


class TrainingLoop:
    """A run of :func:`fit` as its callbacks see it.

    Attributes
    ----------
    net, loss_fn, optimizer, history
        What ``fit`` was given (``history`` is the one it returns).
    epoch : int
        The current epoch, counted from 0 (from ``start_epoch`` for a continued run).
    batch : int
        The current batch within the epoch, counted from 0.
    loss : float
        The last batch's loss (with the L2 penalty).
    logs : dict
        The finished epoch's numbers, as recorded in the history (in ``on_epoch_end``).
    n_samples : int
        Training samples.
    """

    def __init__(self, net, loss_fn, optimizer, history, n_samples):
        self.net, self.loss_fn, self.optimizer, self.history = net, loss_fn, optimizer, history
        self.n_samples = n_samples
        self.epoch = self.batch = 0
        self.loss = math.nan
        self.logs: dict = {}
        self.stopping = False

    def stop(self, reason: str) -> None:
        """End training: after this batch when called from ``on_batch_end`` (the unfinished epoch is
        not recorded), after this epoch from ``on_epoch_end``. ``reason`` becomes
        ``history.stop_reason``."""
        self.history.stop_reason = reason
        self.stopping = True

    def log(self, name: str, value: float) -> None:
        """Add a number to the finished epoch's record (from ``on_epoch_end``)."""
        self.logs[name] = float(value)
        self.history.history.setdefault(name, []).append(float(value))


def l2_penalty(net, l2: float) -> float:
    """``l2 / 2 * sum(W^2)`` over the weights L2 applies to (biases are not penalised)."""
    if l2 == 0.0:
        return 0.0
    w = net.flat_params[: net.n_decayed]
    return 0.5 * l2 * float(net.xp.dot(w, w))


def add_l2_gradient(net, l2: float) -> None:
    """``dL/dW += l2 * W`` for the penalised weights, in place."""
    if l2 != 0.0:
        # float(): a NumPy float64 l2 (from np.logspace, say) would run this float32 pass in float64
        net.flat_grads[: net.n_decayed] += float(l2) * net.flat_params[: net.n_decayed]


def objective(net, loss_fn, X, y, sample_weight=None, l2=0.0, *, validate=True, training=True):
    """The loss of ``net`` on a batch, with the L2 penalty, leaving its gradient in ``net.flat_grads``.

    Returns ``(loss, logits)``. ``validate=False`` is the fast path for loops that checked their data
    once: ``X`` must then have the network's dtype and sample shape, ``y`` be rows of what
    ``loss_fn.prepare_targets`` returned, and ``sample_weight`` None or a float64 array.
    """
    if validate:
        logits = net.forward(X, training=training)
    else:
        logits = X
        for layer in net.layers:
            logits = layer.forward(logits, training)
    loss = loss_fn.forward(logits, y, sample_weight, validate=validate)
    if l2:
        loss += l2_penalty(net, l2)
    net.backward(loss_fn.backward())
    if l2:
        add_l2_gradient(net, l2)
    return loss, logits


def train_step(net, loss_fn, optimizer, X, y, sample_weight=None, l2=0.0, *, validate=True):
    """One forward, backward and optimizer step on a batch; returns the batch loss (with penalty)
    and the logits (see :func:`objective`)."""
    loss, logits = objective(net, loss_fn, X, y, sample_weight, l2, validate=validate)
    optimizer.step(net.flat_parameters())
    return loss, logits


def evaluate(net, loss_fn, X, y, sample_weight=None, l2=0.0, metrics=(), batch_size=4096):
    """Loss (with penalty) and metrics of ``net`` on ``(X, y)``, without training."""
    # Chunks written into one preallocated array: the peak is the logits plus one chunk's activations
    # (a list of chunks then np.concatenate would hold the logits twice).
    X = check_X(X, input_shape=net.input_shape, dtype=net.dtype) if is_sparse(X) else net.as_input(X)
    n = X.shape[0]
    logits = None
    for i in range(0, n, batch_size):
        chunk = net.forward(X[i : min(i + batch_size, n)] if is_sparse(X) else X[i : min(i + batch_size, n), ...])
        if logits is None:
            logits = net.xp.empty((n,) + tuple(chunk.shape[1:]), dtype=chunk.dtype, device=net.device)
        logits[i : i + chunk.shape[0], ...] = chunk
    if logits is None:
        raise ValueError("evaluate needs at least one sample, got an empty X.")
    logs = {"loss": loss_fn.forward(logits, y, sample_weight) + l2_penalty(net, l2)}
    if metrics:
        truth, predicted = M.truths(y, loss_fn.output), M.predictions(logits, loss_fn.output)
        for name in M.check_names(metrics):
            logs[name] = M.score(name, truth, predicted, sample_weight)
    return logs


def fit(
    net,
    loss_fn,
    optimizer,
    X,
    y,
    *,
    epochs=100,
    batch_size=None,
    shuffle=True,
    random_state=None,
    validation_data=None,
    sample_weight=None,
    l2=0.0,
    metrics=(),
    callbacks=(),
    history=None,
    start_epoch=0,
    batches=None,
):
    """Train ``net`` on ``(X, y)`` and return its :class:`History`.

    Parameters
    ----------
    net : Sequential
    loss_fn : glassnet.nn.losses.Loss
    optimizer : glassnet.optim.Optimizer
    X : ndarray of shape (n_samples, *net.input_shape), or a SciPy sparse matrix of rows
        Sparse ``X`` (CSR, or CSC converted to CSR once) stays sparse: batches are row slices of it and
        only the first layer's products see it (see :mod:`glassnet.nn.sparse`).
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Targets in the form ``loss_fn`` takes.
    epochs : int
        Passes over the data (an epoch with ``batch_size=None`` is one full-batch step).
    batch_size : int or None
        Mini-batch size; ``None`` uses the whole set at each step.
    shuffle : bool
        Reshuffle the samples every epoch (mini-batches only).
    random_state : int, Generator or None
        Seeds the shuffling.
    validation_data : (X_val, y_val) or None
        Evaluated after every epoch (``val_loss`` and ``val_<metric>``).
    sample_weight : ndarray of shape (n_samples,) or None
        A batch whose samples all weigh zero has no gradient: it takes no step and adds 0 to the
        epoch's loss.
    l2 : float or callable
        The L2 penalty ``l2/2 * ||W||^2`` added to every batch's loss (biases excluded). A callable
        ``l2(batch_weight) -> float`` gives each batch its own strength from the number of its samples,
        or their total weight (scikit-learn's ``alpha / batch_weight``).
    metrics : sequence of str
        Names from :data:`glassnet.training.metrics.METRICS`, scored on each epoch's batches and on
        the validation data.
    callbacks : sequence of Callback or callable
        See :mod:`glassnet.training.callbacks`; a plain callable ``f(loop)`` is called after every
        epoch and stops training by returning True.
    history : History or None
        Continue this history (resumed runs); ``start_epoch`` is the first epoch's index.
    batches : callable or None
        ``batches(n_samples, rng) -> iterable of index arrays``, a fixed plan of mini-batches that
        replaces ``batch_size`` and ``shuffle``.

    Raises
    ------
    DivergenceError
        When a batch loss or the weights after an epoch are not finite, or an epoch's loss is more than
        ``RUNAWAY_FACTOR`` times the loss the run started from. The weights are restored to the end of
        the last good epoch.
    """
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
    strength = l2 if callable(l2) else None
    l2 = 0.0 if callable(l2) else check_real(l2, "l2", low=0.0)
    metrics = M.check_names(metrics)
    X = check_X(X, input_shape=net.input_shape, dtype=net.dtype)  # no copy when X already has the dtype
    if is_sparse(X):
        net.check_sparse_input()
    else:
        X = net.as_input(X)  # the network's library and device, or a TypeError saying how to move
    xp, n_samples = net.xp, X.shape[0]
    y = B.to_numpy(y)  # targets are checked on the host, then placed beside X
    if y.ndim == 0 or n_samples != len(y):
        raise ValueError(f"X and y have different numbers of samples: {n_samples} and {len(y) if y.ndim else 1}.")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"y contains NaN or infinity (first at sample {np.argwhere(~np.isfinite(y))[0][0]}); "
                         "remove those samples or fill in their targets.")
    n_outputs = _output_width(net, X)
    y = loss_fn.prepare_targets(y, n_outputs, net.dtype)  # checked once: batches take the unchecked path
    y = B.asarray(y, xp, net.device)
    sample_weight = loss_fn.check_sample_weight(B.to_numpy(sample_weight), n_samples)
    if sample_weight is not None:
        sample_weight = B.asarray(sample_weight, xp, net.device)
    if validation_data is not None:
        X_val, y_val = validation_data
        X_val = check_X(X_val, input_shape=tuple(X.shape[1:]), dtype=net.dtype, name="validation X")
        X_val = net.as_input(X_val, name="validation X")
    callbacks = [as_callback(cb) for cb in callbacks]
    gather = BatchGatherer(X)
    rng = as_rng(random_state)
    plan = batches if batches is not None else (lambda n, rng: batch_indices(n, batch_size, rng, shuffle))
    loop = TrainingLoop(net, loss_fn, optimizer, history if history is not None else History(), n_samples)
    # When only the epochs can end the run, the optimizer may plan for its steps (Optimizer.planned_steps).
    planned = batches is None and not any(cb.may_stop(epochs) for cb in callbacks)
    per_epoch = 1 if batch_size is None else -(-n_samples // batch_size)
    optimizer.planned_steps = optimizer.t + (epochs * per_epoch if planned else 0)
    history = loop.history
    last_good = net.snapshot()
    # The loss the run started from (before its first step), against which a runaway loss is measured.
    start_loss = history.batch_loss[0] if history.batch_loss else None
    # A diverging run overflows somewhere before its loss turns non-finite; the divergence guard is the
    # one place that reports it, so NumPy's floating-point warnings stay silent.
    with B.quiet_floating_point():
        try:
            for cb in callbacks:
                cb.on_train_begin(loop)
            for epoch in range(start_epoch, start_epoch + epochs):
                loop.epoch = epoch
                optimizer.set_epoch(epoch)
                for cb in callbacks:
                    cb.on_epoch_begin(loop)
                total, seen, truth, predicted = 0.0, 0, [], []
                for batch, idx in enumerate(plan(n_samples, rng)):
                    if not isinstance(idx, slice) and idx.shape[0] == n_samples:
                        # One batch of every sample: its gradient does not depend on the order, so use
                        # the data in place rather than copy all of it into a shuffled buffer.
                        idx = slice(None)
                    loop.batch = batch
                    idx = gather.place(idx)
                    Xb, yb = gather(idx), gather.rows(y, idx)
                    wb = None if sample_weight is None else gather.rows(sample_weight, idx)
                    weight = Xb.shape[0] if wb is None else float(xp.sum(wb))
                    if weight == 0.0:
                        seen += Xb.shape[0]  # no gradient: no step, and nothing added to the loss
                        continue
                    coefficient = l2 if strength is None else strength(weight)
                    loss, logits = train_step(net, loss_fn, optimizer, Xb, yb, wb, coefficient, validate=False)
                    if not math.isfinite(loss):
                        net.restore(last_good)
                        history.stop_reason = "diverged"
                        raise DivergenceError(loss, epoch + 1, batch + 1, optimizer.lr)
                    loop.loss = loss
                    if start_loss is None:
                        start_loss = loss
                    history.batch_loss.append(loss)
                    total += loss * Xb.shape[0]
                    seen += Xb.shape[0]
                    if metrics:
                        truth.append(M.truths(yb, loss_fn.output))
                        predicted.append(M.predictions(logits, loss_fn.output))
                    for cb in callbacks:
                        cb.on_batch_end(loop)
                    if loop.stopping:
                        break
                # The losses above were measured before each step: the last step's result is checked here.
                if not _usable(net.flat_params):
                    net.restore(last_good)
                    history.stop_reason = "diverged"
                    raise DivergenceError(loop.loss, epoch + 1, loop.batch + 1, optimizer.lr,
                                          what="the weights became NaN, infinite or too large for the arithmetic "
                                               "after the step")
                if loop.stopping:
                    break
                logs = {"loss": total / seen}
                if start_loss is not None and logs["loss"] > RUNAWAY_FACTOR * max(start_loss, 1e-3):
                    net.restore(last_good)
                    history.stop_reason = "diverged"
                    raise DivergenceError(logs["loss"], epoch + 1, loop.batch + 1, optimizer.lr,
                                          what=f"the training loss ran away (from {start_loss:.4g} at the start "
                                               f"to {logs['loss']:.4g} over the epoch)")
                if metrics:  # scored on the host by scikit-learn
                    truth, predicted = np.concatenate(truth), np.concatenate(predicted)
                    logs.update({name: M.score(name, truth, predicted) for name in metrics})
                if validation_data is not None:
                    val = evaluate(net, loss_fn, X_val, y_val, l2=l2, metrics=metrics)
                    logs.update({f"val_{k}": v for k, v in val.items()})
                history.append(logs)
                loop.logs = logs
                last_good = net.snapshot()  # finite weights, a loss that did not run away
                for cb in callbacks:
                    cb.on_epoch_end(loop)
                if loop.stopping:
                    break
        finally:
            for cb in callbacks:
                cb.on_train_end(loop)
    return history


def _usable(weights) -> bool:
    """Whether the weights are finite and small enough that their products are (a sum of squares
    that overflows means weights beyond ~1e154 in float64, which no forward pass survives)."""
    return math.isfinite(float(B.namespace(weights).dot(weights, weights)))


def _output_width(net, X) -> int:
    """The number of outputs ``net`` gives for samples shaped like ``X``'s, which a loss needs as rows."""
    shape = net.output_shape if net.input_shape is not None else net.output_shape_for(tuple(X.shape[1:]))
    if shape is None or len(shape) != 1:
        raise ValueError(
            f"the network's outputs have shape {shape} per sample, but a loss takes rows of outputs: end the "
            "network with a Dense layer (after a Flatten() for images and sequences)."
        )
    return shape[0]
