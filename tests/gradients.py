"""Float64 central differences, shared by the gradient tests, on any array library."""

import numpy as np

from backends import host, on, put_layer
from glassnet.nn import backend as B


def numerical_gradient(f, x, eps=1e-6):
    """d f / d x by central differences, perturbing ``x`` (an array of any library) in place (it is
    restored); a host NumPy array."""
    grad = np.zeros(tuple(x.shape), dtype=np.float64)
    flat, gflat = B.namespace(x).reshape(x, (-1,)), grad.reshape(-1)
    for i in range(gflat.size):
        original = float(flat[i])
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


def check_layer(layer, X, rng, training=False, reseed=None, backend="numpy"):
    """Backward of ``layer`` against central differences of ``L = sum(forward(X) * G)`` for a random
    upstream gradient ``G``, for the input and every parameter, computed on the library ``backend``."""
    put_layer(layer, backend)
    X = on(backend, X)
    xp = B.namespace(X)

    def forward():
        if reseed is not None:
            reseed(layer)
        return layer.forward(X, training=training)

    Y = forward()
    G = on(backend, rng.normal(size=tuple(Y.shape)))
    params = _parameters(layer)
    for _, _, grad in params:
        grad[...] = 0.0
    dX = layer.backward(xp.asarray(G, copy=True))
    assert B.namespace(dX) is xp, "backward left the library of its input"
    analytic = {name: host(grad).copy() for name, _, grad in params}

    def loss():
        return float(xp.sum(forward() * G))

    assert_close(host(dX), numerical_gradient(loss, X), what=f"{type(layer).__name__} dX")
    for name, param, _ in params:
        assert_close(analytic[name], numerical_gradient(loss, param), what=f"{type(layer).__name__} d{name}")


def _parameters(layer, prefix=""):
    """``(name, param, grad)`` of a layer and of the layers inside it (a ``Residual``'s stack)."""
    own = [(prefix + name, layer.params[name], layer.grads[name]) for name in layer.params]
    for i, inner in enumerate(layer.sublayers):
        own += _parameters(inner, f"{prefix}layers[{i}].")
    return own
