"""Figures for training runs and the tutorials' pictures, drawn with matplotlib and no screen.

Every function builds a :class:`matplotlib.figure.Figure` directly (not through ``pyplot``), so no
global figure registry grows however many runs draw figures, and nothing needs a display: saving
renders with the Agg backend. Each function returns the Figure; pass ``path`` to also write it (PNG
unless the suffix says otherwise). :func:`save` does the same for any figure.

The figures:

- :func:`loss_curves`: one or more loss (or any metric) curves against the epoch or iteration.
- :func:`batch_costs`: the cost of every mini-batch, with epoch boundaries marked.
- :func:`scatter_classes`: labelled samples in 1-D (on a line) or 2-D.
- :func:`decision_regions`: the class a ``predict`` function gives over a 1-D or 2-D input grid.
- :func:`loss_surface`: a loss as a function of two parameters, with an optimiser's path on it.
- :func:`hidden_projection_3d`: samples mapped onto a 3-unit hidden layer.
- :func:`confusion_matrix`: counts of true against predicted classes.
- :func:`validation_curve`: a validation score against a hyperparameter (log x axis by default).
- :func:`predicted_vs_true`: a regression's predictions against the true values.
- :func:`weight_images`: a layer's incoming weights drawn as images (the digits' 8x8).
- :func:`conv_filters`: a convolution's filters, as curves (1-D kernels) or images (2-D kernels).
- :func:`scores_against_reference`: a score per model over seeds, beside a published figure.
- :func:`signal_examples`: a few 1-D signals of each class.
"""

from __future__ import annotations

import io
import os

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .serialize.atomic import atomic_write

__all__ = [
    "batch_costs", "confusion_matrix", "confusion_matrix_from_counts", "decision_regions",
    "hidden_projection_3d", "loss_curves", "loss_surface", "predicted_vs_true", "save", "scatter_classes",
    "to_png", "validation_curve", "weight_images", "conv_filters", "scores_against_reference", "signal_examples",
]

# Class colours: the tutorials' red/blue for two classes, then the default cycle.
_COLOURS = ["tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown", "tab:pink",
            "tab:gray", "tab:olive", "tab:cyan"]
_MARKERS = ["*", "o", "s", "^", "v", "D", "P", "X", "<", ">"]


def _figure(figsize=(6, 4)) -> Figure:
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)  # attach a canvas so that savefig and draw work without pyplot
    return fig


def save(fig: Figure, path, dpi: int = 100) -> Figure:
    """Write ``fig`` to ``path`` atomically (parent folders are created) and return it; the format
    follows the suffix (PNG, SVG, PDF, ...).

    The figure is not registered with ``pyplot``, so nothing stays open after it is garbage collected.
    """
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    atomic_write(path, _render(fig, fmt, dpi))
    return fig


def _render(fig: Figure, fmt: str, dpi: int) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _finish(fig, path):
    if path is not None:
        save(fig, path)
    return fig


def _class_list(y):
    y = np.asarray(y).ravel()
    return y, list(np.unique(y))


def _class_names(classes, class_names):
    if class_names is None:
        return [f"class {c}" for c in classes]
    if len(class_names) < len(classes):
        raise ValueError(f"class_names has {len(class_names)} entries but the labels have {len(classes)} classes.")
    return [class_names[i] for i in range(len(classes))]


def _as_2d_inputs(X):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] not in (1, 2):
        raise ValueError(f"X must have shape (n_samples, 1) or (n_samples, 2) to be drawn, got {X.shape}.")
    return X


