"""The fused Adam (glassnet.nn.fused) against Adam's NumPy passes, in whole MNIST-sized epochs.

Each run is a fresh process training the 784-256-128-10 ReLU network with Adam (float32, batch 128)
on synthetic data, with one BLAS thread; the paths take turns: the NumPy passes throughout, the
fused kernel from the first step, glassnet as shipped (``fit`` announces its planned steps, and a run
planned to update ``fused.START_UP_ELEMENTS`` elements loads the kernel at its first step), and the
same without the plan (the NumPy passes until they have done that much work, then the kernel: what a
loop that announces nothing gets). It reports, per path, the whole run, the first
epoch (which carries Numba's import and kernel loading on the fused path) and the later epochs, in
CPU time of the process (which waiting for a shared core does not inflate) and in wall time, with
the load average. Both paths give the same weights bit for bit, so the final losses must agree.

    python benchmarks/bench_fused.py --rounds 3 --samples 20000 --epochs 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

WORKER = """
import json, sys, time
sys.path.insert(0, {src!r})
import numpy as np
import glassnet
from glassnet.nn import fused, layers, losses
from glassnet.optim import optimizers
from glassnet.training.callbacks import Callback
if {path!r} == "NumPy passes":
    fused.MIN_SIZE = 10**12
elif {path!r} == "fused from the start":
    fused.START_UP_ELEMENTS = 0

class Unplanned(optimizers.Adam):
    planned_steps = property(lambda self: 0, lambda self, steps: None)  # what fit announces is dropped

adam = Unplanned if {path!r} == "without the plan" else optimizers.Adam
rng = np.random.default_rng(0)
X = rng.standard_normal(({samples}, 784), dtype=np.float32)
y = rng.integers(0, 10, len(X))
net = glassnet.Sequential([layers.Dense(784, 256, dtype="float32"), layers.ReLU(),
                           layers.Dense(256, 128, dtype="float32"), layers.ReLU(),
                           layers.Dense(128, 10, dtype="float32")], output="softmax", random_state=0, dtype="float32")
marks = []

class Clock(Callback):
    def on_train_begin(self, loop):
        marks.append((time.process_time(), time.perf_counter()))

    def on_epoch_end(self, loop):
        marks.append((time.process_time(), time.perf_counter()))

history = glassnet.fit(net, losses.SoftmaxCrossEntropy(), adam(1e-3), X, y, epochs={epochs},
                       batch_size=128, random_state=0, callbacks=[Clock()])
cpu = [b[0] - a[0] for a, b in zip(marks, marks[1:])]
wall = [b[1] - a[1] for a, b in zip(marks, marks[1:])]
print(json.dumps(dict(cpu=cpu, wall=wall, loss=history["loss"][-1], numba=bool(fused._kernels))))
"""


PATHS = ("NumPy passes", "fused from the start", "as shipped", "without the plan")


def run(path, samples, epochs):
    code = WORKER.format(src=str(SRC), path=path, samples=samples, epochs=epochs)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--samples", type=int, default=20000)
    p.add_argument("--epochs", type=int, default=3)
    args = p.parse_args(argv)
    if args.epochs < 2:
        p.error("--epochs must be at least 2: the first epoch carries the start-up")
    results = {path: [] for path in PATHS}
    load_before = os.getloadavg()
    for r in range(args.rounds):
        order = list(PATHS[r % len(PATHS):] + PATHS[: r % len(PATHS)])  # rotated
        for name in order:
            res = run(name, args.samples, args.epochs)
            results[name].append(res)
            print(f"round {r + 1}: {name:20s} first epoch cpu {res['cpu'][0]:.3f} s wall {res['wall'][0]:.3f} s; "
                  f"later epochs cpu {statistics.median(res['cpu'][1:]):.3f} s wall "
                  f"{statistics.median(res['wall'][1:]):.3f} s; loss {res['loss']:.6f}", file=sys.stderr)
    if not all(r["numba"] for r in results["fused from the start"]):
        print("note: Numba is not installed, so every path ran the NumPy passes", file=sys.stderr)
    batches = -(-args.samples // 128)
    print(f"Adam, 784-256-128-10 ReLU, float32, batch 128, {args.samples} samples ({batches} batches) per "
          f"epoch, {args.epochs} epochs per run, one BLAS thread; medians of {args.rounds} fresh processes "
          f"per path. Load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after.\n")
    print("| path | whole run, CPU s | whole run, wall s | first epoch, CPU s | first epoch, wall s | "
          "later epochs, CPU s | later epochs, wall s | final loss | Numba loaded |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, runs in results.items():
        whole_cpu = statistics.median(sum(r["cpu"]) for r in runs)
        whole_wall = statistics.median(sum(r["wall"]) for r in runs)
        first_cpu = statistics.median(r["cpu"][0] for r in runs)
        first_wall = statistics.median(r["wall"][0] for r in runs)
        later_cpu = statistics.median(c for r in runs for c in r["cpu"][1:])
        later_wall = statistics.median(w for r in runs for w in r["wall"][1:])
        losses = sorted({f"{r['loss']:.6f}" for r in runs})
        loaded = sum(r["numba"] for r in runs)
        print(f"| {name} | {whole_cpu:.3f} | {whole_wall:.3f} | {first_cpu:.3f} | {first_wall:.3f} | {later_cpu:.3f} | {later_wall:.3f} | "
              f"{', '.join(losses)} | {loaded} of {len(runs)} runs |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
