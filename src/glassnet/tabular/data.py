"""Data for ``glassnet train``: the bundled sets and CSV files, as :class:`Dataset` objects.

The features are a pandas ``DataFrame``: numeric columns as float64 with NaN for missing values,
categorical columns as object columns of str with None for missing values. The target stays raw
(text labels or numbers) until :mod:`glassnet.tabular.targets` encodes it.
"""

from __future__ import annotations

import csv
import math
import os

import numpy as np

from .. import datasets
from ..nn.checks import max_abs_input
from ..serialize.container import refuse_special

MISSING = {"", "na", "n/a", "nan", "null", "none", "?"}
MAX_AUTO_CLASSES = 20
# Larger magnitudes overflow float64 when the preprocessing squares them (a variance); such a
# column needs other units.
MAX_ABS_VALUE = max_abs_input(np.float64)
NUMERIC, CATEGORICAL = "numeric", "categorical"


class Dataset:
    """A table of features, the raw target and what is known about them.

    Attributes
    ----------
    frame : pandas.DataFrame
    features : list of (name, kind)
        The feature columns and how they are read, ``"numeric"`` or ``"categorical"``.
    y : ndarray or None
        Class labels as str (classification), numbers (regression), or raw text from a CSV file.
    task : str or None
        None when it must be inferred from ``y``.
    """

    def __init__(self, name, frame, features, y, target, task=None, classes=None, image_shape=None, source=None):
        self.name, self.frame, self.features, self.y, self.target = name, frame, list(features), y, target
        self.task, self.classes, self.image_shape = task, classes, image_shape
        self.source = source or name


def frame_from_columns(columns: dict):
    """A DataFrame from ``{name: 1-D array}``, keeping each column's dtype."""
    import pandas as pd

    return pd.DataFrame({name: values for name, values in columns.items()})


def load_dataset(name) -> Dataset:
    """One of the bundled sets (:mod:`glassnet.datasets`), with class labels as text."""
    bundle = datasets.load(name)
    frame = frame_from_columns({n: bundle.X[:, j] for j, n in enumerate(bundle.feature_names)})
    features = [(n, NUMERIC) for n in bundle.feature_names]
    if bundle.task == "classification":
        y = np.array(bundle.classes, dtype=object)[bundle.y]
    else:
        y = bundle.y.astype(np.float64)
    return Dataset(name, frame, features, y, bundle.target, bundle.task, bundle.classes, bundle.image_shape,
                   bundle.source)


# ---------------------------------------------------------------------------------------- CSV
def _is_missing(text) -> bool:
    return text is None or text.strip().lower() in MISSING


def _to_float(text):
    value = _parse_float(text)
    return value if value is not None and math.isfinite(value) else None


def _parse_float(text):
    """``float(text)``, infinities included, or None when ``text`` is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def label_text(value) -> str:
    """A class label as text: ``1``, ``1.0`` and ``" 1"`` all become ``"1"``."""
    text = str(value).strip()
    number = _to_float(text)
    if number is not None and number == int(number):
        return str(int(number))
    return text


def read_csv_rows(path):
    """Header and rows (lists of str) of a CSV file with a header line."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a folder, not a CSV file.")
    refuse_special(path, "CSV file")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no CSV file at {path!r}.")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            try:
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                raise ValueError(f"{path} is empty; expected a header line and rows.") from None
            rows = [row for row in reader if any(cell.strip() for cell in row)]
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not a text CSV file (byte {exc.start} is not UTF-8); expected a header line "
                         "and rows of comma-separated values.") from None
    except csv.Error as exc:
        raise ValueError(f"{path} cannot be read as CSV ({exc}); expected a header line and rows of "
                         "comma-separated values.") from None
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise ValueError(f"{path} has repeated column names {dupes}; each column needs its own name.")
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"{path}, line {i + 2}: {len(row)} fields, but the header has {len(header)}.")
    if not rows:
        raise ValueError(f"{path} has a header but no rows.")
    return header, rows


def _numeric_column(name, cells, path):
    values = np.empty(len(cells))
    for i, cell in enumerate(cells):
        if _is_missing(cell):
            values[i] = np.nan
            continue
        number = _parse_float(cell)
        if number is None:
            raise ValueError(f"{path}, line {i + 2}, column {name!r}: {cell!r} is not a number, but the "
                             "model takes this column as numeric.")
        if not math.isfinite(number):
            raise ValueError(f"{path}, line {i + 2}, column {name!r}: {cell.strip()!r} is not a finite number; "
                             "leave the cell empty (or write NA) for a missing value.")
        if abs(number) > MAX_ABS_VALUE:
            raise ValueError(f"{path}, line {i + 2}, column {name!r}: {cell.strip()} is too large (beyond "
                             f"{MAX_ABS_VALUE:g}) for the preprocessing to standardise; rescale the column "
                             "(other units) first.")
        values[i] = number
    return values