# ---------------------------------------------------------------------- curves
def loss_curves(curves, *, xlabel="epoch", ylabel="loss", title=None, logy=False, start=0, path=None) -> Figure:
    """Curves against their index.

    Parameters
    ----------
    curves : sequence of float, or dict of str -> sequence of float
        One curve, or labelled curves (for instance ``{"train": ..., "validation": ...}``).
    xlabel, ylabel, title : str
    logy : bool
        Logarithmic y axis.
    start : int
        Index of the first value on the x axis (1 to count epochs from one).
    path : str or path-like, optional
        Where to save the figure.
    """
    if not isinstance(curves, dict):
        curves = {None: curves}
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    for label, values in curves.items():
        values = np.asarray(values, dtype=np.float64).ravel()
        ax.plot(np.arange(start, start + len(values)), values, label=label)
    if any(label is not None for label in curves):
        ax.legend()
    if logy:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    return _finish(fig, path)


def batch_costs(costs, *, batches_per_epoch=None, title="Cost per mini-batch", path=None) -> Figure:
    """The cost of every mini-batch in order; with ``batches_per_epoch`` the x axis counts epochs.

    Parameters
    ----------
    costs : sequence of float
        One entry per optimizer step.
    batches_per_epoch : int, optional
    """
    costs = np.asarray(costs, dtype=np.float64).ravel()
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    steps = np.arange(len(costs), dtype=np.float64)
    if batches_per_epoch:
        steps /= batches_per_epoch
        ax.set_xlabel("epoch")
    else:
        ax.set_xlabel("mini-batch")
    ax.plot(steps, costs, linewidth=0.6, alpha=0.8, label="mini-batch cost")
    ax.set_ylabel("cost")
    ax.grid(True, alpha=0.3)
    ax.set_title(title)
    return _finish(fig, path)


