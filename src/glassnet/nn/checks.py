"""Input checks shared by every ring: each message says what was received and what is expected."""

from __future__ import annotations

import inspect
import numbers

import numpy as np

from . import backend as B
from .sparse import is_sparse

FLOAT_DTYPES = {"float32": np.float32, "float64": np.float64}


def as_float_dtype(dtype) -> np.dtype:
    """Return ``np.float32`` or ``np.float64`` for ``dtype``, or raise a ``ValueError``."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be 'float32' or 'float64', got {dtype!r}.") from exc
    if resolved not in (np.float32, np.float64):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}.")
    return resolved


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``; bools, floats and strings are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}.")
    return int(value)


def check_real(value, name: str, *, low=None, high=None, low_inclusive=True, high_inclusive=True) -> float:
    """``value`` as a finite Python float inside the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__}).")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value}.")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}, got {value}.")
    return value


def from_name(kind: str, table: dict, value, base: type, **kwargs):
    """The one way components are named: an instance of ``base`` is used as it is, a name in ``table``
    builds its class with ``kwargs``, and anything else is a ``ValueError`` listing the names."""
    if isinstance(value, base):
        if kwargs:
            raise TypeError(f"arguments {sorted(kwargs)} apply to a {kind} given by name, not to {value!r}.")
        return value
    if not isinstance(value, str) or value not in table:
        raise ValueError(f"Unknown {kind} {value!r}; expected one of {sorted(table)}.")
    cls = table[value]
    accepted = list(inspect.signature(cls).parameters)
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise TypeError(f"{cls.__name__} got unknown arguments {unknown}; it takes {accepted}.")
    return cls(**kwargs)


def describe_shape(sample_shape) -> str:
    """``(n_samples, 4)`` for a per-sample shape ``(4,)``; ``(n_samples, 1, 40)`` for ``(1, 40)``."""
    return "(" + ", ".join(["n_samples", *map(str, sample_shape)]) + ")"


def check_X(X, *, input_shape: tuple | None = None, dtype=np.float64, name: str = "X") -> np.ndarray:
    """Validate a batch of samples and return it as a C-contiguous array of ``dtype``.

    ``input_shape`` is the shape of one sample (``(n_features,)`` for rows); ``None`` accepts any
    array of at least two dimensions. No copy is made when ``X`` already is a C-contiguous array of
    ``dtype``. A SciPy sparse matrix or array of rows is returned as CSR of ``dtype`` (see
    :mod:`glassnet.nn.sparse`).

    An array of another library implementing the array API (CuPy, PyTorch...) is checked where it
    lives and returned in its own library and device.
    """
    if is_sparse(X):
        return check_sparse_X(X, input_shape=input_shape, dtype=dtype, name=name)
    if B.is_foreign(X):
        return _check_foreign_X(X, input_shape, dtype, name)
    if not (B.is_array(X) or X is None or isinstance(X, (list, tuple, numbers.Number, str, bytes)) or hasattr(X, "__array__")) \
            and np.asarray(X, dtype=object).ndim == 0:
        raise TypeError(
            f"{name} is a {type(X).__module__}.{type(X).__qualname__}, which is neither a NumPy array (or "
            "anything NumPy converts, such as lists and DataFrames) nor an array of a library implementing "
            "the Python array API (such as CuPy or PyTorch)."
        )
    if isinstance(X, np.ndarray) and X.dtype == object or not isinstance(X, np.ndarray) and _is_ragged(X):
        raise ValueError(f"{name} must be a 2-D array of numbers; got an object or ragged array.")
    try:
        arr = np.asarray(X)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(f"{name} must be a 2-D array of numbers; got a ragged sequence.") from exc
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must contain numbers, got an array of dtype {arr.dtype} "
            "(encode strings and categories as numbers first)."
        )
    rows = input_shape is None or len(input_shape) == 1
    if rows and arr.ndim != 2 and (input_shape is not None or arr.ndim < 2):
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features), got shape {arr.shape}. "
            "Reshape a single feature with X.reshape(-1, 1) or a single sample with X.reshape(1, -1)."
        )
    if not rows and arr.ndim != len(input_shape) + 1:
        raise ValueError(
            f"{name} must be {len(input_shape) + 1}-D of shape {describe_shape(input_shape)}, got shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has 0 samples (shape {arr.shape}); at least 1 is required.")
    if input_shape is not None and arr.shape[1:] != tuple(input_shape):
        if rows:
            raise ValueError(f"{name} has {arr.shape[1]} features, but this network expects {input_shape[0]}.")
        raise ValueError(
            f"{name} has samples of shape {arr.shape[1:]}, but this network expects {tuple(input_shape)} "
            f"(X of shape {describe_shape(input_shape)})."
        )
    check_scale(arr, dtype, name)
    return np.ascontiguousarray(arr, dtype=dtype)


