"""Loading a trained model and its data, shared by evaluate and predict."""

from __future__ import annotations


def load_model(path):
    from .. import load
    from ..app import TabularModel

    model = load(path)
    if not isinstance(model, TabularModel):
        raise ValueError(f"{path} holds a {type(model).__name__}, not a model trained with `glassnet train`.")
    return model


def model_data(model, dataset=None, csv=None, target=None, need_target=True):
    """``(name, table, y)`` for a bundled set name or a CSV file, with the model's columns."""
    from ..app.data import load_dataset, read_csv

    if (dataset is None) == (csv is None):
        raise ValueError("give the data as a bundled set name (e.g. digits) or as --csv PATH, not both or neither.")
    if csv is not None:
        # Prediction ignores a target column if the file has one (it may be empty).
        target = (target or model.target) if need_target else None
        d = read_csv(csv, target, features=model.features)
        return d.name, d.table, d.y
    d = load_dataset(dataset)
    missing = [n for n, _ in model.features if n not in d.table.columns]
    if missing:
        raise ValueError(f"the {dataset} set lacks the columns {missing[:5]} that the model was trained on.")
    return d.name, d.table, d.y
