"""One browser session's training state: data, a ``Sequential``, an optimizer, and the thread that
trains them with :func:`glassnet.fit`.

Only the session's worker thread touches the network. The server puts commands on a queue; the worker
applies them between epochs (from a ``fit`` callback while training, or while waiting when paused) and
publishes what the page draws through ``publish(message)``. So play, pause, step, settings, weight edits,
the gradient check and export never race the training loop.
"""

from __future__ import annotations

import base64
import collections
import concurrent.futures
import dataclasses
import math
import os
import queue
import tempfile
import threading
import time

import numpy as np

from .. import nn, optim
from ..training import DivergenceError, History, evaluate, fit, gradcheck
from ..training.callbacks import Callback
from . import data
from .settings import (HIDDEN_ACTIVATIONS, LEARNING_RATES, MAX_LAYERS, MAX_NEURONS, REGULARIZATION_RATES,
                       Settings)

# what the page's controls offer
CHOICES = {
    "datasets": {name: [problem, title] for name, (_, problem, title) in data.GENERATORS.items()},
    "activations": list(HIDDEN_ACTIVATIONS),
    "optimizers": list(optim.optimizers.OPTIMIZERS),
    "learning_rates": list(LEARNING_RATES),
    "regularization_rates": list(REGULARIZATION_RATES),
    "max_layers": MAX_LAYERS,
    "max_neurons": MAX_NEURONS,
}

GRID = 60                 # output heatmap: GRID x GRID points over the plane
NEURON_GRID = 20          # each neuron's heatmap: every (GRID // NEURON_GRID)-th point of the same grid
MAX_EPOCHS_PER_SECOND = 30  # the pace of play: the page redraws once per epoch
GRADCHECK_SAMPLES, GRADCHECK_ENTRIES = 100, 300
SURFACE_WH, SURFACE_BO, SURFACE_SIZE = (-3.0, 3.0), (-2.5, 2.0), (61, 46)  # the tutorial's loss-surface axes
_AXIS = np.linspace(-data.RADIUS, data.RADIUS, GRID)
_STRIDE = GRID // NEURON_GRID
OUTPUTS = {"identity": lambda Z: Z, "sigmoid": nn.functional.sigmoid, "softmax": nn.functional.softmax}
PLANE = np.column_stack([np.tile(_AXIS, GRID), np.repeat(_AXIS[::-1], GRID)])  # rows top (x2=+6) to bottom


def quantise(values) -> np.ndarray:
    """Values in [-1, 1] as bytes 0..255 (the page's colour scale); NaN as 0 (the middle colour)."""
    q = np.clip(values, -1.0, 1.0)
    q[np.isnan(q)] = 0.0
    q += 1.0
    q *= 127.5
    return np.rint(q).astype(np.uint8)


def encode(values) -> str:
    """One map for the page: base64 of its bytes, one byte per point."""
    return base64.b64encode(quantise(values).tobytes()).decode("ascii")


def encode_columns(values) -> list:
    """Each column of ``values`` (points, units) as a map for the page, quantised in one pass."""
    q = np.ascontiguousarray(quantise(values).T)
    return [base64.b64encode(row.tobytes()).decode("ascii") for row in q]


