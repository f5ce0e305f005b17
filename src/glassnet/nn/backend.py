"""The array library a computation runs on, and the few operations the array API standard lacks.

glassnet's core computes with the namespace of its data, in the terms of the Python array API standard
(https://data-apis.org/array-api/), through ``array-api-compat``: NumPy, CuPy, PyTorch (CPU or GPU), or
any library that implements the standard. Each piece of maths asks ``xp = namespace(X)`` (as Chainer
did with ``get_array_module``) and writes the formula once.

What the standard lacks comes from two namespaces, and only from them: NumPy's, with fast paths for
small blocks (:mod:`glassnet.nn.numpy_ops`), and the portable one below, written with the standard only:

- ``out=`` on element-wise functions and products (``xp.multiply(a, b, out=a)``): NumPy's ufuncs
  write in place; elsewhere the result is computed and assigned into ``out``;
- ``xp.dot`` (NumPy's BLAS call, less overhead than ``@``), ``xp.expit`` (the logistic function, exact
  in both tails, vectorised), ``xp.positive_part`` (``max(X, 0)``, vectorised), ``xp.column_sums``
  (through a product on small NumPy blocks);
- ``xp.take_rows`` (gathering batch rows into a reused buffer), ``xp.pick``/``xp.subtract_at``
  (one entry per row: ``A[i, T_i]``, ``A[i, T_i] -= v``);
- ``xp.sum``/``xp.max`` as NumPy's ufunc reductions (the ``np.sum`` wrapper costs more than the
  maths on a small batch);
- ``xp.pad`` (constant padding of the spatial axes), ``xp.windows`` (the sliding windows a
  convolution or pool reads: a strided view on NumPy, one strided slice per kernel offset elsewhere)
  and ``xp.contiguous`` (an array that owns its data, for outputs that must not alias a buffer);
- random numbers (:func:`uniform_like`), moving arrays (:func:`to_numpy`, :func:`asarray`) and
  resolving a target such as ``"torch"`` or ``torch.device("cuda")`` (:func:`resolve`).

Every other name (``xp.tanh``, ``xp.where``, ``xp.astype``...) is the standard's own, looked up in
NumPy itself for NumPy arrays (NumPy 2 implements the standard) and in ``array-api-compat``'s
namespace otherwise.

Random streams: initial weights and shuffling are drawn on the host from a ``numpy.random.Generator``
(the same seed gives the same weights and batches on every library); dropout masks are drawn by
NumPy for NumPy and array-api-strict arrays, and by the library's own generator (seeded from the
host stream at each draw) for PyTorch and CuPy, so the same seed gives the same run on the same
library, and runs with dropout differ across libraries.
"""

from __future__ import annotations

import itertools

import array_api_compat
import numpy as np

from .numpy_ops import NUMPY, NumPyNamespace
from .sparse import is_sparse


