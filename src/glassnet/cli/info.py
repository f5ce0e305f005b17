"""``glassnet info MODEL``: what a saved model is, what it was trained on, and how well it did."""

from __future__ import annotations

import json


def add_parser(subparsers):
    p = subparsers.add_parser("info", help="describe a saved model: architecture, training data, metrics")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--json", action="store_true", help="print the model's record as JSON")
    p.set_defaults(run=run)


def _print_section(title, mapping):
    print(f"{title}:")
    for key, value in mapping.items():
        if isinstance(value, float):
            value = f"{value:.4g}"
        elif isinstance(value, list) and len(value) > 12:
            value = ", ".join(map(str, value[:12])) + f", ... ({len(value)} in all)"
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        print(f"  {key}: {value}")


def _checkpoint_info(path, meta, as_json) -> int:
    """A training checkpoint: how far its run got, and how to continue it."""
    import os

    config, history = meta.get("config", {}), meta.get("history", {})
    done, total = meta.get("epochs_done"), config.get("epochs")
    best = (meta.get("callbacks", {}).get("early_stopping") or meta.get("callbacks", {}).get("keep_best") or {})
    summary = {"epochs done": done, "epochs in all": total, "finished": meta.get("finished"),
               "stopped because": meta.get("stop_reason") or ("ran all epochs" if meta.get("finished") else "-"),
               "best epoch so far": None if best.get("best_epoch") is None else best["best_epoch"] + 1,
               "training time (s)": meta.get("elapsed_s")}
    last = {key: values[-1] for key, values in history.items() if values}
    if as_json:
        print(json.dumps({"checkpoint": summary, "last epoch": last, "config": config}, indent=2))
        return 0
    folder = os.path.dirname(path) or "."
    print(f"{path}: a glassnet training checkpoint after epoch {done} of {total}")
    _print_section("progress", summary)
    if last:
        _print_section(f"epoch {done}", last)
    _print_section("hyperparameters", config)
    if not meta.get("finished"):
        print(f"continue it with: glassnet train --resume {folder}")
    return 0


def _estimator_info(path, model, as_json) -> int:
    """A saved MLPClassifier/MLPRegressor: its network, classes, training summary and parameters."""
    params = {k: v for k, v in model.get_params().items() if k != "callbacks"}
    classes = [str(c) for c in getattr(model, "classes_", [])]
    training = {"epochs run": getattr(model, "n_iter_", None), "final training loss": getattr(model, "loss_", None),
                "best validation score": getattr(model, "best_validation_score_", None),
                "inputs": getattr(model, "n_features_in_", None), "outputs": getattr(model, "n_outputs_", None)}
    training = {k: (float(v) if hasattr(v, "dtype") else v) for k, v in training.items() if v is not None}
    if as_json:
        print(json.dumps({"kind": type(model).__name__, "classes": classes, "training": training,
                          "parameters": params}, indent=2, default=str))
        return 0
    net = model._net
    print(f"{path}: a fitted glassnet {type(model).__name__}")
    print(f"architecture ({net.n_params} parameters):")
    for line in repr(net).splitlines():
        print(f"  {line}")
    if classes:
        _print_section("classes", {"labels": classes})
    _print_section("training", training)
    _print_section("parameters", params)
    return 0


def run(args) -> int:
    from ..nn import Sequential
    from ..persist import load
    from ..serialize.container import read_file
    from ..tabular.model import SPLITS, TabularModel

    kind, meta, _ = read_file(args.model)
    if kind == "checkpoint":
        return _checkpoint_info(args.model, meta, args.json)
    model = load(args.model)
    if isinstance(model, TabularModel):
        info = model.info
        if args.json:
            print(json.dumps({k: v for k, v in info.items() if k != "history"}, indent=2))
            return 0
        print(f"{args.model}: a glassnet {model.task} model predicting {model.target!r}")
        print(f"architecture ({model.net.n_params} parameters):")
        for line in repr(model.net).splitlines():
            print(f"  {line}")
        feats = [f"{n} ({k})" for n, k in model.features]
        n_inputs = len(model.preprocessor.get_feature_names_out())
        _print_section("inputs", {"columns": feats, "after preprocessing": n_inputs})
        if model.classes:
            _print_section("classes", {"labels": model.classes})
        _print_section("training data", info.get("data", {}))
        _print_section("hyperparameters", info.get("config", {}))
        res = info.get("metrics", {})
        summary = {k: v for k, v in res.items() if not isinstance(v, dict)}
        for part in SPLITS:
            for key, value in res.get(part, {}).items():
                if key not in ("per_class", "confusion_matrix"):
                    summary[f"{part} {key}"] = value
        _print_section("metrics", summary)
        _print_section("versions", info.get("versions", {}))
        return 0
    if isinstance(model, Sequential):
        print(f"{args.model}: a glassnet Sequential network ({model.n_params} parameters)")
        print(repr(model))
        return 0
    return _estimator_info(args.model, model, args.json)
