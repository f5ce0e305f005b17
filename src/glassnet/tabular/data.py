"""Data for ``glassnet train``: the bundled sets and CSV files, as :class:`Dataset` objects.

The features are a pandas ``DataFrame``: numeric columns as float64 with NaN for missing values,
categorical columns as object columns of str with None for missing values. The target stays raw
(text labels or numbers) until :mod:`glassnet.tabular.targets` encodes it.
"""

from __future__ import annotations

import csv
import math
import os
import re

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

    def __init__(self, name, frame, features, y, target, task=None, classes=None, image_shape=None, source=None,
                 sample_shape=None):
        self.name, self.frame, self.features, self.y, self.target = name, frame, list(features), y, target
        self.task, self.classes, self.image_shape = task, classes, image_shape
        self.source = source or name
        self.sample_shape = sample_shape  # (channels, *spatial) of images or sequences, for convolutions


def frame_from_columns(columns: dict):
    """A DataFrame from ``{name: 1-D array}``, keeping each column's dtype.

    The arrays are taken as they are (no copy into one block): a large file's columns are not held
    twice. pandas' copy-on-write keeps later changes to the frame away from them.
    """
    import pandas as pd

    return pd.DataFrame(dict(columns), copy=False)


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
                   bundle.source, bundle.sample_shape)


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


def _check_path(path):
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a folder, not a CSV file.")
    refuse_special(path, "CSV file")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no CSV file at {path!r}.")


def _not_utf8(path, exc):
    return ValueError(f"{path} is not a text CSV file (byte {exc.start} is not UTF-8); expected a header line "
                      "and rows of comma-separated values.")


