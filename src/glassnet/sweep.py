"""Hyperparameter sweeps: grid or random search with cross-validation, locally or on a Dask cluster.

The search itself is scikit-learn's :class:`~sklearn.model_selection.GridSearchCV` or
:class:`~sklearn.model_selection.RandomizedSearchCV`; the fits run in parallel through joblib, on local
cores (``n_jobs``) or on a Dask cluster (``dask="local"`` or a scheduler address), where joblib's
``"dask"`` backend ships each fit to a worker. Every fit is seeded (the estimator's ``random_state``
and the folds' shuffling), so the table is the same whichever way it runs.

Parameter values on the command line (see :func:`parse_param`)::

    hidden_layer_sizes=32,64x32     ->  [(32,), (64, 32)]
    alpha=1e-4,1e-3                 ->  [0.0001, 0.001]
    solver=adam,lbfgs               ->  ["adam", "lbfgs"]
    early_stopping=true,false       ->  [True, False]
"""

from __future__ import annotations

import contextlib
import csv
import re

import numpy as np

from .app.data import DATASETS

TASKS = ("auto", "classification", "regression")

_SIZES = re.compile(r"^\d+(x\d+)*$")


# ---------------------------------------------------------------------- data
def load_dataset(name):
    """``(X, y, task)`` for a bundled data set, the ones ``glassnet train`` knows
    (``breast_cancer`` is accepted for ``breast-cancer``)."""
    from .app.data import load_dataset as load

    key = name.replace("_", "-")
    if key not in DATASETS:
        raise ValueError(f"Unknown data set {name!r}; expected one of {sorted(DATASETS)} (or --csv PATH).")
    data = load(key)
    return _as_arrays(data, data.task)


def load_csv(path, target, task="auto"):
    """``(X, y, task)`` from a CSV file with a header row; ``target`` names the label column.

    The file is read as ``glassnet train`` reads it (:func:`glassnet.app.data.read_csv`).
    ``task="auto"`` picks classification for text labels or at most 20 distinct whole numbers.
    """
    from .app.data import read_csv

    return _as_arrays(read_csv(path, target), task)


def _as_arrays(data, task):
    """A :class:`glassnet.app.data.Dataset` as ``(X, y, task)`` for the search.

    Numeric columns stay as they are (missing cells are NaN, imputed inside each cross-validation
    fold by the search's pipeline); categorical ones are one-hot encoded here, one 0/1 column per
    category present (a missing cell is all zeros; the categories carry no target information).
    """
    from .app.data import infer_task, label_text, regression_targets

    table = data.table
    blocks = []
    for name in table.names:
        column = table.columns[name]
        if table.kinds[name] == "numeric":
            blocks.append(np.asarray(column, dtype=np.float64)[:, None])
        else:
            categories = sorted({v for v in column if v is not None})
            blocks.append(np.array([[v == c for c in categories] for v in column], dtype=np.float64))
    X = np.hstack(blocks)
    if task in (None, "auto"):
        task = infer_task(data.y)
    if task == "regression":
        try:
            y = regression_targets(data.y, data.target)
        except ValueError:
            raise ValueError(f"target {data.target!r} is not numeric, so it cannot be a regression target.") from None
    else:
        labels = [label_text(v) for v in data.y]
        numeric = all(label.lstrip("-").isdigit() for label in labels)
        y = np.array([int(v) for v in labels]) if numeric else np.array(labels)
    return X, y, task


# ---------------------------------------------------------------------- parameters
def parse_value(text):
    """One value from the command line: ``64x32`` -> (64, 32), then int, float, bool, None, str."""
    text = text.strip()
    if _SIZES.match(text) and "x" in text:
        return tuple(int(v) for v in text.split("x"))
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "none":
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_param(spec):
    """``"name=v1,v2"`` -> ``("name", [v1, v2])``; ``hidden_layer_sizes`` values are always tuples."""
    if "=" not in spec:
        raise ValueError(f"--param {spec!r} must look like NAME=VALUE[,VALUE...], e.g. alpha=1e-4,1e-3.")
    name, _, values = spec.partition("=")
    name = name.strip()
    parts = [v for v in values.split(",") if v.strip()]
    if not name or not parts:
        raise ValueError(f"--param {spec!r} must look like NAME=VALUE[,VALUE...], e.g. alpha=1e-4,1e-3.")
    parsed = [parse_value(v) for v in parts]
    if name == "hidden_layer_sizes":
        parsed = [v if isinstance(v, tuple) else (v,) for v in parsed]
        for v in parsed:
            if not all(isinstance(s, int) and s > 0 for s in v):
                raise ValueError(
                    f"hidden_layer_sizes values must be positive integers like 64 or 64x32, got {v!r}."
                )
    return name, parsed


def parse_grid(specs):
    """A parameter grid from several ``--param`` strings (a name given twice is an error)."""
    grid = {}
    for spec in specs:
        name, values = parse_param(spec)
        if name in grid:
            raise ValueError(f"parameter {name!r} is given twice; list all its values in one --param.")
        grid[name] = values
    return grid


