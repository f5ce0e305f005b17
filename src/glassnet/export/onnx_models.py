"""What each kind of model puts around its network in an ONNX graph, and writing the file.

* ``Sequential``: input ``X`` (float32, n_samples x n_features), output ``output``: what
  ``predict_proba`` gives (probabilities for softmax and sigmoid outputs, values for identity).
* ``MLPClassifier``: outputs ``label`` (the classes, int64 or string) and ``probabilities``
  (n_samples x n_classes, columns in ``classes_`` order), as skl2onnx gives for scikit-learn's MLP
  with ``zipmap=False``; a multi-label model gives 0/1 labels per column.
* ``MLPRegressor``: output ``variable`` (n_samples x n_outputs); the Poisson loss's ``exp`` included.
* A model made by ``glassnet train``: one input per feature column (float32 for numeric, string for
  categorical columns, each n_samples x 1), the preprocessing as nodes (median imputing, standard
  scaling, most-frequent imputing of empty strings, one-hot encoding), then ``label`` and
  ``probabilities`` or ``variable`` in the target's units.
"""

from __future__ import annotations

import numpy as np

from ..estimators import MLPClassifier, MLPRegressor
from ..nn.network import Sequential
from ..serialize.atomic import atomic_write, check_new_file
from ..tabular.model import TabularModel
from .onnx_graph import Graph, network_nodes, output_nodes


def to_onnx(model):
    """The ONNX ``ModelProto`` of a Sequential, a fitted estimator or a ``glassnet train`` model."""
    if isinstance(model, Sequential):
        return _sequential(model)
    if isinstance(model, (MLPClassifier, MLPRegressor)):
        if "_net" not in model.__dict__:
            raise ValueError(f"this {type(model).__name__} is not fitted yet: call fit before exporting it.")
        return _classifier(model) if isinstance(model, MLPClassifier) else _regressor(model)
    if isinstance(model, TabularModel):
        return _tabular(model)
    raise TypeError(
        f"ONNX export takes a Sequential, a fitted MLPClassifier/MLPRegressor or a model from `glassnet train`, "
        f"got {type(model).__name__}."
    )


def export_onnx(model, path, *, overwrite=False):
    """Write ``model`` as an ONNX file at ``path`` (checked with ``onnx.checker`` first; atomically).

    An existing file is kept unless ``overwrite=True``. Returns the ``ModelProto``.
    """
    check_new_file(path, overwrite, option="overwrite=True (--overwrite on the command line)")
    proto = to_onnx(model)
    import onnx

    onnx.checker.check_model(proto, full_check=True)
    atomic_write(path, proto.SerializeToString())
    return proto


def _float_input(g, name, width):
    return g.onnx.helper.make_tensor_value_info(name, g.onnx.TensorProto.FLOAT, [None, width])


def _output(g, name, elem_type, width):
    return g.onnx.helper.make_tensor_value_info(name, elem_type, [None, width] if width is not None else [None])


def _sequential(net):
    g = Graph()
    logits = network_nodes(g, net, "X")
    g.rename(output_nodes(g, net, logits), "output")
    return g.model([_float_input(g, "X", net.input_shape[0])],
                   [_output(g, "output", g.onnx.TensorProto.FLOAT, net.n_outputs)], "glassnet Sequential")


def _labels_constant(g, classes):
    """The classes as an initialiser: int64, double or string, with the ONNX type of the label output."""
    classes = np.asarray(classes)
    T = g.onnx.TensorProto
    if classes.dtype.kind in "biu":
        return g.const("classes", classes, np.int64), T.INT64
    if classes.dtype.kind == "f":
        return g.const("classes", classes, np.float64), T.DOUBLE
    return g.const("classes", np.array([str(c) for c in classes], dtype=object), None), T.STRING


