"""A catalogue of bad inputs, each with the error it must give.

Every row is one bad input. Through the Python API it must raise the given exception (ValueError,
TypeError, ModelFileError, an OSError for files, DivergenceError) with a message that names the
problem (``match=``). Where the row has a command line, ``glassnet ...`` must print exactly one line
``glassnet: error: ...`` on stderr, no traceback, and exit with a non-zero code.

Estimator rows (scikit-learn's conventions) join the table once ``glassnet.estimators`` is merged.
"""

import copy
import os
import pickle
import re
import subprocess
import sys
import types
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import hostile
import glassnet
from glassnet import persist
from glassnet.serialize import container
from glassnet.nn import layers, losses
from glassnet.optim import optimizers, schedules
from glassnet.tabular.data import read_csv
from glassnet.tabular import Run, TrainConfig
from glassnet.cli import main
from glassnet.training import DivergenceError, fit

FAST = ["--epochs", "2", "--layers", "4", "--quiet", "--early-stopping", "0"]


@dataclass
class Bad:
    """``python(f)`` must raise ``error`` matching ``match``; ``cli(f)`` gives argv for the command line."""

    python: Callable | None
    error: type | tuple
    match: str
    cli: Callable | None = None
    cli_match: str | None = None
    quiet: bool = True  # no RuntimeWarning (overflow, invalid value) on the way to the error


# ------------------------------------------------------------------------------------------ the files
def _write(path, text):
    path.write_text(text)
    return str(path)


def _rows(n, fn):
    return "\n".join(fn(i) for i in range(n)) + "\n"


class _MakesAFile:
    """Unpickling this would create a file: the proof that loading never unpickles."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture(scope="module")
def f(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    ns = types.SimpleNamespace(dir=d, out=str(d / "out"))
    good = "a,b,colour,label\n" + _rows(
        40, lambda i: f"{i * 0.1:.1f},{(i * 7) % 5},{'red' if i % 3 else 'blue'}," f"{'yes' if i % 2 else 'no'}"
    )
    ns.csv = _write(d / "good.csv", good)
    ns.empty = _write(d / "empty.csv", "")
    ns.header_only = _write(d / "header_only.csv", "a,b,colour,label\n")
    ns.folder = str(d / "a_folder.csv")
    os.mkdir(ns.folder)
    ns.missing = str(d / "missing.csv")
    ns.dup_header = _write(d / "dup.csv", "a,a,label\n" + _rows(10, lambda i: f"{i},{i},{i % 2}"))
    ns.ragged = _write(d / "ragged.csv", "a,b,label\n1,2,0\n3,1\n")
    ns.target_gaps = _write(d / "target_gaps.csv", "a,label\n" + _rows(10, lambda i: f"{i},{'' if i == 4 else i % 2}"))
    ns.inf = _write(d / "inf.csv", "a,label\n" + _rows(10, lambda i: f"{'inf' if i == 3 else i},{i % 2}"))
    ns.huge = _write(d / "huge.csv", "a,label\n" + _rows(10, lambda i: f"{'1e300' if i == 3 else i},{i % 2}"))
    ns.huge_target = _write(
        d / "huge_target.csv", "a,price\n" + _rows(10, lambda i: f"{i},{'1e300' if i == 3 else i * 1.5}")
    )
    ns.one_row = _write(d / "one_row.csv", "a,price\n1.5,3.25\n")
    ns.one_class = _write(d / "one_class.csv", "a,label\n" + _rows(10, lambda i: f"{i},yes"))
    ns.text_target = _write(d / "text_target.csv", "a,label\n" + _rows(10, lambda i: f"{i},{'yes' if i % 2 else 'no'}"))
    ns.text_in_numeric = _write(d / "text_in_numeric.csv", "a,b,colour\n1,2,red\nabc,3,blue\n")
    ns.lacks_column = _write(d / "lacks.csv", "a,colour\n1,red\n")
    ns.unseen_class = _write(d / "unseen.csv", "a,b,colour,label\n1,2,red,yes\n2,3,blue,maybe\n")
    ns.binary = str(d / "binary.csv")
    (d / "binary.csv").write_bytes(b"\x00\xff\xfe garbage")
    ns.a_file = _write(d / "a_file.txt", "not a folder\n")

    # a model from `glassnet train`, a saved Sequential, and broken copies of it
    run = Run(TrainConfig(dataset=None, csv=ns.csv, target="label", epochs=2, layers=(4,), early_stopping=0), ns.out)
    run.train()
    ns.model = str(d / "model.glassnet")
    glassnet.save(run.model, ns.model)
    net = glassnet.Sequential([layers.Dense(3, 4), layers.Tanh(), layers.Dense(4, 2)], output="softmax", random_state=0)
    ns.net = net
    ns.seq = str(d / "seq.glassnet")
    glassnet.save(net, ns.seq)
    data = (d / "model.glassnet").read_bytes()
    ns.truncated = str(d / "truncated.glassnet")
    (d / "truncated.glassnet").write_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x10
    ns.flipped = str(d / "flipped.glassnet")
    (d / "flipped.glassnet").write_bytes(bytes(flipped))
    kind, meta, arrays = container.read_file(ns.model)
    ns.future = str(d / "future.glassnet")
    (d / "future.glassnet").write_bytes(container.encode(kind, meta, arrays, format_version=container.FORMAT_VERSION + 1))
    ns.npz = str(d / "arrays.npz")
    with open(ns.npz, "wb") as fh:
        np.savez(fh, weights=np.ones(3))
    ns.json = _write(d / "model.json", '{"format": "glassnet"}')
    ns.empty_model = _write(d / "empty.glassnet", "")
    ns.pickle_target = str(d / "created_by_unpickling")
    ns.pickle = str(d / "model.pkl")
    with open(ns.pickle, "wb") as fh:
        pickle.dump(_MakesAFile(ns.pickle_target), fh)
    ns.checkpoint = str(d / "checkpoint.glassnet")
    container.write_file(ns.checkpoint, "checkpoint", {"config": {}}, {})

    # hostile model files: checksums valid, contents that would cost memory, time or a traceback
    seq = (d / "seq.glassnet").read_bytes()

    def hostile_file(name, data):
        (d / name).write_bytes(data)
        return str(d / name)

    import zipfile

    ns.deflated = hostile_file("deflated.glassnet", hostile.rezip(*hostile.members(seq), compression=zipfile.ZIP_DEFLATED))
    ns.bzip2 = hostile_file("bzip2.glassnet", hostile.rezip(*hostile.members(seq), compression=zipfile.ZIP_BZIP2))
    ns.oversized = hostile_file("oversized.glassnet", hostile.declared_size(seq, "arrays/weights.npy", 2**31))
    ns.listed_twice = hostile_file("twice.glassnet", hostile.edited(seq, lambda h, b: h.update(arrays=["weights"] * 1000)))
    header, blobs = hostile.members(seq)
    ns.unlisted = hostile_file("unlisted.glassnet", hostile.rezip(header, blobs, extra=[("arrays/x.npy", blobs["weights"])]))
    ns.long_class = hostile_file("long_class.glassnet", hostile.edited(
        data, lambda h, b: h["meta"].update(classes=["no", "y" * 100_000])))
    ns.deep = hostile_file("deep.glassnet", hostile.deep_header(seq, 990))
    ns.deepish = hostile_file("deepish.glassnet", hostile.deep_header(seq, 100))
    one = {"class": "Dense", "config": {"n_in": 1, "n_out": 1}}
    ns.many_layers = hostile_file("many_layers.glassnet", hostile.edited(
        seq, lambda h, b: h["meta"].update(layers=[one] * 10_001)))
    nan = net.get_weights()
    nan[3] = np.nan
    ns.nan_weights = hostile_file("nan.glassnet", hostile.edited(seq, lambda h, b: b.update(weights=hostile.npy(nan))))
    ns.info_list = hostile_file("info_list.glassnet", hostile.edited(
        data, lambda h, b: h["meta"]["info"].update(data=[1, 2], metrics="good")))
    ns.fifo = str(d / "fifo.glassnet")
    os.mkfifo(ns.fifo)
    ns.fifo_csv = str(d / "fifo.csv")
    os.mkfifo(ns.fifo_csv)
    ns.zero_link = str(d / "zero.glassnet")
    os.symlink("/dev/zero", ns.zero_link)

    # columns too wide to one-hot encode, a target that is an identifier
    ns.id_column = _write(d / "id_column.csv", "id,a,label\n" + _rows(300, lambda i: f"user{i},{i % 7},{i % 2}"))
    ns.typo_column = _write(d / "typo_column.csv", "a,b,label\n" + _rows(
        300, lambda i: f"{'1.2.3' if i == 7 else i * 0.37},{i % 5},{i % 2}"))
    ns.id_target = _write(d / "id_target.csv", "a,b,user\n" + _rows(300, lambda i: f"{i % 7},{i % 5},user{i}"))

    # a folder of the user's own files, and checkpoints that do not fit their run
    ns.user_folder = str(d / "my_files")
    os.mkdir(ns.user_folder)
    _write(d / "my_files" / "notes.txt", "mine\n")
    config = TrainConfig(dataset=None, csv=ns.csv, target="label", epochs=2, layers=(4,), early_stopping=0,
                         checkpoint_every=1)
    os.mkdir(d / "ckpt")
    Run(config, str(d / "ckpt")).train()
    checkpoint = container.read_file(d / "ckpt" / "checkpoint.glassnet")

    def checkpoint_folder(name, edit):
        os.mkdir(d / name)
        kind, meta, arrays = copy.deepcopy(checkpoint)
        edit(meta, arrays)
        container.write_file(d / name / "checkpoint.glassnet", kind, meta, arrays)
        return str(d / name)

    ns.other_arch = checkpoint_folder("other_arch", lambda m, a: a.update(
        {k: np.zeros(67) for k in a if k.startswith("opt.0.")}))
    ns.no_callbacks = checkpoint_folder("no_callbacks", lambda m, a: m.pop("callbacks"))
    ns.text_epochs = checkpoint_folder("text_epochs", lambda m, a: m.update(epochs_done="three"))
    ns.other_run = checkpoint_folder("other_run", lambda m, a: None)
    os.mkdir(d / "elsewhere")
    other = Run(config, str(d / "elsewhere"))
    other.train()
    glassnet.save(other.model, d / "other_run" / "model.glassnet")
    return ns


# ------------------------------------------------------------------------------------------ helpers
def _socket(f):
    """A listening Unix socket in the fixture's folder (made once)."""
    import socket

    path = str(f.dir / "out.sock")
    if not os.path.exists(path):
        f.sock = socket.socket(socket.AF_UNIX)
        f.sock.bind(path)
    return path


