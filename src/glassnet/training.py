"""The training loop and what it returns.

The loop itself is the tutorials' three lines; validation, metrics, schedules, callbacks and the
divergence guard hang off it::

    for X_batch, y_batch in batches:
        loss = loss_fn.forward(net.forward(X_batch, training=True), y_batch)
        net.backward(loss_fn.backward())
        optimizer.step(net.flat_parameters())
"""

from __future__ import annotations

import functools
import inspect
import math

import numpy as np

from ._checks import check_positive_int, check_real, check_X
from .network import as_rng


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss; the network keeps the last weights with a finite loss."""


class History:
    """Per-epoch records: ``history["loss"]``, ``["val_loss"]``, ``["accuracy"]``, ``["val_accuracy"]``
    (the metrics present depend on the run) and ``batch_loss``, one entry per optimizer step."""

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.batch_loss: list[float] = []
        self.epochs = 0
        self.stop_reason = None

    def append(self, logs: dict) -> None:
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


def batch_indices(n_samples: int, batch_size: int | None, rng=None, shuffle=True):
    """Index arrays covering ``range(n_samples)`` once, in ``ceil(n / batch_size)`` batches.

    ``batch_size=None`` gives one full batch in the original order.
    """
    if batch_size is None or batch_size >= n_samples:
        order = rng.permutation(n_samples) if (shuffle and rng is not None and batch_size is not None) else None
        yield order if order is not None else slice(None)
        return
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    for start in range(0, n_samples, batch_size):
        yield order[start : start + batch_size]


def l2_penalty(net, l2: float) -> float:
    """``l2 / 2 * sum(W^2)`` over the weights L2 applies to (biases are not penalised)."""
    if l2 == 0.0:
        return 0.0
    w = net.flat_params[: net.n_decayed]
    return 0.5 * l2 * float(np.dot(w, w))


def add_l2_gradient(net, l2: float) -> None:
    """``dL/dW += l2 * W`` for the penalised weights, in place."""
    if l2 != 0.0:
        # float(): a NumPy float64 l2 (from np.logspace, say) would run this float32 pass in float64
        net.flat_grads[: net.n_decayed] += float(l2) * net.flat_params[: net.n_decayed]


def train_step(net, loss_fn, optimizer, X, y, sample_weight=None, l2=0.0, *, validate=True):
    """One forward, backward and optimizer step on a batch; returns the batch loss (with penalty)
    and the logits.

    ``validate=False`` is the fast path for loops that checked their data once: ``X`` must then be a
    2-D array of the network's dtype and width, ``y`` rows of what ``loss_fn.prepare_targets`` returned
    and ``sample_weight`` None or a float64 array (see :func:`fit`).
    """
    if validate:
        logits = net.forward(X, training=True)
        loss = loss_fn.forward(logits, y, sample_weight)
    else:  # the caller checked its data once: no per-batch checks
        logits = X
        for layer in net.layers:
            logits = layer.forward(logits, True)
        loss = loss_fn.forward(logits, y, sample_weight, validate=False)
    if l2:
        loss += l2_penalty(net, l2)
    net.backward(loss_fn.backward())
    if l2:
        add_l2_gradient(net, l2)
    optimizer.step(net.flat_parameters())
    return loss, logits


def _has_unchecked_path(loss_fn) -> bool:
    """Whether ``loss_fn`` offers ``prepare_targets`` and ``forward(..., validate=False)`` (a loss
    written before them, or one that overrides ``forward``, is checked per batch as before)."""
    try:
        return hasattr(loss_fn, "prepare_targets") and "validate" in inspect.signature(loss_fn.forward).parameters
    except (TypeError, ValueError):
        return False


class BatchGatherer:
    """Copies the rows ``X[idx]`` of each batch into one buffer allocated once per batch shape.

    ``X[idx]`` allocates a new array per batch; ``X.take(idx, axis=0, out=)`` reuses one (mode "clip":
    with the default "raise", NumPy buffers ``out`` and copies twice). ``idx`` must hold indices in
    ``[0, len(X))``, as :func:`batch_indices` gives (negative indices would be clipped to 0, not
    wrapped). A ``slice`` returns ``X[idx]``, a view, never a copy.

    The returned array is the buffer itself: the next call overwrites it.
    """

    def __init__(self, X):
        self.X = X
        self._buffer = None

    def __call__(self, idx):
        if isinstance(idx, slice):
            return self.X[idx]
        n = idx.shape[0]
        if self._buffer is None or self._buffer.shape[0] < n:
            self._buffer = np.empty((n,) + self.X.shape[1:], dtype=self.X.dtype)
        out = self._buffer[:n]
        self.X.take(idx, axis=0, out=out, mode="clip")
        return out


def evaluate(net, loss_fn, X, y, sample_weight=None, l2=0.0, metrics=(), batch_size=4096):
    """Loss (with penalty) and metrics of ``net`` on ``(X, y)``, without training."""
    # Chunks written into one preallocated array: the peak is the logits plus one chunk's activations
    # (a list of chunks then np.concatenate would hold the logits twice).
    X = np.asarray(X, dtype=net.dtype)
    logits = None
    for i in range(0, len(X), batch_size):
        chunk = net.forward(X[i : i + batch_size])
        if logits is None:
            logits = np.empty((len(X),) + chunk.shape[1:], dtype=chunk.dtype)
        logits[i : i + len(chunk)] = chunk
    if logits is None:
        raise ValueError("evaluate needs at least one sample, got an empty X.")
    logs = {"loss": loss_fn.forward(logits, y, sample_weight) + l2_penalty(net, l2)}
    for name in metrics:
        logs[name] = METRICS[name](logits, y, loss_fn)
    return logs


def accuracy(logits, y, loss_fn) -> float:
    """Fraction of samples whose predicted class equals the target class."""
    y = np.asarray(y)
    if loss_fn.output == "softmax":
        pred = logits.argmax(axis=1)
        true = y if y.ndim == 1 else y.argmax(axis=1)
    else:  # sigmoid: every label of a sample must match
        pred = logits > 0.0
        true = (y.reshape(logits.shape) > 0.5)
        return float(np.mean(np.all(pred == true, axis=1)))
    return float(np.mean(pred == true))


METRICS = {"accuracy": accuracy}


def _quiet_overflow(function):
    # A diverging run overflows somewhere before its loss turns non-finite; the divergence guard in
    # the loop is the one place that reports it, so NumPy's floating-point warnings stay silent.
    @functools.wraps(function)
    def quiet(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return function(*args, **kwargs)

    return quiet


@_quiet_overflow
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
):
    """Train ``net`` on ``(X, y)`` and return its :class:`History`.

    Parameters
    ----------
    net : Sequential
    loss_fn : glassnet.losses.Loss
    optimizer : glassnet.optimizers.Optimizer
    X : ndarray of shape (n_samples, n_features)
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
    l2 : float
        L2 penalty ``l2/2 * ||W||^2`` added to the loss (biases excluded).
    metrics : sequence of str
        Names from ``METRICS`` (``"accuracy"``), computed on each epoch's batches and on validation.
    callbacks : sequence of Callback
        See :mod:`glassnet.callbacks`; one returning True from ``on_epoch_end`` stops training.
    history : History or None
        Continue this history (resumed runs); ``start_epoch`` is the first epoch's index.

    Raises
    ------
    DivergenceError
        When a batch loss is not finite. The weights are restored to the end of the last good epoch.
    """
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
    l2 = check_real(l2, "l2", low=0.0)
    for name in metrics:
        if name not in METRICS:
            raise ValueError(f"Unknown metric {name!r}; expected one of {sorted(METRICS)}.")
    X = check_X(X, n_features=net.n_features_in, dtype=net.dtype)  # no copy when X already has the dtype
    y = np.asarray(y)
    if y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"X and y have different numbers of samples: {len(X)} and {len(y) if y.ndim else 1}.")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"y contains NaN or infinity (first at sample {np.argwhere(~np.isfinite(y))[0][0]}); "
                         "remove those samples or fill in their targets.")
    if validation_data is not None:
        X_val, y_val = validation_data
        X_val = check_X(X_val, n_features=net.n_features_in, dtype=net.dtype, name="validation X")
    # Check everything once here, so that each batch takes the unchecked fast path of train_step.
    fast = net.n_outputs is not None and _has_unchecked_path(loss_fn)
    if fast:
        y = loss_fn.prepare_targets(y, net.n_outputs, net.dtype)
        sample_weight = loss_fn.check_sample_weight(sample_weight, len(X))
    elif sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
    gather = BatchGatherer(X) if fast else X.__getitem__
    rng = as_rng(random_state)
    history = history if history is not None else History()
    callbacks = list(callbacks)
    for cb in callbacks:
        cb.on_train_begin(net, history)
    last_good = net.get_weights()
    track_accuracy = "accuracy" in metrics
    for epoch in range(start_epoch, start_epoch + epochs):
        optimizer.set_epoch(epoch)
        total, seen, correct = 0.0, 0, 0.0
        for batch, idx in enumerate(batch_indices(len(X), batch_size, rng, shuffle)):
            if fast and not isinstance(idx, slice) and idx.shape[0] == len(X):
                # One batch of every sample: its gradient does not depend on the order, so use the
                # data in place rather than copy all of it into a shuffled buffer.
                idx = slice(None)
            Xb, yb = gather(idx), y[idx]
            wb = None if sample_weight is None else sample_weight[idx]
            loss, logits = train_step(net, loss_fn, optimizer, Xb, yb, wb, l2, validate=not fast)
            if not math.isfinite(loss):
                net.set_weights(last_good)
                history.stop_reason = "diverged"
                raise DivergenceError(
                    f"the training loss became {loss} at epoch {epoch + 1}, batch {batch + 1}: the "
                    f"learning rate ({optimizer.lr:g}) is probably too high, or the inputs are not "
                    "scaled; the weights from the end of the last finite epoch were kept."
                )
            n = Xb.shape[0]
            history.batch_loss.append(loss)
            total += loss * n
            seen += n
            if track_accuracy:
                correct += accuracy(logits, yb, loss_fn) * n
            for cb in callbacks:
                cb.on_batch_end(batch, loss)
        logs = {"loss": total / seen}
        if "accuracy" in metrics:
            logs["accuracy"] = correct / seen
        if validation_data is not None:
            val = evaluate(net, loss_fn, X_val, y_val, l2=l2, metrics=metrics)
            logs.update({f"val_{k}": v for k, v in val.items()})
        history.append(logs)
        last_good = net.get_weights() if np.isfinite(logs["loss"]) else last_good
        stop = False
        for cb in callbacks:
            stop = bool(cb.on_epoch_end(epoch, history, net)) or stop
        if stop:
            history.stop_reason = history.stop_reason or "callback"
            break
    for cb in callbacks:
        cb.on_train_end(net, history)
    return history
