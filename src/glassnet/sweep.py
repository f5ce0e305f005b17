"""Hyperparameter sweeps: grid or random search with cross-validation, locally or on a Dask cluster.

The search itself is scikit-learn's :class:`~sklearn.model_selection.GridSearchCV` or
:class:`~sklearn.model_selection.RandomizedSearchCV` over the parameters of glassnet's
``MLPClassifier``/``MLPRegressor``. The data go through the same preparation as ``glassnet train``:
the :class:`~glassnet.tabular.Preprocessor` (imputing, standardising, one-hot encoding), fitted inside
each fold so that nothing leaks between them, and the same target encoding (regression targets
standardised, inside each fold too). The fits run in parallel through joblib, on local cores
(``n_jobs``) or on a Dask cluster (``dask="local"`` or a scheduler address), where joblib's ``"dask"``
backend ships each fit to a worker. Every fit is seeded (the estimator's ``random_state`` and the
folds' shuffling), so the table is the same whichever way it runs.

Parameter values on the command line (see :func:`parse_param`), layer sizes written as for
``glassnet train --layers``::

    hidden_layer_sizes 32 64,32     ->  [(32,), (64, 32)]
    alpha 1e-4 1e-3                 ->  [0.0001, 0.001]
    solver adam lbfgs               ->  ["adam", "lbfgs"]
    early_stopping true false       ->  [True, False]
"""

from __future__ import annotations

import contextlib
import csv
import io
import warnings

import numpy as np

from .serialize.atomic import atomic_write
from .tabular.config import parse_layers
from .tabular.data import infer_task, load_dataset, read_csv
from .tabular.targets import TargetEncoder

TASKS = ("auto", "classification", "regression")


# ---------------------------------------------------------------------- data
def load_data(dataset=None, csv_path=None, target=None, task="auto"):
    """``(data, task)``: a bundled set or a CSV file, read as ``glassnet train`` reads it."""
    if csv_path is not None:
        data = read_csv(csv_path, target)
    else:
        data = load_dataset(dataset)
    if task in (None, "auto"):
        task = data.task or infer_task(data.y)
    return data, task


def targets_for(data, task):
    """``y`` for the search: class indices (every class of the data, in ``glassnet train``'s order),
    or the raw values, which :func:`make_estimator` standardises inside each fold."""
    encoder = TargetEncoder(task, data.classes, data.target)
    if task == "classification":
        return encoder.fit(data.y).transform(data.y)
    return encoder.fit(data.y).inverse_transform(encoder.transform(data.y))


# ---------------------------------------------------------------------- parameters
def parse_value(text):
    """One value from the command line: int, float, bool, None, or else the text itself."""
    text = text.strip()
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


def parse_param(words):
    """``["name", "v1", "v2"]`` -> ``("name", [v1, v2])``; ``hidden_layer_sizes`` values are always
    tuples, written as for ``glassnet train --layers`` (``64,32``)."""
    name, values = (words[0].strip(), [w for w in words[1:] if w.strip()]) if words else ("", [])
    if not name or "=" in name or not values or not name.isidentifier():
        raise ValueError(f"--param {' '.join(words)!r} must be a parameter name and its values, e.g. "
                         "--param alpha 1e-4 1e-3 or --param hidden_layer_sizes 32 64,32.")
    if name == "hidden_layer_sizes":
        return name, [parse_layers(v) for v in values]
    return name, [parse_value(v) for v in values]