rng = np.random.default_rng(0)
X = rng.normal(size=(20, 3))
Y = np.arange(20) % 2


def _net(dtype="float64"):
    return glassnet.Sequential(
        [layers.Dense(3, 4), layers.ReLU(), layers.Dense(4, 2)], output="softmax", random_state=0, dtype=dtype
    )


def _fit(X=X, y=Y, net=None, optimizer="sgd", lr=0.1, loss=None, **kw):
    net = net or _net()
    loss = loss or losses.SoftmaxCrossEntropy()
    kw.setdefault("epochs", 2)
    return fit(net, loss, optimizers.get(optimizer, learning_rate=lr), X, y, **kw)


def _with(col, row, value, base=X):
    out = base.copy()
    out[row, col] = value
    return out


def _train(f, **overrides):
    """The app's Python face of `glassnet train`: a Run on a CSV file, trained."""
    config = dict(dataset=None, csv=f.csv, target="label", epochs=2, layers=(4,), early_stopping=0)
    config.update(overrides)
    return Run(TrainConfig(**config), f.out).train()


def _train_cli(f, *extra, csv=None, target="label", out=None):
    return ["train", "--csv", csv or f.csv, "--target", target, "--out", out or f.out, *FAST, *extra]


# ------------------------------------------------------------------------------------------ the catalogue
CORE = {
    # X: values
    "X-nan": Bad(
        lambda f: _fit(X=_with(1, 2, np.nan)), ValueError, r"X contains NaN or infinity \(first at row 2, column 1"
    ),
    "X-inf": Bad(lambda f: _fit(X=_with(0, 5, -np.inf)), ValueError, r"NaN or infinity .*row 5, column 0: -inf"),
    "X-1e300-fit": Bad(
        lambda f: _fit(X=_with(2, 1, 1e300)), ValueError, r"too large.*1e\+300.*unscaled.*StandardScaler"
    ),
    "X-1e300-predict": Bad(lambda f: _net().predict(_with(2, 1, 1e300)), ValueError, r"too large.*unscaled"),
    "X-1e30-float32": Bad(lambda f: _net("float32").predict(_with(0, 0, 1e30)), ValueError, r"limit for float32"),
    "X-1e300-validation": Bad(
        lambda f: _fit(validation_data=(_with(0, 0, 1e300), Y)), ValueError, r"validation X holds a value too large"
    ),
    # X: shape and kind
    "X-empty": Bad(lambda f: _fit(X=X[:0], y=Y[:0]), ValueError, r"X is empty: it has 0 samples"),
    "X-empty-predict": Bad(lambda f: _net().predict(np.empty((0, 3))), ValueError, r"0 samples.*at least 1"),
    "X-1d": Bad(lambda f: _net().predict(X[0]), ValueError, r"must be 2-D .*reshape"),
    "X-strings": Bad(lambda f: _net().predict([["a", "b", "c"]]), ValueError, r"must contain numbers.*encode strings"),
    "X-object": Bad(lambda f: _fit(X=X.astype(object)), ValueError, r"2-D array of numbers; got an object"),
    "X-ragged": Bad(lambda f: _net().predict([[1.0, 2.0, 3.0], [1.0, 2.0]]), ValueError, r"ragged"),
    "X-complex": Bad(lambda f: _net().predict(X * 1j), ValueError, r"must contain numbers.*complex"),
    "X-None": Bad(lambda f: _net().predict(None), ValueError, r"must contain numbers"),
    "X-y-lengths": Bad(lambda f: _fit(y=Y[:7]), ValueError, r"different numbers of samples: 20 and 7"),
    "y-scalar": Bad(lambda f: _fit(y=1), ValueError, r"different numbers of samples: 20 and 1"),
    "features-at-predict": Bad(
        lambda f: _net().predict(np.zeros((2, 5))), ValueError, r"X has 5 features, but this network expects 3"
    ),
    "features-at-fit": Bad(
        lambda f: _fit(X=np.zeros((20, 4))), ValueError, r"X has 4 features, but this network expects 3"
    ),
    # y
    "y-unseen-label": Bad(lambda f: _fit(y=np.full(20, 7)), ValueError, r"labels must lie in \[0, 1\], got min 7"),
    "y-negative-label": Bad(lambda f: _fit(y=-Y), ValueError, r"labels must lie in \[0, 1\]"),
    "y-fractional": Bad(lambda f: _fit(y=Y + 0.5), ValueError, r"class-index targets must be integers"),
    "y-strings": Bad(
        lambda f: _fit(y=np.array(["a", "b"] * 10)), ValueError, r"targets must be integers, got dtype <U1"
    ),
    "y-nan-regression": Bad(
        lambda f: _fit(
            net=glassnet.Sequential([layers.Dense(3, 1)]),
            loss=losses.MeanSquaredError(),
            y=np.where(Y > 0, np.nan, 1.0),
        ),
        ValueError,
        r"y contains NaN or infinity \(first at sample 1\)",
    ),
    "y-validation-unseen-label": Bad(
        lambda f: _fit(validation_data=(X, np.full(20, 4))), ValueError, r"labels must lie in"
    ),
    "y-onehot-width": Bad(
        lambda f: _fit(y=np.eye(5)[Y]), ValueError, r"one-hot targets of shape \(20, 5\) do not match"
    ),
    "sample-weight-length": Bad(
        lambda f: _fit(sample_weight=np.ones(3)), ValueError, r"sample_weight must have shape \(20,\)"
    ),
    "sample-weight-negative": Bad(lambda f: _fit(sample_weight=-np.ones(20)), ValueError, r"finite and non-negative"),
    # one class (the core trains on one sample; `glassnet train` needs at least 2 rows, see csv-one-row)
    "one-class-softmax-net": Bad(
        lambda f: glassnet.Sequential([layers.Dense(3, 1)], output="softmax"),
        ValueError,
        r"softmax output needs at least two units.*at least two classes",
    ),
    "one-class-softmax-loss": Bad(
        lambda f: losses.SoftmaxCrossEntropy().forward(np.zeros((4, 1)), np.zeros(4, int)),
        ValueError,
        r"at least two output columns.*at least two classes",
    ),
    # hyperparameters: zero, negative, NaN, wrong type
    "epochs-negative": Bad(lambda f: _fit(epochs=-1), ValueError, r"epochs must be an integer >= 0, got -1"),
    "epochs-nan": Bad(lambda f: _fit(epochs=float("nan")), TypeError, r"epochs must be an integer >= 0, got nan"),
    "epochs-str": Bad(lambda f: _fit(epochs="10"), TypeError, r"epochs must be an integer.*'10' \(str\)"),
    "batch-size-zero": Bad(lambda f: _fit(batch_size=0), ValueError, r"batch_size must be an integer >= 1, got 0"),
    "batch-size-float": Bad(lambda f: _fit(batch_size=2.5), TypeError, r"batch_size must be an integer >= 1, got 2.5"),
    "l2-negative": Bad(lambda f: _fit(l2=-1e-3), ValueError, r"l2 must be >= 0.0, got -0.001"),
    "l2-nan": Bad(lambda f: _fit(l2=float("nan")), ValueError, r"l2 must be finite, got nan"),
    "l2-str": Bad(lambda f: _fit(l2="0.1"), TypeError, r"l2 must be a real number, got '0.1'"),
    "lr-zero": Bad(lambda f: optimizers.SGD(0), ValueError, r"learning_rate must be > 0.0, got 0.0"),
    "lr-negative": Bad(lambda f: optimizers.Adam(-0.1), ValueError, r"learning_rate must be > 0.0, got -0.1"),
    "lr-nan": Bad(lambda f: optimizers.Adam(float("nan")), ValueError, r"learning_rate must be finite, got nan"),
    "lr-str": Bad(
        lambda f: optimizers.get("sgd", learning_rate="0.1"), TypeError, r"learning_rate must be a real number"
    ),
    "lr-none": Bad(lambda f: optimizers.SGD(None), TypeError, r"learning_rate must be a real number, got None"),
    "momentum-above-one": Bad(
        lambda f: optimizers.Momentum(momentum=1.5), ValueError, r"momentum must be <= 1.0, got 1.5"
    ),
    "momentum-nan": Bad(lambda f: optimizers.Nesterov(momentum=float("nan")), ValueError, r"momentum must be finite"),
    "beta1-one": Bad(lambda f: optimizers.Adam(beta_1=1.0), ValueError, r"beta_1 must be < 1.0, got 1.0"),
    "epsilon-zero": Bad(lambda f: optimizers.RMSProp(epsilon=0), ValueError, r"epsilon must be > 0.0, got 0.0"),
    "optimizer-kwarg-typo": Bad(
        lambda f: optimizers.get("adam", learning_rat=0.1),
        TypeError,
        r"Adam got unknown arguments \['learning_rat'\]; it takes \['learning_rate'",
    ),
    "dense-zero-width": Bad(lambda f: layers.Dense(3, 0), ValueError, r"n_out must be an integer >= 1, got 0"),
    "dense-negative-width": Bad(lambda f: layers.Dense(-2, 3), ValueError, r"n_in must be an integer >= 1, got -2"),
    "dense-nan-width": Bad(
        lambda f: layers.Dense(float("nan"), 3), TypeError, r"n_in must be an integer >= 1, got nan"
    ),
    "dense-str-width": Bad(lambda f: layers.Dense("3", 3), TypeError, r"n_in must be an integer.*'3' \(str\)"),
    "dropout-one": Bad(lambda f: layers.Dropout(1.0), ValueError, r"rate must be < 1.0, got 1.0"),
    "dropout-negative": Bad(lambda f: layers.Dropout(-0.1), ValueError, r"rate must be >= 0.0, got -0.1"),
    "dropout-nan": Bad(lambda f: layers.Dropout(float("nan")), ValueError, r"rate must be finite, got nan"),
    "leaky-alpha-str": Bad(lambda f: layers.LeakyReLU("0.1"), TypeError, r"alpha must be a real number"),
    "schedule-step-zero": Bad(
        lambda f: schedules.StepDecay(0.1, step_size=0, factor=0.5), ValueError, r"step_size must be .* >= 1, got 0"
    ),
    "schedule-decay-nan": Bad(
        lambda f: schedules.ExponentialDecay(0.1, decay=float("nan")), ValueError, r"decay must be finite"
    ),
    "early-stopping-patience-zero": Bad(
        lambda f: glassnet.training.callbacks.EarlyStopping(patience=0), ValueError, r"patience must be .* >= 1, got 0"
    ),
    "dtype-int": Bad(
        lambda f: glassnet.Sequential([layers.Dense(3, 2)], dtype="int32"),
        ValueError,
        r"dtype must be 'float32' or 'float64'",
    ),
    # names
    "activation-unknown": Bad(
        lambda f: layers.activations.get("relux"), ValueError, r"Unknown activation 'relux'; expected one of \["
    ),
    "optimizer-unknown": Bad(
        lambda f: optimizers.get("adamw"), ValueError, r"Unknown optimizer 'adamw'; expected one of \['adagrad'"
    ),
    "loss-unknown": Bad(
        lambda f: losses.get("hinge"), ValueError, r"Unknown loss 'hinge'; expected one of \[.*'softmax_cross_entropy'"
    ),
    "output-unknown": Bad(
        lambda f: glassnet.Sequential([layers.Dense(3, 2)], output="softplus"), ValueError, r"output must be one of"
    ),
    "metric-unknown": Bad(
        lambda f: _fit(metrics=("f1",)), ValueError, r"Unknown metric 'f1'; expected one of \['accuracy', 'r2'\]"
    ),
    "layer-not-a-layer": Bad(
        lambda f: glassnet.Sequential([layers.Dense(3, 2), "relu"]), TypeError, r"layers\[1\] is 'relu', which is not"
    ),
    "layer-widths": Bad(
        lambda f: glassnet.Sequential([layers.Dense(3, 2), layers.Dense(3, 2)]),
        ValueError,
        r"layers\[1\]: Dense layer expects 3 inputs, but the layer before it gives 2",
    ),
    # saving
    "save-not-a-model": Bad(
        lambda f: glassnet.save(3, str(f.dir / "x.glassnet")), TypeError, r"glassnet.save takes a Sequential"
    ),
    "save-missing-folder": Bad(
        lambda f: glassnet.save(f.net, str(f.dir / "no" / "x.glassnet")),
        FileNotFoundError,
        r"cannot write .*x.glassnet in .*no: the folder does not exist",
    ),
    "save-into-a-file": Bad(
        lambda f: glassnet.save(f.net, os.path.join(f.a_file, "x.glassnet")),
        NotADirectoryError,
        r"cannot write .*: it is not a folder",
    ),
    "save-onto-a-folder": Bad(
        lambda f: glassnet.save(f.net, f.folder), IsADirectoryError, r"cannot write .*: it is a folder"
    ),
}

