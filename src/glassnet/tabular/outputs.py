"""What a finished (or interrupted) run leaves in its folder: model, metrics, figures and report."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time

import numpy as np

from ..serialize.atomic import atomic_write, write_json
from ..serialize.container import write_file
from .checkpoint import CHECKPOINT_NAME
from .report import write_report

MODEL_NAME = "model.glassnet"
# What marks a folder as glassnet's: the run that last wrote there, and the files it wrote.
MARKER_NAME = ".glassnet-run"


def prepare_out(out, overwrite=False) -> bool:
    """Create ``out`` if needed and make sure files can be written in it, before any training.

    A folder that holds files glassnet did not write (no marker of an earlier run) is refused unless
    ``overwrite``: a run writes model.glassnet, metrics.json, report.html and figures, and must not
    replace a user's files of those names. Returns True when this call created the folder (so a
    failed run can remove it again).
    """
    if os.path.exists(out) and not os.path.isdir(out):
        raise NotADirectoryError(f"--out {out} is a file, not a folder; give a folder for the outputs.")
    created = not os.path.exists(out)
    if not created and not overwrite:
        entries = sorted(os.listdir(out))
        if entries and MARKER_NAME not in entries:
            shown = ", ".join(entries[:3]) + (f" and {len(entries) - 3} more" if len(entries) > 3 else "")
            raise FileExistsError(f"--out {out} already holds files glassnet did not write ({shown}); give a new "
                                  "or empty folder, or pass --overwrite to write there anyway.")
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise type(exc)(f"cannot write to the output folder {out}: {exc.strerror or exc}.") from None
    return created


def _marker(out) -> dict:
    try:
        with open(os.path.join(out, MARKER_NAME), encoding="utf-8") as fh:
            marker = json.load(fh)
    except (OSError, ValueError):
        return {}
    return marker if isinstance(marker, dict) else {}


def _own_name(name) -> bool:
    """A plain file name in the folder (a damaged marker must not name files elsewhere)."""
    return isinstance(name, str) and name not in ("", ".", "..") and os.path.basename(name) == name


def start_run(out, run_id) -> None:
    """Claim ``out`` for a new run: the checkpoint, metrics, report and figures of an earlier run there
    are removed (they describe another run, and ``--resume`` would continue the old one); its model
    stays until this run replaces it."""
    stale = [n for n in _marker(out).get("outputs", []) if _own_name(n) and n != MODEL_NAME]
    for name in [CHECKPOINT_NAME, *stale]:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            os.remove(os.path.join(out, name))
    kept = [MODEL_NAME] if os.path.isfile(os.path.join(out, MODEL_NAME)) else []
    write_json(os.path.join(out, MARKER_NAME), {"run_id": run_id, "outputs": kept})


def run_id_of(out):
    """The id of the run that last claimed ``out``, or None."""
    return _marker(out).get("run_id")


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
    started = time.time()
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
    figures = [e for e in os.listdir(out) if e.endswith(".png") and os.path.getmtime(os.path.join(out, e)) >= started - 1]
    write_json(os.path.join(out, MARKER_NAME), {"run_id": run.run_id, "outputs": [
        MODEL_NAME, "metrics.json", "report.html", *sorted(figures)]})
    return model_path
