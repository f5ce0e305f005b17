"""Layers applied in order: what ``Sequential`` and ``Residual`` share."""

from __future__ import annotations

from .base import Layer


def check_layers(layers, owner: str) -> list:
    """``layers`` as a non-empty list of distinct :class:`Layer` objects."""
    layers = list(layers)
    if not layers:
        raise ValueError(f"{owner} needs at least one layer.")
    first_seen = {}
    for i, layer in enumerate(layers):
        if not isinstance(layer, Layer):
            raise TypeError(f"layers[{i}] is {layer!r}, which is not a glassnet Layer.")
        if id(layer) in first_seen:
            raise ValueError(
                f"layers[{i}] is the same {type(layer).__name__} object as layers[{first_seen[id(layer)]}]; "
                f"a layer keeps what its backward needs for one position, so each position needs its own "
                f"object: make a new one, e.g. {type(layer).__name__}({_args(layer)})."
            )
        first_seen[id(layer)] = i
    return layers


def chain_output_shape(layers, input_shape):
    """The sample shape ``layers`` give for samples of ``input_shape`` (``None`` when unknown)."""
    shape = input_shape
    for i, layer in enumerate(layers):
        try:
            shape = layer.output_shape(shape)
        except ValueError as exc:
            raise ValueError(f"layers[{i}]: {exc}") from None
    return shape


def first_declared_shape(layers):
    """The sample shape the first layer that fixes one expects, carried back through the layers before
    it as long as they keep their input's shape (as activations and dropout do)."""
    for layer in layers:
        if layer.input_shape is not None:
            return tuple(layer.input_shape)
        if not layer.keeps_shape:
            return None
    return None


def plan_hot_path(layers, input_fresh: bool, input_grad: bool, grad_fresh: bool) -> None:
    """Switch on in-place work from what the layers declare.

    A layer that can overwrite may work in place on a fresh output of the layer before it, and write
    its input gradient over a fresh input gradient of the layer after it. ``input_fresh`` says whether
    the first layer's input is such an array (never the caller's X), ``grad_fresh`` whether the last
    layer's upstream gradient is, and ``input_grad`` whether anyone needs the first layer's input gradient.
    """
    last = len(layers) - 1
    for i, layer in enumerate(layers):
        layer.input_grad = i > 0 or input_grad
        layer.inplace = layer.overwrites and (layers[i - 1].fresh_output if i > 0 else input_fresh)
        layer.inplace_grad = layer.overwrites and (layers[i + 1].fresh_input_grad if i < last else grad_fresh)


def leaves(layers, prefix: str = "layers"):
    """``(name, layer)`` for every layer holding parameters or buffers, containers opened, in order."""
    for i, layer in enumerate(layers):
        name = f"{prefix}[{i}]"
        yield name, layer
        if layer.sublayers:
            yield from leaves(layer.sublayers, f"{name}.layers")


def _args(layer) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in layer.get_config().items())