# Every numeric hyperparameter of the core at zero (where zero is out of range), negative, NaN and of
# the wrong type: name -> (call with the value, whether 0 is allowed, whether it is an integer).
HYPERPARAMETERS = {
    "learning_rate": (lambda v: optimizers.SGD(v), False, False),
    "momentum": (lambda v: optimizers.Momentum(momentum=v), True, False),
    "beta_1": (lambda v: optimizers.Adam(beta_1=v), True, False),
    "beta_2": (lambda v: optimizers.Adam(beta_2=v), True, False),
    "epsilon": (lambda v: optimizers.Adam(epsilon=v), False, False),
    "rho": (lambda v: optimizers.RMSProp(rho=v), True, False),
    "rate": (lambda v: layers.Dropout(v), True, False),
    "alpha": (lambda v: layers.LeakyReLU(v), True, False),
    "l2": (lambda v: _fit(l2=v), True, False),
    "min_delta": (lambda v: glassnet.training.callbacks.EarlyStopping(min_delta=v), True, False),
    "power_t": (lambda v: schedules.InverseScaling(0.1, power_t=v), True, False),
    "factor": (lambda v: schedules.StepDecay(0.1, factor=v), False, False),
    "decay": (lambda v: schedules.ExponentialDecay(0.1, decay=v), False, False),
    "n_in": (lambda v: layers.Dense(v, 2), False, True),
    "n_out": (lambda v: layers.Dense(2, v), False, True),
    "n": (lambda v: layers.Bias(v), False, True),
    "epochs": (lambda v: _fit(epochs=v), True, True),
    "batch_size": (lambda v: _fit(batch_size=v), False, True),
    "patience": (lambda v: glassnet.training.callbacks.EarlyStopping(patience=v), False, True),
    "step_size": (lambda v: schedules.StepDecay(0.1, step_size=v), False, True),
}
for _name, (_call, _zero_ok, _integer) in HYPERPARAMETERS.items():
    _call = (lambda call: lambda value: lambda f: call(value))(_call)
    _kind = "an integer" if _integer else "a real number"
    if not _zero_ok:
        CORE[f"hp-{_name}-zero"] = Bad(_call(0), ValueError, rf"{_name} must be .*, got 0")
    CORE[f"hp-{_name}-negative"] = Bad(_call(-2), ValueError, rf"{_name} must be .*, got -2")
    CORE[f"hp-{_name}-nan"] = Bad(
        _call(float("nan")), TypeError if _integer else ValueError, rf"{_name} must be (an integer|finite).*, got nan"
    )
    CORE[f"hp-{_name}-text"] = Bad(_call("1"), TypeError, rf"{_name} must be {_kind}.*got '1' \(str\)")

