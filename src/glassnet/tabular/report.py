"""A self-contained HTML report of a training run: figures embedded as base64 PNG, no network needed.

:func:`write_report` writes ``report.html`` and each figure as a PNG beside it, all atomically.
"""

from __future__ import annotations

import base64
import html
import os

import numpy as np

from .. import plotting
from ..serialize.atomic import atomic_write
from .data import frame_from_columns
from .model import SPLITS


# Figures are rendered at twice the usual resolution, so they stay sharp on high-density screens.
DPI = 200
WEIGHT_IMAGES = 64


def png(fig):
    return plotting.to_png(fig, dpi=DPI)


def layer_rows(net):
    """``[(layer, output shape, parameters)]`` of a network, in order."""
    rows, shape = [], net.input_shape
    for layer in net.layers:
        shape = layer.output_shape(shape)
        n = sum(int(p.size) for p in getattr(layer, "params", {}).values())
        rows.append((type(layer).__name__, "—" if shape is None else " × ".join(map(str, shape)), n))
    return rows


def build_figures(model, X_eval, y_eval, eval_name, frame=None, y_all=None):
    """Figures for ``model``: ``[(file stem, title, png bytes, caption)]``.

    Parameters
    ----------
    X_eval, y_eval : preprocessed inputs and encoded targets the evaluation figures use
    eval_name : str, e.g. "validation"
    frame, y_all : the raw features and encoded targets of the whole data set (decision regions)
    """
    info = model.info
    hist = info.get("history", {})
    kept = (info.get("metrics") or {}).get("best_epoch")

    def curves(key, label):
        shown = {name: hist[k] for name, k in (("train", key), ("validation", f"val_{key}")) if hist.get(k)}
        fig = plotting.loss_curves(shown, ylabel=label, start=1)
        if kept:
            ax = fig.axes[0]
            ax.axvline(kept, color="#5b6472", linestyle="--", linewidth=1, label=f"weights kept (epoch {kept})")
            ax.legend()
        return png(fig)

    figs = []
    if hist.get("loss"):
        figs.append(("loss", "Loss per epoch", curves("loss", "loss"),
                     "Training loss (mean over the epoch's batches) and validation loss, both with the L2 penalty "
                     "(the metrics' log_loss is without it); the dashed line marks the epoch whose weights were kept."))
    if hist.get("score"):
        label = "accuracy" if model.task == "classification" else "R²"
        figs.append(("score", f"{label.capitalize() if label == 'accuracy' else label} per epoch",
                     curves("score", label),
                     f"{label[0].upper() + label[1:]} on the training and validation sets at the end of each epoch; "
                     "the dashed line marks the epoch whose weights were kept."))
    if model.task == "classification":
        m = info["metrics"].get(eval_name if eval_name in ("validation", "test") else "train", {})
        if "confusion_matrix" in m:
            figs.append(("confusion_matrix", f"Confusion matrix ({eval_name} set)",
                         png(plotting.confusion_matrix_from_counts(m["confusion_matrix"], model.classes)),
                         "Rows: true class; columns: predicted class."))
    else:
        pred = model.predict_matrix(X_eval)
        true = model.targets.inverse_transform(np.asarray(y_eval).ravel())
        figs.append(("predicted_vs_true", f"Predicted against true ({eval_name} set)",
                     png(plotting.predicted_vs_true(true, pred, target=model.target)),
                     "Points on the dashed line are predicted exactly."))
    kinds = [k for _, k in model.features]
    if model.task == "classification" and frame is not None and kinds == ["numeric", "numeric"]:
        names = [n for n, _ in model.features]

        def predict_index(points):
            columns = {n: points[:, j] for j, n in enumerate(names)}
            return model.net.predict(model.transform(frame_from_columns(columns)))

        X2 = frame[names].to_numpy(dtype=np.float64)
        keep = ~np.isnan(X2).any(axis=1)
        figs.append(("decision_regions", "Decision regions",
                     png(plotting.decision_regions(
                         predict_index, X2[keep], np.asarray(y_all)[keep], class_names=list(model.classes),
                         feature_names=names, margin=0.1 * float(np.ptp(X2[keep]) or 1.0))),
                     "The class the network predicts at each point of the plane, with every sample of the data set."))
    shape = (info.get("data") or {}).get("image_shape")
    first = model.net.layers[0]
    if shape and hasattr(first, "params") and "W" in first.params and first.params["W"].shape[0] == int(np.prod(shape)):
        n_units, shown = first.params["W"].shape[1], min(first.params["W"].shape[1], WEIGHT_IMAGES)
        which = f"all {n_units} hidden units" if shown == n_units else f"the first {shown} of {n_units} hidden units"
        figs.append(("first_layer_weights", "First layer's weights as images",
                     png(plotting.weight_images(first.params["W"], tuple(shape), max_units=shown)),
                     f"The incoming weights of {which}, each laid out as the input image (red positive, blue negative)."))
    return figs


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    if value is None:
        return "—"
    return str(value)


