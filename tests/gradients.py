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


def assert_close(analytic, numeric, rtol=1e-6, atol=1e-8, what="gradient"):
    err = np.abs(analytic - numeric)
    scale = np.maximum(np.abs(analytic) + np.abs(numeric), atol / rtol)
    worst = float(np.max(err / scale)) if err.size else 0.0
    assert worst <= rtol, f"{what}: worst relative error {worst:.3g} > {rtol:g}"


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