def validation_curve(values, scores, *, best=None, xlabel="hyperparameter", ylabel="validation accuracy",
                     logx=True, title=None, path=None) -> Figure:
    """Validation scores against a hyperparameter, the chosen value marked.

    Parameters
    ----------
    values : sequence of float
        The hyperparameter values tried (positive when ``logx``).
    scores : sequence of float
        The score for each value.
    best : float, optional
        The chosen value, drawn as a vertical line.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if values.shape != scores.shape:
        raise ValueError(f"values and scores must have the same length, got {values.size} and {scores.size}.")
    if logx and (values <= 0).any():
        raise ValueError("a log x axis needs positive hyperparameter values; pass logx=False.")
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(values, scores, "o-")
    if best is not None:
        ax.axvline(best, color="tab:red", linestyle="--", label=f"chosen: {best:.4g}")
        ax.legend()
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    return _finish(fig, path)


# ---------------------------------------------------------------------- inputs and decisions
def scatter_classes(X, y, *, class_names=None, title=None, ax=None, path=None) -> Figure:
    """Samples coloured by class: on a line for 1-D inputs, in the plane for 2-D inputs.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 1) or (n_samples, 2)
    y : ndarray of shape (n_samples,)
        Class labels.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    """
    X = _as_2d_inputs(X)
    y, classes = _class_list(y)
    if len(y) != len(X):
        raise ValueError(f"X and y have different numbers of samples: {len(X)} and {len(y)}.")
    names = _class_names(classes, class_names)
    fig = ax.figure if ax is not None else _figure(figsize=(6, 4) if X.shape[1] == 2 else (7, 1.8))
    ax = ax if ax is not None else fig.add_subplot(1, 1, 1)
    for k, (c, name) in enumerate(zip(classes, names)):
        pts = X[y == c]
        ys = pts[:, 1] if X.shape[1] == 2 else np.zeros(len(pts))
        ax.plot(pts[:, 0], ys, _MARKERS[k % len(_MARKERS)], color=_COLOURS[k % len(_COLOURS)],
                alpha=0.75, label=name, linestyle="none")
    ax.set_xlabel("$x_1$" if X.shape[1] == 2 else "$x$")
    if X.shape[1] == 2:
        ax.set_ylabel("$x_2$")
    else:
        ax.set_yticks([])
    ax.legend(loc="upper right", fontsize="small")
    if title:
        ax.set_title(title)
    return _finish(fig, path)


def decision_regions(predict, X, y, *, resolution=200, margin=0.5, limits=None, class_names=None,
                     feature_names=None, proba=None, title=None, path=None) -> Figure:
    """The class ``predict`` assigns over a grid covering the inputs, with the samples on top.

    Parameters
    ----------
    predict : callable
        ``predict(G) -> labels`` for ``G`` of shape (n_points, n_features), as ``Sequential.predict``.
    X : ndarray of shape (n_samples, 1) or (n_samples, 2)
    y : ndarray of shape (n_samples,)
        Integer class labels ``0 .. K-1``; the colour of class ``k`` matches that of its region.
    resolution : int
        Grid points per axis.
    margin : float
        Added around the range of ``X`` when ``limits`` is not given.
    limits : tuple, optional
        ``(lo, hi)`` for 1-D inputs, ``(x1_lo, x1_hi, x2_lo, x2_hi)`` for 2-D.
    feature_names : sequence of str, optional
        Axis labels (default ``x`` or ``x_1``, ``x_2``).
    proba : callable, optional
        For 1-D inputs, ``proba(G) -> (n_points,)`` drawn as a curve over the regions (for instance the
        probability of class 1).
    """
    X = _as_2d_inputs(X)
    y, classes = _class_list(y)
    if not np.issubdtype(y.dtype, np.integer) or (y < 0).any():
        raise ValueError("decision_regions needs integer class labels 0, 1, ..., K-1 in y.")
    names = _class_names(classes, class_names)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    if limits is not None:
        limits = tuple(float(v) for v in limits)
        if len(limits) != 2 * X.shape[1]:
            raise ValueError(f"limits must have {2 * X.shape[1]} values for {X.shape[1]}-D inputs, got {len(limits)}.")
        lo, hi = np.array(limits[0::2]), np.array(limits[1::2])
    if X.shape[1] == 1:
        grid = np.linspace(lo[0], hi[0], resolution)[:, None]
    else:
        g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
        grid = np.column_stack([g1.ravel(), g2.ravel()])
    labels = np.asarray(predict(grid)).ravel().astype(np.int64)
    n_classes = int(max(labels.max(), y.max())) + 1
    cmap = ListedColormap([_COLOURS[k % len(_COLOURS)] for k in range(n_classes)])
    if X.shape[1] == 1:
        fig = _figure(figsize=(7, 2.6))
        ax = fig.add_subplot(1, 1, 1)
        ax.imshow(labels[None, :].astype(float), extent=(lo[0], hi[0], -0.1, 1.1), aspect="auto", origin="lower",
                  cmap=cmap, vmin=-0.5, vmax=n_classes - 0.5, alpha=0.25, interpolation="nearest")
        if proba is not None:
            ax.plot(grid[:, 0], np.asarray(proba(grid)).ravel(), "k-", linewidth=1, label="$P(t=1 \\mid x)$")
        for k, c in enumerate(classes):
            pts = X[y == c, 0]
            ax.plot(pts, np.full(len(pts), 0.5), _MARKERS[k % len(_MARKERS)], color=_COLOURS[int(c) % len(_COLOURS)],
                    alpha=0.75, linestyle="none", label=names[k])
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(-0.1, 1.1)
        ax.set_xlabel(feature_names[0] if feature_names else "$x$")
        # the samples sit at 0.5 only to be seen; the axis carries the probability curve when there is one
        ax.set_ylabel("$P(t=1 \\mid x)$" if proba is not None else "samples")
        if proba is None:
            ax.set_yticks([])
    else:
        fig = _figure()
        ax = fig.add_subplot(1, 1, 1)
        ax.contourf(g1, g2, labels.reshape(g1.shape).astype(float), levels=np.arange(n_classes + 1) - 0.5,
                    cmap=cmap, alpha=0.25)
        for k, c in enumerate(classes):
            pts = X[y == c]
            ax.plot(pts[:, 0], pts[:, 1], _MARKERS[k % len(_MARKERS)], color=_COLOURS[int(c) % len(_COLOURS)],
                    alpha=0.75, linestyle="none", label=names[k])
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_xlabel(feature_names[0] if feature_names else "$x_1$")
        ax.set_ylabel(feature_names[1] if feature_names else "$x_2$")
    ax.legend(loc="upper right", fontsize="small")
    if title:
        ax.set_title(title)
    return _finish(fig, path)


def loss_surface(loss_at, a_values, b_values, *, path_points=None, a_label="$a$", b_label="$b$",
                 title=None, path=None) -> Figure:
    """A loss over a grid of two parameters as a filled contour, with an optimiser's path drawn on it.

    Parameters
    ----------
    loss_at : callable
        ``loss_at(a, b) -> float``, the loss with the two parameters set to ``a`` and ``b``.
    a_values, b_values : sequence of float
        Grid values for the x axis (``a``) and the y axis (``b``).
    path_points : array-like of shape (n_steps, 2), optional
        The ``(a, b)`` values the optimiser visited, drawn as white dots joined by a line.
    """
    a_values = np.asarray(a_values, dtype=np.float64).ravel()
    b_values = np.asarray(b_values, dtype=np.float64).ravel()
    grid = np.array([[loss_at(a, b) for a in a_values] for b in b_values])
    fig = _figure(figsize=(6, 4.5))
    ax = fig.add_subplot(1, 1, 1)
    A, B = np.meshgrid(a_values, b_values)
    filled = ax.contourf(A, B, grid, levels=30, cmap="viridis")
    fig.colorbar(filled, ax=ax, label="loss")
    if path_points is not None:
        pts = np.asarray(path_points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise ValueError(f"path_points must have shape (n_steps, 2), got {pts.shape}.")
        ax.plot(pts[:, 0], pts[:, 1], "w-", linewidth=0.8)
        ax.plot(pts[:, 0], pts[:, 1], "wo", markersize=4)
        ax.plot(pts[-1, 0], pts[-1, 1], "o", color="tab:red", markersize=6, label="final")
        ax.legend(loc="upper right", fontsize="small")
    ax.set_xlabel(a_label)
    ax.set_ylabel(b_label)
    if title:
        ax.set_title(title)
    return _finish(fig, path)


def hidden_projection_3d(H, y, *, class_names=None, title="Inputs projected onto the hidden layer",
                         elev=30, azim=-20, path=None) -> Figure:
    """Hidden activations of a 3-unit layer as points in 3-D, coloured by class.

    Parameters
    ----------
    H : ndarray of shape (n_samples, 3)
        Hidden-layer outputs, for instance ``Sequential(net.layers[:2]).forward(X)`` for the first
        Dense and its activation.
    y : ndarray of shape (n_samples,)
    """
    from mpl_toolkits.mplot3d import Axes3D  # noqa: F401  (registers the 3-D projection)

    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[1] != 3:
        raise ValueError(f"H must have shape (n_samples, 3) to be drawn in 3-D, got {H.shape}.")
    y, classes = _class_list(y)
    names = _class_names(classes, class_names)
    fig = _figure(figsize=(6, 5))
    ax = fig.add_subplot(1, 1, 1, projection="3d")
    for k, c in enumerate(classes):
        pts = H[y == c]
        ax.plot(pts[:, 0], pts[:, 1], pts[:, 2], _MARKERS[k % len(_MARKERS)], color=_COLOURS[k % len(_COLOURS)],
                alpha=0.75, linestyle="none", label=names[k])
    for axis, label in ((ax.xaxis, "$h_1$"), (ax.yaxis, "$h_2$"), (ax.zaxis, "$h_3$")):
        axis.set_rotate_label(False)  # upright whatever the view; matplotlib turns some upside down
        axis.set_label_text(label, rotation=0)
    ax.view_init(elev=elev, azim=azim)
    # below the axes, where it covers no point
    fig.legend(loc="lower center", ncol=len(classes), fontsize="small", frameon=False)
    if title:
        ax.set_title(title)
    return _finish(fig, path)


def confusion_matrix(y_true, y_pred, *, labels=None, normalize=False, title=None, path=None) -> Figure:
    """Counts of true (rows) against predicted (columns) classes, each cell annotated.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n_samples,)
    labels : sequence, optional
        The classes, in order (default: every value in either array).
    normalize : bool
        Show the fraction of each true class instead of counts.
    """
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {y_true.size} and {y_pred.size}.")
    from sklearn.metrics import confusion_matrix as count

    labels = list(np.unique(np.concatenate([y_true, y_pred]))) if labels is None else list(labels)
    counts = count(y_true, y_pred, labels=labels)
    return confusion_matrix_from_counts(counts, labels, normalize=normalize, title=title, path=path)


# A confusion matrix grows with the square of the classes: beyond these, cells are drawn as colour only,
# class names are thinned and the figure stops growing, so 1000 classes draw as fast as 50.
MAX_ANNOTATED_CLASSES = 30
MAX_TICK_LABELS = 50
MAX_MATRIX_INCHES = 16.0


def confusion_matrix_from_counts(counts, labels, *, normalize=False, title=None, path=None) -> Figure:
    """The figure of :func:`confusion_matrix` for an already counted ``(K, K)`` matrix."""
    counts = np.asarray(counts)
    values = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    k = len(labels)
    size = min(max(4.0, 0.5 * k + 2), MAX_MATRIX_INCHES)
    fig = _figure(figsize=(size, size * 0.85))
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(values, cmap="Blues", interpolation="nearest")
    fig.colorbar(im, ax=ax)
    if k <= MAX_ANNOTATED_CLASSES:  # beyond, the numbers would not fit their cells (and cost k² texts)
        threshold = values.max() / 2 if values.size else 0
        for i in range(k):
            for j in range(k):
                text = f"{values[i, j]:.2f}" if normalize else str(int(counts[i, j]))
                ax.text(j, i, text, ha="center", va="center", fontsize="small",
                        color="white" if values[i, j] > threshold else "black")
    step = -(-k // MAX_TICK_LABELS)  # every class while they fit, every step-th beyond
    ticks = range(0, k, step)
    names = [str(labels[t])[:20] for t in ticks]
    rotation = 45 if names and max(len(n) for n in names) > 3 else 0
    ax.set_xticks(ticks, names, rotation=rotation)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title or f"Confusion matrix (accuracy {np.trace(counts) / max(counts.sum(), 1):.3f})")
    return _finish(fig, path)


# ---------------------------------------------------------------------- regression and weights
def predicted_vs_true(true, predicted, *, target="y", title=None, path=None) -> Figure:
    """Predicted against true values of a regression target, with the line ``predicted = true``."""
    true = np.asarray(true, dtype=np.float64).ravel()
    predicted = np.asarray(predicted, dtype=np.float64).ravel()
    fig = _figure(figsize=(4.6, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    ax.scatter(true, predicted, s=10, alpha=0.6)
    low, high = float(min(true.min(), predicted.min())), float(max(true.max(), predicted.max()))
    ax.plot([low, high], [low, high], "k--", lw=1, label="predicted = true")
    ax.set_xlabel(f"true {target}")
    ax.set_ylabel(f"predicted {target}")
    ax.grid(True, alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return _finish(fig, path)


def weight_images(W, image_shape, *, max_units=32, title=None, path=None) -> Figure:
    """Each unit's incoming weights (a column of ``W``) drawn as an image of ``image_shape``."""
    W = np.asarray(W)[:, :max_units]
    n = W.shape[1]
    cols = min(8, n)
    rows = int(np.ceil(n / cols))
    fig = _figure(figsize=(cols * 1.05, rows * 1.1 + (0.3 if title else 0)))
    for j in range(n):
        ax = fig.add_subplot(rows, cols, j + 1)
        ax.axis("off")
        w = W[:, j].reshape(image_shape)
        v = np.abs(w).max() or 1.0
        ax.imshow(w, cmap="RdBu_r", vmin=-v, vmax=v, interpolation="nearest")
        ax.set_title(f"unit {j}", fontsize=7)
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def conv_filters(W, *, max_filters=32, title=None, path=None) -> Figure:
    """A convolution's filters ``W`` of shape (out_channels, in_channels, *kernel): each output channel's
    kernel as a curve per input channel (1-D) or as an image of its first input channel (2-D)."""
    W = np.asarray(W)[:max_filters]
    n = W.shape[0]
    cols = min(8, n)
    rows = int(np.ceil(n / cols))
    fig = _figure(figsize=(cols * 1.3, rows * 1.1 + (0.4 if title else 0)))
    v = np.abs(W).max() or 1.0
    for j in range(n):
        ax = fig.add_subplot(rows, cols, j + 1)
        if W.ndim == 3:
            for c in range(W.shape[1]):
                ax.plot(np.arange(W.shape[2]), W[j, c], marker=".", linewidth=1)
            ax.axhline(0.0, color="gray", linewidth=0.5)
            ax.set_ylim(-1.1 * v, 1.1 * v)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            ax.axis("off")
            ax.imshow(W[j, 0], cmap="RdBu_r", vmin=-v, vmax=v, interpolation="nearest")
        ax.set_title(f"filter {j}", fontsize=7)
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def scores_against_reference(scores, reference, *, ylabel="test accuracy", title=None, path=None) -> Figure:
    """Per model, each seed's score (dots) and their median (bar) beside a published figure (black tick).

    ``scores`` maps a model's name to its scores over seeds; ``reference`` maps names to one number.
    """
    fig = _figure(figsize=(1.4 * len(scores) + 2, 4))
    ax = fig.add_subplot(1, 1, 1)
    for i, (name, values) in enumerate(scores.items()):
        values = np.asarray(values, dtype=np.float64)
        ax.bar(i, np.median(values), width=0.6, color="tab:blue", alpha=0.6,
               label="glassnet, median over seeds" if i == 0 else None)
        ax.scatter(np.full(len(values), i), values, color="tab:blue", s=12, zorder=3)
        if name in reference:
            ax.hlines(reference[name], i - 0.35, i + 0.35, color="black", linewidth=2.5,
                      label="published" if i == 0 else None)
        ax.annotate(f"{np.median(values):.3f}", (i, np.median(values)), textcoords="offset points",
                    xytext=(0, 4), ha="center", fontsize=8)
    ax.set_xticks(range(len(scores)), list(scores))
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.05)
    ax.legend(loc="lower right")
    ax.grid(True, axis="y", alpha=0.3)
    if title:
        ax.set_title(title)
    return _finish(fig, path)


def signal_examples(X, y, *, per_class=3, t=None, title=None, path=None) -> Figure:
    """``per_class`` signals (rows of ``X``) of each class of ``y``, one panel per class."""
    X, y = np.asarray(X), np.asarray(y)
    classes = np.unique(y)
    cols = min(5, len(classes))
    rows = int(np.ceil(len(classes) / cols))
    fig = _figure(figsize=(cols * 2.2, rows * 1.8 + (0.4 if title else 0)))
    t = np.arange(X.shape[1]) if t is None else t
    for k, c in enumerate(classes):
        ax = fig.add_subplot(rows, cols, k + 1)
        for row in X[y == c][:per_class]:
            ax.plot(t, row, linewidth=1)
        ax.set_title(f"class {c}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def to_png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure rendered as PNG bytes (for embedding in a page)."""
    return _render(fig, "png", dpi)