def _categorical_column(cells):
    return np.array([None if _is_missing(c) else c.strip() for c in cells], dtype=object)


def _infer_kind(cells):
    present = [c for c in cells if not _is_missing(c)]
    if present and all(_parse_float(c) is not None for c in present):
        return NUMERIC
    return CATEGORICAL


def read_csv(path, target=None, features=None) -> Dataset:
    """A :class:`Dataset` from a CSV file.

    Parameters
    ----------
    target : str or None
        The target column; None when the file has no target (prediction).
    features : list of (name, kind) or None
        The columns a trained model takes and how; None infers them (every column but the target,
        numeric when every non-missing value is a number).
    """
    header, rows = read_csv_rows(path)
    cells = {name: [row[j] for row in rows] for j, name in enumerate(header)}
    if target is not None and target not in cells:
        raise ValueError(f"{path} has no column {target!r} for the target; its columns are {header}.")
    if features is None:
        features = [(name, _infer_kind(cells[name])) for name in header if name != target]
        if not features:
            raise ValueError(f"{path} has no feature columns besides the target {target!r}.")
    missing = [name for name, _ in features if name not in cells]
    if missing:
        raise ValueError(f"{path} lacks {some(missing)} that the model was trained on.")
    columns = {name: _numeric_column(name, cells[name], path) if kind == NUMERIC else _categorical_column(cells[name])
               for name, kind in features}
    y = None
    if target is not None:
        raw = cells[target]
        empty = [i + 2 for i, c in enumerate(raw) if _is_missing(c)]
        if empty:
            raise ValueError(f"{path}: the target {target!r} is missing on lines {empty[:10]}; fill or drop those rows.")
        y = np.array([c.strip() for c in raw], dtype=object)
    name = os.path.basename(path)
    return Dataset(name, frame_from_columns(columns), features, y, target, source=f"CSV file {os.path.abspath(path)}")


def some(names, shown=5) -> str:
    """``the columns ['a', 'b']``, or ``the 64 columns ['a', ..., 'e'] and 59 more`` for long lists."""
    names = list(names)
    if len(names) <= shown:
        return f"the columns {names}"
    return f"the {len(names)} columns {names[:shown]} and {len(names) - shown} more"


def infer_task(y) -> str:
    """``"classification"`` for text labels or a few whole numbers, ``"regression"`` otherwise."""
    numbers = [_to_float(str(v)) for v in y]
    if any(n is None for n in numbers):
        return "classification"
    distinct = set(numbers)
    if all(n == int(n) for n in distinct) and len(distinct) <= MAX_AUTO_CLASSES:
        return "classification"
    return "regression"


def regression_targets(y, target) -> np.ndarray:
    values = np.array([_to_float(str(v)) for v in y], dtype=object)
    bad = [str(v) for v, n in zip(y, values) if n is None]
    if bad:
        raise ValueError(f"regression needs numeric targets, but {target!r} holds {bad[:3]}; "
                         "use --task classification for labels.")
    values = values.astype(np.float64)
    if values.size and np.abs(values).max() > MAX_ABS_VALUE:
        raise ValueError(f"the target {target!r} holds {values[np.abs(values).argmax()]:g}, too large (beyond "
                         f"{MAX_ABS_VALUE:g}) to standardise; rescale it (other units) first.")
    return values


def data_for_model(features, target, dataset=None, csv=None) -> Dataset:
    """A bundled set or a CSV file read with a trained model's columns (``features``).

    ``target`` is the column whose values are wanted, or None (prediction ignores a target column
    if the file has one; it may be empty).
    """
    if (dataset is None) == (csv is None):
        raise ValueError("give the data as a bundled set name (e.g. digits) or as --csv PATH, not both or neither.")
    if csv is not None:
        return read_csv(csv, target, features=features)
    d = load_dataset(dataset)
    missing = [n for n, _ in features if n not in d.frame.columns]
    if missing:
        raise ValueError(f"the {dataset} set lacks {some(missing)} that the model was trained on.")
    return d