FILES = {
    # CSV files: the app's Python face (Run, read_csv) and `glassnet train`
    "csv-missing": Bad(
        lambda f: read_csv(f.missing, "label"),
        FileNotFoundError,
        r"no CSV file at .*missing.csv",
        lambda f: _train_cli(f, csv=f.missing),
    ),
    "csv-empty": Bad(
        lambda f: read_csv(f.empty, "label"),
        ValueError,
        r"empty.csv is empty; expected a header line",
        lambda f: _train_cli(f, csv=f.empty),
    ),
    "csv-header-only": Bad(
        lambda f: read_csv(f.header_only, "label"),
        ValueError,
        r"has a header but no rows",
        lambda f: _train_cli(f, csv=f.header_only),
    ),
    "csv-binary": Bad(
        lambda f: read_csv(f.binary, "label"),
        ValueError,
        r"binary.csv is not a text CSV file \(byte 1 is not UTF-8\)",
        lambda f: _train_cli(f, csv=f.binary),
    ),
    "csv-is-a-folder": Bad(
        lambda f: read_csv(f.folder, "label"),
        IsADirectoryError,
        r"a_folder.csv' is a folder, not a CSV",
        lambda f: _train_cli(f, csv=f.folder),
    ),
    "csv-repeated-header": Bad(
        lambda f: read_csv(f.dup_header, "label"),
        ValueError,
        r"repeated column names \['a'\]",
        lambda f: _train_cli(f, csv=f.dup_header),
    ),
    "csv-ragged-row": Bad(
        lambda f: read_csv(f.ragged, "label"),
        ValueError,
        r"line 3: 2 fields, but the header has 3",
        lambda f: _train_cli(f, csv=f.ragged),
    ),
    "csv-target-absent": Bad(
        lambda f: read_csv(f.csv, "price"),
        ValueError,
        r"has no column 'price' for the target; its columns",
        lambda f: _train_cli(f, target="price"),
    ),
    "csv-target-missing-values": Bad(
        lambda f: read_csv(f.target_gaps, "label"),
        ValueError,
        r"the target 'label' is missing on lines \[6\]; fill or drop",
        lambda f: _train_cli(f, csv=f.target_gaps),
    ),
    "csv-infinite-value": Bad(
        lambda f: read_csv(f.inf, "label"),
        ValueError,
        r"line 5, column 'a': 'inf' is not a finite number",
        lambda f: _train_cli(f, csv=f.inf),
    ),
    "csv-1e300": Bad(
        lambda f: read_csv(f.huge, "label"),
        ValueError,
        r"line 5, column 'a': 1e300 is too large.*rescale",
        lambda f: _train_cli(f, csv=f.huge),
    ),
    "csv-1e300-target": Bad(
        lambda f: _train(f, csv=f.huge_target, target="price"),
        ValueError,
        r"the target 'price' holds 1e\+300, too large .*rescale",
        lambda f: _train_cli(f, csv=f.huge_target, target="price"),
    ),
    "csv-one-row": Bad(
        lambda f: _train(f, csv=f.one_row, target="price"),
        ValueError,
        r"the data have 1 row, too few to train on: training needs at least 2 rows",
        lambda f: _train_cli(f, csv=f.one_row, target="price"),
    ),
    "csv-one-class": Bad(
        lambda f: _train(f, csv=f.one_class),
        ValueError,
        r"classification needs at least two classes; .*\['yes'\]",
        lambda f: _train_cli(f, csv=f.one_class),
    ),
    "csv-validation-too-big": Bad(
        lambda f: _train(f, csv=f.text_target, validation_fraction=0.9),
        ValueError,
        r"validation fraction of 0.9 holds back 9 of them",
        lambda f: _train_cli(f, "--validation-fraction", "0.9", csv=f.text_target),
    ),
    "csv-text-target-regression": Bad(
        lambda f: _train(f, task="regression"),
        ValueError,
        r"regression needs numeric targets, but 'label' holds",
        lambda f: _train_cli(f, "--task", "regression"),
    ),
    "csv-text-in-numeric-column": Bad(
        lambda f: persist.load(f.model).predict(read_csv(f.text_in_numeric, None, persist.load(f.model).features).frame),
        ValueError,
        r"line 3, column 'a': 'abc' is not a number, but the model takes",
        lambda f: ["predict", f.model, "--csv", f.text_in_numeric, "--output", str(f.dir / "p.csv")],
    ),
    "csv-lacks-a-column": Bad(
        lambda f: read_csv(f.lacks_column, None, persist.load(f.model).features),
        ValueError,
        r"lacks the columns \['b'\] that the model was trained on",
        lambda f: ["predict", f.model, "--csv", f.lacks_column, "--output", str(f.dir / "p.csv")],
    ),
    "labels-unseen-at-evaluate": Bad(
        lambda f: persist.load(f.model).evaluate(*(lambda d: (d.frame, d.y))(read_csv(f.unseen_class, "label"))),
        ValueError,
        r"classes \['maybe'\] that the model was not trained on",
        lambda f: ["evaluate", f.model, "--csv", f.unseen_class],
    ),
    # output folders
    "out-is-a-file": Bad(
        None, OSError, "", lambda f: _train_cli(f, out=f.a_file), r"--out .*a_file.txt is a file, not a folder"
    ),
    "out-cannot-be-created": Bad(
        None,
        OSError,
        "",
        lambda f: _train_cli(f, out=os.path.join(f.a_file, "sub")),
        r"cannot write to the output folder .*a_file.txt/sub",
    ),
    "predict-output-under-a-file": Bad(
        None,
        OSError,
        "",
        lambda f: ["predict", f.model, "--csv", f.csv, "--output", str(f.dir / "lacks.csv" / "p.csv")],
        r"cannot create the folder .*lacks.csv for .*p.csv: ",
    ),
    # model files
    "model-missing": Bad(
        lambda f: glassnet.load(str(f.dir / "nope.glassnet")),
        FileNotFoundError,
        r"no glassnet model file at .*nope",
        lambda f: ["info", str(f.dir / "nope.glassnet")],
    ),
    "model-is-a-folder": Bad(
        lambda f: glassnet.load(f.folder),
        IsADirectoryError,
        r"is a folder, not a glassnet model file",
        lambda f: ["evaluate", f.folder, "iris"],
    ),
    "model-truncated": Bad(
        lambda f: glassnet.load(f.truncated), container.ModelFileError, r"truncated", lambda f: ["info", f.truncated]
    ),
    "model-bit-flipped": Bad(
        lambda f: glassnet.load(f.flipped),
        container.ModelFileError,
        r"corrupted",
        lambda f: ["predict", f.flipped, "--csv", f.csv, "--output", str(f.dir / "p.csv")],
    ),
    "model-future-version": Bad(
        lambda f: glassnet.load(f.future),
        container.ModelFileError,
        r"format version 2, newer .*upgrade glassnet",
        lambda f: ["info", f.future],
    ),
    "model-npz": Bad(
        lambda f: glassnet.load(f.npz),
        container.ModelFileError,
        r"not a glassnet model file: a zip archive without",
        lambda f: ["info", f.npz],
    ),
    "model-json": Bad(
        lambda f: glassnet.load(f.json),
        container.ModelFileError,
        r"not a glassnet model file: it looks like a JSON",
        lambda f: ["info", f.json],
    ),
    "model-empty-file": Bad(
        lambda f: glassnet.load(f.empty_model),
        container.ModelFileError,
        r"not a glassnet model file: the file is empty",
        lambda f: ["info", f.empty_model],
    ),
    "model-csv": Bad(
        lambda f: glassnet.load(f.csv),
        container.ModelFileError,
        r"does not start like a zip archive",
        lambda f: ["info", f.csv],
    ),
    "model-pickle": Bad(
        lambda f: glassnet.load(f.pickle),
        container.ModelFileError,
        r"looks like a Python pickle, which glassnet never loads",
        lambda f: ["info", f.pickle],
    ),
    "model-deflated": Bad(
        lambda f: glassnet.load(f.deflated),
        container.ModelFileError,
        r"member 'glassnet.json' is compressed with method 8; glassnet files hold stored members only",
        lambda f: ["info", f.deflated],
    ),
    "model-bzip2": Bad(
        lambda f: glassnet.load(f.bzip2),
        container.ModelFileError,
        r"compressed with method 12",
        lambda f: ["predict", f.bzip2, "--csv", f.csv, "--output", str(f.dir / "p.csv")],
    ),
    "model-declares-more-than-the-file": Bad(
        lambda f: glassnet.load(f.oversized),
        container.ModelFileError,
        r"member 'arrays/weights.npy' declares 2,147,483,648 bytes, more than the file's",
        lambda f: ["info", f.oversized],
    ),
    "model-array-listed-twice": Bad(
        lambda f: glassnet.load(f.listed_twice),
        container.ModelFileError,
        r"array 'weights' is listed twice",
        lambda f: ["info", f.listed_twice],
    ),
    "model-member-not-listed": Bad(
        lambda f: glassnet.load(f.unlisted),
        container.ModelFileError,
        r"members its header does not list: 'arrays/x.npy'",
        lambda f: ["info", f.unlisted],
    ),
    "model-class-name-of-100k-characters": Bad(
        lambda f: glassnet.load(f.long_class),
        container.ModelFileError,
        r"the header\['meta'\]\['classes'\]\[1\] is a string of 100,000 characters \(at most 65,536\)",
        lambda f: ["predict", f.long_class, "--csv", f.csv, "--output", str(f.dir / "p.csv")],
    ),
    "model-header-nested-990-deep": Bad(
        lambda f: glassnet.load(f.deep),
        container.ModelFileError,
        r"corrupted \(its header cannot be read",
        lambda f: ["info", f.deep],
    ),
    "model-header-nested-100-deep": Bad(
        lambda f: glassnet.load(f.deepish),
        container.ModelFileError,
        r"is nested more than 64 levels deep",
        lambda f: ["info", f.deepish],
    ),
    "model-10001-layers": Bad(
        lambda f: glassnet.load(f.many_layers),
        container.ModelFileError,
        r"it lists 10,001 layers, more than the 10,000",
        lambda f: ["info", f.many_layers],
    ),
    "model-nan-weights": Bad(
        lambda f: glassnet.load(f.nan_weights),
        container.ModelFileError,
        r"weights hold 1 NaN or infinite values of 26",
        lambda f: ["info", f.nan_weights],
    ),
    "model-record-sections-not-mappings": Bad(
        lambda f: glassnet.load(f.info_list),
        container.ModelFileError,
        r"its record's '(data|metrics)' is a (list|str), not a mapping",
        lambda f: ["info", f.info_list],
    ),
    "model-dev-zero": Bad(
        lambda f: glassnet.load("/dev/zero"),
        ValueError,
        r"/dev/zero is a character device, not a regular file; give the path of a glassnet model file",
        lambda f: ["evaluate", "/dev/zero", "iris"],
    ),
    "model-link-to-dev-zero": Bad(
        lambda f: glassnet.load(f.zero_link),
        ValueError,
        r"zero.glassnet is a character device, not a regular file",
        lambda f: ["info", f.zero_link],
    ),
    "model-fifo": Bad(
        lambda f: glassnet.load(f.fifo),
        ValueError,
        r"fifo.glassnet is a FIFO \(named pipe\), not a regular file",
        lambda f: ["predict", f.fifo, "--csv", f.csv, "--output", str(f.dir / "p.csv")],
    ),
    "csv-fifo": Bad(
        lambda f: read_csv(f.fifo_csv, "label"),
        ValueError,
        r"fifo.csv is a FIFO \(named pipe\), not a regular file; give the path of a CSV file",
        lambda f: ["predict", f.model, "--csv", f.fifo_csv, "--output", str(f.dir / "p.csv")],
    ),
    "model-checkpoint": Bad(
        lambda f: glassnet.load(f.checkpoint),
        ValueError,
        r"is a training checkpoint, not a model: continue it",
        lambda f: ["evaluate", f.checkpoint, "iris"],
    ),
    "model-a-sequential-for-predict": Bad(
        None,
        ValueError,
        "",
        lambda f: ["predict", f.seq, "--csv", f.csv, "--output", str(f.dir / "p.csv")],
        r"holds a Sequential, not a model trained with `glassnet train`",
    ),
    "csv-identifier-column": Bad(
        lambda f: _train(f, csv=f.id_column),
        ValueError,
        r"column 'id' has 240 distinct values in 240 rows, too many categories to one-hot encode \(at most 1,000, and "
        r"at most half the rows\); it looks like an identifier, which predicts nothing: drop it from the CSV",
        lambda f: _train_cli(f, csv=f.id_column),
    ),
    "csv-numeric-column-with-a-typo": Bad(
        lambda f: _train(f, csv=f.typo_column),
        ValueError,
        r"column 'a' has \d+ distinct values .*; \d+ of its \d+ values are numbers, so it was read as text because "
        r"of '1.2.3': fix those values",
        lambda f: _train_cli(f, csv=f.typo_column),
    ),
    "csv-identifier-target": Bad(
        lambda f: _train(f, csv=f.id_target, target="user"),
        ValueError,
        r"the target 'user' has 300 distinct values in 300 rows, which looks like an identifier .* or --task "
        r"classification to insist",
        lambda f: _train_cli(f, csv=f.id_target, target="user"),
    ),
    "predict-output-is-the-input-csv": Bad(
        None,
        ValueError,
        "",
        lambda f: ["predict", f.model, "--csv", f.csv, "--output", f.csv],
        r"--output .*good.csv is the same file as the input --csv .*; glassnet never writes over its inputs",
    ),
    "predict-output-is-the-model": Bad(
        None,
        ValueError,
        "",
        lambda f: ["predict", f.model, "--csv", f.csv, "--output", f.model],
        r"--output .*model.glassnet is the same file as the model",
    ),
    "sweep-out-is-the-input-csv": Bad(
        None,
        ValueError,
        "",
        lambda f: ["sweep", "--csv", f.csv, "--target", "label", "--param", "alpha", "1e-4", "1e-3", "--out", f.csv],
        r"--out .*good.csv is the same file as the input --csv",
    ),
    "train-out-a-folder-of-user-files": Bad(
        None,
        FileExistsError,
        "",
        lambda f: _train_cli(f, out=f.user_folder),
        r"--out .*my_files already holds files glassnet did not write \(notes.txt\); give a new or empty folder, "
        r"or pass --overwrite",
    ),
    "predict-output-a-socket": Bad(
        lambda f: glassnet.save(f.net, _socket(f)),
        ValueError,
        r"cannot write .*sock: it is a socket, not a regular file",
        lambda f: ["predict", f.model, "--csv", f.csv, "--output", _socket(f)],
    ),
    "resume-checkpoint-of-another-architecture": Bad(
        lambda f: Run.resume(f.other_arch),
        container.ModelFileError,
        r"the checkpoint does not fit the run it describes \(its optimizer's '\w+' has shape \(67,\)",
        lambda f: ["train", "--resume", f.other_arch],
    ),
    "resume-checkpoint-without-callbacks": Bad(
        lambda f: Run.resume(f.no_callbacks),
        container.ModelFileError,
        r"the checkpoint is incomplete \(KeyError\('callbacks'\)\)",
        lambda f: ["train", "--resume", f.no_callbacks],
    ),
    "resume-checkpoint-with-text-for-a-number": Bad(
        lambda f: Run.resume(f.text_epochs),
        container.ModelFileError,
        r"the checkpoint is incomplete \(ValueError",
        lambda f: ["train", "--resume", f.text_epochs],
    ),
    "resume-checkpoint-beside-another-runs-model": Bad(
        lambda f: Run.resume(f.other_run),
        ValueError,
        r"the checkpoint in .*other_run belongs to another run than the model beside it",
        lambda f: ["train", "--resume", f.other_run],
    ),
    "resume-without-checkpoint": Bad(
        lambda f: Run.resume(f.folder),
        FileNotFoundError,
        r"no checkpoint to resume in",
        lambda f: ["train", "--resume", f.folder],
    ),
}

