"""What a finished (or interrupted) run leaves in its folder: model, metrics, figures and report."""

from __future__ import annotations

import contextlib
import os
import tempfile

import numpy as np

from ..serialize.atomic import atomic_write, write_json
from ..serialize.container import write_file
from .report import write_report

MODEL_NAME = "model.glassnet"


def prepare_out(out) -> bool:
    """Create ``out`` if needed and make sure files can be written in it, before any training.

    Returns True when this call created the folder (so a failed run can remove it again).
    """
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


def remove_if_empty(out) -> None:
    with contextlib.suppress(OSError):
        os.rmdir(out)  # only succeeds on an empty folder


def history_csv(history) -> str:
    """One row per epoch (from 1) and one column per number the loop logged, exactly as logged."""
    names = list(history)
    lines = [",".join(["epoch", *names])]
    for epoch, values in enumerate(zip(*(history[n] for n in names)), start=1):
        lines.append(",".join([str(epoch), *(repr(float(v)) for v in values)]))
    return "\n".join(lines) + "\n"


def write_outputs(run, out) -> str:
    """``model.glassnet``, ``metrics.json``, the figures and ``report.html``; returns the model's path."""
    model = run.model
    model_path = os.path.join(out, MODEL_NAME)
    write_file(model_path, model.KIND, *model.to_state())
    write_json(os.path.join(out, "metrics.json"),
               {**run.results, "data": model.info["data"], "config": model.info["config"]})
    atomic_write(os.path.join(out, "history.csv"), history_csv(run.history.history))
    # The figures about predictions use rows the model did not train on, where there are any.
    name = next(part for part in ("test", "validation", "train") if part in run.X)
    y_all = None
    if run.task == "classification":
        y_all = np.empty(len(run.dataset.frame), dtype=np.int64)
        for part, rows in run.rows.items():
            if len(rows):
                y_all[rows] = run.y[part]
    shown = "training" if name == "train" else name
    write_report(out, model, run.X[name], run.y[name], shown, run.dataset.frame, y_all)
    return model_path
