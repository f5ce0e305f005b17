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
    p.add_argument("--all-rows", action="store_true",
                   help="score every row, even on the data the model was trained on (default: only the rows "
                        "it held out, its test rows or else its validation rows)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.set_defaults(run=run)


def _rows_to_score(model, data, args):
    """``(rows, description)``: on the data the model was trained on, the rows it held out (test rows,
    else validation rows), found again from the run's seed and fractions; otherwise every row."""
    import os

    from ..tabular import TrainConfig
    from ..tabular.run import split_dataset

    config = model.info.get("config")
    if not config or args.all_rows:
        return None, "every row"
    same = (args.data is not None and config.get("dataset") == args.data) or (
        args.csv is not None and config.get("csv") == os.path.abspath(args.csv) and model.target == data.target)
    if not same:
        return None, "every row; the model was trained on other data"
    parts = split_dataset(data, TrainConfig.from_json(config), model.task)
    part = "test" if len(parts["test"]) else "validation"
    if not len(parts[part]):
        return None, "every row, training rows included: the model held none out (--all-rows to silence this)"
    return parts[part], (f"the {part} rows the model held out in training; --all-rows scores all "
                         f"{len(data.y)}, training rows included")


def run(args) -> int:
    from ..tabular.data import data_for_model
    from ._data import load_model

    if args.target and not args.csv:
        raise ValueError("--target goes with --csv PATH; a bundled data set has its own target.")
    model = load_model(args.model)
    data = data_for_model(model.features, args.target or model.target, args.data, args.csv)
    rows, which = _rows_to_score(model, data, args)
    frame, y = (data.frame, data.y) if rows is None else (data.frame.iloc[rows], data.y[rows])
    result = model.evaluate(frame, y)
    if args.json:
        print(json.dumps({**result, "rows": which}, indent=2))
        return 0
    print(f"{data.name}: {result['n_samples']} rows ({which})")
    for key, value in result.items():
        if key not in ("n_samples", "per_class", "confusion_matrix"):
            print(f"  {key:<10} {value:.4f}")
    if "per_class" in result:
        print(f"  {'class':<16} precision  recall  support")
        for row in result["per_class"]:
            print(f"  {row['class'][:16]:<16} {row['precision']:9.3f} {row['recall']:7.3f} {row['support']:8d}")
    return 0
