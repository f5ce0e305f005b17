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
    p.add_argument("--output", required=True, metavar="OUT.csv",
                   help="the CSV file to write (its folder is created if needed), or - for standard output")
    p.add_argument("--keep", metavar="COLUMNS", default="",
                   help="columns of the input to copy into the output before the predictions, such as an id: "
                        "--keep id or --keep id,name")
    p.set_defaults(run=run)


def _kept_columns(path, names):
    """``(names, rows of values)`` of the input's columns ``names``, as written in the file."""
    from ..tabular.data import read_csv_rows, some

    header, rows = read_csv_rows(path)
    absent = [n for n in names if n not in header]
    if absent:
        raise ValueError(f"--keep: {path} has no {some(absent)[4:]}; its columns are {header[:20]}"
                         + (f" and {len(header) - 20} more" if len(header) > 20 else "") + ".")
    index = [header.index(n) for n in names]
    return [[row[i] for i in index] for row in rows]


def _warn_unseen(model, frame):
    import sys

    for column, counts in model.preprocessor.unseen(frame).items():
        listed = ", ".join(f"{c!r}: {n}" for c, n in list(counts.items())[:5])
        more = f" and {len(counts) - 5} more" if len(counts) > 5 else ""
        print(f"glassnet: warning: column {column!r} has {sum(counts.values())} rows with categories the model "
              f"never saw in training ({listed}{more}); they are encoded as no known category.", file=sys.stderr)


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
    import os
    import sys

    from ..serialize.atomic import atomic_write, refuse_inputs
    from ..tabular.data import data_for_model
    from ._data import load_model

    if args.output != "-":
        refuse_inputs(args.output, "--output", {"the model": args.model, "the input --csv": args.csv})
    model = load_model(args.model)
    keep = [name.strip() for name in args.keep.split(",") if name.strip()]
    kept = _kept_columns(args.csv, keep) if keep else None
    frame = data_for_model(model.features, None, csv=args.csv).frame
    _warn_unseen(model, frame)
    X = model.transform(frame)
    labels = model.predict_matrix(X)
    buf = _io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header = [safe_cell(name) for name in keep] + [safe_cell(f"predicted_{model.target}")]
    kept = kept or [[]] * len(labels)
    if model.task == "classification":
        P = model.predict_proba_matrix(X)
        header += [safe_cell(f"probability_{c}") for c in model.classes]
        writer.writerow(header)
        for extra, label, row in zip(kept, labels, P):
            writer.writerow([*extra, safe_cell(label), *(repr(float(p)) for p in row)])
    else:
        writer.writerow(header)
        for extra, value in zip(kept, labels):
            writer.writerow([*extra, repr(float(value))])
    if args.output == "-":
        sys.stdout.write(buf.getvalue())
        return 0
    folder = os.path.dirname(os.path.abspath(args.output))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise type(exc)(f"cannot create the folder {folder} for {args.output}: {exc.strerror or exc}.") from None
    atomic_write(args.output, buf.getvalue())
    print(f"wrote {len(labels)} predictions to {args.output}")
    return 0
