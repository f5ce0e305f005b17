"""Sparse input: glassnet's MLPClassifier against scikit-learn's on a TF-IDF-like matrix with 100k columns.

Both train the same network (same settings, ``random_state``) on the same CSR matrix: rows of ~50
non-zeros out of 100,000 columns, labels from a sparse linear rule. Each contender runs in a worker
process of its own, in turns (glassnet, scikit-learn, glassnet, ...), and reports its fit time, the
peak of traced allocations during fit and predict (``tracemalloc``: NumPy and SciPy arrays), the growth
of its peak resident memory over what it held before fitting, and its held-out accuracy. The dense
copy the data set would take is printed beside them: neither densifies it.

    PYTHONPATH=src python benchmarks/bench_sparse.py            # 20,000 rows, 3 rounds
    PYTHONPATH=src python benchmarks/bench_sparse.py --quick    # 5,000 rows, 1 round

The machine is shared: times are noisy (the load is printed); the ratios of one run are what count.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

N_COLUMNS = 100_000
NNZ_PER_ROW = 50


def make_data(n_rows, seed=0):
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    cols = rng.integers(0, N_COLUMNS, size=(n_rows, NNZ_PER_ROW))
    vals = rng.random((n_rows, NNZ_PER_ROW))
    vals /= np.linalg.norm(vals, axis=1, keepdims=True)  # rows of unit norm, as TfidfVectorizer gives
    X = sp.csr_matrix((vals.ravel(), cols.ravel(), np.arange(0, n_rows * NNZ_PER_ROW + 1, NNZ_PER_ROW)),
                      shape=(n_rows, N_COLUMNS))
    X.sum_duplicates()
    w = np.zeros(N_COLUMNS)
    w[rng.choice(N_COLUMNS, 20000, replace=False)] = rng.standard_normal(20000)  # ~10 per row
    y = (X @ w > 0).astype(int)
    return X, y


def worker(contender, n_rows, epochs):
    """Fit one contender; print a JSON line of its numbers."""
    import tracemalloc
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    if contender == "glassnet":
        from glassnet import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    X, y = make_data(n_rows)
    n_train = int(0.8 * n_rows)
    clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=epochs, random_state=0)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[:n_train], y[:n_train])
    fit_s = time.perf_counter() - start
    accuracy = clf.score(X[n_train:], y[n_train:])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
    print(json.dumps({"contender": contender, "fit_s": fit_s, "traced_peak": peak, "rss_growth": rss_growth,
                      "accuracy": accuracy, "nnz": int(X.nnz)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 rows, one round")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--worker", choices=["glassnet", "sklearn"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    rows = args.rows or (5000 if args.quick else 20000)
    if args.worker:
        worker(args.worker, rows, args.epochs)
        return
    rounds = args.rounds or (1 if args.quick else 3)
    results = {"glassnet": [], "sklearn": []}
    for _ in range(rounds):
        for contender in ("glassnet", "sklearn"):
            out = subprocess.run([sys.executable, __file__, "--worker", contender, "--rows", str(rows),
                                  "--epochs", str(args.epochs)], capture_output=True, text=True, check=True,
                                 env=dict(os.environ))
            results[contender].append(json.loads(out.stdout.strip().splitlines()[-1]))
    nnz = results["glassnet"][0]["nnz"]
    print(f"{rows} rows x {N_COLUMNS} columns, {nnz} non-zeros ({nnz * 12 / 1e6:.1f} MB as CSR; the dense copy "
          f"would take {rows * N_COLUMNS * 8 / 1e9:.1f} GB); hidden_layer_sizes=(32,), adam, {args.epochs} epochs, "
          f"{rounds} round(s); load average {os.getloadavg()[0]:.2f}")
    print()
    print("| | fit time (s, fastest) | traced peak (MB) | peak RSS growth (MB) | held-out accuracy |")
    print("|---|---|---|---|---|")
    for name, runs in results.items():
        best = min(r["fit_s"] for r in runs)
        print(f"| {name} | {best:.2f} | {max(r['traced_peak'] for r in runs) / 1e6:.0f} | "
              f"{max(r['rss_growth'] for r in runs) / 1e6:.0f} | {runs[0]['accuracy']:.3f} |")
    g = min(r["fit_s"] for r in results["glassnet"])
    s = min(r["fit_s"] for r in results["sklearn"])
    print(f"\nscikit-learn / glassnet fit time: {s / g:.2f}")


if __name__ == "__main__":
    main()