def _check_foreign_X(X, input_shape, dtype, name):
    xp = B.namespace(X)
    if not xp.isdtype(X.dtype, ("bool", "integral", "real floating")):
        raise ValueError(f"{name} must contain real numbers, got an array of dtype {X.dtype}.")
    shape = tuple(X.shape)
    rows = input_shape is None or len(input_shape) == 1
    if rows and len(shape) != 2 and (input_shape is not None or len(shape) < 2):
        raise ValueError(f"{name} must be 2-D of shape (n_samples, n_features), got shape {shape}.")
    if not rows and len(shape) != len(input_shape) + 1:
        raise ValueError(
            f"{name} must be {len(input_shape) + 1}-D of shape {describe_shape(input_shape)}, got shape {shape}."
        )
    if shape[0] == 0:
        raise ValueError(f"{name} is empty: it has 0 samples (shape {shape}); at least 1 is required.")
    if input_shape is not None and shape[1:] != tuple(input_shape):
        if rows:
            raise ValueError(f"{name} has {shape[1]} features, but this network expects {input_shape[0]}.")
        raise ValueError(f"{name} has samples of shape {shape[1:]}, but this network expects {tuple(input_shape)}.")
    X = xp.astype(X, B.dtype_in(xp, dtype), copy=False)
    lo, hi = float(xp.min(X)), float(xp.max(X))  # two reductions where X lives; NaN propagates
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} contains NaN or infinity; remove or impute those values.")
    limit = max_abs_input(dtype)
    if max(abs(lo), abs(hi)) > limit:
        raise ValueError(
            f"{name} holds a value too large to train or predict on safely ({max(abs(lo), abs(hi)):.3g}; the "
            f"limit for {np.dtype(dtype).name} is {limit:.3g}): the inputs look unscaled. Standardise them first."
        )
    return X


def check_scale(arr: np.ndarray, dtype=np.float64, name: str = "X") -> None:
    """Refuse NaN, infinity and values too large for ``dtype`` arithmetic (see :func:`max_abs_input`).

    ``arr`` is a numeric array; the check makes no temporary copy of it.
    """
    if not arr.size:
        return
    # min and max make no temporary copy of X (NaN propagates through both), so checking a large data
    # set costs two passes over it and no memory.
    lo, hi = arr.min(), arr.max()
    if arr.dtype.kind == "f" and not (np.isfinite(lo) and np.isfinite(hi)):
        # Checked before the cast, so the message shows the value the caller passed.
        bad = tuple(np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} contains NaN or infinity (first at {_where(bad)}: {arr[bad]}); "
                         "remove or impute those values.")
    limit = max_abs_input(dtype)
    biggest = max(abs(float(lo)), abs(float(hi)))
    if biggest > limit:
        bad = tuple(np.argwhere(np.abs(arr.astype(np.float64)) == biggest)[0])
        raise ValueError(
            f"{name} holds a value too large to train or predict on safely ({float(arr[bad]):.3g} at "
            f"{_where(bad)}; the limit for {np.dtype(dtype).name} is {limit:.3g}): the inputs look unscaled. "
            "Standardise them first, e.g. with sklearn.preprocessing.StandardScaler."
        )


def check_sparse_X(X, *, input_shape=None, dtype=np.float64, name="X"):
    """Validate a sparse batch of rows and return it as CSR of ``dtype`` (no copy when it already is)."""
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D of shape (n_samples, n_features), got a sparse {X.ndim}-D {X.format}.")
    if input_shape is not None and len(input_shape) != 1:
        raise ValueError(
            f"{name} is a sparse matrix, which holds rows of features, but this network expects samples of shape "
            f"{tuple(input_shape)}; pass a dense array."
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{name} must contain numbers, got a sparse matrix of dtype {X.dtype}.")
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has 0 samples (shape {X.shape}); at least 1 is required.")
    if input_shape is not None and X.shape[1] != input_shape[0]:
        raise ValueError(f"{name} has {X.shape[1]} features, but this network expects {input_shape[0]}.")
    X = X.tocsr() if X.format != "csr" else X
    check_sparse_scale(X, dtype, name)
    return X.astype(dtype, copy=False)


def check_sparse_scale(X, dtype=np.float64, name="X") -> None:
    """:func:`~glassnet.nn.checks.check_scale` for the stored values of a sparse matrix."""
    data = X.data
    if not data.size:
        return
    lo, hi = data.min(), data.max()
    if data.dtype.kind == "f" and not (np.isfinite(lo) and np.isfinite(hi)):
        row, col = _position(X, np.flatnonzero(~np.isfinite(data))[0])
        raise ValueError(f"{name} contains NaN or infinity (first at row {row}, column {col}); "
                         "remove or impute those values.")
    limit = max_abs_input(dtype)
    biggest = max(abs(float(lo)), abs(float(hi)))
    if biggest > limit:
        row, col = _position(X, np.flatnonzero(np.abs(data.astype(np.float64)) == biggest)[0])
        raise ValueError(
            f"{name} holds a value too large to train or predict on safely ({biggest:.3g} at row {row}, column "
            f"{col}; the limit for {np.dtype(dtype).name} is {limit:.3g}): the inputs look unscaled. Scale them "
            "first, e.g. with sklearn.preprocessing.MaxAbsScaler, which keeps them sparse."
        )


def _position(X, k):
    """Row and column of the ``k``-th stored value of a CSR or CSC matrix."""
    X = X.tocsr()
    row = int(np.searchsorted(X.indptr, k, side="right") - 1)
    return row, int(X.indices[k])


def _where(index) -> str:
    if len(index) == 2:
        return f"row {index[0]}, column {index[1]}"
    if len(index) == 1:
        return f"position {index[0]}"
    return f"sample {index[0]}, position {tuple(int(i) for i in index[1:])}"


def max_abs_input(dtype) -> float:
    """The largest input magnitude ``check_X`` accepts for ``dtype``: the square root of the largest
    finite number, divided by 1024.

    Products and squares of inputs this size (a layer's ``X @ W``, its weight gradient ``X.T @ dY``,
    a squared error, a variance) stay finite; beyond it a single step can overflow to infinity.
    """
    return float(np.sqrt(np.finfo(dtype).max)) / 1024.0


def _is_ragged(X) -> bool:
    if isinstance(X, (list, tuple)) and X and all(isinstance(row, (list, tuple, np.ndarray)) for row in X):
        return len({len(row) for row in X}) > 1
    return False
