"""What convolution and pooling layers share: their window arguments and the checks of their input."""

from __future__ import annotations

import numbers

from ..windows import output_size
from .base import Layer

_AXES = {1: "L", 2: "H, W"}
_RESHAPE = {1: "X[:, None, :]", 2: "X.reshape(-1, 1, height, width)"}


def window_arg(value, name: str, ndim: int, minimum: int) -> tuple:
    """``value`` (an int, or one int per spatial axis) as a tuple of ``ndim`` ints >= ``minimum``."""
    values = value if isinstance(value, (tuple, list)) else (value,) * ndim
    if len(values) != ndim or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
        what = "a positive" if minimum else "a non-negative"
        raise TypeError(f"{name} must be {what} integer or a tuple of {ndim}, got {value!r}.")
    if any(v < minimum for v in values):
        what = "positive integers" if minimum else "non-negative integers"
        raise ValueError(f"{name} must be {what}, got {value!r}.")
    return tuple(int(v) for v in values)


def config_value(values: tuple):
    """A window argument for a config: the int when every axis has the same one."""
    return values[0] if len(set(values)) == 1 else list(values)


class SpatialLayer(Layer):
    """A layer over ``(N, C, *spatial)`` input with ``ndim`` spatial axes, a kernel, a stride and padding."""

    ndim = 1
    keeps_shape = False
    channels: int | None = None  # the number of input channels, when the layer fixes it

    def _set_window(self, kernel_size, stride, padding):
        self.kernel = window_arg(kernel_size, "kernel_size", self.ndim, 1)
        self.stride = window_arg(stride, "stride", self.ndim, 1)
        self.padding = window_arg(padding, "padding", self.ndim, 0)

    def _expected(self) -> str:
        c = "C" if self.channels is None else str(self.channels)
        return f"(N, {c}, {_AXES[self.ndim]})"

    def check_input(self, shape: tuple) -> None:
        """Refuse a batch of the wrong rank or channel count, saying how to reshape it."""
        name = type(self).__name__
        if len(shape) != self.ndim + 2:
            hint = f": reshape with {_RESHAPE[self.ndim]}" if len(shape) == self.ndim + 1 else ""
            given = "(N, " + ", ".join(map(str, shape[1:])) + ")" if shape else "a scalar"
            raise ValueError(f"{name} expects {self._expected()} input, got {given}{hint}.")
        if self.channels is not None and shape[1] != self.channels:
            raise ValueError(f"{name} expects {self._expected()} input, got {shape[1]} channels.")

    def spatial_output(self, spatial: tuple) -> tuple:
        """The output's spatial sizes for input sizes ``spatial``; refuses kernels that do not fit."""
        name = type(self).__name__
        sizes = []
        for size, k, s, p in zip(spatial, self.kernel, self.stride, self.padding):
            if k > size + 2 * p:
                raise ValueError(
                    f"{name} has kernel_size {config_value(self.kernel)} but its input is only {size} long "
                    f"with padding {p} on each side ({size + 2 * p}): use a smaller kernel or more padding."
                )
            sizes.append(output_size(size, k, s, p))
        return tuple(sizes)

    def output_shape(self, input_shape):
        if input_shape is None:
            return None
        self.check_input((None, *input_shape))
        return (self.output_channels(input_shape[0]), *self.spatial_output(tuple(input_shape[1:])))

    def output_channels(self, in_channels: int) -> int:
        """The number of output channels for ``in_channels`` input channels."""
        return in_channels

    def window_config(self) -> dict:
        return {"kernel_size": config_value(self.kernel), "stride": config_value(self.stride),
                "padding": config_value(self.padding)}
