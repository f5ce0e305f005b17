"""Float64 central differences, shared by the gradient tests."""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """d f / d x by central differences, perturbing ``x`` in place (it is restored)."""
    grad = np.zeros_like(x, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = f()
        flat[i] = original - eps
        minus = f()
        flat[i] = original
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def assert_close(analytic, numeric, rtol=1e-6, atol=1e-7, what="gradient"):
    """``|a - n| <= atol + rtol * (|a| + |n|)`` entry-wise.

    ``atol`` absorbs the round-off of the central difference (about ``1e-16 * |L| / eps``).
    """
    err = np.abs(analytic - numeric)
    bound = atol + rtol * (np.abs(analytic) + np.abs(numeric))
    worst = int(np.argmax(err - bound)) if err.size else 0
    assert np.all(err <= bound), (
        f"{what}: entry {np.unravel_index(worst, err.shape)} is {analytic.flat[worst]:.10g} analytically "
        f"but {numeric.flat[worst]:.10g} numerically"
    )
