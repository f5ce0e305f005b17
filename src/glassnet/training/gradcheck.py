"""Central-difference gradient checking, as the tutorials do it, for a whole network."""

from __future__ import annotations

import numpy as np

from ..nn.backend import to_numpy
from .loop import l2_penalty, objective


class GradientCheckError(ValueError):
    """A backpropagated gradient disagrees with its numerical estimate."""


def _loss(net, loss_fn, X, y, sample_weight, l2):
    return loss_fn.forward(net.forward(X, training=False), y, sample_weight) + l2_penalty(net, l2)


def gradcheck(net, loss_fn, X, y, *, sample_weight=None, l2=0.0, eps=1e-6, tol=1e-6, max_entries=None, random_state=0):
    """Compare every parameter gradient of ``net`` with ``(L(theta + eps) - L(theta - eps)) / (2 eps)``.

    Parameters
    ----------
    net : Sequential
        Should be float64: float32 has too few digits for central differences.
    loss_fn, X, y, sample_weight, l2
        As for :func:`glassnet.fit`.
    eps : float
        Step of the central difference.
    tol : float
        Largest allowed relative error ``|a - n| / max(|a| + |n|, floor)``. The floor,
        ``atol / tol`` with ``atol = 100 * machine_eps * max(|L|, 1) / eps``, is the size below which a
        central difference is only round-off, so tiny gradients are not judged on noise.
    max_entries : int or None
        Check only this many randomly chosen entries (all when None).

    Returns
    -------
    float
        The largest relative error found.

    Raises
    ------
    GradientCheckError
        Naming the parameter and entry, with both values, when an error exceeds ``tol``.
    """
    if net.dtype != np.float64:
        raise ValueError("gradcheck needs a float64 network: build it with dtype='float64'.")
    X = net.as_input(X)
    net.zero_grad()
    objective(net, loss_fn, X, y, sample_weight, l2, training=False)
    analytic = to_numpy(net.flat_grads).copy()
    base = _loss(net, loss_fn, X, y, sample_weight, l2)
    floor = 100 * np.finfo(np.float64).eps * max(abs(base), 1.0) / eps / tol
    flat = net.flat_params
    size = net.n_params
    indices = range(size)
    if max_entries is not None and max_entries < size:
        indices = np.sort(np.random.default_rng(random_state).choice(size, max_entries, replace=False))
    worst = 0.0
    for i in indices:
        i = int(i)
        original = float(flat[i])
        flat[i] = original + eps
        plus = _loss(net, loss_fn, X, y, sample_weight, l2)
        flat[i] = original - eps
        minus = _loss(net, loss_fn, X, y, sample_weight, l2)
        flat[i] = original
        numeric = (plus - minus) / (2 * eps)
        a = analytic[i]
        rel = abs(a - numeric) / max(abs(a) + abs(numeric), floor)
        if rel > tol:
            raise GradientCheckError(
                f"gradient of {_entry_name(net, i)} is {a:.10g} by backpropagation but {numeric:.10g} "
                f"numerically (relative error {rel:.3g} > tol {tol:g})."
            )
        worst = max(worst, rel)
    return worst


def _entry_name(net, flat_index):
    offset = 0
    for name, param, _ in net.named_parameters():
        if flat_index < offset + param.size:
            idx = np.unravel_index(flat_index - offset, param.shape)
            return f"{name}[{', '.join(str(int(k)) for k in idx)}]"
        offset += param.size
    return f"flat parameter {flat_index}"
