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


def run(args) -> int:
    from ..nn import Sequential
    from ..persist import load
    from ..tabular.model import SPLITS, TabularModel

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
    print(f"{args.model}: a fitted {type(model).__name__}")
    print(json.dumps({k: v for k, v in model.get_params().items() if k != "callbacks"}, indent=2, default=str))
    return 0
