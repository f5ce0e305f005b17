"""A playground setup as plain data: checked field by field, so that anything the page (or a link)
sends is either a valid setup or refused with a message naming the field and what it accepts.

The same dictionary is the page's URL (``#dataset=spiral&layers=8,8&...``), the body of ``set``
commands and what the exported code rebuilds.
"""

from __future__ import annotations

import dataclasses
import math
import numbers

from ..nn.layers.activations import ACTIVATIONS
from ..optim.optimizers import OPTIMIZERS
from .data import FEATURES, GENERATORS

MAX_LAYERS = 8       # hidden layers
MAX_NEURONS = 16     # per hidden layer
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name not in ("softmax", "logistic"))
REGULARIZATIONS = ("none", "l1", "l2")
PROBLEMS = ("classification", "regression")
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything that defines a run. Defaults are TensorFlow Playground's."""

    dataset: str = "circle"
    problem: str = "classification"
    noise: int = 0                  # percent, 0..50
    train_percent: int = 50         # 10..90
    seed: int = 1
    features: tuple = ("x1", "x2")
    layers: tuple = (4, 2)          # neurons per hidden layer
    activations: tuple = ("tanh", "tanh")
    learning_rate: float = 0.03
    optimizer: str = "sgd"
    batch_size: int = 10
    regularization: str = "none"
    regularization_rate: float = 0.0
    dropout: float = 0.0            # after every hidden layer, 0..0.9
    show_test: bool = False
    discretize: bool = False

    # the fields whose change builds new data or a new network (the others apply while training)
    REBUILD = ("dataset", "problem", "noise", "train_percent", "seed", "features", "layers", "activations",
               "optimizer", "dropout")

    @classmethod
    def from_dict(cls, given: dict, base: Settings | None = None) -> Settings:
        """``base`` (the defaults when None) with the fields in ``given`` changed, every one checked."""
        if not isinstance(given, dict):
            raise ValueError(f"settings must be a JSON object, got {type(given).__name__}.")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(given) - fields)
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown}; known settings are {sorted(fields)}.")
        values = dataclasses.asdict(base or cls())
        values.update(given)
        v = values
        _choice(v["dataset"], "dataset", (*GENERATORS, "csv"))
        _choice(v["problem"], "problem", PROBLEMS)
        if v["dataset"] != "csv" and GENERATORS[v["dataset"]][1] != v["problem"]:
            names = [name for name, (_, problem, _) in GENERATORS.items() if problem == v["problem"]]
            raise ValueError(f"dataset {v['dataset']!r} is not a {v['problem']} set; "
                             f"{v['problem']} sets are {names}.")
        v["noise"] = _integer(v["noise"], "noise", 0, 50)
        v["train_percent"] = _integer(v["train_percent"], "train_percent", 10, 90)
        v["seed"] = _integer(v["seed"], "seed", 0, 2**31 - 1)
        v["features"] = tuple(_list(v["features"], "features"))
        for name in v["features"]:
            _choice(name, "feature", FEATURES)
        if not v["features"] or len(set(v["features"])) != len(v["features"]):
            raise ValueError(f"features must name each input at most once and at least one, got "
                             f"{list(v['features'])}; inputs are {list(FEATURES)}.")
        v["features"] = tuple(name for name in FEATURES if name in v["features"])  # the page's order
        v["layers"] = tuple(_integer(n, "neurons in a layer", 1, MAX_NEURONS) for n in _list(v["layers"], "layers"))
        if len(v["layers"]) > MAX_LAYERS:
            raise ValueError(f"at most {MAX_LAYERS} hidden layers, got {len(v['layers'])}.")
        acts = tuple(_list(v["activations"], "activations"))
        if "activations" not in given and len(acts) != len(v["layers"]):
            acts = (acts[0] if acts else "tanh",) * len(v["layers"])  # layers changed alone: extend
        if len(acts) != len(v["layers"]):
            raise ValueError(f"activations must give one name per hidden layer ({len(v['layers'])}), "
                             f"got {len(acts)}.")
        for name in acts:
            _choice(name, "activation", HIDDEN_ACTIVATIONS)
        v["activations"] = acts
        if v["dataset"] == "rbf-1d":  # the tutorial's network: y = logistic(rbf(x1 wh) + bo), nothing else
            v["features"], v["layers"], v["activations"], v["dropout"] = ("x1",), (1,), ("rbf",), 0.0
        v["learning_rate"] = _real(v["learning_rate"], "learning_rate", 1e-6, 10.0)
        _choice(v["optimizer"], "optimizer", OPTIMIZERS)
        v["batch_size"] = _integer(v["batch_size"], "batch_size", 1, 1000)
        _choice(v["regularization"], "regularization", REGULARIZATIONS)
        v["regularization_rate"] = _real(v["regularization_rate"], "regularization_rate", 0.0, 10.0)
        v["dropout"] = _real(v["dropout"], "dropout", 0.0, 0.9)
        for name in ("show_test", "discretize"):
            if not isinstance(v[name], bool):
                raise ValueError(f"{name} must be true or false, got {v[name]!r}.")
        return cls(**v)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    def changes_rebuild(self, other: Settings) -> bool:
        """Whether going from ``self`` to ``other`` needs new data or a new network."""
        return any(getattr(self, name) != getattr(other, name) for name in self.REBUILD)


def _choice(value, name, allowed):
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}.")


def _list(value, name):
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list, got {value!r}.")
    return value


def _integer(value, name, low, high) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}.")
    return int(value)


def _real(value, name, low, high) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}.")
    return float(value)
