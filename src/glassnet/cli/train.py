"""``glassnet train``: train a network on a bundled data set or a CSV file and write a report.

Writes to ``--out DIR``: ``model.glassnet``, ``metrics.json``, the figures as PNG and ``report.html``.
Ctrl-C stops after the current batch, keeps the best weights so far and still writes everything.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import sys
import threading


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train", help="train a network and write model, metrics and an HTML report",
        description="Train a network on a bundled data set (--dataset) or a CSV file (--csv/--target); "
                    "write model.glassnet, metrics.json, figures and report.html to --out.")
    data = p.add_argument_group("data")
    data.add_argument("--dataset", metavar="NAME",
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
    net.add_argument("--layers", type=str, default="64", metavar="ITEMS",
                     help="hidden layers: widths like 64,32, or convolutional items on digits/mnist1d like "
                          "conv16k3p1,maxpool2,64 (conv<channels>k<kernel>[s<stride>][p<padding>], maxpool<k>, "
                          "avgpool<k>, gap, bn, flatten; see docs/command-line.md) (default 64)")
    net.add_argument("--activation", default="relu", help="hidden activation: relu, tanh, logistic, leaky_relu, gelu, ...")
    net.add_argument("--optimizer", default="adam", help="adam (default), sgd, momentum, nesterov, rmsprop, adagrad")
    net.add_argument("--learning-rate", "--lr", dest="learning_rate", type=float, default=0.001, metavar="LR")
    net.add_argument("--epochs", type=int, default=None,
                     help="most epochs to train (default 1000; early stopping usually ends a run well before)")
    net.add_argument("--batch-size", type=int, default=32)
    net.add_argument("--l2", type=float, default=1e-4, help="L2 penalty on the weights (default 1e-4)")
    net.add_argument("--dropout", type=float, default=0.0, help="dropout rate after each hidden layer")
    net.add_argument("--early-stopping", type=int, default=20, metavar="PATIENCE",
                     help="stop when the validation loss has not improved for this many epochs and keep the "
                          "best epoch's weights (default 20; 0: off)")
    net.add_argument("--seed", type=int, default=0)
    net.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    out = p.add_argument_group("output")
    out.add_argument("--out", metavar="DIR", help="output folder (default out/<data set name>)")
    out.add_argument("--checkpoint-every", type=int, default=0, metavar="N",
                     help="save the full training state to checkpoint.glassnet in the output folder every N epochs")
    out.add_argument("--resume", metavar="DIR",
                     help="continue the run whose checkpoint is in DIR; --epochs N extends it to N epochs in "
                          "all (its other settings are those it was started with)")
    out.add_argument("--overwrite", action="store_true",
                     help="write into --out even if it holds files glassnet did not write")
    out.add_argument("--quiet", action="store_true", help="no progress bar and no messages")
    p.set_defaults(run=run)


# What `--resume` may be given besides the folder: the run's other settings are fixed when it starts.
RESUME_OPTIONS = ("resume", "epochs", "quiet", "debug", "run", "command")


def _config(args):
    from ..tabular.config import TrainConfig, parse_layers

    if args.csv and args.dataset:
        raise ValueError(f"give either --dataset {args.dataset} or --csv {args.csv}, not both.")
    return TrainConfig(
        dataset=None if args.csv else (args.dataset or "digits"), csv=os.path.abspath(args.csv) if args.csv else None,
        target=args.target, task=args.task, layers=parse_layers(args.layers),
        activation=args.activation, optimizer=args.optimizer, learning_rate=args.learning_rate,
        epochs=TrainConfig.epochs if args.epochs is None else args.epochs,
        batch_size=args.batch_size, l2=args.l2, dropout=args.dropout, early_stopping=args.early_stopping,
        validation_fraction=args.validation_fraction, test_fraction=args.test_fraction, seed=args.seed, dtype=args.dtype,
        checkpoint_every=args.checkpoint_every,
    )


# What stops a run as Ctrl-C does: docker stop, Kubernetes, Slurm and systemd send SIGTERM; a closed
# terminal or ssh session SIGHUP.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def sigint_requests(flag):
    """While active, the first Ctrl-C, SIGTERM or SIGHUP calls ``flag.request(name)``; a second one
    interrupts at once. A signal the process was started ignoring stays ignored: ``nohup glassnet
    train`` keeps running when its terminal closes, as a background job ignores Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if flag.requested:
            raise KeyboardInterrupt
        flag.request(signal.Signals(signum).name)

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS
                if signal.getsignal(signum) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _remove_own_folder(out):
    """Remove a folder this run created, if nothing but the run's marker is in it."""
    from ..tabular.outputs import MARKER_NAME, remove_if_empty

    if os.listdir(out) == [MARKER_NAME]:
        os.remove(os.path.join(out, MARKER_NAME))
    remove_if_empty(out)


