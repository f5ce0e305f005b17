"""``glassnet train``: train a network on a bundled data set or a CSV file and write a report.

Writes to ``--out DIR``: ``model.glassnet``, ``metrics.json``, the figures as PNG and ``report.html``.
Ctrl-C stops after the current batch, keeps the best weights so far and still writes everything.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

from .. import io

MODEL_NAME = "model.glassnet"


def _layers(text):
    try:
        widths = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        widths = ()
    if not widths or min(widths) < 1:
        raise ValueError(f"--layers takes positive hidden-layer widths separated by commas, like 64,32; got {text!r}.")
    return widths


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train", help="train a network and write model, metrics and an HTML report",
        description="Train a network on a bundled data set (--dataset) or a CSV file (--csv/--target); "
                    "write model.glassnet, metrics.json, figures and report.html to --out.")
    data = p.add_argument_group("data")
    data.add_argument("--dataset", default="digits", metavar="NAME",
                      help="bundled set: digits (default), iris, wine, breast-cancer, diabetes, circles, "
                           "moons, three-clouds")
    data.add_argument("--csv", metavar="PATH", help="train on this CSV file (header line; numeric and categorical columns)")
    data.add_argument("--target", metavar="COLUMN", help="the CSV column to predict")
    data.add_argument("--task", default="auto", choices=["auto", "classification", "regression"],
                      help="default: chosen from the target (text or a few whole numbers: classification)")
    data.add_argument("--validation-fraction", type=float, default=0.2, metavar="F",
                      help="share of rows held out for validation (default 0.2)")
    data.add_argument("--test-fraction", type=float, default=0.0, metavar="F",
                      help="share of rows held out as a test set, never used in training or early stopping "
                           "(default 0)")
    net = p.add_argument_group("network and training")
    net.add_argument("--layers", type=str, default="64", metavar="W1,W2", help="hidden layer widths (default 64)")
    net.add_argument("--activation", default="relu", help="hidden activation: relu, tanh, logistic, leaky_relu, gelu, ...")
    net.add_argument("--optimizer", default="adam", help="adam (default), sgd, momentum, nesterov, rmsprop, adagrad")
    net.add_argument("--learning-rate", "--lr", dest="learning_rate", type=float, default=0.001, metavar="LR")
    net.add_argument("--epochs", type=int, default=60)
    net.add_argument("--batch-size", type=int, default=32)
    net.add_argument("--l2", type=float, default=1e-4, help="L2 penalty on the weights (default 1e-4)")
    net.add_argument("--dropout", type=float, default=0.0, help="dropout rate after each hidden layer")
    net.add_argument("--early-stopping", type=int, default=10, metavar="PATIENCE",
                     help="stop when the validation loss has not improved for this many epochs (0: off)")
    net.add_argument("--seed", type=int, default=0)
    net.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    out = p.add_argument_group("output")
    out.add_argument("--out", metavar="DIR", help="output folder (default out/<data set name>)")
    out.add_argument("--checkpoint-every", type=int, default=0, metavar="N",
                     help="save the full training state to DIR/checkpoint.glassnet every N epochs")
    out.add_argument("--resume", metavar="DIR",
                     help="continue the run whose checkpoint is in DIR (other options are ignored)")
    out.add_argument("--quiet", action="store_true", help="no progress bar and no messages")
    p.set_defaults(run=run)


def _config(args):
    from ..app.trainer import TrainConfig

    return TrainConfig(
        dataset=None if args.csv else args.dataset, csv=os.path.abspath(args.csv) if args.csv else None,
        target=args.target, task=args.task, layers=_layers(args.layers),
        activation=args.activation, optimizer=args.optimizer, learning_rate=args.learning_rate, epochs=args.epochs,
        batch_size=args.batch_size, l2=args.l2, dropout=args.dropout, early_stopping=args.early_stopping,
        validation_fraction=args.validation_fraction, test_fraction=args.test_fraction, seed=args.seed, dtype=args.dtype,
        checkpoint_every=args.checkpoint_every,
    )


@contextlib.contextmanager
def sigint_requests(flag):
    """While active, the first Ctrl-C calls ``flag.request()``; a second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if flag.requested:
            raise KeyboardInterrupt
        flag.request()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def write_outputs(run, out):
    """Model, metrics.json, figures and report.html for a finished (or interrupted) run."""
    import numpy as np

    from ..report import write_report

    model = run.model
    model_path = os.path.join(out, MODEL_NAME)
    io.save(model, model_path)
    io.write_json(os.path.join(out, "metrics.json"),
                  {**run.results, "data": model.info["data"], "config": model.info["config"]})
    if run.X_test is not None:
        X_eval, y_eval, name = run.X_test, run.y_test, "test"
    elif run.X_val is not None:
        X_eval, y_eval, name = run.X_val, run.y_val, "validation"
    else:
        X_eval, y_eval, name = run.X_train, run.y_train, "training"
    y_all = None
    if run.task == "classification":
        y_all = np.empty(run.dataset.table.n_rows, dtype=np.int64)
        y_all[run.train_rows] = run.y_train
        if len(run.val_rows):
            y_all[run.val_rows] = run.y_val
        if len(run.test_rows):
            y_all[run.test_rows] = run.y_test
    write_report(out, model, X_eval, y_eval, name, run.dataset.table, y_all)
    return model_path


