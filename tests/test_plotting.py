"""Figure functions: each returns a Figure, saves a valid PNG, leaves no pyplot state, checks input."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from glassnet import plotting

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _two_class_2d(rng, n=40):
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    return X, y


def _check_png(path):
    assert path.read_bytes()[:8] == PNG_MAGIC
    with Image.open(path) as image:
        image.verify()


def figures(tmp_path, rng):
    """(name, thunk(path)) for every figure function."""
    X, y = _two_class_2d(rng)
    x1 = rng.normal(size=(30, 1))
    y1 = (np.abs(x1[:, 0]) < 0.7).astype(np.int64)
    return {
        "loss_curves": lambda p: plotting.loss_curves({"train": [3, 2, 1], "validation": [3, 2.5, 2]}, path=p),
        "loss_curve_single": lambda p: plotting.loss_curves(np.linspace(1, 0.1, 50), logy=True, path=p),
        "batch_costs": lambda p: plotting.batch_costs(rng.random(100), batches_per_epoch=10, path=p),
        "validation_curve": lambda p: plotting.validation_curve(np.logspace(-2, 2, 5), [0.5, 0.7, 0.9, 0.8, 0.2],
                                                                best=1.0, path=p),
        "scatter_2d": lambda p: plotting.scatter_classes(X, y, path=p),
        "scatter_1d": lambda p: plotting.scatter_classes(x1, y1, class_names=["out", "in"], path=p),
        "regions_2d": lambda p: plotting.decision_regions(lambda G: (G.sum(axis=1) > 0).astype(int), X, y,
                                                          resolution=50, path=p),
        "regions_1d": lambda p: plotting.decision_regions(lambda G: (np.abs(G[:, 0]) < 0.7).astype(int), x1, y1,
                                                          proba=lambda G: np.exp(-G[:, 0] ** 2), path=p),
        "surface": lambda p: plotting.loss_surface(lambda a, b: a * a + 2 * b * b, np.linspace(-1, 1, 15),
                                                   np.linspace(-1, 1, 11), path_points=[[1, 1], [0.5, 0.4], [0, 0]],
                                                   path=p),
        "projection_3d": lambda p: plotting.hidden_projection_3d(rng.random((20, 3)), np.arange(20) % 2, path=p),
        "confusion": lambda p: plotting.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2], path=p),
        "confusion_normalized": lambda p: plotting.confusion_matrix([0, 1, 1], [0, 1, 0], normalize=True, path=p),
    }


def test_every_figure_returns_a_figure_and_saves_a_png(tmp_path):
    rng = np.random.default_rng(0)
    before = plt.get_fignums()
    for name, draw in figures(tmp_path, rng).items():
        path = tmp_path / "sub" / f"{name}.png"
        fig = draw(path)
        assert isinstance(fig, Figure), name
        _check_png(path)
    assert plt.get_fignums() == before  # nothing registered with pyplot, so nothing to leak


def test_figures_without_path_write_nothing(tmp_path):
    fig = plotting.loss_curves([1.0, 0.5])
    assert isinstance(fig, Figure)
    assert list(tmp_path.iterdir()) == []
    plotting.save(fig, tmp_path / "later.png")
    _check_png(tmp_path / "later.png")


def test_confusion_matrix_counts():
    fig = plotting.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2], labels=[0, 1, 2])
    texts = [t.get_text() for t in fig.axes[0].texts]
    # row-major cells: true 0 -> [1, 0, 0], true 1 -> [0, 0, 1], true 2 -> [0, 0, 2]
    assert texts == ["1", "0", "0", "0", "0", "1", "0", "0", "2"]
    assert "0.750" in fig.axes[0].get_title()


@pytest.mark.parametrize("k", [300, 1000])
def test_confusion_matrix_of_many_classes_is_bounded(k):
    """Past MAX_ANNOTATED_CLASSES the cells are colour only, the class names thinned and the size capped:
    a 1000-class target (an identifier column) draws and renders with bounded memory."""
    import tracemalloc

    rng = np.random.default_rng(0)
    counts = rng.integers(0, 5, size=(k, k))
    labels = [f"class-{i}" for i in range(k)]
    tracemalloc.start()
    try:
        fig = plotting.confusion_matrix_from_counts(counts, labels)
        png = plotting.to_png(fig, dpi=72)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    ax = fig.axes[0]
    assert len(ax.texts) == (k * k if k <= plotting.MAX_ANNOTATED_CLASSES else 0)
    assert len(ax.get_xticklabels()) <= plotting.MAX_TICK_LABELS
    assert max(fig.get_size_inches()) <= plotting.MAX_MATRIX_INCHES
    assert png.startswith(PNG_MAGIC)
    assert peak < 400 * 2**20  # 4.7 GB for 300 classes before the caps; a 16-inch figure at 72 dpi is ~5 MB


def test_loss_surface_evaluates_the_grid():
    calls = []

    def loss_at(a, b):
        calls.append((a, b))
        return a + b

    plotting.loss_surface(loss_at, [0.0, 1.0, 2.0], [0.0, 1.0])
    assert len(calls) == 6 and (2.0, 1.0) in calls


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: plotting.scatter_classes(np.zeros((5, 3)), np.zeros(5)), "shape"),
        (lambda: plotting.scatter_classes(np.zeros((5, 2)), np.zeros(4)), "different numbers"),
        (lambda: plotting.decision_regions(lambda G: G[:, 0] > 0, np.zeros((4, 2)), np.array([0.5, 1, 0, 1])),
         "integer class labels"),
        (lambda: plotting.decision_regions(lambda G: G[:, 0] > 0, np.zeros((4, 2)), np.array([0, 1, 0, 1]),
                                           limits=(0, 1)), "limits"),
        (lambda: plotting.validation_curve([0.0, 1.0], [0.5, 0.6]), "log x axis"),
        (lambda: plotting.validation_curve([1.0, 2.0], [0.5]), "same length"),
        (lambda: plotting.hidden_projection_3d(np.zeros((4, 2)), np.zeros(4)), "n_samples, 3"),
        (lambda: plotting.loss_surface(lambda a, b: 0.0, [0, 1], [0, 1], path_points=[1, 2, 3]), "path_points"),
        (lambda: plotting.confusion_matrix([0, 1], [0]), "same length"),
        (lambda: plotting.scatter_classes(np.zeros((2, 2)), [0, 1], class_names=["a"]), "class_names"),
    ],
)
def test_bad_input_is_a_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