@dataclasses.dataclass
class Problem:
    """The data of a run, as the network sees it and as the page draws it."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: list | None           # None for regression
    scaling: dict | None = None    # raw CSV columns -> plane, for the exported code

    @property
    def n_outputs(self) -> int:
        return 1 if self.classes is None or len(self.classes) == 2 else len(self.classes)


class Session:
    """A training state and its worker thread. ``publish(message)`` is called from that thread."""

    def __init__(self, settings: Settings, publish):
        self.settings = settings
        self.publish = publish
        self.commands: queue.Queue = queue.Queue()
        self.playing = False
        self.steps = 0
        self.epoch = 0
        self.message = ""
        self.closed = False
        self._upload = None  # (X, y, classes, scaling) of an uploaded CSV, kept across changes
        self._interrupt = False
        self._last_epoch_time = 0.0
        self.last_setup = self.last_state = None
        self._build()
        self.thread = threading.Thread(target=self._work, name="glassnet-playground-session", daemon=True)
        self.thread.start()

    # ---- called from the server thread --------------------------------------------------------------
    def submit(self, name, *args) -> concurrent.futures.Future:
        """Queue a command for the worker; the future holds its result (or the error it raised)."""
        future = concurrent.futures.Future()
        self.commands.put((name, args, future))
        return future

    def close(self) -> None:
        self.closed = True
        self.commands.put(("close", (), concurrent.futures.Future()))

    # ---- the worker ---------------------------------------------------------------------------------
    def _work(self):
        while not self.closed:
            if self.playing or self.steps:
                self._train()
            else:
                self._apply(*self.commands.get())

    def _train(self):
        s = self.settings
        self._interrupt = False
        epochs = 10**9 if self.playing else self.steps
        self.steps = 0
        l2 = s.regularization_rate if s.regularization == "l2" else 0.0
        try:
            fit(self.net, self.loss_fn, self.optimizer, self.problem.X_train, self.problem.y_train,
                epochs=epochs, batch_size=min(s.batch_size, len(self.problem.X_train)), random_state=self.rng,
                l2=l2, callbacks=[_Playground(self)], history=self.history, start_epoch=self.epoch)
        except DivergenceError as exc:
            self.playing = False
            self.message = f"Training diverged ({exc}). Lower the learning rate, or press reset."
            self._publish_state()
        except Exception as exc:  # a page must never lose its session to one bad run: say so and stop
            self.playing = False
            self.message = f"Training stopped: {exc}"
            self._publish_state()

    def _between_epochs(self, loop) -> None:
        """After every epoch (from the fit callback): publish, pace, take commands, stop when asked."""
        self.epoch = loop.epoch + 1
        self._publish_state()
        wait = 1.0 / MAX_EPOCHS_PER_SECOND - (time.perf_counter() - self._last_epoch_time)
        if self.playing and wait > 0:
            time.sleep(wait)
        self._last_epoch_time = time.perf_counter()
        while not self.commands.empty():
            self._apply(*self.commands.get())
        if not self.playing or self._interrupt or self.closed:
            loop.stop("paused")

    def _apply(self, name, args, future):
        try:
            future.set_result(getattr(self, "_cmd_" + name)(*args))
        except Exception as exc:  # the server turns it into a 4xx answer; the session goes on
            future.set_exception(exc)

    # ---- commands (run on the worker) ---------------------------------------------------------------
    def _cmd_close(self):
        self.closed = True

    def _cmd_play(self):
        self.playing, self.message = True, ""
        self._publish_state()

    def _cmd_pause(self):
        self.playing = False
        self._publish_state()

    def _cmd_step(self):
        self.playing, self.steps, self.message = False, 1, ""

    def _cmd_reset(self):
        self.playing = False
        self._build(data_too=False)

    def _cmd_set(self, settings: Settings):
        before, self.settings = self.settings, settings
        self._interrupt = True  # fit restarts with the new batch size, penalty and rate
        if before.changes_rebuild(settings):
            self.playing = False
            self._build()
        else:
            self.optimizer.lr = settings.learning_rate
            self._publish_state()
        return settings.to_dict()

    def _cmd_upload(self, parsed, settings: Settings):
        self._upload = parsed
        return self._cmd_set(settings)

    def _cmd_weight(self, layer: int, param: str, row: int, col: int, value: float):
        dense = self._denses()
        if not 0 <= layer < len(dense):
            raise ValueError(f"layer must be from 0 to {len(dense) - 1}, got {layer}.")
        if param not in dense[layer].params:
            raise ValueError(f"layer {layer} has no {param!r} parameter (it is built without a bias).")
        array = dense[layer].params[param]
        if param == "b":
            if not 0 <= col < array.shape[0]:
                raise ValueError(f"bias index must be from 0 to {array.shape[0] - 1}, got {col}.")
            array[col] = value
        else:
            if not (0 <= row < array.shape[0] and 0 <= col < array.shape[1]):
                raise ValueError(f"weight index ({row}, {col}) is outside layer {layer}'s {array.shape} weights.")
            array[row, col] = value
        self._publish_state()

    def _cmd_gradcheck(self):
        n = min(GRADCHECK_SAMPLES, len(self.problem.X_train))
        l2 = self.settings.regularization_rate if self.settings.regularization == "l2" else 0.0
        worst = gradcheck(self.net, self.loss_fn, self.problem.X_train[:n], self.problem.y_train[:n], l2=l2,
                          tol=math.inf, max_entries=GRADCHECK_ENTRIES)
        return {"worst_relative_error": worst, "samples": n, "entries": min(GRADCHECK_ENTRIES, self.net.n_params)}

    def _cmd_export(self, folder):
        """Write the network with ``glassnet.save`` (atomic) into ``folder``; return the file's path."""
        from ..persist import save

        path = os.path.join(folder, "playground.glassnet")
        save(self.net, path)
        return path

    def _cmd_predict(self, points):
        """Class indices (or values) the network gives at points of the plane, as the page shows them."""
        out = self.net.predict_proba(data.features(np.asarray(points, dtype=np.float64), self.settings.features))
        return self._labels_from(out).tolist()

    # ---- building ---------------------------------------------------------------------------------
    def _build(self, data_too=True):
        s = self.settings
        if data_too:
            self.problem = self._make_problem(s)
        rng = np.random.default_rng(s.seed)
        if s.dataset == "rbf-1d":
            self._build_rbf_1d(s, rng)
            return
        layers, n_in = [], len(s.features)
        for width, activation in zip(s.layers, s.activations):
            layers += [nn.Dense(n_in, width), nn.layers.ACTIVATIONS[activation]()]
            if s.dropout:
                layers.append(nn.Dropout(s.dropout))
            n_in = width
        layers.append(nn.Dense(n_in, self.problem.n_outputs))
        if self.problem.classes is None:
            output, self.loss_fn = "identity", nn.MeanSquaredError()
        elif len(self.problem.classes) == 2:
            output, self.loss_fn = "sigmoid", nn.BinaryCrossEntropy()
        else:
            output, self.loss_fn = "softmax", nn.SoftmaxCrossEntropy()
        self._start(nn.Sequential(layers, output=output, random_state=rng), rng)

    def _build_rbf_1d(self, s, rng):
        """The tutorial's network ``y = logistic(rbf(x1 wh) + bo)`` from its start (wh, bo) = (2.3, 1.4),
        and the loss over (wh, bo) on which the page draws the optimizer's path."""
        self.loss_fn = nn.BinaryCrossEntropy()
        self._start(nn.Sequential([nn.Dense(1, 1, bias=False), nn.RBF(), nn.Bias(1)], output="sigmoid"), rng,
                    publish=False)
        probe = nn.Sequential([nn.Dense(1, 1, bias=False), nn.RBF(), nn.Bias(1)], output="sigmoid")
        wh, bo = np.linspace(*SURFACE_WH, SURFACE_SIZE[0]), np.linspace(*SURFACE_BO, SURFACE_SIZE[1])
        X, y = self.problem.X_train, self.problem.y_train
        self.surface = np.empty(SURFACE_SIZE[::-1])
        for j, b in enumerate(bo[::-1]):  # rows from the top (largest bo) down, as the page draws
            for i, a in enumerate(wh):
                probe.flat_params[:] = (a, b)
                self.surface[j, i] = evaluate(probe, self.loss_fn, X, y)["loss"]
        self._set_rbf_params(2.3, 1.4)
        self._publish_setup()
        self._publish_state()

    def _set_rbf_params(self, wh, bo):
        self.net.layers[0].params["W"][...] = wh
        self.net.layers[2].params["b"][...] = bo

    def _start(self, net, rng, publish=True):
        self.net = net
        s = self.settings
        self.surface = None
        self.optimizer = optim.optimizers.get(s.optimizer, learning_rate=s.learning_rate)
        self.rng = rng
        self.history = History()
        self.history.batch_loss = collections.deque(maxlen=1000)  # a long play keeps only recent batches
        self.epoch = 0
        self.message = ""
        self._interrupt = True
        if publish:
            self._publish_setup()
            self._publish_state()

    def _make_problem(self, s: Settings) -> Problem:
        rng = np.random.default_rng(s.seed)
        if s.dataset == "csv":
            if self._upload is None:
                raise ValueError("dataset 'csv' needs an uploaded file: upload one, or choose a generated set.")
            X, y, classes, scaling = self._upload
        else:
            n = data.N_CLASSIFY if s.problem == "classification" else data.N_REGRESS
            n = data.N_RBF_1D if s.dataset == "rbf-1d" else n
            X, y = data.generate(s.dataset, n, s.noise / 100, rng)
            classes = None if s.problem == "regression" else [str(c) for c in range(int(y.max()) + 1)]
            scaling = None
        order = rng.permutation(len(X))
        n_train = max(1, min(len(X) - 1, round(len(X) * s.train_percent / 100)))
        train, test = order[:n_train], order[n_train:]
        self.points = {"train": (X[train], y[train]), "test": (X[test], y[test])}
        F = data.features(X, s.features)
        target = y.astype(np.float64) if classes is None else y.astype(np.int64)
        return Problem(F[train], target[train], F[test], target[test], classes, scaling)

    def _denses(self):
        return [layer for layer in self.net.layers if isinstance(layer, nn.Dense)]

    # ---- what the page draws ----------------------------------------------------------------------
    def _labels_from(self, out):
        if self.problem.classes is None:
            return out[:, 0]
        if out.shape[1] == 1:
            return (out[:, 0] >= 0.5).astype(np.int64)
        return out.argmax(axis=1)

    def _publish_setup(self):
        s = self.settings
        points = {}
        for part, (X, y) in self.points.items():
            points[part] = np.column_stack([np.round(X, 3), np.round(y, 3)]).tolist()
        self.last_setup = {
            "type": "setup",
            "settings": s.to_dict(),
            "problem": "regression" if self.problem.classes is None else "classification",
            "classes": self.problem.classes,
            "points": points,
            "features": [data.FEATURES[name][1] for name in s.features],
            "sizes": [len(s.features), *s.layers, self.problem.n_outputs],
            "grid": GRID,
            "neuron_grid": NEURON_GRID,
            "radius": data.RADIUS,
            "choices": CHOICES,
        }
        if self.surface is not None:
            low, high = self.surface.min(), self.surface.max()
            self.last_setup["surface"] = {"values": encode(1 - 2 * (self.surface.ravel() - low) / (high - low)),
                                          "width": SURFACE_SIZE[0], "height": SURFACE_SIZE[1],
                                          "wh": SURFACE_WH, "bo": SURFACE_BO, "low": low, "high": high}
        self.publish(self.last_setup)

    @staticmethod
    def _small(values):
        """The neuron-sized map of a plane's values: (GRID², ...) -> (NEURON_GRID², ...)."""
        grid = values.reshape(GRID, GRID, -1)[_STRIDE // 2 :: _STRIDE, _STRIDE // 2 :: _STRIDE]
        return grid.reshape(NEURON_GRID * NEURON_GRID, *values.shape[1:])

    def _publish_state(self):
        net, problem = self.net, self.problem
        train = evaluate(net, self.loss_fn, problem.X_train, problem.y_train)["loss"]
        test = evaluate(net, self.loss_fn, problem.X_test, problem.y_test)["loss"]
        # One pass over the plane gives the output heatmap and every hidden neuron's own map.
        Z = data.features(PLANE, self.settings.features)
        neurons = []
        for layer in net.layers:
            Z = layer.forward(Z, False)
            if isinstance(layer, nn.layers.Activation):
                neurons.append(encode_columns(self._small(Z)))
        out = OUTPUTS[net.output](Z.copy())
        output = {"kind": "regression" if problem.classes is None else "classes"}
        if problem.classes is None:
            output["values"] = encode(out[:, 0])
        elif out.shape[1] == 1:
            output["values"] = encode(2 * out[:, 0] - 1)
        else:
            output["labels"] = base64.b64encode(out.argmax(axis=1).astype(np.uint8).tobytes()).decode("ascii")
            output["values"] = encode(2 * out.max(axis=1) - 1)
        small = self._small(out)
        if problem.classes is None:
            output["nodes"] = [encode(small[:, 0])]
        else:  # each output unit's probability (of class 1 for a single sigmoid unit)
            output["nodes"] = [encode(2 * small[:, k] - 1) for k in range(out.shape[1])]
        weights = [{"W": np.round(d.params["W"], 4).tolist(), "dW": _significant(d.grads["W"]),
                    "b": np.round(d.params["b"], 4).tolist() if "b" in d.params else [],
                    "db": _significant(d.grads["b"]) if "b" in d.params else []} for d in self._denses()]
        self.last_state = {
            "type": "state", "epoch": self.epoch, "train_loss": _finite(train), "test_loss": _finite(test),
            "playing": self.playing, "message": self.message, "output": output, "neurons": neurons,
            "weights": weights,
        }
        if self.surface is not None:
            self.last_state["surface_point"] = [float(self.net.flat_params[0]), float(self.net.flat_params[1])]
        self.publish(self.last_state)


class _Playground(Callback):
    """The fit callback that makes a session interactive: an L1 step after every batch, then the
    session's between-epoch work (publish, pace, commands)."""

    def __init__(self, session: Session):
        self.session = session

    def on_batch_end(self, loop):
        s = self.session.settings
        if s.regularization == "l1" and s.regularization_rate:
            # L1's proximal step: w <- sign(w) max(|w| - lr lambda, 0). A weight the penalty would push
            # across zero stops at zero (TensorFlow Playground does the same), so L1 yields exact zeros.
            w = loop.net.flat_params[: loop.net.n_decayed]
            shrink = loop.optimizer.lr * s.regularization_rate
            np.copysign(np.maximum(np.abs(w) - shrink, 0.0), w, out=w)

    def on_epoch_end(self, loop):
        self.session._between_epochs(loop)


def _finite(x):
    return float(x) if math.isfinite(x) else None


def _significant(a, digits=3):
    """``a`` rounded to ``digits`` significant digits (short numbers in the JSON), as lists."""
    a = np.asarray(a, dtype=np.float64)
    magnitude = np.floor(np.log10(np.abs(a), out=np.zeros_like(a), where=a != 0))
    scale = 10.0 ** (digits - 1 - magnitude)
    return (np.rint(a * scale) / scale).tolist()


def export_bytes(session: Session, timeout=30.0) -> bytes:
    """The session's network as a glassnet model file's bytes (written through ``glassnet.save``)."""
    with tempfile.TemporaryDirectory(prefix="glassnet-playground-") as folder:
        path = session.submit("export", folder).result(timeout)
        with open(path, "rb") as f:
            return f.read()