def parse_grid(specs):
    """A parameter grid from several ``--param`` word lists (a name given twice is an error)."""
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
def make_estimator(data, task, **params):
    """The estimator a sweep cross-validates: ``glassnet train``'s preparation of ``data``'s columns,
    then an MLPClassifier or MLPRegressor with ``params``; a regressor learns standardised targets
    (:class:`~sklearn.compose.TransformedTargetRegressor`), as ``glassnet train`` does."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline

    from .estimators import MLPClassifier, MLPRegressor
    from .tabular.preprocess import Preprocessor

    if task == "classification":
        return Pipeline([("prepare", Preprocessor(data.features)), ("mlp", MLPClassifier(**params))])
    pipe = Pipeline([("prepare", Preprocessor(data.features)), ("mlp", MLPRegressor(**params))])
    return TransformedTargetRegressor(pipe, transformer=TargetEncoder("regression", target=data.target))


def _prefix(task):
    """Where the MLP's parameters sit inside :func:`make_estimator`'s estimator."""
    return "mlp__" if task == "classification" else "regressor__mlp__"


def run_sweep(data, grid, *, task, search="grid", n_iter=10, cv=5, scoring=None, n_jobs=None, seed=0,
              dask=None, fixed=None):
    """Cross-validate every setting of ``grid`` and return the rows of the ranked table.

    Parameters
    ----------
    data : glassnet.tabular.Dataset
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
        and the parameters; when some setting could not be fitted, every row also has ``error`` (empty,
        or why that setting failed, its score NaN and its rank last).
    """
    from sklearn.exceptions import FitFailedWarning
    from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV, StratifiedKFold

    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}.")
    if search not in ("grid", "random"):
        raise ValueError(f"search must be 'grid' or 'random', got {search!r}.")
    fixed = dict(fixed or {})
    fixed.setdefault("random_state", seed)
    est = make_estimator(data, task, **fixed)
    prefix = _prefix(task)
    valid = {k[len(prefix):] for k in est.get_params() if k.startswith(prefix)}
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
    y = targets_for(data, task)
    with context, warnings.catch_warnings():
        # A failed fit is reported once, as its row's error (below), not as scikit-learn's multi-line warnings.
        warnings.filterwarnings("ignore", category=FitFailedWarning)
        warnings.filterwarnings("ignore", message="One or more of the test scores are non-finite")
        try:
            searcher.fit(data.frame, y)
            res = searcher.cv_results_
        except ValueError as exc:
            if "fits failed" not in str(exc):
                raise
            res = _all_failed(searcher)  # scikit-learn raises instead of scoring when every fit failed
    rows = []
    for i, params in enumerate(res["params"]):
        row = {
            "rank": int(res["rank_test_score"][i]),
            "mean_score": float(res["mean_test_score"][i]),
            "std_score": float(res["std_test_score"][i]),
            "mean_fit_time": float(res["mean_fit_time"][i]),
        }
        row.update({k[len(prefix):]: v for k, v in params.items()})
        if not np.isfinite(row["mean_score"]):
            row["error"] = _why_it_failed(est, params, data.frame, y, splitter)
        rows.append(row)
    if any("error" in row for row in rows):
        for row in rows:
            row.setdefault("error", "")
    rows.sort(key=lambda r: (r["rank"], -r["mean_score"] if np.isfinite(r["mean_score"]) else np.inf))
    return rows


def _all_failed(searcher):
    """``cv_results_``'s columns for a search whose every fit failed: each candidate with a NaN score."""
    from sklearn.model_selection import GridSearchCV, ParameterGrid, ParameterSampler

    if isinstance(searcher, GridSearchCV):
        params = list(ParameterGrid(searcher.param_grid))
    else:
        params = list(ParameterSampler(searcher.param_distributions, searcher.n_iter, random_state=searcher.random_state))
    nan = [np.nan] * len(params)
    return {"params": params, "rank_test_score": [1] * len(params), "mean_test_score": nan, "std_test_score": nan,
            "mean_fit_time": nan}


def _why_it_failed(estimator, params, X, y, splitter) -> str:
    """The error a setting's fit raises, on the first fold's training rows (the search keeps only NaN
    scores); parameter errors are raised before any training, so this is quick for them."""
    from sklearn.base import clone

    train, _ = next(splitter.split(X, y))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clone(estimator).set_params(**params).fit(X.iloc[train], y[train])
    except Exception as exc:  # noqa: BLE001 - any error of the fit is what the user needs to see
        return " ".join(str(exc).split()) or type(exc).__name__
    return "a fit failed in some folds only (the score was not finite)"


def failed(rows):
    """The rows whose setting could not be fitted."""
    return [row for row in rows if row.get("error")]


def setting(row) -> str:
    """A row's parameters as ``name=value ...``."""
    skip = ("rank", "mean_score", "std_score", "mean_fit_time", "error")
    return " ".join(f"{k}={format_value(v)}" for k, v in row.items() if k not in skip)


def format_value(value):
    if isinstance(value, float) and not np.isfinite(value):
        return "failed" if np.isnan(value) else str(value)
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
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
    """Write the ranked rows to ``path`` atomically (hidden sizes as ``64,32``)."""
    if not rows:
        raise ValueError("no results to write.")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(rows[0]))
    for r in rows:
        writer.writerow([format_value(v) if isinstance(v, tuple) else v for v in r.values()])
    atomic_write(path, buf.getvalue())