# The command line's own options: zero, negative, NaN and the wrong type for every numeric option.
CLI_OPTIONS = {
    "cli-learning-rate-zero": (["--learning-rate", "0"], r"learning_rate must be > 0.0, got 0.0"),
    "cli-learning-rate-negative": (["--learning-rate", "-1"], r"learning_rate must be > 0.0, got -1.0"),
    "cli-learning-rate-nan": (["--learning-rate", "nan"], r"learning_rate must be finite, got nan"),
    "cli-learning-rate-text": (
        ["--learning-rate", "fast"],
        r"train: argument --learning-rate/--lr: invalid float value: 'fast'",
    ),
    "cli-epochs-zero": (["--epochs", "0"], r"epochs must be an integer >= 1, got 0"),
    "cli-epochs-negative": (["--epochs", "-3"], r"epochs must be an integer >= 1, got -3"),
    "cli-epochs-nan": (["--epochs", "nan"], r"argument --epochs: invalid int value: 'nan'"),
    "cli-epochs-float": (["--epochs", "2.5"], r"argument --epochs: invalid int value: '2.5'"),
    "cli-batch-size-zero": (["--batch-size", "0"], r"batch_size must be an integer >= 1, got 0"),
    "cli-batch-size-negative": (["--batch-size", "-1"], r"batch_size must be an integer >= 1, got -1"),
    "cli-batch-size-text": (["--batch-size", "x"], r"argument --batch-size: invalid int value: 'x'"),
    "cli-l2-negative": (["--l2", "-1"], r"l2 must be >= 0.0, got -1.0"),
    "cli-l2-nan": (["--l2", "nan"], r"l2 must be finite, got nan"),
    "cli-dropout-one": (["--dropout", "1"], r"dropout must be < 1.0, got 1.0"),
    "cli-dropout-nan": (["--dropout", "nan"], r"dropout must be finite, got nan"),
    "cli-validation-fraction-negative": (["--validation-fraction", "-0.1"], r"validation_fraction must be >= 0.0"),
    "cli-validation-fraction-nan": (["--validation-fraction", "nan"], r"validation_fraction must be finite, got nan"),
    "cli-validation-fraction-zero-with-early-stopping": (
        ["--validation-fraction", "0", "--early-stopping", "5"],
        r"early stopping watches the validation loss",
    ),
    "cli-early-stopping-negative": (["--early-stopping", "-1"], r"early_stopping must be an integer >= 0, got -1"),
    "cli-checkpoint-every-negative": (
        ["--checkpoint-every", "-1"],
        r"checkpoint_every must be an integer >= 0, got -1",
    ),
    "cli-seed-negative": (["--seed", "-1"], r"seed must be an integer from 0 to 2\*\*32 - 1, got -1"),
    "cli-layers-zero": (["--layers", "0"], r"hidden-layer widths are positive whole numbers .*got '0'"),
    "cli-layers-text": (["--layers", "wide"], r"hidden-layer widths are positive whole numbers .*got 'wide'"),
    "cli-activation-unknown": (["--activation", "relux"], r"Unknown activation 'relux'; expected one of"),
    "cli-activation-softmax": (["--activation", "softmax"], r"softmax is an output function, not a hidden activation"),
    "cli-optimizer-unknown": (["--optimizer", "adamw"], r"Unknown optimizer 'adamw'; expected one of"),
    "cli-task-unknown": (["--task", "ranking"], r"argument --task: invalid choice: 'ranking'"),
    "cli-unknown-option": (["--momentum", "0.9"], r"unrecognized arguments: --momentum 0.9"),
}
for _id, (_argv, _match) in CLI_OPTIONS.items():
    FILES[_id] = Bad(None, ValueError, "", (lambda argv: lambda f: _train_cli(f, *argv))(_argv), _match)
