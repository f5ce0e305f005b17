"""glassnet on a GPU (CuPy, PyTorch CUDA) against its own CPU epoch and PyTorch's own CUDA loop.

Two workloads, synthetic data made on the spot from a seed (nothing is downloaded), float32:

- ``mnist``: 60000 x 784, 784-256-128-10 ReLU, Adam(1e-3), batch 128;
- ``wide``: 65536 x 4096, 4096-4096-4096-10 ReLU, Adam(1e-3), batch 1024.

Contenders, each skipped (and said so) where its library or a CUDA device is missing:

- ``glassnet-numpy``: the same network on the CPU (the ``wide`` epoch is timed on its first batches
  and scaled to the epoch: a full one takes minutes);
- ``glassnet-cupy`` and ``glassnet-torch``: the same code through the array API, data and network on
  the GPU (``net.to("cupy")``, ``net.to(torch.device("cuda"))``);
- ``torch``: PyTorch's own loop (``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``, ``torch.optim.Adam``,
  ``cross_entropy``), on the same GPU.

Reported: seconds per epoch (median of ``--epochs`` timed epochs after one warm-up epoch, the device
synchronised before each clock read) and peak device memory (PyTorch's ``max_memory_allocated``; for
CuPy the memory pool's size at the end, which never shrinks during a run). TF32 stays off everywhere,
so every contender multiplies in full float32. glassnet reads each batch's loss on the host (its
divergence guard), one synchronisation per batch that PyTorch's loop does not make.

Goal (issue "glassnet on any array library"): glassnet on a GPU at least 10x its own CPU epoch and
within 1.5x of PyTorch CUDA on the same GPU.

    python benchmarks/bench_gpu.py                 # writes benchmarks/results-gpu.md
    python benchmarks/bench_gpu.py --quick         # one timed epoch, fewer CPU batches
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

WORKLOADS = {
    # name: (samples, layer widths, batch size)
    "mnist": (60000, (784, 256, 128, 10), 128),
    "wide": (65536, (4096, 4096, 4096, 10), 1024),
}


def make_data(workload, seed=0):
    """Inputs and labels from a fixed random teacher network, so the loss has something to learn."""
    n, sizes, _ = WORKLOADS[workload]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, sizes[0]), dtype=np.float32)
    teacher = rng.standard_normal((sizes[0], sizes[-1]), dtype=np.float32)
    y = np.argmax(X @ teacher, axis=1).astype(np.int64)
    return X, y


def cuda_available():
    if importlib.util.find_spec("torch") is not None:
        import torch

        return torch.cuda.is_available()
    if importlib.util.find_spec("cupy") is not None:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    return False


def glassnet_network(sizes):
    import glassnet as gn
    from glassnet.nn import Dense, ReLU

    stack = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        stack.append(Dense(a, b, init="he_normal", dtype="float32"))
        if i < len(sizes) - 2:
            stack.append(ReLU())
    return gn.Sequential(stack, output="softmax", random_state=0, dtype="float32")


class Device:
    """Synchronisation and peak memory of the library a contender runs on."""

    def __init__(self, library):
        self.library = library

    def sync(self):
        if self.library == "torch":
            import torch

            torch.cuda.synchronize()
        elif self.library == "cupy":
            import cupy

            cupy.cuda.Device().synchronize()

    def reset_peak(self):
        if self.library == "torch":
            import torch

            torch.cuda.reset_peak_memory_stats()

    def peak_mb(self):
        if self.library == "torch":
            import torch

            return torch.cuda.max_memory_allocated() / 2**20
        if self.library == "cupy":
            import cupy

            return cupy.get_default_memory_pool().total_bytes() / 2**20
        return float("nan")


def run_glassnet(workload, library, epochs, cpu_batches):
    import glassnet as gn
    from glassnet.nn import SoftmaxCrossEntropy

    n, sizes, batch = WORKLOADS[workload]
    X, y = make_data(workload)
    net = glassnet_network(sizes)
    device = Device(library)
    if library == "cupy":
        import cupy

        net.to("cupy")
        X, y = cupy.asarray(X), cupy.asarray(y)
    elif library == "torch":
        import torch

        net.to(torch.device("cuda"))
        X, y = torch.asarray(X, device="cuda"), torch.asarray(y, device="cuda")
    scale = 1.0
    if library == "numpy" and cpu_batches:
        # the first cpu_batches batches of an epoch, scaled to the whole epoch
        scale = (n / batch) / cpu_batches
        X, y = X[: cpu_batches * batch], y[: cpu_batches * batch]
    loss, optimizer = SoftmaxCrossEntropy(), gn.optim.Adam(1e-3)
    times = []
    device.reset_peak()
    for epoch in range(epochs + 1):  # the first epoch warms up (kernels, memory pools, BLAS threads)
        device.sync()
        start = time.perf_counter()
        history = gn.fit(net, loss, optimizer, X, y, epochs=1, batch_size=batch, random_state=epoch)
        device.sync()
        if epoch:
            times.append((time.perf_counter() - start) * scale)
    return statistics.median(times), device.peak_mb(), history["loss"][-1]


def run_torch(workload, epochs):
    import torch
    import torch.nn.functional as F

    n, sizes, batch = WORKLOADS[workload]
    X, y = make_data(workload)
    X, y = torch.asarray(X, device="cuda"), torch.asarray(y, device="cuda")
    torch.manual_seed(0)
    stack = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        stack.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            stack.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*stack).cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    device = Device("torch")
    times = []
    device.reset_peak()
    for epoch in range(epochs + 1):
        device.sync()
        start = time.perf_counter()
        order = torch.randperm(n, device="cuda")
        for i in range(0, n, batch):
            idx = order[i : i + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
        device.sync()
        if epoch:
            times.append(time.perf_counter() - start)
    return statistics.median(times), device.peak_mb(), float(loss)


def available(contender):
    if contender == "glassnet-numpy":
        return True, ""
    library = "cupy" if contender == "glassnet-cupy" else "torch"
    if importlib.util.find_spec(library) is None:
        return False, f"{library} is not installed"
    if not cuda_available():
        return False, "no CUDA device"
    return True, ""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one timed epoch; 20 CPU batches")
    p.add_argument("--epochs", type=int, default=3, help="timed epochs per contender (after one warm-up)")
    p.add_argument("--cpu-batches", type=int, default=None,
                   help="time the CPU on this many batches and scale to an epoch (default: all for mnist, 40 for wide)")
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--contenders", default="glassnet-numpy,glassnet-cupy,glassnet-torch,torch")
    p.add_argument("--output", default=str(HERE / "results-gpu.md"), help="markdown file, or - for stdout only")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs = 1
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    os.environ.setdefault("CUPY_TF32", "0")
    out = ["# glassnet on a GPU", "",
           f"Command: `python benchmarks/bench_gpu.py {' '.join(sys.argv[1:] if argv is None else argv)}`  ",
           f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
           f"NumPy {np.__version__}  ", f"GPU: {gpu_name()}  ",
           f"Load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", "",
           "| workload | contender | s per epoch | peak device MB | last batch loss |", "|---|---|---|---|---|"]
    results = {}
    for workload in args.workloads.split(","):
        for contender in args.contenders.split(","):
            ok, why = available(contender)
            if not ok:
                out.append(f"| {workload} | {contender} | skipped: {why} | | |")
                continue
            cpu_batches = args.cpu_batches or (20 if args.quick else (40 if workload == "wide" else None))
            if contender == "torch":
                seconds, peak, last = run_torch(workload, args.epochs)
            else:
                library = contender.split("-")[1]
                seconds, peak, last = run_glassnet(workload, library, args.epochs, cpu_batches if library == "numpy" else None)
            results[workload, contender] = seconds
            scaled = " (scaled from its first batches)" if contender == "glassnet-numpy" and cpu_batches else ""
            out.append(f"| {workload} | {contender} | {seconds:.3f}{scaled} | {peak:.0f} | {last:.4f} |")
            print(out[-1], flush=True)
    out += ["", "| workload | glassnet GPU vs its CPU epoch (goal >= 10x) | glassnet GPU / PyTorch CUDA time (goal <= 1.5x) |",
            "|---|---|---|"]
    for workload in args.workloads.split(","):
        for gpu in ("glassnet-cupy", "glassnet-torch"):
            if (workload, gpu) not in results:
                continue
            cpu, torch_time = results.get((workload, "glassnet-numpy")), results.get((workload, "torch"))
            speedup = f"{cpu / results[workload, gpu]:.1f}x ({gpu})" if cpu else "n/a"
            ratio = f"{results[workload, gpu] / torch_time:.2f}x ({gpu})" if torch_time else "n/a"
            out.append(f"| {workload} | {speedup} | {ratio} |")
    text = "\n".join(out) + "\n"
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text)
    return 0


def gpu_name():
    if importlib.util.find_spec("torch") is not None:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name()
    return "none found"


if __name__ == "__main__":
    sys.exit(main())