def _read_header(path):
    """The stripped column names of the first line, checked (the csv module reads just that line)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None
    except csv.Error as exc:
        raise ValueError(f"{path} cannot be read as CSV ({exc}); expected a header line and rows of "
                         "comma-separated values.") from None
    if not header:
        raise ValueError(f"{path} is empty; expected a header line and rows.")
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise ValueError(f"{path} has repeated column names {dupes}; each column needs its own name.")
    return header


def _pandas_read(path, header, **options):
    """``pandas.read_csv`` over the rows after the header, with its errors in glassnet's words.

    Row ``i`` of the result is line ``i + 2`` when the file has no blank lines (blank lines are skipped).
    """
    import pandas as pd

    try:
        return pd.read_csv(path, header=0, names=header, encoding="utf-8-sig", skip_blank_lines=True, **options)
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None
    except pd.errors.ParserError as exc:
        raise _parser_error(path, exc) from None


def _parser_error(path, exc):
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if found:
        expected, line, saw = found.groups()
        return ValueError(f"{path}, line {line}: {saw} fields, but the header has {expected}.")
    return ValueError(f"{path} cannot be read as CSV ({exc}); expected a header line and rows of "
                      "comma-separated values.")


def _check_field_counts(path, width):
    """Refuse a row with fewer fields than the header (pandas fills those with NaN without a word).

    A second, streaming look with the csv module; only called when the last column has gaps.
    """
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = (row for row in csv.reader(fh) if row)
        next(rows)
        for i, row in enumerate(rows):
            if len(row) != width:
                raise ValueError(f"{path}, line {i + 2}: {len(row)} fields, but the header has {width}.")


def read_csv_text(path, columns=None):
    """A CSV file (header line and rows) as a DataFrame of str cells exactly as written ("" when empty).

    ``columns`` limits the result to those columns (a second, cheaper look at a file).
    """
    _check_path(path)
    header = _read_header(path)
    frame = _pandas_read(path, header, dtype=str, keep_default_na=False, na_filter=False, usecols=columns)
    if columns is None:
        if frame.shape[1] and (frame.iloc[:, -1] == "").any():  # maybe short rows; "" is also an empty cell
            _check_field_counts(path, len(header))
        frame = frame[(frame != "").any(axis=1)] if frame.shape[1] else frame
    if frame.empty and columns is None:
        raise ValueError(f"{path} has a header but no rows.")
    return frame


def read_csv_rows(path):
    """Header and rows (lists of str) of a CSV file with a header line."""
    frame = read_csv_text(path)
    return list(frame.columns), frame.to_numpy().tolist()


# Every spelling of a missing value that pandas should turn into NaN while it parses; other spellings
# (" NA ") leave the column as text for the cell-by-cell reading below, which knows them all.
_NA_SPELLINGS = sorted({v for m in MISSING for v in (m, m.upper(), m.title(), m.capitalize())})


CHUNK_CELLS = 2_000_000  # cells parsed at a time: the parser's working memory stays small beside the result


class _Parsed:
    """A CSV file parsed by pandas in chunks: numeric columns as float64 arrays, the rest left as text.

    Attributes
    ----------
    header : list of str
    numbers : dict
        ``{name: float64 array}`` for the columns pandas parsed as numbers in every chunk (NaN where
        missing), ``{name: None}`` for the others, which :class:`_TextColumns` reads as written.
    integers : set of str
        The numeric columns that held only whole numbers written as such.
    rows : pandas.Index
        The data rows kept (rows with every cell missing are dropped), numbered from 0 after the header.
    """

    def __init__(self, path):
        import pandas as pd

        _check_path(path)
        self.path, self.header = path, _read_header(path)
        chunks = {name: [] for name in self.header}
        self.integers, rows, short_rows_possible = set(self.header), [], False
        size = max(1_000, CHUNK_CELLS // len(self.header))
        reader = _pandas_read(path, self.header, keep_default_na=False, na_values=_NA_SPELLINGS, chunksize=size)
        with reader:
            for chunk in _errors_named(path, reader):
                kept = ~chunk.isna().all(axis=1).to_numpy()
                rows.append(chunk.index[kept])
                short_rows_possible |= bool(chunk.iloc[:, -1].isna().any())  # pandas pads short rows with NaN
                for name in self.header:
                    column = chunk[name]
                    if column.dtype.kind != "i":
                        self.integers.discard(name)
                    if chunks[name] is None or column.dtype.kind not in "fiu":
                        chunks[name] = None
                    else:
                        chunks[name].append(column.to_numpy(dtype=np.float64)[kept])
                del chunk, column
        if short_rows_possible:
            _check_field_counts(path, len(self.header))
        self.rows = rows[0].append(rows[1:]) if rows else pd.RangeIndex(0)
        if not len(self.rows):
            raise ValueError(f"{path} has a header but no rows.")
        self.numbers = {}
        for name in self.header:  # one column at a time, so that chunks and result overlap by one column
            parts = chunks.pop(name)
            self.numbers[name] = None if parts is None else np.concatenate(parts)
        self.integers &= {n for n, v in self.numbers.items() if v is not None}


def _errors_named(path, reader):
    """The chunks of ``reader``, with parsing errors met on the way in glassnet's words."""
    import pandas as pd

    try:
        yield from reader
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None
    except pd.errors.ParserError as exc:
        raise _parser_error(path, exc) from None


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
    parsed = _Parsed(path)
    header, numbers = parsed.header, parsed.numbers
    if target is not None and target not in numbers:
        raise ValueError(f"{path} has no column {target!r} for the target; its columns are {header}.")
    text = _TextColumns(path, parsed.rows)
    if features is None:
        features = [(name, NUMERIC if numbers[name] is not None else _infer_kind(text[name]))
                    for name in header if name != target]
        if not features:
            raise ValueError(f"{path} has no feature columns besides the target {target!r}.")
    missing = [name for name, _ in features if name not in numbers]
    if missing:
        raise ValueError(f"{path} lacks {some(missing)} that the model was trained on.")
    columns = {name: _numeric(name, numbers[name], text) if kind == NUMERIC else _categorical_column(text[name])
               for name, kind in features}
    y = None
    if target is not None:
        if target in parsed.integers:  # whole numbers read as such: their text is what str() gives
            y = numbers[target].astype(np.int64).astype(str).astype(object)
        else:
            raw = text[target]
            empty = [i + 2 for i, c in enumerate(raw) if _is_missing(c)]
            if empty:
                raise ValueError(f"{path}: the target {target!r} is missing on lines {empty[:10]}; fill or drop "
                                 "those rows.")
            y = np.array([c.strip() for c in raw], dtype=object)
    del parsed, numbers
    name = os.path.basename(path)
    return Dataset(name, frame_from_columns(columns), features, y, target, source=f"CSV file {os.path.abspath(path)}")


class _TextColumns:
    """Columns of a CSV file as written (lists of str), each read on demand in one pass and kept.

    pandas parses numeric columns; the cells of the others, and of a numeric column with a bad value
    to report, come from here and go through the same cell-by-cell rules as always.
    """

    def __init__(self, path, rows):
        self.path, self.rows, self.cache = path, rows, {}

    def __getitem__(self, name):
        if name not in self.cache:
            column = read_csv_text(self.path, [name])[name]
            self.cache[name] = column.loc[self.rows].tolist()
        return self.cache[name]


def _numeric(name, values, text):
    """A numeric column as float64; a column pandas could not parse, or with a value out of range,
    is read cell by cell for the message naming the line."""
    if values is not None:
        present = values[~np.isnan(values)]
        if np.isfinite(present).all() and not (np.abs(present) > MAX_ABS_VALUE).any():
            return values
    return _numeric_column(name, text[name], text.path)


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