FILES["cli-experiment-out-unwritable"] = Bad(
    None,
    OSError,
    "",
    lambda f: ["experiment", "rbf-1d", "--out", os.path.join(f.a_file, "sub")],
    r"a_file.txt/sub.*: Not a directory$",
)
FILES["cli-unknown-command"] = Bad(None, ValueError, "", lambda f: ["fit"], r"invalid choice: 'fit'")
FILES["cli-dataset-unknown"] = Bad(
    lambda f: _train(f, dataset="mnist", csv=None, target=None),
    ValueError,
    r"unknown data set 'mnist'; expected one of \[",
    lambda f: ["train", "--dataset", "mnist", "--out", f.out, *FAST],
)
FILES["cli-csv-without-target"] = Bad(
    lambda f: _train(f, target=None),
    ValueError,
    r"--csv needs --target COLUMN",
    lambda f: ["train", "--csv", f.csv, "--out", f.out, *FAST],
)


def _estimator_cases():
    """Rows for glassnet.MLPClassifier/MLPRegressor, in scikit-learn's conventions; skipped until merged."""
    try:
        from glassnet.estimators import MLPClassifier, MLPRegressor
    except ImportError:
        return [
            pytest.param(None, id="estimators", marks=pytest.mark.skip(reason="glassnet.estimators is not merged yet"))
        ]
    from sklearn.exceptions import NotFittedError

    def fitted():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a short fit does not converge
            return MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, Y)

    def param(name, value, expected):
        return Bad(
            lambda f: MLPClassifier(**{name: value}).fit(X, Y),
            (ValueError, TypeError),
            rf"{name}.* must be .*{expected}.*Got {re.escape(repr(value) if isinstance(value, str) else str(value))}",
        )

    rows = {
        "est-predict-unfitted": Bad(lambda f: MLPClassifier().predict(X), NotFittedError, r"not fitted yet"),
        "est-regressor-predict-unfitted": Bad(lambda f: MLPRegressor().predict(X), NotFittedError, r"not fitted yet"),
        "est-feature-count": Bad(
            lambda f: fitted().predict(np.zeros((2, 5))),
            ValueError,
            r"X has 5 features, but MLPClassifier is expecting 3 features as input",
        ),
        "est-partial-fit-unseen-labels": Bad(
            lambda f: MLPClassifier(hidden_layer_sizes=(4,)).partial_fit(X, Y, classes=[0, 1]).partial_fit(X, Y + 5),
            ValueError,
            r"classes not in `self.classes_`",
        ),
        "est-nan": Bad(lambda f: MLPClassifier().fit(_with(1, 1, np.nan), Y), ValueError, r"Input X contains NaN"),
        "est-inf": Bad(lambda f: MLPClassifier().fit(_with(1, 1, np.inf), Y), ValueError, r"Input X contains infinity"),
        "est-1e300": Bad(
            lambda f: MLPRegressor(max_iter=3).fit(_with(1, 1, 1e300), Y * 1.0),
            ValueError,
            r"too large.*1e\+300.*unscaled",
        ),
        "est-1e300-predict": Bad(
            lambda f: MLPRegressor(max_iter=3).fit(X, Y * 1.0).predict(_with(1, 1, 1e300)),
            ValueError,
            r"too large.*unscaled",
        ),
        "est-1e20-float32": Bad(
            lambda f: MLPClassifier(max_iter=3, dtype="float32").fit(_with(1, 1, 1e20), Y),
            ValueError,
            r"too large.*1e\+20.*float32",
        ),
        "est-empty": Bad(lambda f: MLPClassifier().fit(X[:0], Y[:0]), ValueError, r"0 sample\(s\)"),
        "est-lengths": Bad(
            lambda f: MLPClassifier().fit(X, Y[:5]), ValueError, r"inconsistent numbers of samples: \[20, 5\]"
        ),
        "est-strings": Bad(lambda f: MLPClassifier().fit([["a", "b", "c"]] * 20, Y), ValueError, r"convert|numeric"),
        "est-learning-rate-init-zero": param("learning_rate_init", 0, r"range \(0.0, inf\)"),
        "est-learning-rate-init-negative": param("learning_rate_init", -1, r"range \(0.0, inf\)"),
        "est-learning-rate-init-nan": param("learning_rate_init", float("nan"), r"range \(0.0, inf\)"),
        "est-learning-rate-init-str": param("learning_rate_init", "0.1", r"float"),
        "est-alpha-negative": param("alpha", -1, r"range \[0.0, inf\)"),
        "est-max-iter-zero": param("max_iter", 0, r"int in the range \[1, inf\)"),
        "est-max-iter-float": param("max_iter", 2.5, r"int in the range \[1, inf\)"),
        "est-batch-size-zero": param("batch_size", 0, r"\[1, inf\)"),
        "est-activation-unknown": param("activation", "relux", r"str among"),
        "est-solver-unknown": param("solver", "adamw", r"str among"),
    }
    return [pytest.param(case, id=name) for name, case in rows.items()]


