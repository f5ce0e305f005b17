"""Estimators in glassnet files: their parameters, fitted attributes and weights as plain data."""

from __future__ import annotations

import copy
import json

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..nn.backend import to_numpy
from ..nn.checks import FLOAT_DTYPES
from ..serialize.container import ModelFileError, jsonable
from ..serialize.network import network_from_state, network_state
from ..training import History
from ._layers import LAYER_PREFIX

# The estimator classes a file may name; looked up here, never imported from a name in the file.
ESTIMATOR_CLASSES = ("MLPClassifier", "MLPRegressor", "NeuralNetClassifier", "NeuralNetRegressor")


def _classes():
    from .classifier import MLPClassifier, NeuralNetClassifier
    from .regressor import MLPRegressor, NeuralNetRegressor

    return {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor,
            "NeuralNetClassifier": NeuralNetClassifier, "NeuralNetRegressor": NeuralNetRegressor}


def _has_layers_param(cls) -> bool:
    """NeuralNet estimators: their ``layers`` (objects or code) are saved as the fitted network's layer
    configs, and rebuilt from them on loading."""
    return "layers" in cls._get_param_names()


def estimator_state(est):
    """``(meta, arrays)`` for a fitted estimator: its class, parameters and fitted state."""
    name = type(est).__name__
    if _classes().get(name) is not type(est):
        raise TypeError(f"glassnet.save takes glassnet's {' and '.join(ESTIMATOR_CLASSES)}, got {name}.")
    params = {k: _encode_param(v) for k, v in est.get_params(deep=False).items()
              if k != "callbacks" and not (_has_layers_param(type(est)) and (k == "layers" or k.startswith(LAYER_PREFIX)))}
    try:
        json.dumps(params, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"cannot save this {name}: its parameters must be plain values (numbers, strings, None, "
            f"lists, NumPy numbers and arrays, a RandomState), but {exc}."
        ) from None
    meta, arrays = fitted_state(est)
    return {"class": name, "params": params, "state": meta}, {f"state.{k}": v for k, v in arrays.items()}


def estimator_from_state(meta, arrays, path="<model>"):
    """The fitted estimator :func:`estimator_state` described."""
    name = meta.get("class") if isinstance(meta, dict) else None
    cls = _classes().get(name) if isinstance(name, str) else None
    if cls is None:
        raise ModelFileError(path, "corrupted", f"it holds an estimator of class {name!r}, which this glassnet "
                             f"cannot load (it loads {list(ESTIMATOR_CLASSES)} from glassnet.estimators).")
    try:
        params = {k: _decode_param(v) for k, v in meta["params"].items()}
        if _has_layers_param(cls):
            params["layers"] = None  # the fitted network's layers, below
        est = cls(**params)
        state_arrays = {k[len("state."):]: v for k, v in arrays.items() if k.startswith("state.")}
        set_fitted_state(est, meta["state"], state_arrays, path)
        if _has_layers_param(cls):
            # fresh copies: refitting the loaded estimator trains the same architecture
            est.layers = copy.deepcopy(est._net.layers)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelFileError(path, "corrupted", f"the {name} it describes cannot be rebuilt ({exc!r}).") from None
    return est


STATE_SCALARS = (
    "n_iter_", "t_", "n_outputs_", "n_layers_", "out_activation_", "n_features_in_", "loss_",
    "best_loss_", "best_validation_score_", "best_validation_loss_",
)
STATE_LISTS = ("loss_curve_", "validation_scores_", "validation_loss_curve_")


def fitted_state(est):
    """``(meta, arrays)``: plain JSON and arrays that rebuild a fitted estimator with
    :func:`set_fitted_state` on ``type(est)(**est.get_params())``."""
    check_is_fitted(est)
    meta = {"estimator": type(est).__name__, "dtype": np.dtype(est._net.dtype).name}
    for name in STATE_SCALARS + STATE_LISTS:
        if hasattr(est, name):
            meta[name] = jsonable(getattr(est, name))
    if _has_layers_param(type(est)):
        meta["network"], net_arrays = network_state(est._net)  # whatever the network keeps (weights, ...)
        arrays = {f"network.{k}": v for k, v in net_arrays.items()}
    else:
        arrays = {"weights": np.array(to_numpy(est._net.flat_params))}  # files hold host NumPy arrays
    if hasattr(est, "feature_names_in_"):
        arrays["feature_names_in"] = np.asarray(est.feature_names_in_, dtype=str)
    est._get_extra_state(meta, arrays)
    return meta, arrays


