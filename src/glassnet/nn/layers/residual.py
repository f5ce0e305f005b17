"""``Residual``: a skip connection around a stack of layers."""

from __future__ import annotations

from .base import Layer
from .chain import chain_output_shape, check_layers, first_declared_shape, plan_hot_path


class Residual(Layer):
    """``Y = X + f(X)``, with ``f`` the given layers applied in order; ``f`` must keep the sample shape.

    Backward, with ``dY = dL/dY``::

        dL/dX = dY + J_f(X)^T dY

    where ``J_f(X)^T dY`` is what ``f``'s layers return when ``dY`` goes back through them (which also
    fills their parameter gradients).

    Parameters
    ----------
    layers : list of Layer
        The stack ``f``, for instance ``[Dense(100, 100), ReLU()]``.
    """

    fresh_output = True
    fresh_input_grad = True

    def __init__(self, layers):
        super().__init__()
        self.layers = check_layers(layers, "Residual")
        self.sublayers = tuple(self.layers)
        self.input_shape = first_declared_shape(self.layers)
        # f's input is X itself, which Y = X + f(X) still needs; f's upstream gradient is dY, which
        # dL/dX = dY + ... still needs: neither may be overwritten.
        plan_hot_path(self.layers, input_fresh=False, input_grad=True, grad_fresh=False)

    @classmethod
    def from_config(cls, config):
        from . import LAYERS  # the table of every layer, which includes this one

        specs = config["layers"]
        if not isinstance(specs, list):
            raise TypeError(f"Residual's layers must be a list, got {specs!r}.")
        return cls([LAYERS[spec["class"]].from_config(dict(spec["config"])) for spec in specs])

    @classmethod
    def param_count(cls, config):
        from . import LAYERS

        specs = config.get("layers")
        if not isinstance(specs, list):
            return 0
        return sum(LAYERS[spec["class"]].param_count(dict(spec["config"])) for spec in specs)

    def reset_parameters(self, rng) -> None:
        for layer in self.layers:
            layer.reset_parameters(rng)

    def forward(self, X, training=False):
        F = X
        for layer in self.layers:
            F = layer.forward(F, training)
        return X + F

    def backward(self, dY):
        dF = dY
        for layer in reversed(self.layers):
            dF = layer.backward(dF)
        return dY + dF if self.input_grad else None

    def output_shape(self, input_shape):
        shape = chain_output_shape(self.layers, input_shape)
        if input_shape is not None and shape is not None and tuple(shape) != tuple(input_shape):
            raise ValueError(
                f"Residual adds its input to its layers' output, so they must keep the sample shape; they "
                f"turn {tuple(input_shape)} into {tuple(shape)}."
            )
        return input_shape

    def get_config(self):
        return {"layers": [{"class": type(layer).__name__, "config": layer.get_config()} for layer in self.layers]}

    def __repr__(self):
        return f"Residual([{', '.join(repr(layer) for layer in self.layers)}])"