def _params(table, need):
    return [pytest.param(case, id=name) for name, case in table.items() if getattr(case, need) is not None]


PYTHON_CASES = _params(CORE, "python") + _params(FILES, "python") + _estimator_cases()
CLI_CASES = _params(FILES, "cli")


def test_the_catalogue_holds_at_least_forty_distinct_bad_inputs():
    assert len(CORE) + len(FILES) >= 40
    assert len(PYTHON_CASES) >= 40 and len(CLI_CASES) >= 40


@pytest.mark.parametrize("case", PYTHON_CASES)
def test_python_api_raises_an_error_naming_the_problem(case, f):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(case.error, match=case.match):
            case.python(f)
    if case.quiet:
        assert not [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("case", CLI_CASES)
def test_command_line_prints_one_error_line_and_fails(case, f, capsys):
    try:
        code = main(case.cli(f))
    except SystemExit as exc:  # argparse's errors exit from parse_args
        code = exc.code
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code not in (0, None)
    assert len(lines) == 1, err
    assert lines[0].startswith("glassnet: error: ")
    assert re.search(case.cli_match or case.match, lines[0]), lines[0]
    assert "Traceback" not in err


def test_a_pickle_is_never_unpickled(f):
    with pytest.raises(container.ModelFileError):
        glassnet.load(f.pickle)
    assert main(["info", f.pickle]) == 2
    assert not os.path.exists(f.pickle_target)


def test_failed_training_leaves_no_output_folder_behind(f, capsys):
    out = str(f.dir / "never_made")
    assert main(_train_cli(f, csv=f.one_class, out=out)) == 2
    assert not os.path.exists(out)


# ------------------------------------------------------------------------------------------ 1e300 and divergence
def test_huge_finite_inputs_are_refused_as_unscaled_before_any_arithmetic():
    # 1e300 is finite, but X @ W, X.T @ dY and squared errors of it overflow: fit refuses it up
    # front (with the dtype's limit), rather than training on infinities.
    net = _net()
    before = net.get_weights()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"unscaled"):
            _fit(X=_with(0, 0, 1e300), net=net)
    assert np.array_equal(net.get_weights(), before)
    limit = glassnet.nn.checks.max_abs_input(np.float64)
    _fit(X=_with(0, 0, limit / 2))  # just inside the limit is accepted


