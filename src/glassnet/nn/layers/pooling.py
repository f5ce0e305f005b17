"""Pooling over windows (``MaxPool1D/2D``, ``AvgPool1D/2D``) and over whole maps (``GlobalAveragePool``)."""

from __future__ import annotations

import math

from .. import windows as win
from ..backend import device, namespace
from .base import Layer
from .spatial import SpatialLayer


class _Pool(SpatialLayer):
    """Base of the window pools: ``kernel_size``, ``stride`` (default: the kernel size) and ``padding``."""

    fresh_output = True

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self._set_window(kernel_size, kernel_size if stride is None else stride, padding)

    def get_config(self):
        return self.window_config()

    def _windows(self, X, fill):
        self.check_input(X.shape)
        self.spatial_output(X.shape[2:])
        Xp = win.pad(X, self.padding, fill)
        self._padded_shape = Xp.shape
        return win.windows(Xp, self.kernel, self.stride)             # (N, C, *out, *k)

    def _to_input(self, dcols):
        """``dL/dX`` from the gradient of every window entry, ``dcols`` of shape (N, C, *out, *k)."""
        return win.unpad(win.col2im(dcols, self._padded_shape, self.kernel, self.stride), self.padding)


class _MaxPool(_Pool):
    """The largest entry of each window (padding counts as ``-inf``)::

        Y[n, c, l]  = max_j Xp[n, c, s l + j] = Xp[n, c, s l + j*],   j* the first index of the maximum
        dL/dXp[n, c, i] = sum over l with s l + j* = i of dY[n, c, l]

    Each window passes its gradient to its maximum alone (the first, on ties), as PyTorch does.
    ``padding`` is at most half the kernel, so every window holds an input entry.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__(kernel_size, stride, padding)
        for k, p in zip(self.kernel, self.padding):
            if 2 * p > k:
                raise ValueError(f"padding must be at most half the kernel size, got padding {p} for kernel {k}.")

    def forward(self, X, training=False):
        xp = namespace(X)
        V = self._windows(X, -math.inf)
        flat = xp.reshape(V, (*V.shape[: 2 + self.ndim], -1))       # (N, C, *out, K), one copy
        self._argmax = xp.argmax(flat, axis=-1, keepdims=True)
        return xp.take_along_axis(flat, self._argmax, axis=-1)[..., 0]

    def backward(self, dY):
        if not self.input_grad:
            return None
        xp, K = namespace(dY), math.prod(self.kernel)
        # dY at each window's maximum: a product with the 0/1 mask (on NumPy a quarter of the work of where)
        at_max = xp.astype(xp.arange(K, device=device(dY)) == self._argmax, dY.dtype)
        dcols = at_max * dY[..., None]
        return self._to_input(xp.reshape(dcols, (*dY.shape, *self.kernel)))


class _AvgPool(_Pool):
    """The mean of each window (padding counts as zeros, over the whole window, as PyTorch's default)::

        Y[n, c, l]  = (1 / K) sum_j Xp[n, c, s l + j],   K = prod(kernel_size)
        dL/dXp[n, c, s l + j] += dY[n, c, l] / K
    """

    def forward(self, X, training=False):
        V = self._windows(X, 0.0)
        return namespace(X).mean(V, axis=tuple(range(-self.ndim, 0)))

    def backward(self, dY):
        if not self.input_grad:
            return None
        xp = namespace(dY)
        share = dY / math.prod(self.kernel)
        dcols = xp.broadcast_to(xp.reshape(share, (*dY.shape, *(1,) * self.ndim)), (*dY.shape, *self.kernel))
        return self._to_input(dcols)


class MaxPool1D(_MaxPool):
    __doc__ = "Max pooling on ``(N, C, L)``.\n\n    " + _MaxPool.__doc__
    ndim = 1


class MaxPool2D(_MaxPool):
    __doc__ = "Max pooling on ``(N, C, H, W)``.\n\n    " + _MaxPool.__doc__
    ndim = 2


class AvgPool1D(_AvgPool):
    __doc__ = "Average pooling on ``(N, C, L)``.\n\n    " + _AvgPool.__doc__
    ndim = 1


class AvgPool2D(_AvgPool):
    __doc__ = "Average pooling on ``(N, C, H, W)``.\n\n    " + _AvgPool.__doc__
    ndim = 2


class GlobalAveragePool(Layer):
    """The mean of each channel over all its positions, ``(N, C, *spatial) -> (N, C)``::

        Y[n, c] = (1 / P) sum_i X[n, c, i],   P = the number of positions
        dL/dX[n, c, i] = dY[n, c] / P
    """

    keeps_shape = False
    fresh_output = True
    fresh_input_grad = True

    def forward(self, X, training=False):
        if X.ndim < 3:
            raise ValueError(f"GlobalAveragePool expects (N, C, ...) input with at least one spatial axis, "
                             f"got shape {X.shape}.")
        self._spatial = X.shape[2:]
        return namespace(X).mean(X, axis=tuple(range(2, X.ndim)))

    def backward(self, dY):
        if not self.input_grad:
            return None
        xp, P = namespace(dY), math.prod(self._spatial)
        dX = xp.empty((*dY.shape, *self._spatial), dtype=dY.dtype, device=device(dY))
        dX[...] = xp.reshape(dY / P, (*dY.shape, *(1,) * len(self._spatial)))
        return dX

    def output_shape(self, input_shape):
        if input_shape is None:
            return None
        if len(input_shape) < 2:
            raise ValueError(f"GlobalAveragePool expects samples of shape (C, ...), got {tuple(input_shape)}.")
        return (input_shape[0],)
