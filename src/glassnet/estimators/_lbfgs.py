"""``solver="lbfgs"``: SciPy's L-BFGS-B on the network's flat parameter buffer.

The objective and its gradient come from the core: :func:`glassnet.training.objective` gives the
loss (with the L2 penalty) and leaves the flat gradient in the network.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from ..nn import backend as B
from ..training import objective


def fit_lbfgs(est, X, Y, sample_weight):
    """Minimise ``est``'s loss over all weights; sets ``n_iter_`` and ``loss_``."""
    net = est._net
    loss_fn = est._loss_fn = est._make_loss()
    T = est._loss_targets(Y)
    X = B.like(X, net.flat_params)  # where the network lives; SciPy steps on a host copy of the weights
    l2 = est.alpha / (X.shape[0] if sample_weight is None else float(sample_weight.sum()) or 1.0)

    def loss_and_grad(flat):
        net.set_weights(flat.astype(net.dtype, copy=False))
        loss, _ = objective(net, loss_fn, X, T, sample_weight, l2)
        return loss, B.to_numpy(net.flat_grads).astype(np.float64)

    bar = None
    if est.progress_bar:
        from tqdm.auto import tqdm

        bar = tqdm(total=est.max_iter, desc=f"{type(est).__name__} (lbfgs)", unit="iter", file=sys.stderr)

    def progress(intermediate_result):
        bar.set_postfix({"loss": f"{intermediate_result.fun:.4g}"}, refresh=False)
        bar.update(1)

    try:
        result = scipy.optimize.minimize(
            loss_and_grad,
            B.to_numpy(net.flat_params).astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=progress if bar is not None else None,
            options={"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol},
        )
    finally:
        if bar is not None:
            bar.close()
    if result.status != 0:
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iteration(s) (status={result.status}): "
            f"{result.message}. Increase the number of iterations (max_iter) or scale the data.",
            ConvergenceWarning,
        )
    est.n_iter_ = max(1, min(int(result.nit), est.max_iter))
    est.loss_ = float(result.fun)
    net.set_weights(result.x.astype(net.dtype))
