"""Loading a model trained with ``glassnet train``, shared by evaluate and predict."""

from __future__ import annotations


def load_model(path):
    from ..persist import load
    from ..tabular import TabularModel

    model = load(path)
    if not isinstance(model, TabularModel):
        raise ValueError(f"{path} holds a {type(model).__name__}, not a model trained with `glassnet train`.")
    return model
