"""``glassnet evaluate MODEL DATA``: metrics of a trained model on a bundled set or a CSV file."""

from __future__ import annotations

import json


def add_parser(subparsers):
    p = subparsers.add_parser("evaluate", help="metrics of a trained model on data with known targets",
                              description="Evaluate MODEL on a bundled data set (DATA) or a CSV file (--csv).")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data", nargs="?", metavar="DATA", help="a bundled data set name, e.g. digits")
    p.add_argument("--csv", metavar="PATH")
    p.add_argument("--target", metavar="COLUMN", help="target column (default: the one the model was trained on)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..tabular.data import data_for_model
    from ._data import load_model

    model = load_model(args.model)
    data = data_for_model(model.features, args.target or model.target, args.data, args.csv)
    result = model.evaluate(data.frame, data.y)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{data.name}: {result['n_samples']} rows")
    for key, value in result.items():
        if key not in ("n_samples", "per_class", "confusion_matrix"):
            print(f"  {key:<10} {value:.4f}")
    if "per_class" in result:
        print(f"  {'class':<16} precision  recall  support")
        for row in result["per_class"]:
            print(f"  {row['class'][:16]:<16} {row['precision']:9.3f} {row['recall']:7.3f} {row['support']:8d}")
    return 0