class _Portable:
    """A standard namespace (from ``array-api-compat``) plus the extras, written with the standard only."""

    def __init__(self, xp):
        self._xp = xp
        self.__name__ = self.name = xp.__name__.replace("array_api_compat.", "")

    def __getattr__(self, name):
        return getattr(self._xp, name)

    def __repr__(self):
        return f"<glassnet namespace over {self.name}>"

    # element-wise functions and products with out=
    def multiply(self, a, b, out=None):
        return _into(out, a * b)

    def subtract(self, a, b, out=None):
        return _into(out, a - b)

    def add(self, a, b, out=None):
        return _into(out, a + b)

    def divide(self, a, b, out=None):
        return _into(out, a / b)

    def maximum(self, a, b, out=None):
        return _into(out, self._xp.maximum(a, b))

    def positive_part(self, X, out=None):
        return _into(out, self._xp.maximum(X, 0.0))

    def negative(self, a, out=None):
        return _into(out, -a)

    def square(self, a, out=None):
        return _into(out, a * a)

    def exp(self, a, out=None):
        return _into(out, self._xp.exp(a))

    def tanh(self, a, out=None):
        return _into(out, self._xp.tanh(a))

    def sqrt(self, a, out=None):
        return _into(out, self._xp.sqrt(a))

    def matmul(self, a, b, out=None):
        product = self._xp.matmul(a, b)
        if out is not None and product.dtype != out.dtype:
            product = self._xp.astype(product, out.dtype)
        return _into(out, product)

    dot = matmul

    # what the standard lacks
    def expit(self, z, out=None):
        # e = exp(-|z|) never overflows; 1/(1+e) for z >= 0 and e/(1+e) below keep full precision
        xp = self._xp
        e = xp.exp(-xp.abs(z))
        return _into(out, xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))

    def column_sums(self, A, out):
        return _into(out, self._xp.sum(A, axis=0, dtype=out.dtype))

    def take_rows(self, X, idx, out=None):
        return self._xp.take(X, idx, axis=0)  # a new array: the standard has no gather into a buffer

    def pick(self, A, T):
        return self._xp.take_along_axis(A, T[:, None], axis=1)[:, 0]

    def subtract_at(self, A, T, value):
        # the standard has no scatter: subtract value times a one-hot matrix
        xp = self._xp
        one_hot = T[:, None] == xp.arange(A.shape[1], device=array_api_compat.device(A))[None, :]
        A -= value * xp.astype(one_hot, A.dtype)
        return A

    def pad(self, X, widths, value=0.0):
        xp = self._xp
        shape = (*X.shape[:2], *[n + 2 * p for n, p in zip(X.shape[2:], widths)])
        Xp = xp.full(shape, value, dtype=X.dtype, device=array_api_compat.device(X))
        Xp[(slice(None), slice(None), *[slice(p, p + n) for n, p in zip(X.shape[2:], widths)])] = X
        return Xp

    def windows(self, X, kernel, stride):
        # no strided views in the standard: one strided slice per kernel offset, stacked last
        sizes = [(n - k) // s + 1 for n, k, s in zip(X.shape[2:], kernel, stride)]
        slices = [
            X[(slice(None), slice(None), *[slice(j, j + s * (m - 1) + 1, s) for j, s, m in zip(offset, stride, sizes)])]
            for offset in itertools.product(*[range(k) for k in kernel])
        ]
        V = self._xp.stack(slices, axis=-1)                                   # (N, C, *out, prod(k))
        return self._xp.reshape(V, (*V.shape[:-1], *kernel))

    def contiguous(self, a):
        return self._xp.asarray(a, copy=True)


def _into(out, value):
    if out is None:
        return value
    out[...] = value
    return out


_BY_TYPE: dict = {np.ndarray: NUMPY}
_BY_MODULE: dict = {}


def namespace(a):
    """The namespace to compute with on the array ``a`` (NumPy's for NumPy arrays and scalars).

    Raises a ``TypeError`` when ``a`` is neither a NumPy array nor an array of a library implementing
    the array API standard. Called on every layer's every pass, so the known types come first.
    """
    xp = _BY_TYPE.get(type(a))
    return xp if xp is not None else _namespace_of_type(a)


def _namespace_of_type(a):
    if isinstance(a, np.ndarray) or np.isscalar(a) or isinstance(a, np.generic) or is_sparse(a):
        return NUMPY  # SciPy's sparse matrices are host arrays that the NumPy path knows
    if not array_api_compat.is_array_api_obj(a):
        raise TypeError(
            f"got a {type(a).__module__}.{type(a).__qualname__}, which is neither a NumPy array nor an array "
            "of a library implementing the Python array API (such as CuPy or PyTorch)."
        )
    module = array_api_compat.array_namespace(a)
    # one namespace object per library (a torch.nn.Parameter and a Tensor share torch's)
    xp = _BY_MODULE.setdefault(module, _Portable(module))
    _BY_TYPE[type(a)] = xp
    return xp


def is_numpy(xp) -> bool:
    return xp is NUMPY


def is_foreign(a) -> bool:
    """Whether ``a`` is an array of a library other than NumPy that implements the array API."""
    return not isinstance(a, np.ndarray) and array_api_compat.is_array_api_obj(a)


def device(a):
    """The device ``a`` lives on (``"cpu"`` for NumPy arrays)."""
    return "cpu" if isinstance(a, np.ndarray) or namespace(a) is NUMPY else array_api_compat.device(a)


def describe(xp, dev) -> str:
    """``"NumPy arrays on the CPU"``, ``"torch arrays on cuda:0"``: for error messages."""
    return "NumPy arrays on the CPU" if xp is NUMPY else f"{xp.name} arrays on {dev}"


def dtype_in(xp, dtype):
    """The namespace's own dtype object for the NumPy dtype ``dtype`` (float32 or float64)."""
    return np.dtype(dtype).type if xp is NUMPY else getattr(xp, np.dtype(dtype).name)


def to_numpy(a) -> np.ndarray:
    """A host NumPy array with the values of ``a`` (``a`` itself when it already is one; None stays None)."""
    if a is None or isinstance(a, np.ndarray):
        return a
    if array_api_compat.is_torch_array(a):
        return a.detach().cpu().numpy()
    if array_api_compat.is_cupy_array(a):
        return a.get()
    if not array_api_compat.is_array_api_obj(a):
        return np.asarray(a)
    return np.from_dlpack(a)


def asarray(a, xp, dev, dtype=None):
    """``a`` (any array, on any device) as an array of namespace ``xp`` on device ``dev``.

    The data go through host NumPy when they come from another library (a model file's weights, the
    host draws of initial weights).
    """
    if xp is NUMPY:
        if is_sparse(a):  # SciPy's sparse matrices stay sparse on the NumPy path
            return a if dtype is None else a.astype(dtype, copy=False)
        return np.asarray(to_numpy(a), dtype=dtype)
    if not isinstance(a, np.ndarray) and namespace(a) is not xp:
        a = to_numpy(a)
    return xp.asarray(a, dtype=None if dtype is None else dtype_in(xp, dtype), device=dev)


def like(a, ref, dtype=None):
    """``a`` as an array of ``ref``'s namespace and device."""
    xp = namespace(ref)
    return asarray(a, xp, "cpu" if xp is NUMPY else device(ref), dtype)


_LIBRARIES = {"numpy": "numpy", "cupy": "cupy", "torch": "torch", "pytorch": "torch",
              "array_api_strict": "array_api_strict", "array-api-strict": "array_api_strict"}


def resolve(target, dev=None):
    """``(namespace, device)`` for ``Sequential.to(target, device)``.

    ``target`` is a library's name (``"numpy"``, ``"cupy"``, ``"torch"``, ``"array_api_strict"``),
    a library module, a ``torch.device`` (or a device string with ``"torch"`` implied: ``"cuda:0"``),
    or an array, whose library and device are taken.
    """
    if isinstance(target, (NumPyNamespace, _Portable)):  # a namespace of the backend
        return target, ("cpu" if target is NUMPY else dev)
    if isinstance(target, str) and target not in _LIBRARIES and dev is None:
        target, dev = "torch", target  # "cuda", "cuda:1", "mps": torch devices by name
    if isinstance(target, str):
        import importlib

        try:
            module = importlib.import_module(_LIBRARIES[target])
        except ImportError as exc:
            raise ValueError(f"{target} is not installed: {exc}") from None
        target = module
    if type(target).__name__ == "device" and type(target).__module__.startswith("torch"):
        import torch

        target, dev = torch, target
    if hasattr(target, "__array_namespace__") or array_api_compat.is_array_api_obj(target):
        xp = namespace(target)
        return xp, device(target) if dev is None else dev
    if getattr(target, "__name__", None) == "numpy" or target is NUMPY:
        if dev not in (None, "cpu"):
            raise ValueError(f"NumPy arrays live on the CPU; got device {dev!r}.")
        return NUMPY, "cpu"
    if not hasattr(target, "asarray"):
        raise TypeError(
            f"cannot move a network to {target!r}: expected a library name ('numpy', 'cupy', 'torch', "
            "'array_api_strict'), a library module, a torch.device or an array."
        )
    sample = target.asarray([0.0]) if dev is None else target.asarray([0.0], device=dev)
    return namespace(sample), device(sample)


def check_dtype_supported(xp, dev, dtype) -> None:
    """A ``ValueError`` when device ``dev`` of ``xp`` has no ``dtype`` (float64 on Apple's MPS)."""
    if xp is NUMPY:
        return
    name = np.dtype(dtype).name
    try:
        available = xp.__array_namespace_info__().dtypes(device=dev)
    except (AttributeError, TypeError):
        return
    if name not in available:
        raise ValueError(
            f"{xp.name} on {dev} has no {name}; build the network with dtype='float32' for this device."
        )


def uniform_like(rng, ref):
    """Uniform numbers in [0, 1) shaped like ``ref``, with its dtype, namespace and device.

    ``rng`` is the caller's ``numpy.random.Generator``. NumPy draws from it directly; PyTorch and
    CuPy draw on their device from a generator of their own, seeded from ``rng`` at each draw (so a
    seed fixes them too, without a copy from the host); any other library gets host draws copied over.
    """
    if isinstance(ref, np.ndarray) or not (array_api_compat.is_torch_array(ref) or array_api_compat.is_cupy_array(ref)):
        dtype = np.float32 if ref.dtype == namespace(ref).float32 else np.float64
        host = rng.random(tuple(ref.shape), dtype=dtype)
        return host if isinstance(ref, np.ndarray) else like(host, ref, dtype)
    seed = int(rng.integers(2**63))
    if array_api_compat.is_torch_array(ref):
        import torch

        generator = torch.Generator(device=ref.device).manual_seed(seed)
        return torch.rand(ref.shape, generator=generator, dtype=ref.dtype, device=ref.device)
    import cupy

    return cupy.random.default_rng(seed).random(ref.shape, dtype=ref.dtype)


def quiet_floating_point():
    """Silence NumPy's overflow/invalid/divide warnings in the block (the divergence guard reports them)."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


def is_array(a) -> bool:
    """Whether ``a`` is an array of NumPy or of any array API library."""
    return isinstance(a, np.ndarray) or array_api_compat.is_array_api_obj(a)
