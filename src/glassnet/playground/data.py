"""The playground's data: TensorFlow Playground's six generators, the tutorials' sets, uploaded CSV files,
and the input features computed from a point ``(x1, x2)``.

Every set lives on the plane ``[-6, 6]²`` that the page draws. Classification labels are class indices
``0..k-1``; regression targets lie in ``[-1, 1]``. ``noise`` is a fraction in ``[0, 0.5]`` and every
generator draws from the ``np.random.Generator`` it is given, so a seed reproduces a set.
"""

from __future__ import annotations

import csv
import io

import numpy as np

RADIUS = 6.0  # the plane shown is [-RADIUS, RADIUS]²
N_CLASSIFY, N_REGRESS = 500, 1200  # as TensorFlow Playground draws them
N_RBF_1D = 40  # as the tutorial draws them
MAX_CSV_BYTES = 512 * 1024
MAX_CSV_ROWS = 5000
MAX_CLASSES = 8


def circle(rng, n, noise):
    """Points inside radius 2.5 (class 1) and in the ring 3.5..5 (class 0), labelled after noise."""
    r = np.concatenate([rng.uniform(0, 2.5, n // 2), rng.uniform(3.5, 5, n - n // 2)])
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shifted = X + rng.uniform(-5, 5, (n, 2)) * noise
    return X, (np.hypot(shifted[:, 0], shifted[:, 1]) < 2.5).astype(np.int64)


def xor(rng, n, noise):
    """Uniform points in [-5, 5]² pushed 0.3 away from the axes; class 1 where x1·x2 >= 0 after noise."""
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    shifted = X + rng.uniform(-5, 5, (n, 2)) * noise
    return X, (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)


def gauss(rng, n, noise):
    """Two Gaussian clouds at (2, 2) (class 1) and (-2, -2); the variance grows from 0.5 to 4 with noise."""
    sd = np.sqrt(0.5 + 3.5 * noise / 0.5)
    X = np.vstack([rng.normal(2, sd, (n // 2, 2)), rng.normal(-2, sd, (n - n // 2, 2))])
    return X, np.repeat([1, 0], [n // 2, n - n // 2])


def spiral(rng, n, noise):
    """Two interleaved spirals of 1.75 turns out to radius 5."""
    half = n // 2
    parts, labels = [], []
    for delta, label in ((0.0, 1), (np.pi, 0)):
        i = np.arange(half)
        r = i / half * 5
        t = 1.75 * i / half * 2 * np.pi + delta
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, (half, 2)) * noise)
        labels.append(np.full(half, label))
    return np.vstack(parts), np.concatenate(labels)


def plane(rng, n, noise):
    """Regression on (x1 + x2) / 10 over [-6, 6]², measured at a noisy point."""
    X = rng.uniform(-RADIUS, RADIUS, (n, 2))
    shifted = X + rng.uniform(-RADIUS, RADIUS, (n, 2)) * noise
    return X, np.clip((shifted[:, 0] + shifted[:, 1]) / 10, -1, 1)


GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def multi_gauss(rng, n, noise):
    """Regression on six signed bumps ``±max(0, 1 - d/2)``; the strongest bump at a point wins."""
    X = rng.uniform(-RADIUS, RADIUS, (n, 2))
    shifted = X + rng.uniform(-RADIUS, RADIUS, (n, 2)) * noise
    bumps = np.stack([sign * np.clip(1 - np.hypot(shifted[:, 0] - cx, shifted[:, 1] - cy) / 2, 0, 1)
                      for cx, cy, sign in GAUSSIANS], axis=1)
    return X, bumps[np.arange(n), np.abs(bumps).argmax(axis=1)]


def circles(rng, n, noise):
    """The tutorial's ``make_circles`` (factor 0.5), scaled to radius 5."""
    from sklearn.datasets import make_circles

    X, t = make_circles(n_samples=n, noise=0.02 + noise / 2.5, factor=0.5, random_state=_seed(rng))
    return X * 5, t


def moons(rng, n, noise):
    """``make_moons``, centred and scaled by 3."""
    from sklearn.datasets import make_moons

    X, t = make_moons(n_samples=n, noise=0.05 + noise / 2, random_state=_seed(rng))
    return (X - [0.5, 0.25]) * 3, t


def three_clouds(rng, n, noise):
    """The tutorial's three clouds at (0, -2), (2, 2), (-2, 2), three classes; sd 1 grows with noise."""
    from ..datasets import CLOUD_CENTRES

    per = n // 3
    X = np.vstack([rng.normal(0, 1 + 2 * noise, (per, 2)) + c for c in CLOUD_CENTRES])
    return X, np.repeat(np.arange(3), per)


def rbf_1d(rng, n, noise):
    """The tutorial's 1-D set: class 1 around 0, class 0 in two groups around -2 and +2 (sd 0.5, growing
    with noise), half and a quarter each; on the plane the points lie on the line x2 = 0."""
    sd = 0.5 * (1 + 2 * noise)
    half, quarter = n // 2, n // 4
    x = np.concatenate([rng.normal(0, sd, half), rng.normal(-2, sd, quarter), rng.normal(2, sd, quarter)])
    return np.column_stack([x, np.zeros_like(x)]), np.repeat([1, 0], [half, 2 * quarter])


def _seed(rng) -> int:
    return int(rng.integers(2**31))


# name -> (generator, problem, title)
GENERATORS = {
    "circle": (circle, "classification", "Circle"),
    "xor": (xor, "classification", "Exclusive or"),
    "gauss": (gauss, "classification", "Gaussian"),
    "spiral": (spiral, "classification", "Spiral"),
    "circles": (circles, "classification", "Circles (tutorial)"),
    "moons": (moons, "classification", "Moons"),
    "three-clouds": (three_clouds, "classification", "Three clouds (3 classes)"),
    "rbf-1d": (rbf_1d, "classification", "One RBF neuron (1-D)"),
    "plane": (plane, "regression", "Plane"),
    "multi-gauss": (multi_gauss, "regression", "Multi Gaussian"),
}

# name -> (function of X, shown as)
FEATURES = {
    "x1": (lambda X: X[:, 0], "X₁"),
    "x2": (lambda X: X[:, 1], "X₂"),
    "x1sq": (lambda X: X[:, 0] ** 2, "X₁²"),
    "x2sq": (lambda X: X[:, 1] ** 2, "X₂²"),
    "x1x2": (lambda X: X[:, 0] * X[:, 1], "X₁X₂"),
    "sinx1": (lambda X: np.sin(X[:, 0]), "sin(X₁)"),
    "sinx2": (lambda X: np.sin(X[:, 1]), "sin(X₂)"),
}


def features(X, names) -> np.ndarray:
    """The network's inputs for points ``X`` of shape (n, 2): one column per feature in ``names``."""
    return np.column_stack([FEATURES[name][0](X) for name in names])


def generate(name, n, noise, rng):
    """Points and labels of the generated set ``name``: ``(X of shape (n, 2), y of shape (n,))``."""
    X, y = GENERATORS[name][0](rng, n, noise)
    return np.asarray(X, dtype=np.float64), np.asarray(y)


def parse_csv(text: str, problem: str):
    """An uploaded CSV: two numeric columns then a label (classification) or a value (regression).

    A header row is recognised by a non-numeric first column. The two inputs are scaled linearly onto
    ``[-5, 5]`` and regression values onto ``[-1, 1]`` (the plane and the colour scale the page draws).
    Returns ``(X, y, classes, scaling)`` where ``scaling`` maps raw to shown coordinates and is kept
    for the exported code.
    """
    if len(text.encode()) > MAX_CSV_BYTES:
        raise ValueError(f"the CSV file is larger than {MAX_CSV_BYTES // 1024} KiB; upload at most "
                         f"{MAX_CSV_ROWS} rows of three columns.")
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if rows and not _is_number(rows[0][0]):
        rows = rows[1:]
    if len(rows) < 10:
        raise ValueError(f"the CSV file needs at least 10 data rows of `x1,x2,label`, found {len(rows)}.")
    if len(rows) > MAX_CSV_ROWS:
        raise ValueError(f"the CSV file has {len(rows)} rows; the playground takes at most {MAX_CSV_ROWS}.")
    X = np.empty((len(rows), 2))
    labels = []
    for i, row in enumerate(rows):
        if len(row) != 3:
            raise ValueError(f"CSV row {i + 1} has {len(row)} columns; expected 3: x1, x2, and a label or value.")
        for j in range(2):
            if not _is_number(row[j]) or not np.isfinite(float(row[j])):
                raise ValueError(f"CSV row {i + 1}, column {j + 1} is {row[j]!r}; expected a finite number.")
            X[i, j] = float(row[j])
        labels.append(row[2].strip())
    low, high = X.min(axis=0), X.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    scaling = {"low": low.tolist(), "span": span.tolist()}
    X = (X - low) / span * 10 - 5
    if problem == "regression":
        bad = [i for i, v in enumerate(labels) if not _is_number(v) or not np.isfinite(float(v))]
        if bad:
            raise ValueError(f"CSV row {bad[0] + 1} has value {labels[bad[0]]!r}; regression needs a number.")
        y = np.array(labels, dtype=np.float64)
        y_low, y_span = y.min(), (np.ptp(y) or 1.0)
        scaling.update(y_low=float(y_low), y_span=float(y_span))
        return X, (y - y_low) / y_span * 2 - 1, None, scaling
    classes = sorted(set(labels), key=lambda c: (not _is_number(c), float(c) if _is_number(c) else 0, c))
    if not 2 <= len(classes) <= MAX_CLASSES:
        raise ValueError(f"the CSV file's labels have {len(classes)} classes; classification takes 2 to "
                         f"{MAX_CLASSES} (for a numeric target, choose regression).")
    index = {c: i for i, c in enumerate(classes)}
    return X, np.array([index[c] for c in labels]), classes, scaling


def _is_number(text) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
