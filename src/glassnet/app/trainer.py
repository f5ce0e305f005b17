"""Training a :class:`TabularModel`: the core loop plus the pieces that hang off it.

The loop is :func:`glassnet.training.fit`. Around it: a score callback (accuracy or R^2 per epoch),
early stopping, a tracker of the best weights so far, periodic checkpoints, an interrupt flag that
Ctrl-C raises and the loop checks after every batch, and a progress bar.

A checkpoint holds the full training state (weights, ``optimizer.state_dict()``, the shuffling and
dropout generators' ``bit_generator.state``, history, epoch, early-stopping and best-weights state), so
that a run interrupted and resumed ends with exactly the weights of an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time

import numpy as np

from .. import io, losses, optimizers
from ..callbacks import Callback, EarlyStopping, ProgressBar
from ..layers import Dense, Dropout, activations
from ..network import Sequential
from ..training import DivergenceError, History, fit
from .data import infer_task, label_text, load_dataset, read_csv, regression_targets
from .model import TabularModel, metrics
from .preprocess import Preprocessor

TASKS = ("auto", "classification", "regression")
CHECKPOINT_NAME = "checkpoint.glassnet"


@dataclasses.dataclass
class TrainConfig:
    """Everything that defines a run (all plain values, stored in models and checkpoints)."""

    dataset: str = "digits"
    csv: str | None = None
    target: str | None = None
    task: str = "auto"
    layers: tuple = (64,)
    activation: str = "relu"
    optimizer: str = "adam"
    learning_rate: float = 0.001
    epochs: int = 60
    batch_size: int = 32
    l2: float = 1e-4
    dropout: float = 0.0
    early_stopping: int = 10
    validation_fraction: float = 0.2
    test_fraction: float = 0.0
    seed: int = 0
    dtype: str = "float64"
    checkpoint_every: int = 0

    def check(self):
        if self.csv is not None and not self.target:
            raise ValueError("--csv needs --target COLUMN, the column to predict.")
        if self.csv is None and self.target is not None:
            raise ValueError("--target goes with --csv PATH; the bundled data sets know their target.")
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}.")
        if not self.layers or any(not isinstance(n, int) or n < 1 for n in self.layers):
            raise ValueError(f"layers must be positive widths like 64,32; got {self.layers!r}.")
        activations.get(self.activation)
        if self.activation == "softmax":
            raise ValueError("softmax is an output function, not a hidden activation; use relu, tanh, ...")
        optimizers.get(self.optimizer, learning_rate=self.learning_rate)
        for name, low in (("epochs", 1), ("batch_size", 1), ("early_stopping", 0), ("checkpoint_every", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
        if not 0.0 <= self.l2:
            raise ValueError(f"l2 must be >= 0, got {self.l2}.")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}.")
        if not 0.0 <= self.validation_fraction < 1.0:
            raise ValueError(f"validation fraction must be in [0, 1), got {self.validation_fraction}.")
        if not 0.0 <= self.test_fraction < 1.0:
            raise ValueError(f"test fraction must be in [0, 1), got {self.test_fraction}.")
        if self.validation_fraction + self.test_fraction >= 1.0:
            raise ValueError(f"validation fraction {self.validation_fraction} and test fraction "
                             f"{self.test_fraction} leave no rows to train on: their sum must be below 1.")
        if self.early_stopping and self.validation_fraction == 0.0:
            raise ValueError("early stopping watches the validation loss: give --validation-fraction > 0 "
                             "or switch it off with --early-stopping 0.")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be an integer from 0 to 2**32 - 1, got {self.seed!r}.")
        return self

    def to_json(self):
        out = dataclasses.asdict(self)
        out["layers"] = list(self.layers)
        return out

    @classmethod
    def from_json(cls, d):
        d = dict(d)
        d["layers"] = tuple(d["layers"])
        return cls(**d)


class TrainingInterrupted(Exception):
    """Raised from ``on_batch_end`` after an interrupt was requested: training stops after that batch."""


# ---------------------------------------------------------------------------------------- callbacks
class InterruptFlag(Callback):
    """Stops training after the current batch once :meth:`request` was called (by a SIGINT handler)."""

    def __init__(self):
        self.requested = False
        self.epoch = 0

    def request(self):
        self.requested = True

    def on_epoch_end(self, epoch, history, net):
        self.epoch = epoch + 1
        return False

    def on_batch_end(self, batch, loss):
        if self.requested:
            raise TrainingInterrupted(f"interrupted in epoch {self.epoch + 1}, after batch {batch + 1}")


class Score(Callback):
    """Appends ``score`` and ``val_score`` (accuracy, or R^2 for regression) to the history."""

    def __init__(self, task, train, validation):
        self.task, self.train, self.validation = task, train, validation

    def _score(self, net, X, y):
        Z = net.forward(X)
        if self.task == "classification":
            return float(np.mean(Z.argmax(axis=1) == y))
        y = y.ravel()  # (n, 1) regression targets: keep the difference (n,), not (n, n)
        residual = float(np.sum((Z[:, 0] - y) ** 2))
        total = float(np.sum((y - y.mean()) ** 2))
        return 1.0 - residual / total if total > 0 else 0.0

    def on_epoch_end(self, epoch, history, net):
        history.history.setdefault("score", []).append(self._score(net, *self.train))
        if self.validation is not None:
            history.history.setdefault("val_score", []).append(self._score(net, *self.validation))
        return False


class ResumableEarlyStopping(EarlyStopping):
    """:class:`EarlyStopping` whose state can be saved and put back when a run resumes."""

    _pending = None

    def on_train_begin(self, net, history):
        super().on_train_begin(net, history)
        if self._pending is not None:
            meta, arrays = self._pending
            self.best, self.best_epoch, self.wait = meta["best"], meta["best_epoch"], meta["wait"]
            self.best_weights = arrays.get("best_weights")
            self._pending = None

    def state(self):
        meta = {"best": float(self.best), "best_epoch": self.best_epoch, "wait": self.wait}
        return meta, ({} if self.best_weights is None else {"best_weights": self.best_weights})

    def restore(self, meta, arrays):
        self._pending = (meta, arrays)


class BestWeights(Callback):
    """Keeps the weights of the epoch with the lowest ``monitor`` so far (for interrupted runs)."""

    def __init__(self, monitor):
        self.monitor = monitor
        self.best, self.best_epoch, self.weights = np.inf, None, None

    def on_epoch_end(self, epoch, history, net):
        value = history[self.monitor][-1]
        if value < self.best:
            self.best, self.best_epoch, self.weights = value, epoch, net.get_weights()
        return False

    def state(self):
        meta = {"best": float(self.best), "best_epoch": self.best_epoch}
        return meta, ({} if self.weights is None else {"weights": self.weights})

    def restore(self, meta, arrays):
        self.best, self.best_epoch, self.weights = meta["best"], meta["best_epoch"], arrays.get("weights")


class Checkpointer(Callback):
    """Calls ``write(epoch)`` every ``every`` epochs (after the other callbacks have updated)."""

    def __init__(self, every, write):
        self.every, self.write = every, write

    def on_epoch_end(self, epoch, history, net):
        if (epoch + 1) % self.every == 0:
            self.write(epoch + 1)
        return False


# ---------------------------------------------------------------------------------------- runs
def _rng_state(rng):
    return rng.bit_generator.state


def _set_rng_state(rng, state):
    rng.bit_generator.state = state


def _fingerprint(X, y) -> str:
    h = hashlib.sha256(np.ascontiguousarray(X).tobytes())
    h.update(np.ascontiguousarray(y).tobytes())
    return h.hexdigest()


def _versions():
    import platform

    import matplotlib
    import sklearn

    from .. import __version__

    return {"glassnet": __version__, "numpy": np.__version__, "scikit-learn": sklearn.__version__,
            "matplotlib": matplotlib.__version__, "python": platform.python_version()}


class Run:
    """One training run: data, split, model, optimizer and callbacks, fresh or from a checkpoint.

    Parameters
    ----------
    config : TrainConfig
    out : str
        The folder for outputs and checkpoints.
    """

    def __init__(self, config: TrainConfig, out: str, checkpoint=None):
        self.config = config.check()
        self.out = out
        self.dataset = self._load_data()
        task = config.task
        if task == "auto":
            task = self.dataset.task or infer_task(self.dataset.y)
        self.task = task
        y_raw = self.dataset.y
        if task == "classification":
            labels = np.array([label_text(v) for v in y_raw], dtype=object)
            classes = self.dataset.classes if self.dataset.classes is not None else sorted(set(labels), key=_sort_key)
            if len(classes) < 2:
                raise ValueError(f"classification needs at least two classes; the target holds only {classes}.")
            index = {c: i for i, c in enumerate(classes)}
            y_all = np.array([index[v] for v in labels], dtype=np.int64)
        else:
            classes = None
            y_all = regression_targets(y_raw, self.dataset.target)
        self.classes = classes
        self.train_rows, self.val_rows, self.test_rows = self._split(y_all)
        if task == "classification" and len(np.unique(y_all[self.train_rows])) < 2:
            raise ValueError(f"the training rows hold only one class ({classes[y_all[self.train_rows][0]]!r}); "
                             "a classifier needs at least two classes to learn from: give more rows of the "
                             "other classes (or a smaller --validation-fraction).")
        table = self.dataset.table
        if checkpoint is None:
            pre = Preprocessor.fit(table.take(self.train_rows))
            y_tr = y_all[self.train_rows]
            y_mean, y_scale = (0.0, 1.0) if task == "classification" else (float(y_tr.mean()), float(y_tr.std() or 1.0))
            net = self._build_net(len(pre.output_names), len(classes) if classes else 1)
            self.model = TabularModel(pre, net, task, self.dataset.target, classes, y_mean, y_scale)
        else:
            self.model = TabularModel._from_state(checkpoint["meta"]["model"], checkpoint["model_arrays"])
        m = self.model
        self.X_train = m.transform(table.take(self.train_rows))
        self.y_train = self._encode(y_all[self.train_rows])
        self.X_val = self.y_val = self.X_test = self.y_test = None
        if len(self.val_rows):
            self.X_val = m.transform(table.take(self.val_rows))
            self.y_val = self._encode(y_all[self.val_rows])
        if len(self.test_rows):
            self.X_test = m.transform(table.take(self.test_rows))
            self.y_test = self._encode(y_all[self.test_rows])
        self.fingerprint = _fingerprint(self.X_train, self.y_train)
        self.loss_fn = losses.SoftmaxCrossEntropy() if task == "classification" else losses.MeanSquaredError()
        self.optimizer = optimizers.get(config.optimizer, learning_rate=config.learning_rate)
        self.shuffle_rng = np.random.default_rng([config.seed, 1])
        self.history = History()
        self.start_epoch = 0
        self.elapsed = 0.0
        self.interrupt = InterruptFlag()
        self.early = None
        if config.early_stopping:
            self.early = ResumableEarlyStopping("val_loss", patience=config.early_stopping, restore_best=True)
        self.best = BestWeights("val_loss" if self.X_val is not None else "loss")
        self.interrupted = None
        if checkpoint is not None:
            self._restore(checkpoint)

    # ------------------------------------------------------------------ construction
    def _load_data(self):
        c = self.config
        if c.csv is not None:
            return read_csv(c.csv, c.target)
        return load_dataset(c.dataset)

    def _split(self, y_all):
        """``(train, validation, test)`` row indices: the test rows are held out first (never seen in
        training or model selection), then the validation rows from what is left."""
        rows, test = self._hold_out(np.arange(len(y_all)), y_all, self.config.test_fraction, "test")
        train, val = self._hold_out(rows, y_all, self.config.validation_fraction, "validation")
        return train, val, test

    def _hold_out(self, rows, y_all, frac, what):
        """Split ``rows`` into ``(kept, held out)`` with ``frac`` of them held out, stratified by class
        where every class has two rows."""
        n = len(rows)
        n_val = int(np.ceil(frac * n))
        if n - n_val < 2:
            hint = (f"; a {what} fraction of {frac} holds back {n_val} of them (give more rows or a smaller "
                    f"--{what}-fraction)") if n_val else "; give more rows"
            rows_text = f"{n} row" if n == 1 else f"{n} rows"
            raise ValueError(f"the data have {rows_text}, too few to train on: training needs at least 2 rows{hint}.")
        if frac == 0.0:
            return rows, rows[:0]
        from sklearn.model_selection import train_test_split

        stratify = None
        if self.task == "classification":
            counts = np.bincount(y_all[rows])
            if counts[counts > 0].min() >= 2 and n_val >= len(self.classes):
                stratify = y_all[rows]
        try:
            kept, held = train_test_split(rows, test_size=frac, random_state=self.config.seed, stratify=stratify)
        except ValueError as exc:
            raise ValueError(f"cannot split {n} rows with {what} fraction {frac}: {exc}") from None
        return np.sort(kept), np.sort(held)

    def _build_net(self, n_in, n_out):
        c = self.config
        layers, width = [], n_in
        init = "he_normal" if c.activation in ("relu", "leaky_relu", "gelu") else "glorot_uniform"
        for h in c.layers:
            layers += [Dense(width, h, init=init, dtype=c.dtype), activations.get(c.activation)]
            if c.dropout > 0:
                layers.append(Dropout(c.dropout))
            width = h
        layers.append(Dense(width, n_out, dtype=c.dtype))
        output = "softmax" if self.task == "classification" else "identity"
        return Sequential(layers, output=output, random_state=c.seed, dtype=c.dtype)

    def _encode(self, y):
        if self.task == "classification":
            return y
        return ((y - self.model.y_mean) / self.model.y_scale).reshape(-1, 1)

    def _dropout_rng(self):
        rngs = [layer.rng for layer in self.model.net.layers if isinstance(layer, Dropout)]
        return rngs[0] if rngs else None

    # ------------------------------------------------------------------ checkpoints
    @property
    def checkpoint_path(self):
        return os.path.join(self.out, CHECKPOINT_NAME)

    def write_checkpoint(self, epochs_done):
        model_meta, model_arrays = self.model._to_state()
        opt = self.optimizer.state_dict()
        arrays = {f"model.{k}": v for k, v in model_arrays.items()}
        for i, slot in enumerate(opt["state"]):
            for key, value in slot.items():
                arrays[f"opt.{i}.{key}"] = value
        dropout = self._dropout_rng()
        meta = {
            "config": self.config.to_json(),
            "epochs_done": epochs_done,
            "finished": self.history.stop_reason is not None or epochs_done >= self.config.epochs,
            "stop_reason": self.history.stop_reason,
            "history": self.history.history,
            "optimizer": {"t": opt["t"], "lr": opt["lr"], "slots": [sorted(s) for s in opt["state"]]},
            "shuffle_rng": _rng_state(self.shuffle_rng),
            "dropout_rng": None if dropout is None else _rng_state(dropout),
            "best": None,
            "early_stopping": None,
            "elapsed_s": self.elapsed + (time.perf_counter() - self._t0),
            "fingerprint": self.fingerprint,
            "model": model_meta,
        }
        arrays["batch_loss"] = np.asarray(self.history.batch_loss, dtype=np.float64)
        meta["best"], best_arrays = self.best.state()
        arrays.update({f"best.{k}": v for k, v in best_arrays.items()})
        if self.early is not None:
            meta["early_stopping"], es_arrays = self.early.state()
            arrays.update({f"es.{k}": v for k, v in es_arrays.items()})
        io.write_file(self.checkpoint_path, "checkpoint", meta, arrays)

    @classmethod
    def resume(cls, out):
        """A run continuing from ``out/checkpoint.glassnet``."""
        path = os.path.join(out, CHECKPOINT_NAME)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no checkpoint to resume in {out!r} (expected {path}); train with "
                                    "--checkpoint-every N to write one.")
        _, meta, arrays = io.read_file(path, expect_kind="checkpoint")
        checkpoint = {"meta": meta, "arrays": arrays,
                      "model_arrays": {k[6:]: v for k, v in arrays.items() if k.startswith("model.")}}
        config = TrainConfig.from_json(meta["config"])
        return cls(config, out, checkpoint)

    def _restore(self, checkpoint):
        meta, arrays = checkpoint["meta"], checkpoint["arrays"]
        if meta["fingerprint"] != self.fingerprint:
            raise ValueError("the training data differ from the data this checkpoint was trained on; "
                             "resume with the same data (same CSV file contents).")
        slots = meta["optimizer"]["slots"]
        self.optimizer.load_state_dict({
            "t": meta["optimizer"]["t"], "lr": meta["optimizer"]["lr"],
            "state": [{k: arrays[f"opt.{i}.{k}"] for k in keys} for i, keys in enumerate(slots)],
        })
        _set_rng_state(self.shuffle_rng, meta["shuffle_rng"])
        if meta["dropout_rng"] is not None:
            shared = np.random.default_rng()
            _set_rng_state(shared, meta["dropout_rng"])
            for layer in self.model.net.layers:
                if isinstance(layer, Dropout):
                    layer.rng = shared
        self.history.history = {k: list(v) for k, v in meta["history"].items()}
        self.history.batch_loss = arrays["batch_loss"].tolist()
        self.history.epochs = meta["epochs_done"]
        self.history.stop_reason = meta["stop_reason"]
        self.start_epoch = meta["epochs_done"]
        self.finished = meta["finished"]
        self.elapsed = float(meta["elapsed_s"])
        self.best.restore(meta["best"], {k[5:]: v for k, v in arrays.items() if k.startswith("best.")})
        if self.early is not None:
            self.early.restore(meta["early_stopping"], {k[3:]: v for k, v in arrays.items() if k.startswith("es.")})

    # ------------------------------------------------------------------ training
    def train(self, progress=False, callbacks=()):
        """Run the remaining epochs; returns the trained :class:`TabularModel`.

        On an interrupt (see :class:`InterruptFlag`) training stops after the current batch and the
        best weights so far are kept; ``self.interrupted`` then says where it stopped.
        """
        c = self.config
        remaining = 0 if getattr(self, "finished", False) else c.epochs - self.start_epoch
        validation = None if self.X_val is None else (self.X_val, self.y_val)
        cbs = [Score(self.task, (self.X_train, self.y_train), validation)]
        if self.early is not None:
            cbs.append(self.early)
        cbs.append(self.best)
        if c.checkpoint_every:
            cbs.append(Checkpointer(c.checkpoint_every, self.write_checkpoint))
        cbs.append(self.interrupt)
        cbs.extend(callbacks)
        if progress and remaining:
            cbs.append(ProgressBar(total=remaining, desc=f"training on {self.dataset.name}"))
        self._t0 = time.perf_counter()
        try:
            fit(self.model.net, self.loss_fn, self.optimizer, self.X_train, self.y_train, epochs=remaining,
                batch_size=c.batch_size, shuffle=True, random_state=self.shuffle_rng, validation_data=validation,
                l2=c.l2, callbacks=cbs, history=self.history, start_epoch=self.start_epoch)
        except TrainingInterrupted as exc:
            self.interrupted = str(exc)
            self.history.stop_reason = "interrupted"
            self._close_bars(cbs)
            if self.best.weights is not None:
                self.model.net.set_weights(self.best.weights)
        except DivergenceError:
            self._close_bars(cbs)  # so that the error starts on a line of its own
            raise
        self.elapsed += time.perf_counter() - self._t0
        self._finish()
        return self.model

    def _close_bars(self, cbs):
        for cb in cbs:
            if isinstance(cb, ProgressBar):
                cb.on_train_end(self.model.net, self.history)

    def best_epoch(self):
        if self.early is not None and self.early.best_epoch is not None and self.early.best_weights is not None:
            return self.early.best_epoch + 1
        if self.interrupted and self.best.best_epoch is not None:
            return self.best.best_epoch + 1
        return self.history.epochs

    def _finish(self):
        m, c, d = self.model, self.config, self.dataset
        results = {"task": self.task, "epochs_run": self.history.epochs, "best_epoch": self.best_epoch(),
                   "stop_reason": self.history.stop_reason or "ran all epochs",
                   "interrupted": self.interrupted is not None,
                   "training_time_s": round(self.elapsed, 3),
                   "train": metrics(m, self.X_train, _flat(self.y_train))}
        if self.X_val is not None:
            results["validation"] = metrics(m, self.X_val, _flat(self.y_val))
        if self.X_test is not None:
            results["test"] = metrics(m, self.X_test, _flat(self.y_test))
        y_summary = {}
        if self.task == "classification":
            parts = [y for y in (self.y_train, self.y_val, self.y_test) if y is not None]
            counts = np.bincount(np.concatenate(parts).astype(int), minlength=len(self.classes))
            y_summary = {"classes": self.classes, "class_counts": counts.tolist()}
        else:
            y_all = regression_targets(d.y, d.target)
            y_summary = {"target_mean": float(y_all.mean()), "target_std": float(y_all.std()),
                         "target_min": float(y_all.min()), "target_max": float(y_all.max())}
        kinds = [k for _, k in m.features]
        data = {"name": d.name, "source": d.source, "target": d.target, "n_rows": d.table.n_rows,
                "n_train": len(self.train_rows), "n_validation": len(self.val_rows), "n_test": len(self.test_rows),
                "n_features": len(m.features), "n_numeric": kinds.count("numeric"),
                "n_categorical": kinds.count("categorical"), "n_inputs": len(m.preprocessor.output_names),
                "missing_values": int(sum(_n_missing(d.table.columns[n]) for n, _ in m.features)),
                "image_shape": list(d.image_shape) if d.image_shape else None, **y_summary}
        m.info = {"config": c.to_json(), "data": data, "metrics": results, "history": self.history.history,
                  "n_params": m.net.n_params, "versions": _versions()}
        self.results = results


def _flat(y):
    return y[:, 0] if y.ndim == 2 else y


def _n_missing(col):
    if col.dtype == object:
        return sum(v is None for v in col)
    return int(np.isnan(col).sum())


def _sort_key(label):
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)
