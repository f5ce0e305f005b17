"""``glassnet predict MODEL --csv IN --output OUT.csv``: predictions (and class probabilities)."""

from __future__ import annotations

import csv
import io as _io


def add_parser(subparsers):
    p = subparsers.add_parser("predict", help="write a trained model's predictions for a CSV file",
                              description="Predict with MODEL for each row of --csv IN; writes the predicted "
                                          "label or value and, for classifiers, one probability column per class.")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--csv", required=True, metavar="IN")
    p.add_argument("--output", required=True, metavar="OUT.csv")
    p.set_defaults(run=run)


def safe_cell(value):
    """``value`` for a CSV cell that a spreadsheet will not run as a formula: text starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (numbers such as ``-1``
    are left as they are)."""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def run(args) -> int:
    from ..serialize.atomic import atomic_write, refuse_inputs
    from ..tabular.data import data_for_model
    from ._data import load_model

    refuse_inputs(args.output, "--output", {"the model": args.model, "the input --csv": args.csv})
    model = load_model(args.model)
    X = model.transform(data_for_model(model.features, None, csv=args.csv).frame)
    labels = model.predict_matrix(X)
    buf = _io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header = [safe_cell(f"predicted_{model.target}")]
    if model.task == "classification":
        P = model.predict_proba_matrix(X)
        header += [safe_cell(f"probability_{c}") for c in model.classes]
        writer.writerow(header)
        for label, row in zip(labels, P):
            writer.writerow([safe_cell(label), *(repr(float(p)) for p in row)])
    else:
        writer.writerow(header)
        for value in labels:
            writer.writerow([repr(float(value))])
    atomic_write(args.output, buf.getvalue())
    print(f"wrote {len(labels)} predictions to {args.output}")
    return 0
