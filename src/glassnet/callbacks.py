"""Callbacks: small pieces that hang off the training loop.

A callback may implement ``on_train_begin(net, history)``, ``on_batch_end(batch, loss)``,
``on_epoch_end(epoch, history, net) -> bool`` (True stops training) and ``on_train_end(net, history)``.
Any callable ``f(epoch, history, net)`` can be wrapped in :class:`LambdaCallback`.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive_int, check_real


class Callback:
    def on_train_begin(self, net, history):
        pass

    def on_batch_end(self, batch, loss):
        pass

    def on_epoch_end(self, epoch, history, net):
        return False

    def on_train_end(self, net, history):
        pass


class LambdaCallback(Callback):
    """Calls ``fn(epoch, history, net)`` after each epoch; a True result stops training."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"LambdaCallback needs a callable, got {fn!r}.")
        self.fn = fn

    def on_epoch_end(self, epoch, history, net):
        return bool(self.fn(epoch, history, net))


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default="val_loss"
        A key of the history; names ending in "loss" are minimised, others maximised.
    patience : int, default=2
    min_delta : float, default=0.0
    restore_best : bool, default=True
        At the end of training, put back the weights of the best epoch.
    """

    def __init__(self, monitor="val_loss", patience=2, min_delta=0.0, restore_best=True):
        self.monitor = monitor
        self.patience = check_positive_int(patience, "patience")
        self.min_delta = check_real(min_delta, "min_delta", low=0.0)
        self.restore_best = restore_best
        self.minimize = monitor.endswith("loss")

    def on_train_begin(self, net, history):
        self.best = np.inf if self.minimize else -np.inf
        self.best_weights = None
        self.best_epoch = None
        self.wait = 0

    def _improved(self, value):
        if self.minimize:
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, history, net):
        if self.monitor not in history:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, which this run does not record "
                f"(it records {sorted(history.history)}); pass validation data or change monitor."
            )
        value = history[self.monitor][-1]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_weights = net.get_weights()
            return False
        self.wait += 1
        if self.wait >= self.patience:
            history.stop_reason = f"{self.monitor} did not improve for {self.patience} epochs"
            return True
        return False

    def on_train_end(self, net, history):
        if self.restore_best and self.best_weights is not None:
            net.set_weights(self.best_weights)


class ProgressBar(Callback):
    """A tqdm bar over epochs showing the loss and any validation numbers."""

    def __init__(self, total=None, desc="training", leave=True, file=None):
        self.total, self.desc, self.leave, self.file = total, desc, leave, file
        self.bar = None

    def on_train_begin(self, net, history):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.total, desc=self.desc, unit="epoch", leave=self.leave, file=self.file)

    def on_epoch_end(self, epoch, history, net):
        shown = {k: f"{v[-1]:.4g}" for k, v in history.history.items()}
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update(1)
        return False

    def on_train_end(self, net, history):
        if self.bar is not None:
            self.bar.close()
