"""Export glassnet models to other formats: ONNX, for deployment targets that speak it.

``export_onnx(model, path)`` writes a :class:`~glassnet.nn.Sequential`, a fitted ``MLPClassifier`` or
``MLPRegressor``, or a model made by ``glassnet train`` (its preprocessing included in the graph) as
an ONNX file, built with the ``onnx`` package's helper API (the optional extra ``glassnet[onnx]``).
See :mod:`.onnx_graph` for the network's nodes and :mod:`.onnx_models` for what each kind of model
adds around them.
"""

from __future__ import annotations

from .onnx_models import export_onnx, to_onnx

__all__ = ["export_onnx", "to_onnx"]