# ---------------------------------------------------------------------- dask
@contextlib.contextmanager
def dask_backend(address):
    """Run joblib work inside this block on a Dask cluster.

    ``address`` is a scheduler address (``"tcp://host:8786"``) or ``"local"``, which starts a
    :class:`distributed.LocalCluster` with two in-process workers (``processes=False``, talking over
    ``inproc://``, no network) for the duration of the block.
    """
    try:
        import joblib
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError(
            f"--dask needs the optional Dask dependencies, which are missing ({exc.name}); install them "
            "with: pip install 'glassnet[dask]'"
        ) from exc
    cluster = None
    if address == "local":
        # in-process workers talk over inproc:// (no network); no dashboard
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        with joblib.parallel_backend("dask"):
            yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ---------------------------------------------------------------------- the search
def make_estimator(task, scale=True, impute=False, **params):
    """An MLPClassifier or MLPRegressor, behind a StandardScaler unless ``scale=False`` and a median
    SimpleImputer when ``impute`` (data with missing values); both are fitted inside each fold."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from .estimators import MLPClassifier, MLPRegressor

    est = (MLPClassifier if task == "classification" else MLPRegressor)(**params)
    steps = [("impute", SimpleImputer(strategy="median"))] if impute else []
    steps += [("scale", StandardScaler())] if scale else []
    return Pipeline([*steps, ("mlp", est)]) if steps else est


def run_sweep(X, y, grid, *, task, search="grid", n_iter=10, cv=5, scoring=None, n_jobs=None, seed=0,
              dask=None, scale=True, fixed=None):
    """Cross-validate every setting of ``grid`` and return the rows of the ranked table.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    grid : dict of str -> list
        Estimator parameters and the values to try.
    task : {"classification", "regression"}
    search : {"grid", "random"}
        Every combination, or ``n_iter`` combinations drawn with ``seed``.
    cv : int
        Folds (stratified for classification), shuffled with ``seed``.
    scoring : str or None
        A scikit-learn scorer name; ``None`` is accuracy or R^2.
    n_jobs : int or None
        joblib workers: local processes, or concurrent tasks on the cluster. ``None`` means one
        locally and every worker of a Dask cluster (joblib's default for each backend); note that
        ``n_jobs=1`` would run a Dask sweep sequentially in this process.
    seed : int
        Seeds the estimator, the folds and the random search.
    dask : str or None
        ``"local"`` or a scheduler address to run the fits on a Dask cluster.
    fixed : dict or None
        Estimator parameters held fixed.

    Returns
    -------
    list of dict
        One row per setting, best first: ``rank``, ``mean_score``, ``std_score``, ``mean_fit_time``
        and the parameters.
    """
    from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV, StratifiedKFold

    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}.")
    if search not in ("grid", "random"):
        raise ValueError(f"search must be 'grid' or 'random', got {search!r}.")
    fixed = dict(fixed or {})
    fixed.setdefault("random_state", seed)
    impute = bool(np.isnan(np.asarray(X, dtype=np.float64)).any())  # missing cells of a CSV file
    est = make_estimator(task, scale=scale, impute=impute, **fixed)
    in_pipeline = hasattr(est, "named_steps")
    prefix = "mlp__" if in_pipeline else ""
    valid = est.named_steps["mlp"].get_params() if in_pipeline else est.get_params()
    for name in grid:
        if name not in valid:
            raise ValueError(f"{name!r} is not a parameter of the estimator; expected one of {sorted(valid)}.")
    space = {prefix + k: v for k, v in grid.items()}
    splitter = (StratifiedKFold if task == "classification" else KFold)(n_splits=cv, shuffle=True, random_state=seed)
    if search == "grid":
        searcher = GridSearchCV(est, space, cv=splitter, scoring=scoring, n_jobs=n_jobs, refit=False)
    else:
        searcher = RandomizedSearchCV(est, space, n_iter=n_iter, cv=splitter, scoring=scoring, n_jobs=n_jobs,
                                      refit=False, random_state=seed)
    context = dask_backend(dask) if dask else contextlib.nullcontext()
    with context:
        searcher.fit(X, y)
    res = searcher.cv_results_
    rows = []
    for i, params in enumerate(res["params"]):
        row = {
            "rank": int(res["rank_test_score"][i]),
            "mean_score": float(res["mean_test_score"][i]),
            "std_score": float(res["std_test_score"][i]),
            "mean_fit_time": float(res["mean_fit_time"][i]),
        }
        row.update({k[len(prefix):]: v for k, v in params.items()})
        rows.append(row)
    rows.sort(key=lambda r: (r["rank"], -r["mean_score"]))
    return rows


def format_value(value):
    if isinstance(value, tuple):
        return "x".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def format_table(rows):
    """The ranked rows as an aligned text table."""
    if not rows:
        return "(no results)"
    columns = list(rows[0])
    cells = [[format_value(r[c]) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def write_csv(rows, path):
    """Write the ranked rows to ``path`` (hidden sizes as ``64x32``)."""
    if not rows:
        raise ValueError("no results to write.")
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(rows[0]))
        for r in rows:
            writer.writerow(["x".join(map(str, v)) if isinstance(v, tuple) else v for v in r.values()])
