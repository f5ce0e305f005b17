"""Instructions per training batch, counted by valgrind's callgrind: an A/B that load cannot move.

On a shared machine wall-clock ratios between two versions of the hot path move by 10-30% from run
to run. The number of instructions executed does not: it is the same for the same code and inputs
whatever else the machine does. This script trains the benchmark workloads (digits-shaped and
MNIST-shaped, float32, one BLAS thread) for a short and a long run under callgrind, for this
checkout and optionally another (``--baseline DIR``), and reports the instructions of the extra
batches (the difference cancels start-up and imports). It complements ``bench_training.py``, which
measures time; it says nothing about memory traffic, so a change that trades instructions for cache
misses needs the timed benchmark too.

    python benchmarks/bench_instructions.py --baseline ../glassnet-before
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent

WORKLOADS = {
    # name: (layers, activation, optimizer, batch, features, batches in the short and the long run)
    "digits": ((64, 48, 32, 10), "Sigmoid", "Momentum(0.1, 0.9)", 32, 64, (1, 41)),
    "mnist": ((784, 256, 128, 10), "ReLU", "Adam(1e-3)", 128, 784, (1, 21)),
    # digits as 8x8 images: conv 8 3x3, ReLU, max-pool 2, conv 16 3x3, ReLU, max-pool 2, dense 64-10
    "cnn": ((64, 10), "ReLU", "Adam(1e-3)", 32, 64, (1, 21)),
}

CNN_STACK = """[layers.Reshape((1, 8, 8)), layers.Conv2D(1, 8, 3, padding=1, dtype=np.float32), layers.ReLU(),
         layers.MaxPool2D(2), layers.Conv2D(8, 16, 3, padding=1, dtype=np.float32), layers.ReLU(),
         layers.MaxPool2D(2), layers.Flatten(), layers.Dense(64, 10, dtype=np.float32)]"""

PROGRAM = textwrap.dedent("""
    import sys
    sys.path.insert(0, {src!r})
    import numpy as np
    import glassnet
    if hasattr(glassnet, "nn"):
        from glassnet.nn import layers, losses
        from glassnet.optim import optimizers
        import glassnet.training
    else:  # a checkout from before the core moved into glassnet.nn and glassnet.optim
        from glassnet import layers, losses, optimizers
    sizes, n = {sizes!r}, {n}
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], n)
    stack = {stack}
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]) if not stack else ()):
        stack.append(layers.Dense(a, b, dtype=np.float32))
        if i < len(sizes) - 2:
            stack.append(layers.{activation}())
    net = glassnet.Sequential(stack, output="softmax", random_state=0, dtype=np.float32)
    glassnet.fit(net, losses.SoftmaxCrossEntropy(), optimizers.{optimizer}, X, y, epochs=1,
                 batch_size={batch}, random_state=0)
""")


def instructions(src, workload, batches):
    sizes, activation, optimizer, batch, _, _ = WORKLOADS[workload]
    code = PROGRAM.format(src=str(src), sizes=sizes, n=batches * batch, activation=activation,
                          optimizer=optimizer, batch=batch, stack=CNN_STACK if workload == "cnn" else "[]")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                           "-c", code], capture_output=True, text=True, env=env)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"callgrind failed on {src}:\n{proc.stderr[-2000:]}")
    return int(found.group(1))


def per_batch(src, workload):
    short, long = WORKLOADS[workload][5]
    return (instructions(src, workload, long) - instructions(src, workload, short)) / (long - short)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline", metavar="DIR", help="another glassnet checkout to count as well")
    p.add_argument("--workloads", default="digits,mnist", help=f"any of {', '.join(WORKLOADS)} (cnn: the "
                   "convolutional layers, on a checkout that has them)")
    args = p.parse_args(argv)
    sources = {"glassnet": HERE.parent / "src"}
    if args.baseline:
        sources["baseline"] = Path(args.baseline) / "src"
    header = "| workload | " + " | ".join(f"{name} (instructions per batch)" for name in sources)
    header += " | baseline / glassnet |" if args.baseline else " |"
    print(header)
    print("|---|" + "---|" * (len(sources) + bool(args.baseline)))
    for workload in args.workloads.split(","):
        counts = {name: per_batch(src, workload) for name, src in sources.items()}
        cells = [f"{counts[name] / 1e6:.3f} M" for name in sources]
        if args.baseline:
            cells.append(f"{counts['baseline'] / counts['glassnet']:.4f}")
        print(f"| {workload} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
