"""A ``glassnet train`` run: its data, its model, and training through the core's loop.

The loop is :func:`glassnet.fit`. Around it hang a score callback (accuracy or R^2 per epoch), early
stopping, the best weights of an interrupted run, periodic checkpoints, an interrupt flag that a
signal handler raises and the loop checks after every batch, and a progress bar.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import uuid

import numpy as np

from ..nn import Dense, Dropout, Sequential, losses
from ..nn import layers as nn_layers
from ..optim import optimizers
from ..serialize.container import ModelFileError, read_file
from ..training import EarlyStopping, History, ProgressBar, fit
from .callbacks import INTERRUPTED, Checkpointer, EpochLines, InterruptFlag, KeepBestOnInterrupt, Score
from .checkpoint import CHECKPOINT_NAME, Checkpoint, read_checkpoint, write_checkpoint
from .config import TrainConfig
from .data import infer_task, load_dataset, read_csv
from .model import TabularModel, metrics
from .outputs import MODEL_NAME
from .preprocess import Preprocessor
from .split import split_rows
from .targets import TargetEncoder


# More classes than this, and more than half as many as rows, is not what an automatic choice of
# classification should make of a target.
MANY_CLASSES = 50


class Run:
    """One training run, fresh or continued from a checkpoint.

    Parameters
    ----------
    config : TrainConfig
    out : str
        The folder for checkpoints (and, written by :mod:`glassnet.tabular.outputs`, the results).

    Attributes
    ----------
    dataset : Dataset
    task : {"classification", "regression"}
    rows : dict of str -> ndarray
        The row indices of each split ("train", "validation", "test"; empty when not held out).
    model : TabularModel
    X, y : dict of str -> ndarray
        Each non-empty split's network inputs and encoded targets.
    history : History
    """

    def __init__(self, config: TrainConfig, out: str, checkpoint: Checkpoint | None = None):
        self.config, self.out = config, out
        self.dataset = read_csv(config.csv, config.target) if config.csv else load_dataset(config.dataset)
        self.task = config.task if config.task != "auto" else (self.dataset.task or infer_task(self.dataset.y))
        self.rows = self._split()
        self.model = checkpoint.model if checkpoint is not None else self._new_model()
        self.X, self.y = {}, {}
        for part, rows in self.rows.items():
            if len(rows):
                self.X[part] = self.model.transform(self.dataset.frame.iloc[rows])
                self.y[part] = self._encode(self.dataset.y[rows])
        self.fingerprint = _fingerprint(self.X, self.y)
        self.run_id = checkpoint.run_id if checkpoint is not None else uuid.uuid4().hex
        self.loss_fn = losses.SoftmaxCrossEntropy() if self.task == "classification" else losses.MeanSquaredError()
        self.optimizer = optimizers.get(config.optimizer, learning_rate=config.learning_rate)
        self.shuffle_rng = np.random.default_rng([config.seed, 1])
        self.history = History()
        self.epochs_done, self.finished, self.elapsed = 0, False, 0.0
        self.interrupt = InterruptFlag()
        self.command = None  # the command line that made the run, when there was one
        self.early = None
        if config.early_stopping:
            self.early = EarlyStopping("val_loss", patience=config.early_stopping, restore_best=True)
        self.keep_best = KeepBestOnInterrupt("val_loss" if "validation" in self.X else "loss")
        if checkpoint is not None:
            self._restore(checkpoint)

    @classmethod
    def resume(cls, out):
        """A run continuing from ``out/checkpoint.glassnet``."""
        checkpoint = read_checkpoint(out)
        model_path = os.path.join(out, MODEL_NAME)
        if os.path.exists(model_path):
            # Resuming ends by writing the model: never over one another run wrote.
            _, meta, _ = read_file(model_path)
            info = meta.get("info") if isinstance(meta, dict) else None
            if not isinstance(info, dict) or info.get("run_id") != checkpoint.run_id:
                raise ValueError(f"the checkpoint in {out} belongs to another run than the model beside it "
                                 f"({model_path}); resuming would replace that model. Move the model elsewhere "
                                 "to resume, or train afresh.")
        return cls(checkpoint.config, out, checkpoint)

    def extend(self, epochs):
        """Train a resumed run up to ``epochs`` epochs in all instead of the number it was started with."""
        c = self.config
        if epochs < self.epochs_done:
            raise ValueError(f"--epochs {epochs} is fewer than the {self.epochs_done} epochs this run has "
                             "already trained; give a larger number to train longer.")
        if self.history.stop_reason is not None:
            raise ValueError(f"this run already ended ({self.history.stop_reason}) after {self.epochs_done} "
                             "epochs; more epochs would not continue it. Start a new run to train longer.")
        self.config = TrainConfig.from_json({**c.to_json(), "epochs": epochs})
        self.finished = self.epochs_done >= epochs

    # ------------------------------------------------------------------ data and model
    def _split(self):
        return split_dataset(self.dataset, self.config, self.task)

    def _new_model(self):
        d, train = self.dataset, self.rows["train"]
        pre = Preprocessor(d.features).fit(d.frame.iloc[train])
        if self.task == "classification":
            targets = TargetEncoder("classification", d.classes, d.target).fit(d.y)
        else:
            targets = TargetEncoder("regression", target=d.target).fit(d.y[train])  # scaled as the training rows
        n_out = len(targets.classes_) if self.task == "classification" else 1
        net = self._build_net(len(pre.get_feature_names_out()), n_out)
        return TabularModel(pre, net, targets)

    def _build_net(self, n_in, n_out):
        c = self.config
        stack, width = [], n_in
        init = "he_normal" if c.activation in ("relu", "leaky_relu", "gelu") else "glorot_uniform"
        for h in c.layers:
            stack += [Dense(width, h, init=init, dtype=c.dtype), nn_layers.activations.get(c.activation)]
            if c.dropout > 0:
                stack.append(Dropout(c.dropout))
            width = h
        stack.append(Dense(width, n_out, dtype=c.dtype))
        output = "softmax" if self.task == "classification" else "identity"
        return Sequential(stack, output=output, random_state=c.seed, dtype=c.dtype)

    def _encode(self, y):
        encoded = self.model.encode_targets(y)
        return encoded if self.task == "classification" else encoded.reshape(-1, 1)

    def _dropout_layers(self):
        return [layer for layer in self.model.net.layers if isinstance(layer, Dropout)]

    # ------------------------------------------------------------------ checkpoints
    @property
    def checkpoint_path(self):
        return os.path.join(self.out, CHECKPOINT_NAME)

    def _stateful_callbacks(self):
        named = {"keep_best": self.keep_best}
        if self.early is not None:
            named["early_stopping"] = self.early
        return named

    def write_checkpoint(self, epochs_done, elapsed):
        dropout = self._dropout_layers()
        write_checkpoint(self.checkpoint_path, Checkpoint(
            config=self.config, model=self.model, optimizer=self.optimizer.state_dict(),
            shuffle_rng=self.shuffle_rng.bit_generator.state,
            dropout_rng=dropout[0].rng.bit_generator.state if dropout else None,
            history=self.history.history, batch_loss=self.history.batch_loss, stop_reason=self.history.stop_reason,
            callbacks={name: cb.state() for name, cb in self._stateful_callbacks().items()},
            epochs_done=epochs_done, finished=self.history.stop_reason is not None or epochs_done >= self.config.epochs,
            elapsed_s=elapsed, fingerprint=self.fingerprint, run_id=self.run_id,
        ))

    def _restore(self, cp: Checkpoint):
        if cp.fingerprint != self.fingerprint:
            raise ValueError("the data differ from the data this checkpoint was trained on (its training, "
                             "validation or test rows); resume with the same data (same CSV file contents).")
        try:
            self._check_fits(cp)
            self.optimizer.load_state_dict(cp.optimizer)
            self.shuffle_rng.bit_generator.state = cp.shuffle_rng
            if cp.dropout_rng is not None:
                shared = np.random.default_rng()  # the network's layers share one generator, as when built
                shared.bit_generator.state = cp.dropout_rng
                for layer in self._dropout_layers():
                    layer.rng = shared
            self.history.history = {k: list(v) for k, v in cp.history.items()}
            self.history.batch_loss = list(cp.batch_loss)
            self.history.epochs = cp.epochs_done
            self.history.stop_reason = cp.stop_reason
            self.epochs_done, self.finished, self.elapsed = cp.epochs_done, cp.finished, cp.elapsed_s
            for name, cb in self._stateful_callbacks().items():
                cb.restore(*cp.callbacks[name])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise ModelFileError(self.checkpoint_path, "corrupted", f"the checkpoint does not fit the run it "
                                 f"describes ({exc}).") from None

    def _check_fits(self, cp: Checkpoint):
        """Raise ValueError unless the checkpoint's state has the shapes this run's network and
        optimizer use (a checksum-valid checkpoint may still describe another architecture)."""
        n = self.model.net.n_params
        expected = [self.optimizer._init_state(p) for p, _ in self.model.net.flat_parameters()]
        saved = cp.optimizer["state"]
        if saved and [sorted(s) for s in saved] != [sorted(s) for s in expected]:
            raise ValueError(f"its optimizer state holds {[sorted(s) for s in saved]}, but "
                             f"{self.config.optimizer} keeps {[sorted(s) for s in expected]}")
        for slot, fresh in zip(saved, expected):
            for key, value in slot.items():
                if np.shape(value) != fresh[key].shape or not np.isfinite(value).all():
                    raise ValueError(f"its optimizer's {key!r} has shape {np.shape(value)} (or non-finite values), "
                                     f"but the network has {n} parameters")
        if sorted(cp.callbacks) != sorted(self._stateful_callbacks()):
            raise ValueError(f"it holds the state of {sorted(cp.callbacks)}, but the run uses "
                             f"{sorted(self._stateful_callbacks())}")
        for name, (meta, arrays) in cp.callbacks.items():
            if not isinstance(meta, dict):
                raise ValueError(f"the state of {name!r} is not a mapping")
            for key, value in arrays.items():
                if np.shape(value) != (n,) or not np.isfinite(value).all():
                    raise ValueError(f"{name}'s {key!r} has shape {np.shape(value)} (or non-finite values), but the "
                                     f"network has {n} parameters")
        if not 0 <= cp.epochs_done <= self.config.epochs:
            raise ValueError(f"it has run {cp.epochs_done} of {self.config.epochs} epochs")

    # ------------------------------------------------------------------ training
    def train(self, progress=False):
        """Run the remaining epochs; returns the trained :class:`TabularModel`.

        After an interrupt (see :class:`InterruptFlag`) training stops after the current batch and the
        best weights so far are kept; ``self.interrupted`` then says where it stopped.
        """
        c = self.config
        remaining = 0 if self.finished else c.epochs - self.epochs_done
        validation = (self.X["validation"], self.y["validation"]) if "validation" in self.X else None
        metric = "accuracy" if self.task == "classification" else "r2"
        callbacks = [Score(metric, (self.X["train"], self.y["train"]), validation)]
        callbacks += [cb for cb in (self.early, self.keep_best) if cb is not None]
        started = time.perf_counter()
        if c.checkpoint_every:
            write = lambda done: self.write_checkpoint(done, self.elapsed + time.perf_counter() - started)  # noqa: E731
            callbacks.append(Checkpointer(c.checkpoint_every, write))
        callbacks.append(self.interrupt)
        if progress and remaining:
            desc = f"training on {self.dataset.name}"
            if sys.stderr.isatty():
                callbacks.append(ProgressBar(total=remaining, desc=desc))
            else:  # a log or a pipe: a line now and then, never a bar redrawn with carriage returns
                callbacks.append(EpochLines(c.epochs, self.epochs_done, file=sys.stderr))
        fit(self.model.net, self.loss_fn, self.optimizer, self.X["train"], self.y["train"], epochs=remaining,
            batch_size=c.batch_size, shuffle=True, random_state=self.shuffle_rng, validation_data=validation,
            l2=c.l2, callbacks=callbacks, history=self.history, start_epoch=self.epochs_done)
        self.elapsed += time.perf_counter() - started
        self.results = self._results()
        self.model.info = self._record()
        return self.model

    @property
    def interrupted(self):
        """Where the run was interrupted, or None."""
        return self.interrupt.where if self.history.stop_reason == INTERRUPTED else None

    def best_epoch(self):
        """The epoch (from 1) whose weights the model keeps."""
        if self.early is not None and self.early.best_weights is not None:
            return self.early.best_epoch + 1
        if self.interrupted and self.keep_best.best_epoch is not None:
            return self.keep_best.best_epoch + 1
        return self.history.epochs

    def _still_improving(self) -> bool:
        """Whether the run used up its epochs while the validation loss (the training loss without
        validation rows) was still reaching new lows in its last epochs: more epochs would likely help."""
        losses = self.history.history.get("val_loss") or self.history.history.get("loss") or []
        if self.history.stop_reason is not None or len(losses) < 2:
            return False
        recent = max(1, min(self.config.early_stopping or 10, len(losses) // 10))
        return min(losses[-recent:]) < min(losses[:-recent])

    def _results(self):
        results = {"task": self.task, "epochs_run": self.history.epochs, "best_epoch": self.best_epoch(),
                   "stop_reason": self.history.stop_reason or "ran all epochs",
                   "still_improving": self._still_improving(),
                   "interrupted": self.interrupted is not None, "training_time_s": round(self.elapsed, 3)}
        for part in self.X:
            y = self.y[part]
            results[part] = metrics(self.model, self.X[part], y[:, 0] if y.ndim == 2 else y)
        return results

    def _record(self):
        """The plain-JSON record stored in the model: settings, data, metrics, history, versions."""
        m, d = self.model, self.dataset
        kinds = [k for _, k in m.features]
        data = {"name": d.name, "source": d.source, "target": d.target, "n_rows": len(d.frame),
                "n_train": len(self.rows["train"]), "n_validation": len(self.rows["validation"]),
                "n_test": len(self.rows["test"]), "n_features": len(m.features), "n_numeric": kinds.count("numeric"),
                "n_categorical": kinds.count("categorical"), "n_inputs": len(m.preprocessor.get_feature_names_out()),
                "missing_values": int(d.frame[[n for n, _ in m.features]].isna().to_numpy().sum()),
                "image_shape": list(d.image_shape) if d.image_shape else None}
        if self.task == "classification":
            encoded = np.concatenate([self.y[part] for part in self.y]).astype(int)
            data.update(classes=m.classes, class_counts=np.bincount(encoded, minlength=len(m.classes)).tolist())
        else:
            values = m.targets.inverse_transform(np.concatenate([self.y[part][:, 0] for part in self.y]))
            data.update(target_mean=float(values.mean()), target_std=float(values.std()),
                        target_min=float(values.min()), target_max=float(values.max()))
        import datetime

        finished = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return {"config": self.config.to_json(), "data": data, "metrics": self.results,
                "history": self.history.history, "n_params": m.net.n_params, "versions": _versions(),
                "finished": finished, "command": self.command, "run_id": self.run_id}


def split_dataset(dataset, config, task):
    """Row indices of each split of ``dataset`` under ``config`` (the same every time for the same data,
    fractions and seed); the targets are checked here, before anything is fitted."""
    y = dataset.y
    n_classes = None
    if task == "classification":
        # The classes are those of every row; which rows train is decided next.
        encoder = TargetEncoder("classification", dataset.classes, dataset.target).fit(y)
        y, n_classes = encoder.transform(y), len(encoder.classes_)
        if config.task == "auto" and n_classes > MANY_CLASSES and 2 * n_classes > len(y):
            # A confusion matrix and a softmax of n_classes each: an identifier column as target
            # costs the square of its length and learns nothing.
            raise ValueError(f"the target {dataset.target!r} has {n_classes:,} distinct values in {len(y):,} "
                             "rows, which looks like an identifier or a continuous value, not classes: choose "
                             "another --target, --task regression for a number, or --task classification to "
                             "insist.")
    else:
        TargetEncoder("regression", target=dataset.target).fit(y)  # numeric targets or a clear error
    c = config
    train, validation, test = split_rows(y, c.validation_fraction, c.test_fraction, c.seed, n_classes)
    if n_classes is not None and len(np.unique(y[train])) < 2:
        raise ValueError(f"the training rows hold only one class ({encoder.classes_[y[train][0]]!r}); "
                         "a classifier needs at least two classes to learn from: give more rows of the "
                         "other classes (or a smaller --validation-fraction).")
    return {"train": train, "validation": validation, "test": test}


def _fingerprint(X, y) -> str:
    """A digest of everything the data contribute to a run: every split's inputs and targets."""
    h = hashlib.sha256()
    for part in sorted(X):
        h.update(f"{part}:{X[part].shape}:{y[part].shape}".encode())
        h.update(np.ascontiguousarray(X[part]).tobytes())
        h.update(np.ascontiguousarray(y[part]).tobytes())
    return h.hexdigest()


def _versions():
    import platform

    import matplotlib
    import sklearn

    from .._version import __version__

    return {"glassnet": __version__, "numpy": np.__version__, "scikit-learn": sklearn.__version__,
            "matplotlib": matplotlib.__version__, "python": platform.python_version()}
