"""Sliding windows over the trailing (spatial) axes, for convolution and pooling.

Arrays are laid out ``(N, C, *spatial)`` with one or two spatial axes. With a kernel ``k``, a stride
``s`` and a padded input of size ``S``, there are ``out = (S - k) // s + 1`` windows along each axis.

- :func:`windows` is ``im2col`` without the copy: a strided view ``(N, C, *out, *k)`` in which
  ``V[n, c, l, j] = X[n, c, s*l + j]`` (no data moves until a layer reshapes it for its one GEMM).
- :func:`im2col` copies those windows once into the matrix a convolution multiplies: one row per
  (channel, kernel offset), one column per (sample, output position), a layout whose innermost axis
  runs along the output positions, so the copy moves rows of a padded input, not 3-element kernels.
- :func:`col2im` is the adjoint of :func:`windows`: it sums window entries back onto the positions they came from, one
  strided slice-add per kernel offset (``k`` or ``k1*k2`` of them), never a loop over samples or
  output positions and never ``np.add.at``.

These are the only places that know about strides in memory; the layers' maths stays plain. They run
on any array library: the strided view and the padding are the backend's (``xp.windows``, ``xp.pad``:
NumPy's ``sliding_window_view`` and ``np.pad``, or strided slices elsewhere), the rest is standard.
"""

from __future__ import annotations

import itertools
import math

from .backend import device, is_numpy, namespace


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Windows along one axis: ``(size + 2 * padding - kernel) // stride + 1`` (0 when none fit)."""
    return max((size + 2 * padding - kernel) // stride + 1, 0)


def pad(X, padding: tuple, value=0.0):
    """``X`` with ``padding[i]`` entries of ``value`` on both sides of spatial axis ``i``."""
    if not any(padding):
        return X
    return namespace(X).pad(X, padding, value)


def unpad(X, padding: tuple):
    """The inverse of :func:`pad`: the central part of ``X``, as a view."""
    if not any(padding):
        return X
    return X[(slice(None), slice(None), *[slice(p, X.shape[2 + i] - p) for i, p in enumerate(padding)])]


def windows(X, kernel: tuple, stride: tuple):
    """A read-only strided view ``V`` of shape ``(N, C, *out, *kernel)``, ``V[n, c, l, j] = X[n, c, s l + j]``."""
    return namespace(X).windows(X, kernel, stride)


def im2col(Xp, kernel: tuple, stride: tuple, out=None):
    """The windows of ``Xp`` (N, C, *S) as a matrix ``(C * prod(kernel), N * prod(out_sizes))``:
    ``cols[(c, j), (n, l)] = Xp[n, c, s l + j]``. ``out``, when given, is a buffer of that shape to reuse."""
    xp = namespace(Xp)
    V = xp.windows(Xp, kernel, stride)                               # (N, C, *out, *k)
    d = len(kernel)
    # (C, *k, N, *out): axis order 1, then the kernel axes, then 0, then the output axes
    V = xp.permute_dims(V, (1, *range(2 + d, 2 + 2 * d), 0, *range(2, 2 + d)))
    shape = (V.shape[0] * math.prod(kernel), -1)
    if out is None:
        return xp.reshape(V, shape)                                  # the reshape copies
    cols = xp.reshape(out, V.shape)
    cols[...] = V
    return xp.reshape(cols, shape)


def as_windows(cols, n_channels: int, kernel: tuple, n: int, out_sizes: tuple):
    """A matrix laid out as :func:`im2col` makes it, viewed as windows ``(N, C, *out, *kernel)`` for
    :func:`col2im` (no copy)."""
    xp, d = namespace(cols), len(kernel)
    V = xp.reshape(cols, (n_channels, *kernel, n, *out_sizes))       # (C, *k, N, *out)
    return xp.permute_dims(V, (1 + d, 0, *range(2 + d, 2 + 2 * d), *range(1, 1 + d)))


def col2im(cols, padded_shape: tuple, kernel: tuple, stride: tuple, out=None):
    """The adjoint of :func:`windows`: ``dX[n, c, s l + j] = sum over (l, j) of cols[n, c, l, j]``.

    ``cols`` has shape ``(N, C, *out, *kernel)`` (any strides, a broadcast view included); the result
    has ``padded_shape``. ``out``, when given, is a buffer of that shape to reuse; it is overwritten.
    """
    if out is None:
        dX = namespace(cols).zeros(padded_shape, dtype=cols.dtype, device=device(cols))
    else:
        dX = out
        dX[...] = 0.0
    n_out = cols.shape[2 : 2 + len(kernel)]
    for offset in itertools.product(*[range(k) for k in kernel]):
        region = tuple(slice(j, j + s * (n - 1) + 1, s) for j, s, n in zip(offset, stride, n_out))
        dX[(slice(None), slice(None), *region)] += cols[(Ellipsis, *offset)]
    return dX


class Workspace:
    """NumPy arrays a layer reuses from batch to batch while the batch shape repeats.

    Not part of the layer's state: a pickled layer carries none of them. On other array libraries
    :meth:`get` gives ``None`` (a fresh result each time): the standard has no writing into a buffer,
    so a buffer there would only add a copy.
    """

    def __init__(self):
        self._arrays = {}

    def get(self, name: str, shape: tuple, like):
        """A buffer of ``shape`` with the dtype of the array ``like``, or ``None`` when ``like`` is not NumPy's."""
        if not is_numpy(namespace(like)):
            return None
        array = self._arrays.get(name)
        if array is None or array.shape != tuple(shape) or array.dtype != like.dtype:
            array = self._arrays[name] = namespace(like).empty(shape, dtype=like.dtype)
        return array

    def __getstate__(self):
        return {"_arrays": {}}