def _table(rows, header=None):
    out = ['<div class="wide"><table>']
    if header:
        out.append("<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in row) + "</tr>")
    out.append("</table></div>")
    return "\n".join(out)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{margin:0 0 4px;font-size:1.6em}h2{margin:28px 0 10px;font-size:1.2em;border-bottom:1px solid #dde1e6;padding-bottom:4px}
.sub{color:#5b6472;margin:0 0 16px;overflow-wrap:anywhere}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:1.4em}.card span{color:#5b6472;font-size:.85em}
.notice{background:#fff4d6;border:1px solid #e8c56a;border-radius:8px;padding:10px 14px;margin:12px 0}
figure{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px;margin:0}
figure img{max-width:100%;height:auto;display:block}
figcaption{color:#5b6472;font-size:.85em;margin-top:6px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(420px,100%),1fr));gap:14px}
table{border-collapse:collapse;background:#fff;font-size:.9em}
td,th{border:1px solid #dde1e6;padding:4px 10px;text-align:left;overflow-wrap:break-word}th{background:#eef1f4}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(300px,100%),1fr));gap:14px}
.cols>div{min-width:0}
.wide{overflow-x:auto;max-width:100%}
@media (max-width:600px){main{padding:12px}td,th{padding:3px 6px}}
"""


def render_html(model, figures) -> str:
    """The report page for ``model`` (its ``info``) and ``figures`` from :func:`build_figures`."""
    info = model.info
    cfg, data, res, versions = info.get("config", {}), info.get("data", {}), info.get("metrics", {}), info.get("versions", {})
    esc = html.escape
    score_key = "accuracy" if model.task == "classification" else "r2"
    score_label = "accuracy" if model.task == "classification" else "R²"
    cards = []
    for part in SPLITS:
        if part in res and score_key in res[part]:
            cards.append((f"{res[part][score_key]:.4f}", f"{part} {score_label}"))
    cards += [(str(res.get("epochs_run", "?")), "epochs run"), (str(res.get("best_epoch", "?")), "epoch kept"),
              (f"{res.get('training_time_s', 0):.1f} s", "training time"), (str(info.get("n_params", "?")), "parameters")]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>glassnet report: {esc(str(data.get('name', '')))}</title>", f"<style>{CSS}</style></head><body><main>",
        f"<h1>glassnet report: {esc(str(data.get('name', '')))}</h1>",
        f'<p class="sub">{esc(model.task)} of <b>{esc(str(model.target))}</b> from {data.get("n_features", "?")} '
        f"columns, {data.get('n_rows', '?')} rows; stopped: {esc(str(res.get('stop_reason', '')))}, after "
        f"{res.get('epochs_run', '?')} epochs; the model keeps the weights of epoch {res.get('best_epoch', '?')}.</p>",
        f'<p class="sub">{esc(str(info.get("finished", "")))}'
        + (f' · <code>{esc(info["command"])}</code>' if info.get("command") else "") + "</p>",
    ]
    if res.get("interrupted"):
        parts.append('<p class="notice">Training was interrupted; the model keeps the best weights seen '
                     f"so far (epoch {res.get('best_epoch')}).</p>")
    parts.append('<div class="cards">' + "".join(f"<div class=\"card\"><b>{esc(v)}</b><span>{esc(k)}</span></div>"
                                                 for v, k in cards) + "</div>")
    parts.append('<h2>Figures</h2><div class="grid">')
    for stem, title, png, caption in figures:
        b64 = base64.b64encode(png).decode("ascii")
        parts.append(f'<figure id="fig-{esc(stem)}"><img src="data:image/png;base64,{b64}" alt="{esc(title)}">'
                     f"<figcaption><b>{esc(title)}.</b> {esc(caption)}</figcaption></figure>")
    parts.append("</div>")
    if model.task == "classification":
        for part in ("test", "validation", "train"):
            if part in res and "per_class" in res[part]:
                rows = [(r["class"], r["precision"], r["recall"], r["f1"], r["support"]) for r in res[part]["per_class"]]
                parts.append(f"<h2>Per-class precision and recall ({part} set)</h2>")
                parts.append(_table(rows, ["class", "precision", "recall", "F1", "support"]))
                break
    metric_rows = []
    for part in SPLITS:
        for key, value in res.get(part, {}).items():
            if key not in ("per_class", "confusion_matrix"):
                metric_rows.append((part, key, value))
    parts.append("<h2>Layers</h2>" + _table(layer_rows(model.net) + [("in all", "", model.net.n_params)],
                                            ["layer", "output shape", "parameters"]))
    parts.append('<div class="cols"><div><h2>Metrics</h2>' + _table(metric_rows, ["set", "metric", "value"]) + "</div>")
    parts.append("<div><h2>Hyperparameters</h2>" + _table([(k, v) for k, v in cfg.items()], ["option", "value"]) + "</div>")
    data_rows = [(k, v) for k, v in data.items() if k not in ("class_counts",)]
    if "class_counts" in data:
        data_rows.append(("class counts", ", ".join(f"{c}: {n}" for c, n in zip(data["classes"], data["class_counts"]))))
    parts.append("<div><h2>Data</h2>" + _table(data_rows) + "</div>")
    env_rows = list(versions.items()) + [("training time (s)", res.get("training_time_s"))]
    parts.append("<div><h2>Environment</h2>" + _table(env_rows) + "</div></div>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def write_report(out_dir, model, X_eval, y_eval, eval_name, frame=None, y_all=None):
    """Write each figure as ``<stem>.png`` and the page as ``report.html`` in ``out_dir``; returns the
    report's path."""
    figures = build_figures(model, X_eval, y_eval, eval_name, frame, y_all)
    for stem, _, png, _ in figures:
        atomic_write(os.path.join(out_dir, f"{stem}.png"), png)
    path = os.path.join(out_dir, "report.html")
    atomic_write(path, render_html(model, figures))
    return path
