"""The ``layers`` parameter of :class:`NeuralNetClassifier` and :class:`NeuralNetRegressor`.

``layers`` is a list of glassnet layers, or a function ``layers(input_shape, n_outputs, **params)``
that returns one for the data at hand. The function's arguments are estimator parameters named
``layers__NAME`` (skorch's ``module__NAME``, scikeras' ``model__NAME``), so ``GridSearchCV`` and
``set_params`` reach them like any other parameter::

    def cnn(input_shape, n_outputs, channels=8):
        return [Conv1D(input_shape[0], channels, 3), ReLU(), Flatten(), Dense(..., n_outputs)]

    GridSearchCV(NeuralNetClassifier(cnn, input_shape=(1, 40)), {"layers__channels": [8, 16]})

The estimator never trains the layer objects it was given: it trains deep copies, so that fitting
leaves its parameters as they were (scikit-learn's contract) and one list can serve many fits.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from ..nn.checks import check_positive_int
from ..nn.layers import Layer

LAYER_PREFIX = "layers__"


def layer_params(est) -> dict:
    """The ``layers__NAME`` parameters set on ``est``."""
    return dict(est.__dict__.get("_layer_params", {}))


def store_layer_params(est, params) -> None:
    """Keep ``layers__NAME`` parameters (from ``__init__`` or ``set_params``), refuse any other name.

    They live in one private dict rather than as attributes: scikit-learn's checks allow ``__init__``
    to set no public attribute that is not in its signature.
    """
    for key in params:
        if not key.startswith(LAYER_PREFIX) or key == LAYER_PREFIX:
            raise TypeError(
                f"{type(est).__name__} got an unexpected keyword argument {key!r}; arguments of a layers "
                f"function are given as {LAYER_PREFIX}NAME, e.g. {LAYER_PREFIX}channels=16."
            )
    est._layer_params = {**est.__dict__.get("_layer_params", {}), **params}


def check_layer_params(est) -> None:
    """Refuse a ``layers`` that is neither a list of layers nor a function, and ``layers__`` arguments
    that the function does not take."""
    name = type(est).__name__
    layers, params = est.layers, layer_params(est)
    if isinstance(layers, (list, tuple)):
        if params:
            raise ValueError(
                f"{name} was given {sorted(params)}, but its layers are a fixed list: only a function "
                f"layers(input_shape, n_outputs, **params) takes {LAYER_PREFIX}NAME arguments."
            )
        return
    if not callable(layers) or isinstance(layers, (type, Layer)):
        raise TypeError(
            f"{name}'s layers must be a list of glassnet layers or a function "
            f"(input_shape, n_outputs, **params) returning one, got {layers!r}."
        )
    kwargs = {k[len(LAYER_PREFIX):]: v for k, v in params.items()}
    try:
        inspect.signature(layers).bind((1,), 1, **kwargs)
    except TypeError as exc:
        raise TypeError(
            f"{name}'s layers function {_describe(layers)} cannot be called as "
            f"layers(input_shape, n_outputs{''.join(f', {k}=...' for k in kwargs)}): {exc}."
        ) from None
    except ValueError:  # no signature to check (a builtin): the call itself will say
        pass


def build_layers(est, input_shape, n_outputs) -> list:
    """Fresh layer objects for one fit: copies of the list, or the function's result."""
    layers = est.layers
    if callable(layers) and not isinstance(layers, (list, tuple)):
        kwargs = {k[len(LAYER_PREFIX):]: v for k, v in layer_params(est).items()}
        layers = layers(tuple(input_shape), n_outputs, **kwargs)
        if not isinstance(layers, (list, tuple)):
            raise TypeError(
                f"{type(est).__name__}'s layers function {_describe(est.layers)} must return a list of "
                f"glassnet layers, got {type(layers).__name__}."
            )
    for i, layer in enumerate(layers):
        if isinstance(layer, type) and issubclass(layer, Layer):
            raise TypeError(
                f"layers[{i}] is the class {layer.__name__}, not a layer: write {layer.__name__}(...) with "
                "its arguments."
            )
    return copy.deepcopy(list(layers))


def as_rows(est, X, reset):
    """``X`` as rows for scikit-learn's checks, and the sample shape it came in.

    ``X`` may be ``(n_samples, *input_shape)`` or rows of ``prod(input_shape)`` values (what a
    ``Pipeline`` or a DataFrame gives); samples of more than one axis are flattened as a view.
    """
    expected = _expected_shape(est, reset)
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) <= 2 or not isinstance(X, np.ndarray):
        # At prediction, rows of the wrong width get scikit-learn's own message from validate_data.
        if expected is not None and shape is not None and len(shape) == 2 and (reset or len(expected) > 1):
            n_values = int(np.prod(expected))
            if shape[1] != n_values:
                raise ValueError(
                    f"X has {shape[1]} features, but {type(est).__name__} expects samples of shape {expected} "
                    f"({n_values} values): give X of shape (n_samples, {', '.join(map(str, expected))}) or "
                    f"(n_samples, {n_values})."
                )
        return X, expected
    sample_shape = tuple(shape[1:])
    if expected is not None and sample_shape != tuple(expected):
        raise ValueError(
            f"X has samples of shape {sample_shape}, but {type(est).__name__} expects {tuple(expected)}"
            f"{' (input_shape)' if reset else ' (it was fitted on them)'}."
        )
    return X.reshape(shape[0], -1), sample_shape


def _expected_shape(est, reset):
    if not reset:
        return getattr(est, "input_shape_", None)
    if est.input_shape is None:
        return None
    if not est.input_shape:
        raise ValueError(f"input_shape must be the shape of one sample, such as (1, 40), got {est.input_shape!r}.")
    return tuple(check_positive_int(n, "input_shape entries") for n in est.input_shape)


def _describe(fn) -> str:
    name = getattr(fn, "__qualname__", None) or repr(fn)
    try:
        return f"{name}{inspect.signature(fn)}"
    except (TypeError, ValueError):
        return name