def _diverging_regression():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 4)) * 10
    y = X @ rng.normal(size=(4, 1)) * 100
    net = glassnet.Sequential([layers.Dense(4, 8), layers.Tanh(), layers.Dense(8, 1)], random_state=0)
    return net, X, y


def test_divergence_is_caught_at_the_first_non_finite_loss_without_warnings():
    net, X, y = _diverging_regression()
    seen = [net.get_weights()]  # the initial weights, then each finished epoch's
    cb = glassnet.training.callbacks.LambdaCallback(on_epoch_end=lambda loop: seen.append(loop.net.get_weights()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings on the way
        with pytest.raises(
            DivergenceError,
            match=r"(loss became (inf|nan)|training loss ran away \(from [\d.e+]+ at the start to [\d.e+]+ over the "
            r"epoch\)) at epoch \d+, batch \d+: the learning rate \(1000\) is probably too high",
        ):
            fit(
                net,
                losses.MeanSquaredError(),
                optimizers.SGD(1e3),
                X,
                y,
                epochs=50,
                batch_size=16,
                callbacks=[cb],
                random_state=0,
            )
    assert np.isfinite(net.get_weights()).all()
    assert np.array_equal(net.get_weights(), seen[-1])  # the last finite epoch's weights


def test_cli_reports_divergence_in_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "train",
            "--dataset",
            "diabetes",
            "--optimizer",
            "sgd",
            "--learning-rate",
            "1e3",
            "--epochs",
            "3",
            "--layers",
            "8",
            "--quiet",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert re.match(
        r"glassnet: error: training diverged: the training loss became (inf|nan) at epoch 1, batch \d+: "
        r"the learning rate \(1000\) is probably too high.*try a smaller --learning-rate",
        err[0],
    )
    assert not out.exists()


def test_cli_divergence_keeps_earlier_checkpoints_complete(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    # lr 0.3 diverges some epochs in, after the first checkpoints were written
    code = main(
        [
            "train",
            "--dataset",
            "diabetes",
            "--optimizer",
            "sgd",
            "--learning-rate",
            "0.3",
            "--epochs",
            "40",
            "--layers",
            "8",
            "--quiet",
            "--early-stopping",
            "0",
            "--checkpoint-every",
            "1",
            "--out",
            str(out),
            "--overwrite",  # a folder of the user's own files
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "training diverged" in err[0]
    names = set(os.listdir(out))
    assert "model.glassnet" not in names and "report.html" not in names and "metrics.json" not in names
    assert not [n for n in names if n.endswith(".tmp")]
    assert (out / "notes.txt").read_text() == "mine"
    kind, meta, arrays = container.read_file(out / "checkpoint.glassnet")
    assert kind == "checkpoint" and meta["epochs_done"] >= 1 and np.isfinite(arrays["model.net.weights"]).all()


def test_app_trainer_raises_divergence_error(tmp_path):
    config = TrainConfig(dataset="diabetes", optimizer="sgd", learning_rate=1e3, epochs=3, layers=(8,))
    run = Run(config, str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match=r"learning rate \(1000\) is probably too high"):
            run.train()
    assert np.isfinite(run.model.net.get_weights()).all()
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------------------------------ in a real process
def _glassnet(*argv, cwd):
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [os.path.join(os.path.dirname(__file__), "..", "src"), os.environ.get("PYTHONPATH", "")]
        ),
    )
    return subprocess.run(
        [sys.executable, "-m", "glassnet.cli", *argv], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def test_a_real_process_prints_one_line_and_debug_shows_the_traceback(f):
    plain = _glassnet("info", f.truncated, cwd=f.dir)
    assert plain.returncode == 2 and plain.stdout == ""
    assert plain.stderr.strip().splitlines() == [
        f"glassnet: error: {f.truncated}: the glassnet file is truncated "
        "(its end is missing); it was probably cut short while being copied "
        "or written."
    ]
    bad_option = _glassnet("train", "--epochs", "many", cwd=f.dir)
    assert bad_option.returncode == 2 and len(bad_option.stderr.strip().splitlines()) == 1
    debug = _glassnet("--debug", "info", f.truncated, cwd=f.dir)
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr and "ModelFileError" in debug.stderr


# ------------------------------------------------------------------------------------------ divergence
@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"])
def test_a_step_that_breaks_the_weights_on_the_last_batch_is_divergence(name):
    """The loss is measured before each step: a run whose very last step overflows used to return
    normally with NaN or infinite weights, and keep them as the 'last good' ones."""
    net = _net()
    before = net.get_weights()
    with pytest.raises(DivergenceError, match=r"the weights became NaN, infinite or too large for the arithmetic after "
                       r"the step at epoch 1, batch 1"):
        _fit(net=net, optimizer=name, lr=1e308, epochs=1)  # one full-batch step
    assert np.array_equal(net.get_weights(), before)


def test_a_runaway_but_finite_loss_is_divergence(tmp_path, capsys):
    """Adam at a learning rate of 10 on a regression: losses of 1e120, weights of 1e31, all finite,
    and the run was saved as a success."""
    out = tmp_path / "run"
    code = main(["train", "--dataset", "diabetes", "--learning-rate", "10", "--epochs", "30", "--layers", "32",
                 "--early-stopping", "0", "--quiet", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert re.match(r"glassnet: error: training diverged: the training loss ran away \(from [\d.]+ at the start to "
                    r"[\d.e+]+ over the epoch\) at epoch \d+", err[0]), err[0]
    assert not out.exists()


def test_the_cli_reports_a_broken_last_step_as_divergence_not_as_nan_input(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--dataset", "diabetes", "--optimizer", "sgd", "--learning-rate", "1e308", "--epochs", "1",
                 "--batch-size", "1000", "--quiet", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "training diverged" in err[0] and "Input contains NaN" not in err[0]
    assert not out.exists()  # the folder this run created is removed again


def test_memory_error_is_one_line_saying_what_was_asked(monkeypatch, capsys):
    from glassnet import tabular

    def too_big(*args, **kwargs):
        raise MemoryError("Unable to allocate 745. GiB for an array with shape (100000000, 1000) and data type float64")

    monkeypatch.setattr(tabular.run.Run, "__init__", too_big)
    code = main(["train", "--dataset", "iris", "--layers", "100000000", "--quiet", "--out", "/nonexistent/never"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith("glassnet: error: out of memory: Unable to allocate 745. GiB for an array with shape")
