"""How close the digits step is to the floor of its NumPy calls.

A digits training step (64-48-32-10 sigmoid, softmax cross-entropy, momentum, batch 32) is some
45 NumPy calls on blocks of a few hundred to a few thousand numbers. This script times, in one
process, taking turns (``--rounds``, best of each):

- ``glassnet.fit`` on the benchmark's digits workload;
- the same step written out by hand: the same NumPy calls on the same shapes (parameters in one flat
  buffer, as glassnet keeps them), with no layers, loss or optimizer objects and no training loop
  around them;
- the step's matrix products alone (every ``np.dot`` of the hand-written step).

Their differences say what glassnet's structure costs over the calls it makes, and how much of the
step is not matrix products even when nothing else is there.

    python benchmarks/bench_floor.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import glassnet  # noqa: E402
from glassnet.nn import layers, losses  # noqa: E402
from glassnet.nn.backend import NUMPY  # noqa: E402
from glassnet.optim import optimizers  # noqa: E402

SIZES, BATCH, EPOCHS = (64, 48, 32, 10), 32, 50


def data():
    X, y = load_digits(return_X_y=True)
    return np.ascontiguousarray((X / 16.0).astype(np.float32)[:1203]), y[:1203]


def run_glassnet(X, y):
    stack = []
    for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        stack += [layers.Dense(a, b, dtype="float32")] + ([layers.Sigmoid()] if i < len(SIZES) - 2 else [])
    net = glassnet.Sequential(stack, output="softmax", random_state=0, dtype="float32")
    start = time.perf_counter()
    glassnet.fit(net, losses.SoftmaxCrossEntropy(), optimizers.Momentum(0.1, 0.9), X, y, epochs=EPOCHS,
                 batch_size=BATCH, random_state=0)
    return time.perf_counter() - start


def run_by_hand(X, y, products_only=False):
    rng = np.random.default_rng(0)
    shapes = [(a, b) for a, b in zip(SIZES[:-1], SIZES[1:])]
    n_params = sum(a * b + b for a, b in shapes)
    flat, grads, velocity = (np.zeros(n_params, np.float32) for _ in range(3))
    Ws, bs, gWs, gbs, offset = [], [], [], [], 0
    for a, b in shapes:
        Ws.append(flat[offset : offset + a * b].reshape(a, b))
        gWs.append(grads[offset : offset + a * b].reshape(a, b))
        offset += a * b
        bs.append(flat[offset : offset + b])
        gbs.append(grads[offset : offset + b])
        offset += b
        Ws[-1][...] = rng.standard_normal((a, b)) * np.sqrt(2.0 / (a + b))
    buffer, ones, starts = np.empty((BATCH, SIZES[0]), np.float32), np.ones(BATCH, np.float32), np.arange(BATCH) * 10
    tmp = np.empty_like(flat)

    def step(idx):
        n = idx.shape[0]
        A0 = X.take(idx, axis=0, out=buffer[:n], mode="clip")
        if products_only:  # the eight products of the step below, on the same shapes
            Z1 = np.dot(A0, Ws[0])
            Z2 = np.dot(Z1, Ws[1])
            Z3 = np.dot(Z2, Ws[2])
            dA2 = np.dot(Z3, Ws[2].T)
            dA1 = np.dot(dA2, Ws[1].T)
            np.dot(Z2.T, Z3, out=gWs[2])
            np.dot(Z1.T, dA2, out=gWs[1])
            np.dot(A0.T, dA1, out=gWs[0])
            return
        Z1 = np.dot(A0, Ws[0])
        Z1 += bs[0]
        A1 = NUMPY.expit(Z1, out=Z1)
        Z2 = np.dot(A1, Ws[1])
        Z2 += bs[1]
        A2 = NUMPY.expit(Z2, out=Z2)
        Z3 = np.dot(A2, Ws[2])
        Z3 += bs[2]
        S = Z3 - np.maximum.reduce(Z3, 1, None, None, True)
        positions = starts[:n] + y[idx]
        picked = S.reshape(-1).take(positions)
        np.exp(S, out=S)
        sums = np.add.reduce(S, 1)
        losses_ = np.log(sums)
        losses_ -= picked
        float(np.add.reduce(losses_, None, np.float64))
        S /= sums[:, None]
        S.reshape(-1)[positions] -= 1.0
        S *= 1.0 / n
        np.dot(ones[:n], S, out=gbs[2])
        dA2 = np.dot(S, Ws[2].T)
        slope = np.multiply(A2, A2)
        np.subtract(A2, slope, out=slope)
        dZ2 = np.multiply(dA2, slope, out=dA2)
        np.dot(A1.T, dZ2, out=gWs[1])
        np.dot(ones[:n], dZ2, out=gbs[1])
        dA1 = np.dot(dZ2, Ws[1].T)
        slope = np.multiply(A1, A1)
        np.subtract(A1, slope, out=slope)
        dZ1 = np.multiply(dA1, slope, out=dA1)
        np.dot(A0.T, dZ1, out=gWs[0])
        np.dot(ones[:n], dZ1, out=gbs[0])
        np.multiply(velocity, 0.9, out=velocity)  # (augmented assignment would make them local names)
        np.subtract(velocity, np.multiply(grads, 0.1, out=tmp), out=velocity)
        np.add(flat, velocity, out=flat)

    start = time.perf_counter()
    for _ in range(EPOCHS):
        order = rng.permutation(len(X))
        for first in range(0, len(X), BATCH):
            step(order[first : first + BATCH])
    return time.perf_counter() - start


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    X, y = data()
    contenders = {"glassnet.fit": lambda: run_glassnet(X, y), "the same NumPy calls by hand": lambda: run_by_hand(X, y),
                  "their matrix products alone": lambda: run_by_hand(X, y, products_only=True)}
    best = {name: float("inf") for name in contenders}
    for _ in range(args.rounds):
        for name, run in contenders.items():
            best[name] = min(best[name], run() / EPOCHS)
    products = best["their matrix products alone"]
    print(f"digits {'-'.join(map(str, SIZES))} sigmoid, momentum, batch {BATCH}, {EPOCHS} epochs; best of "
          f"{args.rounds} rounds\n")
    print("| step | ms per epoch | not matrix products, ms |")
    print("|---|---|---|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds * 1e3:.3f} | {(seconds - products) * 1e3:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