def set_fitted_state(est, meta, arrays, path="<model>"):
    """Restore what :func:`fitted_state` returned; the estimator then predicts as the original."""
    if meta.get("estimator") != type(est).__name__:
        raise ValueError(f"this state belongs to a {meta.get('estimator')}, not a {type(est).__name__}.")
    for name in STATE_SCALARS + STATE_LISTS:
        if name in meta:
            value = meta[name]
            setattr(est, name, list(value) if isinstance(value, list) else value)
    if "feature_names_in" in arrays:
        est.feature_names_in_ = np.asarray(arrays["feature_names_in"]).astype(object)
    est._set_extra_state(meta, arrays)
    dtype = FLOAT_DTYPES[meta["dtype"]]
    if "network" in meta:  # layer configs, rebuilt by the one network loader
        net_arrays = {k[len("network."):]: np.asarray(v) for k, v in arrays.items() if k.startswith("network.")}
        est._net = network_from_state(meta["network"], net_arrays, path)
        if est._net.input_shape is None:
            raise ValueError("the network it holds has no input shape.")
        est.input_shape_ = tuple(est._net.input_shape)
    else:
        widths = [int(est.n_features_in_), *est._hidden_sizes(), int(est.n_outputs_)]
        expected = sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
        stored = np.asarray(arrays["weights"]).size
        if expected != stored:  # checked before allocating anything of the described size
            raise ValueError(f"the layer sizes {widths} need {expected} weights, but the state holds {stored}.")
        est.input_shape_ = (int(est.n_features_in_),)
        est._net = est._build_network(est.input_shape_, est.n_outputs_, dtype, 0)
        est._net.set_weights(np.asarray(arrays["weights"], dtype=dtype))
    est._rng = np.random.default_rng()
    est._history = History()
    est._bind_attributes()
    return est


def _encode_param(value):
    """A parameter as plain JSON. A dict (``class_weight``) becomes ``{"__items__": [[key, value], ...]}``,
    because JSON objects only have string keys and class labels are often integers; a
    ``numpy.random.RandomState`` (``random_state`` from a search over SciPy distributions) becomes
    ``{"__random_state__": {...}}``, its Mersenne Twister state at saving time. NumPy scalars and arrays
    become numbers and lists."""
    if isinstance(value, dict):
        return {"__items__": [[jsonable(k), jsonable(v)] for k, v in value.items()]}
    if isinstance(value, np.random.RandomState):
        kind, keys, pos, has_gauss, cached_gaussian = value.get_state()
        return {"__random_state__": {"kind": kind, "keys": keys.tolist(), "pos": int(pos),
                                     "has_gauss": int(has_gauss), "cached_gaussian": float(cached_gaussian)}}
    return jsonable(value)


def _decode_param(value):
    if isinstance(value, dict) and set(value) == {"__items__"} and isinstance(value["__items__"], list):
        return {k: v for k, v in value["__items__"]}
    if isinstance(value, dict) and set(value) == {"__random_state__"}:
        return _random_state(value["__random_state__"])
    return value


def _random_state(state):
    """The ``RandomState`` :func:`_encode_param` described; ``ValueError`` for anything else."""
    if not isinstance(state, dict) or state.get("kind") != "MT19937":
        raise ValueError("random_state holds an unknown generator state (expected MT19937).")
    keys = state.get("keys")
    if not (isinstance(keys, list) and len(keys) == 624
            and all(isinstance(k, int) and not isinstance(k, bool) and 0 <= k < 2**32 for k in keys)):
        raise ValueError("random_state's generator state must hold 624 unsigned 32-bit keys.")
    pos, has_gauss, cached = state.get("pos"), state.get("has_gauss"), state.get("cached_gaussian")
    if not (isinstance(pos, int) and 0 <= pos <= 624 and has_gauss in (0, 1) and isinstance(cached, float)):
        raise ValueError("random_state's generator state has an invalid position or cached value.")
    rng = np.random.RandomState()
    rng.set_state(("MT19937", np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    return rng


__all__ = ["estimator_from_state", "estimator_state"]
