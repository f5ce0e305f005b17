"""Fused element-wise updates on large NumPy arrays, compiled by Numba when it is installed.

A chain of NumPy calls such as Adam's step makes one pass over memory per call: twelve passes over
the parameters, gradients and moments for Adam, which on a network of a few hundred thousand
parameters no longer fit in the core's cache. A compiled loop makes one pass, with the arithmetic
vectorised (``pip install "glassnet[fast]"``). It runs on the calling thread: on a machine whose
BLAS already uses every core for the matrix products, a second thread pool would only compete with
it, and one pass instead of twelve is most of what there is to gain.

This module is the one place that knows about it. A caller keeps the plain NumPy code as its
readable reference, which ``tests/test_fused.py`` proves gives the same numbers bit for bit, and
takes the fused path only where :func:`applies` says so::

    if fused.applies(param, grad, m, v, planned=steps_to_come * param.size):
        fused.adam(param, grad, m, v, b1, b2, lr_t, eps_t)
    else:
        ...  # the NumPy passes

:func:`applies` is true only for plain NumPy arrays of one float dtype and shape, C-contiguous, with
at least :data:`MIN_SIZE` elements, when Numba can be imported, and once the process has done, or
the caller plans, enough such work to repay loading Numba. Anything else (a small array, where the
call costs more than the passes it saves; a short run; an array subclass; an array of another array
library) takes the NumPy path.

The kernels are compiled for float32 and float64 only, with every scalar converted to the arrays'
dtype on the way in, so a float32 update runs in float32 throughout (tested on the compiled types),
without fast-math (no reassociation, no fused multiply-add: the NumPy results, bit for bit) and
with NumPy's floating-point error model (no Python exception checks in the loop, which would stop
it from being vectorised). Compiled code is cached on disk (Numba's ``cache=True``), so only the
first process pays the compilation (about two seconds); every process that loads the kernels pays
for importing Numba and loading the cached code (0.5 to 1 s on the loaded 2-core machine of
``docs/performance.md``), which is why small networks and short runs never do.
"""

from __future__ import annotations

import numpy as np

# Below this many elements the NumPy calls win: Adam's twelve passes over the 5k parameters of a
# small network take a few microseconds, as long as a thread wake-up.
MIN_SIZE = 32768

# Importing Numba and loading the kernels costs 0.3-1 s and about 120 MB once per process, which a
# short run never earns back: about what the NumPy passes spend on this many elements (Adam's passes
# take about 2 ns per element, the kernel 0.5-1). A caller that knows how much work is coming (the
# training loop announces its planned steps) loads the kernels at once when that much is planned;
# otherwise the NumPy passes run until they have updated this many elements (the ski-rental rule: rent
# until the rent paid equals the price, then buy; at most twice the better choice made in hindsight).
# The results do not change, as both paths give the same bits.
START_UP_ELEMENTS = 250_000_000
_declined = 0  # elements updated by the NumPy passes while the kernels were not loaded

# NumPy's error model: no Python exception checks in the loop, so that it can be vectorised.
OPTIONS = {"error_model": "numpy", "nogil": True}
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_kernels = None  # compiled on first use: small networks never import Numba


def _adam_loop(theta, g, m, v, b1, c1, b2, c2, lr_t, eps_t):
    # Kingma & Ba's rule with the bias corrections in lr_t and eps_t (see optim.Adam), in the order
    # of operations of Adam's NumPy passes, so that both give the same numbers.
    for i in range(theta.shape[0]):
        m_i = m[i] * b1 + g[i] * c1
        v_i = v[i] * b2 + g[i] * g[i] * c2
        m[i] = m_i
        v[i] = v_i
        theta[i] = theta[i] - m_i / (np.sqrt(v_i) + eps_t) * lr_t


def _load():
    global _kernels
    if _kernels is None:
        try:
            import numba
        except ImportError:
            _kernels = {}
            return _kernels
        signatures = [f"void({t}[::1], {t}[::1], {t}[::1], {t}[::1], {', '.join([t] * 6)})" for t in ("f4", "f8")]
        try:
            adam = numba.njit(signatures, cache=True, **OPTIONS)(_adam_loop)
        except RuntimeError:  # Numba found no writable cache directory: compile for this process only
            adam = numba.njit(signatures, **OPTIONS)(_adam_loop)
        _kernels = {"adam": adam}
    return _kernels


def applies(*arrays, planned=0) -> bool:
    """Whether the fused kernels should run on ``arrays``: Numba is installed, they are plain NumPy
    arrays of one float dtype and one shape, C-contiguous, with at least :data:`MIN_SIZE` elements, and
    the work done so far plus ``planned`` (the elements the caller expects to update after this call)
    is enough to be worth loading the kernels (:data:`START_UP_ELEMENTS`; a call that answers False for
    that reason counts ``arrays[0].size`` towards it)."""
    global _declined
    first = arrays[0]
    if type(first) is not np.ndarray or first.size < MIN_SIZE or first.dtype not in _FLOATS:
        return False
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype != first.dtype or a.shape != first.shape:
            return False
        if not a.flags.c_contiguous:
            return False
    if _kernels is None and _declined + planned < START_UP_ELEMENTS:
        _declined += first.size
        return False
    return bool(_load())


def adam(theta, g, m, v, b1, b2, lr_t, eps_t) -> None:
    """One Adam step in one pass, in place on ``theta``, ``m`` and ``v``::

        m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2;   theta <- theta - lr_t m / (sqrt(v) + eps_t)
    """
    flat = [a.reshape(-1) for a in (theta, g, m, v)]  # views: the arrays are C-contiguous
    _load()["adam"](*flat, b1, 1.0 - b1, b2, 1.0 - b2, lr_t, eps_t)
