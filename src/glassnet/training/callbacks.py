"""Callbacks: small pieces that hang off the training loop.

Every hook takes one argument, the running :class:`glassnet.training.TrainingLoop` (``loop.net``,
``loop.optimizer``, ``loop.history``, ``loop.epoch``, ``loop.logs``, ...)::

    on_train_begin(loop)   on_epoch_begin(loop)   on_batch_end(loop)   on_epoch_end(loop)   on_train_end(loop)

``on_train_end`` runs however training ends: finished, stopped, interrupted or diverged. A callback
ends training with ``loop.stop(reason)``. A plain callable ``f(loop)`` is an ``on_epoch_end`` hook
that stops training by returning True. A callback whose state must survive a restart (a checkpoint)
has ``state() -> (meta, arrays)`` and ``restore(meta, arrays)``.
"""

from __future__ import annotations

import math

from ..nn.checks import check_positive_int, check_real


class Callback:
    """Base class: every hook does nothing.

    ``may_stop(epochs)`` says whether the callback can end a run of ``epochs`` more epochs before its
    last one. ``fit`` tells the optimizer how many steps it plans only when no callback can (see
    ``Optimizer.planned_steps``): a plan that early stopping may cut short is no plan. A callback that
    stops runs by a rule of its own overrides it (one that stops on a signal from the user need not:
    a plan changes how fast the steps run, never what they compute).
    """

    def may_stop(self, epochs) -> bool:
        return False

    def on_train_begin(self, loop):
        pass

    def on_epoch_begin(self, loop):
        pass

    def on_batch_end(self, loop):
        pass

    def on_epoch_end(self, loop):
        pass

    def on_train_end(self, loop):
        pass


class LambdaCallback(Callback):
    """Hooks given as functions ``f(loop)``; one returning True stops training.

    ``LambdaCallback(on_epoch_end=lambda loop: print(loop.logs))``
    """

    HOOKS = ("on_train_begin", "on_epoch_begin", "on_batch_end", "on_epoch_end", "on_train_end")

    def may_stop(self, epochs) -> bool:
        return True

    def __init__(self, **hooks):
        for name, fn in hooks.items():
            if name not in self.HOOKS:
                raise TypeError(f"LambdaCallback takes the hooks {list(self.HOOKS)}, got {name!r}.")
            if not callable(fn):
                raise TypeError(f"LambdaCallback's {name} must be a function f(loop), got {fn!r}.")
            setattr(self, name, _stopping_on_true(fn))


def _stopping_on_true(fn):
    def hook(loop):
        if fn(loop):
            loop.stop("callback")

    return hook


def as_callback(cb) -> Callback:
    """``cb`` itself, or a plain callable wrapped as an ``on_epoch_end`` hook."""
    if isinstance(cb, Callback):
        return cb
    if callable(cb):
        return LambdaCallback(on_epoch_end=cb)
    raise TypeError(f"callbacks must be glassnet Callback objects or functions f(loop), got {cb!r}.")


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    After each epoch: an improvement of more than ``min_delta`` over the best value so far resets
    the count of epochs without one; any improvement becomes the new best (and its weights are kept
    when ``restore_best``). When the count reaches ``patience``, training stops, or, with
    ``lr_divisor``, the learning rate is divided by it and the count starts again, until the rate is
    at most ``min_lr``: scikit-learn's ``tol``, ``n_iter_no_change`` and ``learning_rate="adaptive"``
    are ``min_delta=tol``, ``patience=n_iter_no_change + 1`` and ``lr_divisor=5``.

    The state carries over from one ``fit`` call to the next (a run continued by ``partial_fit`` or
    from a checkpoint goes on counting); :meth:`reset` starts afresh.

    Parameters
    ----------
    monitor : str, default="val_loss"
        A key of the history.
    patience : int, default=2
    min_delta : float, default=0.0
    restore_best : bool, default=True
        When training ends, however it ends, put back the weights of the best epoch.
    mode : {"min", "max"} or None
        Whether smaller values are better; ``None``: names ending in "loss" are minimised, others
        maximised.
    lr_divisor : float > 1 or None
    min_lr : float, default=1e-6
    """

    def __init__(self, monitor="val_loss", patience=2, min_delta=0.0, restore_best=True, mode=None,
                 lr_divisor=None, min_lr=1e-6):
        self.monitor = monitor
        self.patience = check_positive_int(patience, "patience")
        self.min_delta = check_real(min_delta, "min_delta", low=0.0)
        self.restore_best = bool(restore_best)
        if mode not in (None, "min", "max"):
            raise ValueError(f"mode must be 'min', 'max' or None, got {mode!r}.")
        self.minimize = monitor.endswith("loss") if mode is None else mode == "min"
        self.lr_divisor = None if lr_divisor is None else check_real(lr_divisor, "lr_divisor", low=1.0,
                                                                     low_inclusive=False)
        self.min_lr = check_real(min_lr, "min_lr", low=0.0)
        self.reset()

    def reset(self):
        """Forget every epoch seen so far."""
        self.best = math.inf if self.minimize else -math.inf
        self.best_epoch = None
        self.best_weights = None
        self.wait = 0

    def on_epoch_end(self, loop):
        if self.monitor not in loop.logs:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, which this run does not record "
                f"(it records {sorted(loop.logs)}); pass validation data or change monitor."
            )
        value = loop.logs[self.monitor]
        sign = 1.0 if self.minimize else -1.0
        self.wait = 0 if sign * value < sign * self.best - self.min_delta else self.wait + 1
        if sign * value < sign * self.best:
            self.best, self.best_epoch = value, loop.epoch
            if self.restore_best:
                self.best_weights = loop.net.snapshot()
        if self.wait < self.patience:
            return
        if self.lr_divisor is not None and loop.optimizer.lr > self.min_lr:
            loop.optimizer.lr /= self.lr_divisor
            self.wait = 0
            return
        loop.stop(self.reason)

    def may_stop(self, epochs) -> bool:
        # The count of epochs without improvement grows by at most one an epoch (and dividing the
        # learning rate only postpones the stop).
        return self.patience - self.wait < epochs

    @property
    def reason(self) -> str:
        """The ``history.stop_reason`` this callback gives when it stops training."""
        by = f" by more than {self.min_delta:g}" if self.min_delta else ""
        return f"{self.monitor} did not improve{by} for {self.patience} epochs"

    def on_train_end(self, loop):
        if self.restore_best and self.best_weights is not None:
            loop.net.restore(self.best_weights)

    def state(self):
        """``(meta, arrays)`` to save in a checkpoint."""
        meta = {"best": float(self.best), "best_epoch": self.best_epoch, "wait": self.wait}
        return meta, ({} if self.best_weights is None else {"best_weights": self.best_weights})

    def restore(self, meta, arrays):
        """Continue from what :meth:`state` returned."""
        self.best, self.best_epoch, self.wait = float(meta["best"]), meta["best_epoch"], int(meta["wait"])
        self.best_weights = arrays.get("best_weights")


class ProgressBar(Callback):
    """A tqdm bar over epochs showing the loss and any validation numbers."""

    def __init__(self, total=None, desc="training", leave=True, file=None):
        self.total, self.desc, self.leave, self.file = total, desc, leave, file
        self.bar = None

    def on_train_begin(self, loop):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.total, desc=self.desc, unit="epoch", leave=self.leave, file=self.file)

    def on_epoch_end(self, loop):
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in loop.logs.items()}, refresh=False)
        self.bar.update(1)

    def on_train_end(self, loop):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