def _class_outputs(g, logits, classes, kind):
    """``label`` and ``probabilities`` from the logits of a softmax (``"multiclass"``), one logistic unit
    (``"binary"``) or independent logistic units (``"multilabel"``)."""
    if kind == "multilabel":
        P = g.op("Sigmoid", [logits], "probabilities")
        g.rename(g.op("Cast", [g.op("Greater", [P, g.const("half", 0.5)])], to=g.onnx.TensorProto.INT64), "label")
        g.rename(P, "probabilities")
        return g.onnx.TensorProto.INT64
    if kind == "binary":  # P(class 1) = sigmoid(z), P(class 0) = 1 - P(class 1)
        p = g.op("Sigmoid", [logits])
        P = g.op("Concat", [g.op("Sub", [g.const("one", 1.0), p]), p], "probabilities", axis=1)
    else:
        P = g.op("Softmax", [logits], "probabilities", axis=-1)
    g.rename(P, "probabilities")
    table, label_type = _labels_constant(g, classes)
    index = g.op("ArgMax", [P], axis=1, keepdims=0)  # ties go to the first class, as argmax does
    g.rename(g.op("Gather", [table, index], axis=0), "label")
    return label_type


def _classifier(clf):
    g = Graph()
    logits = network_nodes(g, clf._net, "X")
    y_type = clf._label_binarizer.y_type_
    kind = "multilabel" if y_type.startswith("multilabel") else "multiclass" if clf.out_activation_ == "softmax" else "binary"
    label_type = _class_outputs(g, logits, clf.classes_, kind)
    n_columns = len(clf.classes_)
    label_width = n_columns if kind == "multilabel" else None
    return g.model([_float_input(g, "X", clf.n_features_in_)],
                   [_output(g, "label", label_type, label_width),
                    _output(g, "probabilities", g.onnx.TensorProto.FLOAT, n_columns)],
                   f"glassnet {type(clf).__name__}")


def _regressor(reg):
    g = Graph()
    y = network_nodes(g, reg._net, "X")
    if reg.out_activation_ == "exp":
        y = g.op("Exp", [y])
    g.rename(y, "variable")
    return g.model([_float_input(g, "X", reg.n_features_in_)],
                   [_output(g, "variable", g.onnx.TensorProto.FLOAT, reg.n_outputs_)], f"glassnet {type(reg).__name__}")


def _tabular(model):
    g = Graph()
    T = g.onnx.TensorProto
    pre = model.preprocessor
    inputs, blocks = [], []
    for j, name in enumerate(pre.numeric):  # x -> (x if x is not NaN else median - mean) / scale
        inputs.append(g.onnx.helper.make_tensor_value_info(name, T.FLOAT, [None, 1]))
        filled = g.op("Where", [g.op("IsNaN", [name]), g.const("median", [pre.median_[j]]), name], "impute")
        blocks.append(g.op("Div", [g.op("Sub", [filled, g.const("mean", [pre.mean_[j]])]),
                                   g.const("scale", [pre.scale_[j]])], "scale"))
    for name in pre.categorical:  # "" (missing) -> the most frequent category; then one 0/1 column per category
        inputs.append(g.onnx.helper.make_tensor_value_info(name, T.STRING, [None, 1]))
        empty = g.op("Equal", [name, g.const("empty", np.array([""], dtype=object), None)])
        filled = g.op("Where", [empty, g.const("fill", np.array([pre.fill_[name]], dtype=object), None), name])
        categories = g.const("categories", np.array(pre.categories_[name], dtype=object), None)
        blocks.append(g.op("Cast", [g.op("Equal", [filled, categories], "one_hot")], to=T.FLOAT))
    X = blocks[0] if len(blocks) == 1 else g.op("Concat", blocks, "features", axis=1)
    logits = network_nodes(g, model.net, X)
    if model.task == "classification":
        label_type = _class_outputs(g, logits, model.classes, "multiclass")
        outputs = [_output(g, "label", label_type, None),
                   _output(g, "probabilities", T.FLOAT, len(model.classes))]
    else:  # the network predicts standardised targets
        t = model.targets
        value = g.op("Add", [g.op("Mul", [logits, g.const("y_scale", t.scale_)]), g.const("y_mean", t.mean_)])
        g.rename(value, "variable")
        outputs = [_output(g, "variable", T.FLOAT, 1)]
    return g.model(inputs, outputs, f"glassnet model of {model.target!r} from `glassnet train`")
