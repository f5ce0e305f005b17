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


def check_layer(layer, X, rng, training=False, reseed=None):
    """Backward of ``layer`` against central differences of ``L = sum(forward(X) * G)`` for a random
    upstream gradient ``G``, for the input and every parameter."""
    def forward():
        if reseed is not None:
            reseed(layer)
        return layer.forward(X, training=training)

    Y = forward()
    G = rng.normal(size=Y.shape)
    for grad in layer.grads.values():
        grad[...] = 0.0
    dX = layer.backward(G.copy())
    analytic = {k: v.copy() for k, v in layer.grads.items()}

    def loss():
        return float(np.sum(forward() * G))

    assert_close(dX, numerical_gradient(loss, X), what=f"{type(layer).__name__} dX")
    for name, param in layer.params.items():
        assert_close(analytic[name], numerical_gradient(loss, param), what=f"{type(layer).__name__} d{name}")
