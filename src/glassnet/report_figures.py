"""The figures of a training report, each returned as PNG bytes (matplotlib, Agg backend)."""

from __future__ import annotations

import io as _io

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    plt = _plt()
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def curves(history: dict, key: str, label: str) -> bytes:
    """``history[key]`` and ``history["val_" + key]`` per epoch."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    for name, style in ((key, "-"), (f"val_{key}", "--")):
        if history.get(name):
            values = history[name]
            ax.plot(np.arange(1, len(values) + 1), values, style, label="validation" if name.startswith("val_") else "train")
    ax.set_xlabel("epoch")
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
    ax.legend()
    return _png(fig)


def confusion_matrix(matrix, classes) -> bytes:
    """Counts with true classes as rows and predicted classes as columns."""
    plt = _plt()
    matrix = np.asarray(matrix)
    k = len(classes)
    size = min(2.2 + 0.45 * k, 7.5)
    fig, ax = plt.subplots(figsize=(size + 0.8, size))
    im = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(k), classes, rotation=45 if max(len(c) for c in classes) > 3 else 0, ha="right")
    ax.set_yticks(range(k), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = matrix.max() if matrix.size else 0
    for i in range(k):
        for j in range(k):
            ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if matrix[i, j] > top / 2 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    return _png(fig)


def predicted_vs_true(true, predicted, target) -> bytes:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.4, 4.2))
    ax.scatter(true, predicted, s=10, alpha=0.6)
    low, high = float(min(np.min(true), np.min(predicted))), float(max(np.max(true), np.max(predicted)))
    ax.plot([low, high], [low, high], "k--", lw=1, label="predicted = true")
    ax.set_xlabel(f"true {target}")
    ax.set_ylabel(f"predicted {target}")
    ax.grid(alpha=0.3)
    ax.legend()
    return _png(fig)


def decision_regions(predict_index, X, y, classes, names, resolution=200) -> bytes:
    """Coloured regions of ``predict_index(points) -> class indices`` over the range of 2-D ``X``."""
    plt = _plt()
    X = np.asarray(X, dtype=np.float64)
    pad = 0.1 * (X.max(axis=0) - X.min(axis=0) + 1e-12)
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    Z = predict_index(np.column_stack([g0.ravel(), g1.ravel()])).reshape(g0.shape)
    k = len(classes)
    cmap = plt.get_cmap("tab10")
    fig, ax = plt.subplots(figsize=(5, 4.2))
    ax.contourf(g0, g1, Z, levels=np.arange(k + 1) - 0.5, colors=[cmap(i % 10) for i in range(k)], alpha=0.25)
    for i, c in enumerate(classes):
        pts = X[y == i]
        ax.scatter(pts[:, 0], pts[:, 1], s=9, color=cmap(i % 10), label=c, edgecolors="none")
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.legend(fontsize=8, markerscale=1.5)
    return _png(fig)


def first_layer_images(W, image_shape, max_units=32) -> bytes:
    """Each first-layer unit's incoming weights as an image of ``image_shape``."""
    plt = _plt()
    W = np.asarray(W)[:, :max_units]
    n = W.shape[1]
    cols = min(8, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.05, rows * 1.1), squeeze=False)
    for j, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if j < n:
            w = W[:, j].reshape(image_shape)
            v = np.abs(w).max() or 1.0
            ax.imshow(w, cmap="RdBu_r", vmin=-v, vmax=v, interpolation="nearest")
            ax.set_title(f"unit {j}", fontsize=7)
    return _png(fig)
