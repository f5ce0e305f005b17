"""What a ``glassnet train`` run hangs off the core's training loop, besides early stopping."""

from __future__ import annotations

import math

from ..training import metrics as M
from ..training.callbacks import Callback

INTERRUPTED = "interrupted"


class InterruptFlag(Callback):
    """Stops training after the current batch once :meth:`request` was called (by a signal handler),
    and remembers where."""

    def __init__(self):
        self.requested = False
        self.where = None
        self.signal = "SIGINT"

    def request(self, signal="SIGINT"):
        """Stop after the current batch; ``signal`` names what asked (SIGINT is Ctrl-C)."""
        self.requested = True
        self.signal = signal

    def on_batch_end(self, loop):
        if self.requested:
            by = "" if self.signal == "SIGINT" else f" by {self.signal}"
            self.where = f"interrupted{by} in epoch {loop.epoch + 1}, after batch {loop.batch + 1}"
            loop.stop(INTERRUPTED)


class Score(Callback):
    """Logs ``score`` and ``val_score`` after each epoch: accuracy, or R^2 for regression, on the whole
    training and validation sets."""

    def __init__(self, metric, train, validation=None):
        self.metric, self.train, self.validation = metric, train, validation

    def _score(self, loop, X, y):
        output = loop.loss_fn.output
        return M.score(self.metric, M.truths(y, output), M.predictions(loop.net.forward(X), output))

    def on_epoch_end(self, loop):
        loop.log("score", self._score(loop, *self.train))
        if self.validation is not None:
            loop.log("val_score", self._score(loop, *self.validation))


class KeepBestOnInterrupt(Callback):
    """Tracks the epoch with the lowest ``monitor``; an interrupted run ends with its weights."""

    def __init__(self, monitor):
        self.monitor = monitor
        self.best, self.best_epoch, self.weights = math.inf, None, None

    def on_epoch_end(self, loop):
        value = loop.logs[self.monitor]
        if value < self.best:
            self.best, self.best_epoch, self.weights = value, loop.epoch, loop.net.get_weights()

    def on_train_end(self, loop):
        if loop.history.stop_reason == INTERRUPTED and self.weights is not None:
            loop.net.set_weights(self.weights)

    def state(self):
        meta = {"best": float(self.best), "best_epoch": self.best_epoch}
        return meta, ({} if self.weights is None else {"weights": self.weights})

    def restore(self, meta, arrays):
        self.best, self.best_epoch, self.weights = float(meta["best"]), meta["best_epoch"], arrays.get("weights")


class Checkpointer(Callback):
    """Calls ``write(epochs_done)`` every ``every`` epochs; put it after the callbacks whose state the
    checkpoint saves, so that it saves their state after the epoch."""

    def __init__(self, every, write):
        self.every, self.write = every, write

    def on_epoch_end(self, loop):
        if (loop.epoch + 1) % self.every == 0:
            self.write(loop.epoch + 1)


class EpochLines(Callback):
    """Progress for a log or a pipe: one line every ``every`` epochs and after the last, each complete
    (no carriage returns), where a terminal would get a redrawn bar.

    ``every`` defaults to about ten lines for the whole run (``total`` epochs, ``done`` already trained).
    """

    def __init__(self, total, done=0, every=None, file=None):
        self.total, self.done, self.file = total, done, file
        self.every = every or max(1, (total - done) // 10)
        self.started = None

    def on_train_begin(self, loop):
        import time

        self.started = time.perf_counter()

    def on_epoch_end(self, loop):
        epoch = loop.epoch + 1
        if (epoch - self.done) % self.every and epoch != self.total:
            return
        self._line(loop)

    def on_train_end(self, loop):
        # the last epoch of a run that stopped early, unless its line was just printed
        if loop.history.epochs and (loop.history.epochs - self.done) % self.every and loop.history.epochs != self.total:
            self._line(loop)

    def _line(self, loop):
        import time

        logs = "  ".join(f"{k} {v:.4g}" for k, v in loop.logs.items())
        elapsed = time.perf_counter() - self.started
        print(f"epoch {loop.history.epochs}/{self.total}  {logs}  ({elapsed:.1f} s)", file=self.file, flush=True)
