"""What it costs to hand work to a second core, against the element-wise work there is to hand over.

Spreading the passes between the matrix products (Adam's update, activations, masks) over both cores
pays only if waking a second thread and waiting for it costs less than the half of the work it takes
over. This script measures both sides in one process:

- the round trip of a hand-off: the main thread puts a task on a queue, a waiting worker thread takes
  it and answers, the main thread reads the answer (what any thread pool does per parallel call),
  after the worker has waited 0, 0.5 and 2 ms (the gaps between hand-offs in a training step);
- Adam's step on the MNIST-sized network's 235,146 float32 parameters, as glassnet's NumPy passes
  (``optim.Adam`` with the fused kernel switched off) and as the fused kernel (when Numba is
  installed), on this thread, and split in halves between this thread and the worker.

    python benchmarks/bench_handoff.py
"""

from __future__ import annotations

import queue
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

N_PARAMS = 235_146  # 784-256-128-10


class Worker:
    """One thread that runs ``fn(*args)`` for each task put on its queue, and answers when done."""

    def __init__(self):
        self.tasks, self.done = queue.SimpleQueue(), queue.SimpleQueue()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            fn, args = self.tasks.get()
            fn(*args)
            self.done.put(None)

    def halves(self, fn, arrays):
        """``fn`` on the first half of every array here, on the second half in the worker."""
        half = arrays[0].shape[0] // 2
        self.tasks.put((fn, [a[half:] for a in arrays]))
        fn(*[a[:half] for a in arrays])
        self.done.get()


def median_us(fn, repeats, gap=0.0):
    times = []
    for _ in range(repeats):
        if gap:
            start = time.perf_counter()
            while time.perf_counter() - start < gap:  # keep this core busy, as a training step would
                pass
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main():
    worker = Worker()
    print("| hand-off after the worker waited | round trip, median us |")
    print("|---|---|")
    for gap in (0.0, 0.0005, 0.002):
        us = median_us(lambda: (worker.tasks.put((lambda: None, ())), worker.done.get()), 400, gap)
        print(f"| {gap * 1e3:g} ms | {us:.1f} |")

    from glassnet.nn import fused
    from glassnet.optim import optimizers

    fused.MIN_SIZE = 10**12  # glassnet's Adam takes its NumPy passes; the kernel is called directly below
    rng = np.random.default_rng(0)
    param, grad = (rng.standard_normal(N_PARAMS, dtype=np.float32) for _ in range(2))
    half = N_PARAMS // 2
    whole, first, second = (optimizers.Adam(1e-3) for _ in range(3))  # each keeps the moments of its part

    def numpy_halves():
        worker.tasks.put((second.step, ([(param[half:], grad[half:])],)))
        first.step([(param[:half], grad[:half])])
        worker.done.get()

    rows = [("NumPy passes (optim.Adam), this thread", lambda: whole.step([(param, grad)])),
            ("NumPy passes (optim.Adam), halves on two threads", numpy_halves)]
    if fused._load():
        m, v = np.zeros_like(param), np.zeros_like(param)
        kernel = lambda p, g, m_, v_: fused.adam(p, g, m_, v_, 0.9, 0.999, 1e-3, 1e-8)  # noqa: E731
        rows += [("fused kernel, this thread", lambda: kernel(param, grad, m, v)),
                 ("fused kernel, halves on two threads", lambda: worker.halves(kernel, [param, grad, m, v]))]
    print(f"\n| Adam step, {N_PARAMS:,} float32 parameters | median us |")
    print("|---|---|")
    for name, fn in rows:
        print(f"| {name} | {median_us(fn, 300, gap=0.0005):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