def prepare_out(out):
    """Create ``out`` if needed and make sure files can be written in it, before any training.

    Returns True when this call created the folder (so a failed run can remove it again).
    """
    import tempfile

    if os.path.exists(out) and not os.path.isdir(out):
        raise NotADirectoryError(f"--out {out} is a file, not a folder; give a folder for the outputs.")
    created = not os.path.exists(out)
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise type(exc)(f"cannot write to the output folder {out}: {exc.strerror or exc}.") from None
    return created


def _remove_if_empty(out):
    with contextlib.suppress(OSError):
        os.rmdir(out)  # only succeeds on an empty folder


def run(args) -> int:
    from ..app.model import SPLITS
    from ..app.trainer import Run
    from ..training import DivergenceError

    say = (lambda *a, **k: None) if args.quiet else (lambda *a, **k: print(*a, **k))
    created = False
    if args.resume:
        out = args.resume
        job = Run.resume(out)
        say(f"resuming {job.dataset.name} from epoch {job.start_epoch} of {job.config.epochs} ({out})")
    else:
        config = _config(args)
        config.check()
        name = os.path.splitext(os.path.basename(config.csv))[0] if config.csv else config.dataset
        out = args.out or os.path.join("out", name)
        created = prepare_out(out)
        try:
            job = Run(config, out)
        except BaseException:
            if created:
                _remove_if_empty(out)
            raise
        c = job.config
        say(f"training {job.task} of {job.dataset.target!r} on {job.dataset.name}: "
            f"{len(job.train_rows)} training, {len(job.val_rows)} validation and {len(job.test_rows)} test rows, "
            f"{len(job.model.preprocessor.output_names)} inputs, hidden layers {list(c.layers)}, "
            f"{c.optimizer} lr={c.learning_rate:g}, up to {c.epochs} epochs")
    try:
        with sigint_requests(job.interrupt):
            job.train(progress=not args.quiet)
    except DivergenceError as exc:
        # Nothing of this run is written: the model, metrics and report would describe a broken
        # network. Checkpoints written before the divergence stay, each a complete earlier state.
        if created:
            _remove_if_empty(out)
        where = str(exc).split("; the weights")[0]  # the core says where, and the likely cause
        raise DivergenceError(f"training diverged: {where}; try a smaller --learning-rate. "
                              f"No model, metrics or report was written to {out}.") from None
    model_path = write_outputs(job, out)
    res = job.results
    key = "accuracy" if job.task == "classification" else "r2"
    scores = ", ".join(f"{part} {key} {res[part][key]:.4f}" for part in SPLITS if part in res)
    files = f"{model_path}, metrics.json, report.html"
    if job.interrupted:  # said even with --quiet: the run did not do what was asked
        print(f"glassnet: training {job.interrupted}; kept the best weights so far (epoch {res['best_epoch']}) "
              f"and wrote {files} in {out}", file=sys.stderr)
        return 130
    say(f"{res['epochs_run']} epochs in {res['training_time_s']:.1f} s ({res['stop_reason']}); {scores}")
    say(f"wrote {files} (in {out})")
    return 0
