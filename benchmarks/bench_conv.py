"""Convolutional networks: glassnet against PyTorch on the CPU, same architecture, data, batch and epochs.

Workloads (all float32, both sides):

- ``mnist1d-cnn``: the MNIST-1D paper's CNN (three Conv1D of 25 channels, kernels 5/3/3, stride 2,
  padding 1, ReLU, then Dense(125, 10)) on the 4000 training signals, Adam 1e-2, batches of 100 in order.
- ``digits-cnn``: the ``digits-cnn`` experiment's network on the 8x8 digits as (1, 8, 8) images
  (Conv2D 1->32->32, max pool, Conv2D 32->64, max pool, Dense(256, 10)), Adam 1e-3, shuffled batches of 32.
- ``conv2d-layer``: one Conv2D of 32 to 32 channels, 3x3, padding 1, on a batch of 64 inputs of 28x28:
  forward and backward (input and parameter gradients) with a fixed upstream gradient.

Every measurement runs in a fresh process (``--worker``), so that peak memory belongs to one contender;
the contenders take turns in every round and the tables give medians over rounds. Threads are left to
each library (OpenBLAS and PyTorch default to one per core). Memory: peak RSS during training minus RSS
after imports and data (the peak mark reset via /proc/self/clear_refs), as in ``bench_training.py``.

Usage::

    python benchmarks/bench_conv.py                     # writes benchmarks/results-conv.md
    python benchmarks/bench_conv.py --rounds 3 --output -
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from bench_training import _status, blas_info, load_average, peak_rss, reset_peak  # noqa: E402

WORKLOADS = {
    "mnist1d-cnn": dict(title="MNIST-1D CNN (paper), 4000 signals, batch 100, Adam", epochs=2, unit="ms per epoch"),
    "digits-cnn": dict(title="digits CNN on (1, 8, 8) images, 1347 images, batch 32, Adam", epochs=2,
                       unit="ms per epoch"),
    "conv2d-layer": dict(title="Conv2D 32->32, 3x3, padding 1, batch 64 of 28x28: forward + backward",
                         epochs=5, unit="ms per step"),
}


# --------------------------------------------------------------------------- data
def load_data(workload):
    """``(X, y)`` float32 / int64 for a training workload, or the input of the layer workload."""
    if workload == "mnist1d-cnn":
        from glassnet.datasets import load_mnist1d

        X, y, _, _ = load_mnist1d(as_sequences=True)
    elif workload == "digits-cnn":
        from glassnet.experiments.digits_cnn import load_images

        X, y, _, _ = load_images()
    else:
        rng = np.random.default_rng(0)
        return rng.standard_normal((64, 32, 28, 28), dtype=np.float32), rng.standard_normal(
            (64, 32, 28, 28), dtype=np.float32)
    return np.ascontiguousarray(X, dtype=np.float32), y.astype(np.int64)


# batch size and whether batches are shuffled: in order for MNIST-1D (as the paper), shuffled for the digits
BATCHES = {"mnist1d-cnn": (100, False), "digits-cnn": (32, True)}


# --------------------------------------------------------------------------- contenders
def run_glassnet(workload, data, epochs):
    import glassnet as gn
    from glassnet.nn import Conv2D, losses
    from glassnet.optim import optimizers

    if workload == "conv2d-layer":
        X, G = data
        layer = Conv2D(32, 32, 3, padding=1, dtype="float32", random_state=0)

        def step():
            layer.forward(X, training=True)
            layer.backward(G)

        return _time_steps(step, epochs)
    X, y = data
    if workload == "mnist1d-cnn":
        from glassnet.experiments.mnist1d import build

        net, lr = build("cnn", 0), 1e-2
    else:
        from glassnet.experiments.digits_cnn import build

        net, lr = build(0), 1e-3
    net = gn.Sequential(net.layers, output="softmax", random_state=0, dtype="float32", input_shape=net.input_shape)
    batch, shuffle = BATCHES[workload]
    t0 = time.perf_counter()
    hist = gn.fit(net, losses.SoftmaxCrossEntropy(), optimizers.Adam(lr), X, y, epochs=epochs, batch_size=batch,
                  shuffle=shuffle, random_state=0)
    seconds = time.perf_counter() - t0
    return dict(seconds=seconds, steps=epochs, loss=hist["loss"][-1], rss_peak=peak_rss())


def run_torch(workload, data, epochs):
    import torch
    from torch import nn

    torch.manual_seed(0)
    if workload == "conv2d-layer":
        X, G = (torch.from_numpy(a) for a in data)
        conv = nn.Conv2d(32, 32, 3, padding=1)
        X.requires_grad_(True)

        def step():
            conv.zero_grad(set_to_none=True)
            X.grad = None
            conv(X).backward(G)

        return _time_steps(step, epochs)
    X, y = (torch.from_numpy(a) for a in data)
    if workload == "mnist1d-cnn":
        model = nn.Sequential(nn.Conv1d(1, 25, 5, 2, 1), nn.ReLU(), nn.Conv1d(25, 25, 3, 2, 1), nn.ReLU(),
                              nn.Conv1d(25, 25, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(125, 10))
        lr = 1e-2
    else:
        model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(256, 10))
        lr = 1e-3
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    batch, shuffle = BATCHES[workload]
    n = len(X)
    t0 = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n) if shuffle else torch.arange(n)
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
    seconds = time.perf_counter() - t0
    return dict(seconds=seconds, steps=epochs, loss=total / n, rss_peak=peak_rss())


def _time_steps(step, n):
    for _ in range(3):  # warm-up: buffers, thread pools
        step()
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return dict(seconds=time.perf_counter() - t0, steps=n, loss=float("nan"), rss_peak=peak_rss())


CONTENDERS = {"glassnet": run_glassnet, "torch": run_torch}
LABELS = {"glassnet": "glassnet (f32)", "torch": "PyTorch CPU (f32)"}


# --------------------------------------------------------------------------- processes
def worker(args):
    if args.worker == "torch":
        import torch  # noqa: F401  (imports count as "before training")
    else:
        import glassnet

        for name in ("nn", "optim", "training"):
            getattr(glassnet, name)
        # the networks are the experiments': import them (and what they bring) before the memory mark
        import glassnet.experiments.digits_cnn  # noqa: F401
        import glassnet.experiments.mnist1d  # noqa: F401
    data = load_data(args.workload)
    resettable = reset_peak()
    base = _status("VmRSS") if resettable else peak_rss()
    result = CONTENDERS[args.worker](args.workload, data, WORKLOADS[args.workload]["epochs"])
    result.update(rss_base=base)
    print("RESULT " + json.dumps(result))


def spawn(contender, workload):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", contender, "--workload", workload]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"{contender} on {workload} failed:\n{proc.stderr[-3000:]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", default=str(HERE / "results-conv.md"), help="markdown file, or - for stdout")
    parser.add_argument("--worker", choices=list(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--workload", choices=list(WORKLOADS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return
    load_before = load_average()
    results = {w: {c: [] for c in CONTENDERS} for w in WORKLOADS}
    for r in range(args.rounds):
        for workload in WORKLOADS:
            order = list(CONTENDERS)[r % 2 :] + list(CONTENDERS)[: r % 2]  # alternate who goes first
            for contender in order:
                results[workload][contender].append(spawn(contender, workload))
        print(f"round {r + 1}/{args.rounds} done (load {load_average()})", file=sys.stderr)
    lines = ["# Convolutional networks: glassnet against PyTorch on the CPU", "",
             f"Command: `python benchmarks/bench_conv.py --rounds {args.rounds}`  ",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
             f"NumPy {np.__version__}, PyTorch {_torch_version()}  ",
             f"BLAS: {blas_info()}  ",
             f"Threads: left to each library  ",
             f"Load average before the run: {load_before}; after: {load_average()} (the machine's two cores "
             "are shared with other processes: the numbers are noisy)", "",
             f"## Median of {args.rounds} interleaved rounds, each in a fresh process", "",
             "| workload | glassnet (f32) | PyTorch CPU (f32) | PyTorch time / glassnet time | "
             "memory added, glassnet | memory added, PyTorch |", "|---|---|---|---|---|---|"]
    for workload, spec in WORKLOADS.items():
        per_step = {c: statistics.median(1000 * x["seconds"] / x["steps"] for x in runs)
                    for c, runs in results[workload].items()}
        added = {c: statistics.median((x["rss_peak"] - x["rss_base"]) / 2**20 for x in runs)
                 for c, runs in results[workload].items()}
        lines.append(f"| {spec['title']}: {spec['unit']} | {per_step['glassnet']:.2f} | {per_step['torch']:.2f} | "
                     f"{per_step['torch'] / per_step['glassnet']:.2f}x | {added['glassnet']:.1f} MB | "
                     f"{added['torch']:.1f} MB |")
    lines += ["", "A ratio above 1 means glassnet is faster. Training losses after the timed epochs (median): " +
              "; ".join(f"{w}: glassnet {statistics.median(x['loss'] for x in results[w]['glassnet']):.4f}, "
                        f"PyTorch {statistics.median(x['loss'] for x in results[w]['torch']):.4f}"
                        for w in WORKLOADS if w != "conv2d-layer"), ""]
    text = "\n".join(lines)
    if args.output == "-":
        print(text)
    else:
        Path(args.output).write_text(text)
        print(text)


def _torch_version():
    try:
        import torch

        return torch.__version__
    except ImportError:
        return "not installed"


if __name__ == "__main__":
    main()
