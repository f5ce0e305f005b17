"""Micro-benchmarks of the hot-path pieces, old form against new, on the benchmark workloads' shapes.

Each line times the straightforward expression the core used before and the form it uses now
(minimum over repeats of the mean over many calls, CPU time of this process), so the gain of each
optimisation can be read alone, away from the noise of whole training runs::

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_components.py
"""

import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from scipy.special import expit  # noqa: E402

from glassnet.nn import functional as F  # noqa: E402
from glassnet.nn import losses  # noqa: E402
from glassnet.nn.backend import NUMPY  # noqa: E402
from glassnet.training import BatchGatherer  # noqa: E402


def bench(fn, calls=300, repeats=7):
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(calls):
            fn()
        best = min(best, (time.process_time() - t0) / calls)
    return best * 1e6


def row(name, old, new, calls=300):
    a, b = bench(old, calls), bench(new, calls)
    print(f"| {name} | {a:.1f} | {b:.1f} | {a / b:.2f}x |")


def old_softmax_ce(Z, T):
    # before: validated targets, log_softmax in float64 for the loss, a second softmax for the gradient
    targets = np.asarray(T)
    targets.min(), targets.max()
    Z64 = Z.astype(np.float64, copy=False)
    shifted = Z64 - Z64.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    value = float((-logp[np.arange(len(T)), T]).sum()) / len(T)
    Y = F.softmax(Z)
    Y[np.arange(len(T)), T] -= 1.0
    Y *= 1.0 / len(T)
    return value, Y


def main():
    rng = np.random.default_rng(0)
    rows = []
    for shape in ((128, 256), (32, 48)):
        d = rng.standard_normal(shape).astype(np.float32)
        out = np.empty(shape[1], np.float32)
        ones = np.ones(shape[0], np.float32)
        if d.size > 8192:  # the library keeps the reduction here (see dense._column_sums)
            new = lambda d=d, out=out: np.add.reduce(d, axis=0, out=out)  # noqa: E731
        else:
            new = lambda d=d, out=out, ones=ones: np.dot(ones, d, out=out)  # noqa: E731
        rows.append((f"bias gradient, column sums of {shape}", lambda d=d, out=out: np.sum(d, axis=0, out=out),
                     new, 2000))
    print("| piece (shape) | before (us) | after (us) | gain |")
    print("|---|---|---|---|")
    for args in rows:
        row(*args)
    for n, dtype in ((32, np.float32), (128, np.float32)):
        Z = rng.standard_normal((n, 10)).astype(dtype)
        T = rng.integers(0, 10, n)
        loss = losses.SoftmaxCrossEntropy()
        prepared = loss.prepare_targets(T, 10, dtype)

        def new():
            loss.forward(Z, prepared, validate=False)
            return loss.backward()

        row(f"softmax cross-entropy forward+backward ({n}x10)", lambda: old_softmax_ce(Z, T), new, 2000)

    for shape in ((128, 256), (32, 48)):
        Y = np.maximum(rng.standard_normal(shape).astype(np.float32), 0)
        dY = rng.standard_normal(shape).astype(np.float32)
        row(f"ReLU backward {shape}", lambda: np.where(Y > 0.0, dY, 0.0).astype(dY.dtype, copy=False),
            lambda: np.multiply(dY, Y > 0.0, out=dY), 1000)
        S = F.sigmoid(rng.standard_normal(shape).astype(np.float32))

        def sig_new():
            slope = np.multiply(S, S)
            np.subtract(S, slope, out=slope)
            return np.multiply(dY, slope, out=dY)

        row(f"sigmoid backward {shape}", lambda: dY * S * (1.0 - S), sig_new, 1000)
        Z = (4 * rng.standard_normal(shape)).astype(np.float32)
        out = np.empty_like(Z)
        row(f"sigmoid forward {shape}", lambda: expit(Z, out=out), lambda: NUMPY.expit(Z, out=out), 1000)
        row(f"ReLU forward {shape}", lambda: np.maximum(Z, 0.0, out=out), lambda: NUMPY.positive_part(Z, out=out), 1000)

    X = rng.standard_normal((60000, 784)).astype(np.float32)
    idx = rng.permutation(60000)[:128]
    gather = BatchGatherer(X)
    row("batch gather 128 rows of 60000x784 float32", lambda: X[idx], lambda: gather(idx), 500)
    Xd = rng.standard_normal((1203, 64)).astype(np.float32)
    idx = rng.permutation(1203)[:32]
    gather = BatchGatherer(Xd)
    row("batch gather 32 rows of 1203x64 float32", lambda: Xd[idx], lambda: gather(idx), 2000)

    for size, name in ((235402, "mnist net"), (5018, "digits net")):
        p = rng.standard_normal(size).astype(np.float32)
        g = rng.standard_normal(size).astype(np.float32)
        M = np.zeros_like(p)
        tmp = np.empty_like(p)

        def mom_old():
            M.__imul__(0.9)
            M.__isub__(0.1 * g)
            p.__iadd__(M)

        def mom_new():
            M.__imul__(0.9)
            M.__isub__(np.multiply(g, 0.1, out=tmp))
            p.__iadd__(M)

        row(f"momentum step, {size} float32 parameters ({name})", mom_old, mom_new, 200)
        m, v = np.zeros_like(p), np.zeros_like(p)

        def adam(new):
            m.__imul__(0.9)
            m.__iadd__(np.multiply(g, 0.1, out=tmp) if new else 0.1 * g)
            np.multiply(g, g, out=tmp)
            tmp.__imul__(0.001)
            v.__imul__(0.999)
            v.__iadd__(tmp)
            np.sqrt(v, out=tmp)
            if not new:  # bias correction of v as its own pass
                tmp.__imul__(1.2)
            tmp.__iadd__(1e-8)
            np.divide(m, tmp, out=tmp)
            tmp.__imul__(1e-3)
            p.__isub__(tmp)

        row(f"Adam step (scratch buffer, bias corrections folded), {size} float32 parameters ({name})",
            lambda: adam(False), lambda: adam(True), 200)

        root64, root = np.sqrt(1.0 - 0.999**5), math.sqrt(1.0 - 0.999**5)  # np.float64 and a Python float

        def scalars(r):
            tmp.__iadd__(1e-8 * r)  # a NumPy float64 scalar makes NumPy run these float32 passes in float64
            tmp.__imul__(1e-3 * r)

        row(f"Adam's two scalar passes, np.float64 against Python float, {size} float32 parameters ({name})",
            lambda: scalars(root64), lambda: scalars(root), 200)

    for n, n_in, n_out in ((32, 64, 48), (128, 784, 256)):
        X = rng.standard_normal((n, n_in)).astype(np.float32)
        W = rng.standard_normal((n_in, n_out)).astype(np.float32)
        dY = rng.standard_normal((n, n_out)).astype(np.float32)
        gW = np.empty_like(W)

        def dense(product):
            product(X, W)
            product(X.T, dY, out=gW)
            product(dY, W.T)

        row(f"Dense products forward + backward, {n}x{n_in} @ {n_in}x{n_out}, np.matmul against np.dot",
            lambda: dense(np.matmul), lambda: dense(np.dot), 2000 if n == 32 else 100)


if __name__ == "__main__":
    main()
