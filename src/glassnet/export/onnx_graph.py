"""A network as ONNX nodes: one translation per layer class, in a fixed table.

Every translation takes the layer and the name of its input and returns the name of its output; the
weights become float32 initialisers. Dropout is the identity at prediction time. A layer without a
translation is refused by name, before anything is written.
"""

from __future__ import annotations

import numpy as np

from ..nn import layers as L
from ..nn.network import Sequential

OPSET = 21  # Gelu(approximate="tanh") needs 20; string Equal (one-hot encoding) 19
IR_VERSION = 10  # what current onnxruntime releases read


def require_onnx():
    """The ``onnx`` package, or an ImportError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise ImportError("exporting to ONNX needs the onnx package: pip install 'glassnet[onnx]'") from None
    return onnx


class Graph:
    """Nodes, initialisers and fresh names for one ONNX graph (a thin layer over ``onnx.helper``)."""

    def __init__(self):
        self.onnx = require_onnx()
        self.nodes, self.initializers, self._count = [], [], 0

    def name(self, hint):
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, hint, value, dtype=np.float32):
        """An initialiser holding ``value``; returns its name."""
        name = self.name(hint)
        array = np.asarray(value, dtype=dtype) if dtype is not None else np.asarray(value)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def op(self, op_type, inputs, hint=None, **attrs):
        """Add a node; returns the name of its (single) output."""
        out = self.name(hint or op_type.lower())
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def rename(self, source, target):
        """Make ``source`` available as the graph output ``target``."""
        self.nodes.append(self.onnx.helper.make_node("Identity", [source], [target]))

    def model(self, inputs, outputs, doc):
        helper = self.onnx.helper
        graph = helper.make_graph(self.nodes, "glassnet", inputs, outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="glassnet", doc_string=doc)
        model.ir_version = IR_VERSION
        return model


def _dense(g, layer, x):
    y = g.op("MatMul", [x, g.const("W", layer.params["W"])], "dense")  # Y = X W + b
    return g.op("Add", [y, g.const("b", layer.params["b"])], "dense") if layer.bias else y


def _bias(g, layer, x):
    return g.op("Add", [x, g.const("b", layer.params["b"])], "bias")


def _rbf(g, layer, x):
    square = g.op("Mul", [x, x], "rbf")  # Y = exp(-Z^2)
    return g.op("Exp", [g.op("Neg", [square], "rbf")], "rbf")


def _unary(op_type, **attrs):
    return lambda g, layer, x: g.op(op_type, [x], **attrs)


# layer class -> translation; the same arithmetic as the layer's forward at prediction time
LAYERS = {
    L.Dense: _dense,
    L.Bias: _bias,
    L.Identity: lambda g, layer, x: x,
    L.Dropout: lambda g, layer, x: x,
    L.Sigmoid: _unary("Sigmoid"),
    L.Tanh: _unary("Tanh"),
    L.ReLU: _unary("Relu"),
    L.LeakyReLU: lambda g, layer, x: g.op("LeakyRelu", [x], alpha=float(layer.alpha)),
    L.RBF: _rbf,
    L.GELU: _unary("Gelu", approximate="tanh"),
    L.Softmax: _unary("Softmax", axis=-1),
}


def check_exportable(net):
    """Refuse, by name, a network with a layer ONNX export has no translation for, or of unknown width."""
    if not isinstance(net, Sequential):
        raise TypeError(f"expected a glassnet Sequential, got {type(net).__name__}.")
    for i, layer in enumerate(net.layers):
        if type(layer) not in LAYERS:
            raise ValueError(
                f"layers[{i}] is a {type(layer).__name__}, which has no ONNX equivalent in glassnet's exporter "
                f"(it translates {', '.join(sorted(cls.__name__ for cls in LAYERS))})."
            )
    if net.input_shape is None or len(net.input_shape) != 1:
        raise ValueError(f"ONNX export takes networks of rows of features; this one takes samples of shape "
                         f"{net.input_shape}.")


def network_nodes(g, net, x):
    """Add ``net``'s layers to ``g`` after the tensor ``x``; returns the name of the logits."""
    check_exportable(net)
    for layer in net.layers:
        x = LAYERS[type(layer)](g, layer, x)
    return x


def output_nodes(g, net, logits):
    """The network's output function (what ``predict_proba`` applies) after its logits."""
    if net.output == "softmax":
        return g.op("Softmax", [logits], "probabilities", axis=-1)
    if net.output == "sigmoid":
        return g.op("Sigmoid", [logits], "probabilities")
    return logits
