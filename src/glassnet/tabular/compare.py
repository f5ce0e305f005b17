"""One page comparing ``glassnet train`` runs: their curves overlaid, their settings side by side
(differences highlighted) and their final metrics.

A run is an output folder of ``glassnet train``: its ``metrics.json`` (results, settings, data) and its
per-epoch ``history.csv``.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import os

from .. import plotting
from ..serialize.container import read_file
from .model import SPLITS, TabularModel
from .report import CSS, _fmt


class RunRecord:
    """What a finished run left in its folder: ``name``, ``metrics`` (metrics.json) and ``history``."""

    def __init__(self, folder, name):
        self.folder, self.name = folder, name
        path = os.path.join(folder, "metrics.json")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{folder} is not the output folder of a `glassnet train` run: it has no "
                                    "metrics.json.")
        with open(path, encoding="utf-8") as fh:
            try:
                self.metrics = json.load(fh)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path} is not valid JSON ({exc.msg}, line {exc.lineno}).") from None
        self.history = _read_history(folder)

    @property
    def config(self):
        return self.metrics.get("config", {})

    @property
    def task(self):
        return self.metrics.get("task")


def _read_history(folder):
    """``{name: [value per epoch]}`` from ``history.csv``, else from the model file's record."""
    path = os.path.join(folder, "history.csv")
    if os.path.isfile(path):
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        names = [n for n in (rows[0] if rows else {}) if n != "epoch"]
        return {n: [float(row[n]) for row in rows] for n in names}
    model_path = os.path.join(folder, "model.glassnet")  # runs written before history.csv existed
    if not os.path.isfile(model_path):
        return {}
    _, meta, _ = read_file(model_path, expect_kind=TabularModel.KIND)
    return meta.get("info", {}).get("history", {})


def load_runs(folders):
    """A :class:`RunRecord` per folder, named by the folder's last part (its path where two share one)."""
    if len(folders) < 2:
        raise ValueError(f"compare needs at least two run folders, got {len(folders)}.")
    names = [os.path.basename(os.path.normpath(f)) for f in folders]
    names = [n if names.count(n) == 1 else os.path.normpath(f) for n, f in zip(names, folders)]
    runs = [RunRecord(f, n) for f, n in zip(folders, names)]
    tasks = {r.task for r in runs}
    if len(tasks) > 1:
        raise ValueError(f"the runs mix classification and regression ({', '.join(f'{r.name}: {r.task}' for r in runs)}); "
                         "compare runs of one task.")
    return runs


def settings_rows(runs):
    """``[(option, [value per run], differs)]`` over every setting any run has."""
    keys = list(dict.fromkeys(k for r in runs for k in r.config))
    rows = []
    for key in keys:
        values = [r.config.get(key) for r in runs]
        rows.append((key, values, any(v != values[0] for v in values)))
    return rows


def metric_rows(runs):
    """``[(label, [value per run])]``: the score and loss of each split, epochs, best epoch and time."""
    key, label = ("accuracy", "accuracy") if runs[0].task == "classification" else ("r2", "R²")
    loss = "log_loss" if runs[0].task == "classification" else "rmse"
    rows = []
    for part in SPLITS:
        for k, name in ((key, label), (loss, loss.replace("_", " "))):
            values = [r.metrics.get(part, {}).get(k) for r in runs]
            if any(v is not None for v in values):
                rows.append((f"{part} {name}", values))
    for k, name in (("epochs_run", "epochs run"), ("best_epoch", "epoch kept"), ("training_time_s", "training time (s)"),
                    ("stop_reason", "stopped")):
        rows.append((name, [r.metrics.get(k) for r in runs]))
    return rows


def figures(runs):
    """``[(title, png)]``: validation (else training) loss and score per epoch, one line per run."""
    out = []
    score = "accuracy" if runs[0].task == "classification" else "R²"
    for key, title in (("loss", "Loss per epoch"), ("score", f"{score[0].upper()}{score[1:]} per epoch")):
        curves = {}
        for r in runs:
            values = r.history.get(f"val_{key}") or r.history.get(key)
            if values:
                curves[r.name] = values
        if curves:
            which = "validation" if all(r.history.get(f"val_{key}") for r in runs) else "validation or training"
            fig = plotting.loss_curves(curves, ylabel=f"{which} {'loss' if key == 'loss' else score}", start=1)
            out.append((f"{title} ({which})", plotting.to_png(fig, dpi=200)))
    return out


def render(runs) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(r.name)}</th>" for r in runs)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>glassnet: {len(runs)} runs compared</title>",
        f"<style>{CSS}.diff td{{background:#fff4d6}}.diff th{{background:#f3dd9b}}</style></head><body><main>",
        f"<h1>{len(runs)} runs compared</h1>",
        '<p class="sub">' + ", ".join(f"<b>{esc(r.name)}</b> ({esc(r.folder)})" for r in runs) +
        ". Settings that differ between the runs are highlighted.</p>",
        '<h2>Curves</h2><div class="grid">',
    ]
    for title, png in figures(runs):
        b64 = base64.b64encode(png).decode("ascii")
        parts.append(f'<figure><img src="data:image/png;base64,{b64}" alt="{esc(title)}">'
                     f"<figcaption><b>{esc(title)}.</b> One line per run.</figcaption></figure>")
    parts.append("</div>")

    def table(rows, marked=False):
        lines = [f'<div class="wide"><table><tr><th></th>{head}</tr>']
        for row in rows:
            name, values = row[0], row[1]
            cls = ' class="diff"' if marked and row[2] else ""
            cells = "".join(f"<td>{esc(_fmt(v))}</td>" for v in values)
            lines.append(f"<tr{cls}><th>{esc(name)}</th>{cells}</tr>")
        lines.append("</table></div>")
        return "\n".join(lines)

    parts.append("<h2>Final metrics</h2>" + table(metric_rows(runs)))
    parts.append("<h2>Settings</h2>" + table(settings_rows(runs), marked=True))
    parts.append("</main></body></html>")
    return "\n".join(parts)
