"""Helpers shared by the experiments: output folders, results files, hidden activations, BLAS threads."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ..serialize.atomic import atomic_write
from ..serialize.container import jsonable
from ..training import metrics


def experiment_dir(out_dir, name: str) -> Path:
    """``out_dir/name``, created if missing."""
    if out_dir is None:
        raise ValueError("out_dir is required: the folder that receives NAME/results.json and the figures.")
    directory = Path(os.fspath(out_dir)) / name
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def write_results(directory: Path, results: dict) -> dict:
    """Write ``results`` to ``directory/results.json`` and return the JSON-ready copy."""
    results = jsonable(results)
    atomic_write(directory / "results.json", json.dumps(results, indent=2, sort_keys=True) + "\n")
    return results


def forward_upto(net, X, n_layers: int) -> np.ndarray:
    """Output of the first ``n_layers`` layers of ``net`` (for instance a hidden layer's activations).

    Runs the layers themselves: building a second ``Sequential`` from them would move their
    parameters into a new flat buffer and detach them from ``net``.
    """
    out = np.asarray(X, dtype=net.dtype)
    for layer in net.layers[:n_layers]:
        out = layer.forward(out, training=False)
    return out.copy()


def accuracy(net, X, y) -> float:
    """Fraction of samples in ``X`` whose predicted class is ``y``."""
    return metrics.score("accuracy", np.asarray(y).ravel(), net.predict(X))


def single_threaded_blas(run):
    """Run the experiment with BLAS limited to one thread.

    The matrices here are small (at most 1500 x 64): splitting their products over threads costs more
    than it saves, and on a busy two-core machine OpenBLAS's default threading made the digits
    experiments several times slower (a 721x64 by 64x48 product: 1.1 ms threaded, 0.2 ms on one
    thread). The limit is lifted when the run returns.
    """
    @functools.wraps(run)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return run(*args, **kwargs)

    return wrapper
