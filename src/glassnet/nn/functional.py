"""Numerically stable element-wise and row-wise functions shared by layers, losses and predictions.

None of these overflow for inputs of any finite size: exponentials only ever see non-positive numbers.
They compute with the namespace of their input (see :mod:`glassnet.nn.backend`).
"""

from __future__ import annotations

from .backend import namespace


def sigmoid(z, out=None):
    """Logistic function ``1 / (1 + exp(-z))``.

    It never overflows and keeps full relative precision everywhere, including the far negative tail
    where ``1 / (1 + exp(-z))`` computed naively overflows and ``(1 + tanh(z / 2)) / 2`` rounds to 0.
    """
    return namespace(z).expit(z, out=out)


def softmax(z, out=None):
    """Softmax over the last axis, ``exp(z_k) / sum_j exp(z_j)``, shifted by the maximum for stability."""
    xp = namespace(z)
    out = xp.subtract(z, xp.max(z, axis=-1, keepdims=True), out=out)
    out = xp.exp(out, out=out)
    out /= xp.sum(out, axis=-1, keepdims=True)
    return out
