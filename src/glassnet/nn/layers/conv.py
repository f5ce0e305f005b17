"""Convolutions: ``Conv1D`` on ``(N, C, L)`` and ``Conv2D`` on ``(N, C, H, W)``, with bias."""

from __future__ import annotations

import math

import numpy as np

from .. import initializers
from .. import windows as win
from ..backend import like, namespace
from ..checks import as_float_dtype, check_positive_int
from .spatial import SpatialLayer, window_arg


# The most entries an im2col matrix may have outside training (2**23: 64 MB in float64).
MAX_COLS = 2**23


class _Conv(SpatialLayer):
    """Cross-correlation of the zero-padded input ``Xp`` with ``out_channels`` filters, plus a bias.

    With ``l`` an output position and ``j`` a kernel offset (pairs of them in 2-D)::

        Y[n, o, l]    = b[o] + sum_{c, j} W[o, c, j] Xp[n, c, s l + j]

    and with ``dY = dL/dY``::

        dL/dW[o, c, j] = sum_{n, l} dY[n, o, l] Xp[n, c, s l + j]
        dL/db[o]       = sum_{n, l} dY[n, o, l]
        dL/dXp[n, c, i] = sum over (l, j) with s l + j = i of sum_o dY[n, o, l] W[o, c, j]

    and ``dL/dX`` is ``dL/dXp`` without its padding. As matrices (im2col): the windows of ``Xp`` are the
    columns of ``cols`` (one per sample and position; one row per channel and kernel offset), so with
    ``W`` as a matrix (O, C * prod(kernel)) and ``Y``, ``dY`` as matrices (O, N * positions)::

        Y = W cols + b,   dW = dY cols^T,   dcols = W^T dY

    one matrix product each; ``dXp`` sums ``dcols`` back onto the positions the windows came from
    (:func:`glassnet.nn.windows.col2im`).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or tuple of int
    stride : int or tuple of int, default=1
    padding : int or tuple of int, default=0
        Zeros added on both sides of each spatial axis.
    init : str or callable, default="glorot_uniform"
        Initialiser for ``W`` of shape ``(out_channels, in_channels, *kernel_size)``, with
        ``fan_in = in_channels * prod(kernel_size)`` and ``fan_out = out_channels * prod(kernel_size)``.
    bias_init : str or callable, default="zeros"
        Initialiser for ``b``, given the same fans as ``W`` (``"pytorch"`` draws both as PyTorch does).
    bias : bool, default=True
    random_state : int, Generator or None
    dtype : {"float64", "float32"}
    """

    decayed = ("W",)
    fresh_output = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, init="glorot_uniform",
                 bias=True, random_state=None, dtype="float64", bias_init="zeros"):
        super().__init__()
        self.in_channels = self.channels = check_positive_int(in_channels, "in_channels")
        self.out_channels = check_positive_int(out_channels, "out_channels")
        self._set_window(kernel_size, stride, padding)
        self.init, self.bias_init = init, bias_init
        self.bias = bool(bias)
        dtype = as_float_dtype(dtype)
        self.params["W"] = np.empty((self.out_channels, self.in_channels, *self.kernel), dtype=dtype)
        if self.bias:
            self.params["b"] = np.zeros(self.out_channels, dtype=dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.reset_parameters(np.random.default_rng(random_state))
        self._work = win.Workspace()
        self._cols = None

    @classmethod
    def param_count(cls, config):
        try:
            kernel = window_arg(config.get("kernel_size"), "kernel_size", cls.ndim, 1)
        except (TypeError, ValueError):
            return 0
        c, o = config.get("in_channels"), config.get("out_channels")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (c, o)):
            return 0
        return o * c * math.prod(kernel) + (o if config.get("bias", True) else 0)

    def reset_parameters(self, rng) -> None:
        W = self.params["W"]
        k = math.prod(self.kernel)
        init = initializers.get(self.init)
        # drawn on the host, so a seed gives the same weights on every array library
        dtype = np.float32 if W.dtype == namespace(W).float32 else np.float64
        W[...] = like(init(tuple(W.shape), rng, dtype, fan_in=self.in_channels * k, fan_out=self.out_channels * k), W, dtype)
        if self.bias:
            b, bias_init = self.params["b"], initializers.get(self.bias_init)
            b[...] = like(bias_init(tuple(b.shape), rng, dtype, fan_in=self.in_channels * k,
                                    fan_out=self.out_channels * k), b, dtype)

    def output_channels(self, in_channels):
        return self.out_channels

    def forward(self, X, training=False):
        self.check_input(X.shape)
        xp = namespace(X)
        n, spatial = X.shape[0], self.spatial_output(X.shape[2:])
        per_sample = self.in_channels * math.prod(self.kernel) * math.prod(spatial)
        if not training and n > 1 and n * per_sample > MAX_COLS:
            # Predicting on many samples: im2col of them all at once could take gigabytes, so take
            # them in chunks (training batches are small and keep the one-product path below).
            step = max(MAX_COLS // per_sample, 1)
            Y = xp.concat([self.forward(X[i : min(i + step, n), ...]) for i in range(0, n, step)])
            self._cols = None  # no backward for a forward taken in pieces
            return Y
        Xp = win.pad(X, self.padding)
        self._padded_shape, self._spatial = Xp.shape, spatial
        # im2col: one row per (c, kernel offset), one column per (sample, position), into a reused buffer
        k = math.prod(self.kernel)
        self._cols = win.im2col(Xp, self.kernel, self.stride,
                                out=self._work.get("cols", (self.in_channels * k, n * math.prod(spatial)), X))
        Y = xp.matmul(xp.reshape(self.params["W"], (self.out_channels, -1)), self._cols,   # (O, N * P)
                      out=self._work.get("Y", (self.out_channels, self._cols.shape[1]), X))
        if self.bias:
            Y += self.params["b"][:, None]
        return xp.contiguous(xp.moveaxis(xp.reshape(Y, (self.out_channels, n, *spatial)), 0, 1))

    def backward(self, dY):
        if self._cols is None:
            raise RuntimeError(f"{type(self).__name__}.backward needs a forward with training=True before it (a "
                               "prediction on many samples runs in pieces and keeps nothing for backward).")
        xp, n, o = namespace(dY), dY.shape[0], self.out_channels
        dY_mat = xp.reshape(xp.moveaxis(dY, 1, 0), (o, -1))                 # (O, N * P)
        W_mat = xp.reshape(self.params["W"], (o, -1))                        # (O, C * prod(k))
        # dW = dY cols^T, computed as (cols dY^T)^T: the same product, but OpenBLAS runs this
        # orientation about three times faster for a long inner dimension (N * P)
        self.grads["W"][...] = xp.reshape((self._cols @ dY_mat.T).T, self.params["W"].shape)
        if self.bias:
            self.grads["b"][...] = xp.sum(dY_mat, axis=1)
        if not self.input_grad:
            return None
        dcols = xp.matmul(W_mat.T, dY_mat, out=self._work.get("dcols", self._cols.shape, dY))  # (C k, N P)
        dV = win.as_windows(dcols, self.in_channels, self.kernel, n, self._spatial)
        dXp = win.col2im(dV, self._padded_shape, self.kernel, self.stride,
                         out=self._work.get("dXp", self._padded_shape, dY))
        return win.unpad(dXp, self.padding)

    def get_config(self):
        return {"in_channels": self.in_channels, "out_channels": self.out_channels, **self.window_config(),
                "init": initializers.name(self.init), "bias": self.bias,
                "bias_init": initializers.name(self.bias_init)}


class Conv1D(_Conv):
    __doc__ = "1-D convolution on ``(N, C, L)`` input, giving ``(N, out_channels, L_out)`` with " \
              "``L_out = (L + 2 padding - kernel_size) // stride + 1``.\n\n    " + _Conv.__doc__
    ndim = 1


class Conv2D(_Conv):
    __doc__ = "2-D convolution on ``(N, C, H, W)`` input, giving ``(N, out_channels, H_out, W_out)``, each " \
              "spatial size as in :class:`Conv1D`.\n\n    " + _Conv.__doc__
    ndim = 2
