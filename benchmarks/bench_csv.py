"""Reading a large numeric CSV file: glassnet's ``read_csv`` against plain ``pandas.read_csv``.

Writes a CSV file of random floats (``--rows`` x ``--columns``, plus a ``label`` target column), then
reads it in fresh processes, in turns (glassnet, pandas, glassnet, ...). Each process reports its
wall time for the read and the growth of its peak resident memory (``ru_maxrss``) over what it held
after importing. The size of the parsed float64 data is printed beside them: glassnet's aim is a
peak within 2x of it.

    PYTHONPATH=src python benchmarks/bench_csv.py                      # 200,000 x 50, 2 rounds
    PYTHONPATH=src python benchmarks/bench_csv.py --rows 1000000       # the 377 MB file of the report

The machine is shared: times are noisy (the load is printed); the ratios of one run are what count.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np


def write_csv(path, rows, columns, seed=0):
    """Random floats with a 0/1 label, written in blocks so that writing costs little memory."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as fh:
        fh.write(",".join([f"x{j}" for j in range(columns)] + ["label"]) + "\n")
        for start in range(0, rows, 50_000):
            block = rng.standard_normal((min(50_000, rows - start), columns))
            labels = (block[:, 0] > 0).astype(int)
            lines = [",".join(f"{v:.6f}" for v in row) + f",{c}" for row, c in zip(block, labels)]
            fh.write("\n".join(lines) + "\n")


def _rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(who, path):
    """Read ``path`` once and print one JSON line: seconds and peak RSS growth (MB)."""
    import pandas as pd

    from glassnet.tabular.data import read_csv

    before = _rss_mb()
    start = time.perf_counter()
    if who == "glassnet":
        shape = read_csv(path, "label").frame.shape
    else:
        shape = pd.read_csv(path).shape
    seconds = time.perf_counter() - start
    print(json.dumps({"who": who, "seconds": seconds, "peak_mb": _rss_mb() - before, "shape": list(shape)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker)
    print(f"load: {os.getloadavg()}  (2 shared cores: times are noisy)")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.csv")
        write_csv(path, args.rows, args.columns)
        floats_mb = args.rows * args.columns * 8 / 2**20
        print(f"{args.rows} x {args.columns} CSV: {os.path.getsize(path) / 2**20:.0f} MB on disk, "
              f"{floats_mb:.0f} MB as float64 features")
        results = {"glassnet": [], "pandas": []}
        for _ in range(args.rounds):
            for who in results:
                out = subprocess.run([sys.executable, __file__, "--worker", who, path], check=True,
                                     capture_output=True, text=True).stdout
                results[who].append(json.loads(out.splitlines()[-1]))
    for who, runs in results.items():
        best = min(r["seconds"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        print(f"{who:9s} best {best:6.2f} s   peak RSS growth {peak:7.0f} MB = {peak / floats_mb:.2f}x the floats")
    ratio = min(r["seconds"] for r in results["glassnet"]) / min(r["seconds"] for r in results["pandas"])
    print(f"glassnet / pandas time: {ratio:.2f}")


if __name__ == "__main__":
    main()