def _defaults():
    import argparse

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return vars(parser.parse_args(["train"]))


def _refuse_settings_on_resume(args):
    defaults = _defaults()
    given = [name for name, value in vars(args).items()
             if name not in RESUME_OPTIONS and name in defaults and value != defaults[name]]
    if given:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        raise ValueError(f"--resume continues a run with the settings it was started with; {options} cannot "
                         "change them (only --epochs can, to train longer). Start a new run with --out to "
                         "train with other settings.")


def run(args) -> int:
    from ..tabular import Run
    from ..tabular.model import SPLITS
    from ..tabular.outputs import prepare_out, remove_if_empty, start_run, write_outputs
    from ..training import DivergenceError

    # flushed, so that in a log the lines come in order with the progress lines on stderr
    say = (lambda *a, **k: None) if args.quiet else (lambda *a, **k: print(*a, **k, flush=True))
    created = False
    if args.resume:
        out = args.resume
        _refuse_settings_on_resume(args)
        job = Run.resume(out)
        if args.epochs is not None:
            job.extend(args.epochs)
        say(f"resuming {job.dataset.name} from epoch {job.epochs_done} of {job.config.epochs} ({out})")
    else:
        config = _config(args)
        name = os.path.splitext(os.path.basename(config.csv))[0] if config.csv else config.dataset
        out = args.out or os.path.join("out", name)
        created = prepare_out(out, overwrite=args.overwrite)
        try:
            job = Run(config, out)
            start_run(out, job.run_id)
        except BaseException:
            if created:
                remove_if_empty(out)
            raise
        c = job.config
        say(f"training {job.task} of {job.dataset.target!r} on {job.dataset.name}: "
            f"{len(job.rows['train'])} training, {len(job.rows['validation'])} validation and "
            f"{len(job.rows['test'])} test rows, {job.X['train'].shape[1]} inputs, hidden layers {list(c.layers)}, "
            f"{c.optimizer} lr={c.learning_rate:g}, up to {c.epochs} epochs")
    job.command = "glassnet " + shlex.join(getattr(args, "argv", None) or sys.argv[1:])
    try:
        with sigint_requests(job.interrupt):
            job.train(progress=not args.quiet)
    except DivergenceError as exc:
        # Nothing of this run is written: the model, metrics and report would describe a broken
        # network. Checkpoints written before the divergence stay, each a complete earlier state.
        if created:
            _remove_own_folder(out)
        raise ValueError(f"training diverged: {exc}; try a smaller --learning-rate. No model, metrics or report "
                         f"was written to {out}.") from None
    except BaseException:
        if created:
            _remove_own_folder(out)
        raise
    try:
        model_path = write_outputs(job, out)
    except OSError as exc:  # a full disk, say: name the file, and say what is kept
        checkpoint = os.path.join(out, "checkpoint.glassnet")
        kept = (f"the last checkpoint, {checkpoint}, is kept: free some space and continue it with "
                f"`glassnet train --resume {out}`" if os.path.isfile(checkpoint)
                else "no checkpoint was written (--checkpoint-every N writes one)")
        where = f"{exc.filename}: " if exc.filename else ""
        raise type(exc)(f"training finished but its results could not be written ({where}"
                        f"{exc.strerror or exc}); {kept}.") from None
    res = job.results
    key = "accuracy" if job.task == "classification" else "r2"
    scores = ", ".join(f"{part} {key} {res[part][key]:.4f}" for part in SPLITS if part in res)
    files = f"{model_path}, metrics.json, report.html"
    if job.interrupted:  # said even with --quiet: the run did not do what was asked
        print(f"glassnet: training {job.interrupted}; kept the best weights so far (epoch {res['best_epoch']}) "
              f"and wrote {files} in {out}", file=sys.stderr)
        return 128 + getattr(signal, job.interrupt.signal, signal.SIGINT)
    kept = "" if res["best_epoch"] == res["epochs_run"] else f", kept the weights of epoch {res['best_epoch']}"
    say(f"{res['epochs_run']} epochs in {res['training_time_s']:.1f} s ({res['stop_reason']}{kept}); {scores}")
    if res.get("still_improving"):
        more = f"--resume {out} --epochs {2 * res['epochs_run']}" if job.config.checkpoint_every else \
            f"--epochs {2 * res['epochs_run']}"
        say(f"note: the validation loss was still improving in the last epochs; more epochs may help ({more})")
    say(f"wrote {files} (in {out})")
    return 0
