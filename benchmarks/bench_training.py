"""Training speed and memory of glassnet against scikit-learn's MLPClassifier and PyTorch (CPU).

Every measurement runs in a fresh Python process (``--worker``), so that peak memory belongs to one
contender alone; the contenders take turns in every round (the order rotates), and the tables report
the median over rounds (and, for the ratios, also each contender's fastest round). The float32
matrix-multiply rate is measured in the same run, in a process of its own that takes its turn like a
contender, on the shapes of the workload's own products; it gives the GEMM-bound limit
``6 * N * weights / rate`` per epoch.

Usage::

    python benchmarks/bench_training.py            # full run, writes benchmarks/results.md
    python benchmarks/bench_training.py --quick    # under two minutes (more on a loaded machine)
    python benchmarks/bench_training.py --rounds 3 --epochs 4 --no-scaling --output -

A contender is one function ``run_<name>(spec, data) -> dict(seconds, epochs, accuracy, loss, rss_peak)``
(``rss_peak = peak_rss()`` read right after training) added to ``CONTENDERS``; PyTorch is used only
when it can be imported.
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
SRC = HERE.parent / "src"

# --------------------------------------------------------------------------- workloads
WORKLOADS = {
    "digits": dict(
        title="digits 64-48-32-10 sigmoid, SGD momentum 0.9, batch 32",
        hidden=(48, 32), activation="logistic", solver="momentum", learning_rate=0.1,
        batch_size=32, epochs=50, n_features=64, n_classes=10, unit="ms",
    ),
    "mnist": dict(
        title="60000x784 float32, 784-256-128-10 ReLU, Adam, batch 128",
        hidden=(256, 128), activation="relu", solver="adam", learning_rate=1e-3,
        batch_size=128, epochs=5, n_samples=60000, n_features=784, n_classes=10, unit="s",
    ),
}


def load_data(spec, seed=0):
    """(X_train, y_train, X_test, y_test), float32 features and int64 labels."""
    if spec["name"] == "digits":
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        X, y = load_digits(return_X_y=True)
        X = (X / 16.0).astype(np.float32)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=594, random_state=seed, stratify=y)
        return np.ascontiguousarray(X_train), y_train.astype(np.int64), np.ascontiguousarray(X_test), y_test.astype(np.int64)
    return synthetic(spec["n_samples"], spec["n_features"], spec["n_classes"], seed)


def synthetic(n_samples, n_features, n_classes, seed):
    """Gaussian classes around random centres, generated in place in float32 (no float64 temporaries,
    so the data's own footprint is all the memory it takes)."""
    rng = np.random.default_rng(seed)
    centres = (0.12 * rng.standard_normal((n_classes, n_features))).astype(np.float32)
    mix = rng.standard_normal((n_features, n_features // 8)).astype(np.float32) / np.float32(np.sqrt(n_features))
    out = []
    for n in (n_samples, 10000):
        y = rng.integers(0, n_classes, n)
        X = rng.standard_normal((n, n_features), dtype=np.float32)
        for start in range(0, n, 8192):
            part = X[start : start + 8192]
            part += centres[y[start : start + 8192]]
            # a little structure shared between features, so the classes are not equally easy
            part[:, : n_features // 8] += np.tanh(part @ mix)
        out += [X, y]
    return out[0], out[1], out[2], out[3]


# --------------------------------------------------------------------------- contenders
def run_glassnet(spec, data):
    """The core path: Sequential + SoftmaxCrossEntropy + Momentum/Adam through glassnet.fit."""
    sys.path.insert(0, os.environ.get("GLASSNET_SRC", str(SRC)))
    import glassnet

    if hasattr(glassnet, "nn"):
        from glassnet.nn import layers, losses
        from glassnet.optim import optimizers
    else:  # a --baseline checkout from before the core moved into glassnet.nn and glassnet.optim
        from glassnet import layers, losses, optimizers

    X, y, X_test, y_test = data
    sizes = (X.shape[1], *spec["hidden"], int(y.max()) + 1)
    stack = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        stack.append(layers.Dense(n_in, n_out, dtype=np.float32))
        if i < len(sizes) - 2:
            stack.append(layers.activations.get(spec["activation"]))
    net = glassnet.Sequential(stack, output="softmax", random_state=spec["seed"], dtype=np.float32)
    if spec["solver"] == "adam":
        opt = optimizers.Adam(spec["learning_rate"])
    else:
        opt = optimizers.Momentum(spec["learning_rate"], momentum=0.9)
    t0 = time.perf_counter()
    hist = glassnet.fit(net, losses.SoftmaxCrossEntropy(), opt, X, y, epochs=spec["epochs"],
                        batch_size=spec["batch_size"], random_state=spec["seed"])
    seconds = time.perf_counter() - t0
    peak = peak_rss()
    acc = float(np.mean(net.predict(X_test) == y_test))
    return dict(seconds=seconds, epochs=spec["epochs"], accuracy=acc, loss=hist["loss"][-1], rss_peak=peak)


def run_sklearn(spec, data, MLPClassifier=None):
    """scikit-learn's MLPClassifier with the same network, solver, batch size and epoch count."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    if MLPClassifier is None:
        from sklearn.neural_network import MLPClassifier

    X, y, X_test, y_test = data
    kw = dict(solver="adam") if spec["solver"] == "adam" else dict(solver="sgd", momentum=0.9, nesterovs_momentum=False)
    clf = MLPClassifier(hidden_layer_sizes=spec["hidden"], activation=spec["activation"], alpha=0.0,
                        batch_size=spec["batch_size"], learning_rate_init=spec["learning_rate"],
                        max_iter=spec["epochs"], tol=0.0, n_iter_no_change=10**9, shuffle=True,
                        random_state=spec["seed"], **kw)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    seconds = time.perf_counter() - t0
    peak = peak_rss()
    return dict(seconds=seconds, epochs=clf.n_iter_, accuracy=float(clf.score(X_test, y_test)),
                loss=clf.loss_curve_[-1], rss_peak=peak)


def run_glassnet_mlp(spec, data):
    """glassnet's drop-in MLPClassifier with exactly scikit-learn's arguments (float32 kept)."""
    sys.path.insert(0, os.environ.get("GLASSNET_SRC", str(SRC)))
    from glassnet import MLPClassifier

    return run_sklearn(spec, data, MLPClassifier)


def run_torch(spec, data):
    """A plain PyTorch loop on CPU in float32: randperm batches, nn.Sequential, CrossEntropyLoss."""
    import torch

    torch.manual_seed(spec["seed"])
    X, y, X_test, y_test = data
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)  # shares memory, no copy
    sizes = (X.shape[1], *spec["hidden"], int(y.max()) + 1)
    act = torch.nn.Sigmoid if spec["activation"] == "logistic" else torch.nn.ReLU
    mods = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        mods.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            mods.append(act())
    model = torch.nn.Sequential(*mods)
    if spec["solver"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=spec["learning_rate"])
    else:
        opt = torch.optim.SGD(model.parameters(), lr=spec["learning_rate"], momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    bs, n = spec["batch_size"], len(X)
    t0 = time.perf_counter()
    for _ in range(spec["epochs"]):
        perm = torch.randperm(n)
        total = 0.0
        for start in range(0, n, bs):
            idx = perm[start : start + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
    seconds = time.perf_counter() - t0
    peak = peak_rss()
    with torch.no_grad():
        acc = float((model(torch.from_numpy(X_test)).argmax(1).numpy() == y_test).mean())
    return dict(seconds=seconds, epochs=spec["epochs"], accuracy=acc, loss=total / n, rss_peak=peak)


CONTENDERS = {"glassnet": run_glassnet, "glassnet-mlp": run_glassnet_mlp, "sklearn": run_sklearn,
              "torch": run_torch, "baseline": run_glassnet, "baseline-mlp": run_glassnet_mlp}
LABELS = {"glassnet": "glassnet", "glassnet-mlp": "glassnet MLPClassifier", "sklearn": "scikit-learn MLP",
          "torch": "PyTorch CPU (f32)",
          "baseline": "glassnet (baseline checkout)", "baseline-mlp": "glassnet MLPClassifier (baseline checkout)"}


THREADS = [None]  # --threads N: every contender's BLAS and OpenMP pools limited to N
BASELINE = [None]  # --baseline DIR: another checkout of glassnet, run as "baseline" and "baseline-mlp"


def available(name):
    if name.startswith("baseline"):
        return BASELINE[0] is not None
    if name == "torch":
        try:
            import importlib.util

            return importlib.util.find_spec("torch") is not None
        except (ImportError, ValueError):
            return False
    return True


# --------------------------------------------------------------------------- memory
def _status(field):
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def reset_peak():
    """Reset the kernel's peak-RSS mark to the current RSS (Linux ``clear_refs``); False if unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss():
    hwm = _status("VmHWM")
    if hwm is not None:
        return hwm
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --------------------------------------------------------------------------- GEMM rate
def gemm_rate(sizes, batch, repeats=None, dtype=np.float32):
    """FLOP/s of the float32 products one training step makes, on the workload's shapes.

    Forward ``A @ W`` per layer; backward ``A.T @ dY`` per layer and ``dY @ W.T`` for all but the first.
    Returns (rate, seconds per step of GEMMs).
    """
    rng = np.random.default_rng(0)
    acts = [rng.standard_normal((batch, s), dtype=dtype) for s in sizes]
    Ws = [rng.standard_normal((a, b), dtype=dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    outs = [np.empty((batch, b), dtype) for b in sizes[1:]]
    gW = [np.empty_like(W) for W in Ws]
    gX = [np.empty((batch, a), dtype) for a in sizes[:-1]]
    flops = 0
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        flops += 2 * batch * a * b * (2 if i == 0 else 3)

    def step():
        for i, W in enumerate(Ws):
            np.matmul(acts[i], W, out=outs[i])
        for i in reversed(range(len(Ws))):
            np.matmul(acts[i].T, acts[i + 1], out=gW[i])
            if i:
                np.matmul(acts[i + 1], Ws[i].T, out=gX[i])

    step()
    if repeats is None:
        t0 = time.perf_counter()
        step()
        repeats = max(20, int(0.3 / max(time.perf_counter() - t0, 1e-7)))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(repeats):
            step()
        best = min(best, (time.perf_counter() - t0) / repeats)
    return flops / best, best


def n_weights(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


# --------------------------------------------------------------------------- worker
def worker(args):
    spec = dict(WORKLOADS[args.workload], name=args.workload, seed=args.seed)
    if args.epochs:
        spec["epochs"] = args.epochs
    if args.samples:
        spec["n_samples"] = args.samples
    if args.hidden:
        spec["hidden"] = tuple(int(h) for h in args.hidden.split(","))
    if args.worker == "gemm":
        # The GEMM rate has a process of its own, so that no contender's training follows seconds of
        # products on every core in its own process.
        sizes = (spec["n_features"], *spec["hidden"], spec["n_classes"])
        rate, per_step = gemm_rate(sizes, spec["batch_size"])
        print("RESULT " + json.dumps({"gemm_rate": rate, "gemm_step": per_step}))
        return
    if args.worker == "torch":
        import torch  # noqa: F401  (imports count as "before training")
    elif args.worker == "sklearn":
        import sklearn.neural_network  # noqa: F401
    else:
        sys.path.insert(0, os.environ.get("GLASSNET_SRC", str(SRC)))
        import glassnet

        # glassnet loads its modules on first use: load the core here, so that neither the time nor
        # the memory of importing it counts as training (a baseline checkout loads it with the package)
        for name in ("nn", "optim", "training"):
            getattr(glassnet, name, None)
        if args.worker in ("glassnet-mlp", "baseline-mlp"):
            import glassnet.estimators  # noqa: F401  (scikit-learn comes with it, as for "sklearn")
    data = load_data(spec, seed=args.seed)
    result = {}
    resettable = reset_peak()
    base = _status("VmRSS") if resettable else peak_rss()
    result.update(CONTENDERS[args.worker](spec, data))  # rss_peak: measured right after training
    result.update(rss_base=base, peak_reset=resettable,
                  data_bytes=sum(a.nbytes for a in data), n_train=len(data[0]))
    print("RESULT " + json.dumps(result))


def spawn(contender, workload, seed, epochs=None, samples=None, hidden=None):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", contender, "--workload", workload,
           "--seed", str(seed)]
    if epochs:
        cmd += ["--epochs", str(epochs)]
    if samples:
        cmd += ["--samples", str(samples)]
    if hidden:
        cmd += ["--hidden", ",".join(map(str, hidden))]
    env = os.environ.copy()
    env.pop("GLASSNET_SRC", None)
    if THREADS[0]:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(THREADS[0])
    if contender.startswith("baseline"):
        env["GLASSNET_SRC"] = str(Path(BASELINE[0]) / "src")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"{contender} on {workload} failed:\n{proc.stderr[-3000:]}")


# --------------------------------------------------------------------------- report
def blas_info():
    lines = []
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            if info.get("user_api") == "blas":
                lines.append(
                    f"{info.get('internal_api')} {info.get('version')} ({Path(info.get('filepath', '')).name}), "
                    f"kernel {info.get('architecture')}, {info.get('num_threads')} threads, "
                    f"{info.get('threading_layer')}"
                )
    except ImportError:
        lines.append("threadpoolctl not installed")
    core = os.environ.get("OPENBLAS_CORETYPE")
    lines.append(f"OPENBLAS_CORETYPE: {core if core is not None else 'not set'}")
    return lines


def load_average():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def fmt_mb(b):
    return f"{b / 2**20:.0f}"


STARTUP = {"glassnet --version": "from glassnet.cli import main; main(['--version'])",
           "glassnet --help": "from glassnet.cli import main; main(['--help'])",
           "import glassnet": "import glassnet"}


def startup_table(args, out, rounds=7):
    """Wall time of starting the command line, median of ``rounds`` fresh processes each, for this
    checkout and the baseline's."""
    sources = {"glassnet": SRC}
    if args.baseline:
        sources["glassnet (baseline checkout)"] = Path(args.baseline) / "src"
    rows = []
    for what, code in STARTUP.items():
        cells = []
        for src in sources.values():
            env = dict(os.environ, PYTHONPATH=str(src))
            times = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=False)
                times.append(time.perf_counter() - t0)
            cells.append(f"{statistics.median(times):.2f}")
        rows.append(f"| `{what}` | " + " | ".join(cells) + " |")
    out += ["## Start-up, seconds (median of fresh processes)", "",
            "| command | " + " | ".join(sources) + " |", "|---|" + "---|" * len(sources), *rows, ""]


def main_table(args, contenders, out):
    rounds = args.rounds
    results = {w: {c: [] for c in contenders} for w in ("digits", "mnist")}
    gemm = {"digits": [], "mnist": []}  # (rate, seconds per step), under the same thread limits
    turns = [*contenders, "gemm"]  # the GEMM measurement takes its turn in the rotation too
    for r in range(rounds):
        order = turns[r % len(turns):] + turns[: r % len(turns)]
        for workload in ("digits", "mnist"):
            epochs = args.digits_epochs if workload == "digits" else args.epochs
            for c in order:
                res = spawn(c, workload, seed=r, epochs=epochs)
                if c == "gemm":
                    gemm[workload].append((res["gemm_rate"], res["gemm_step"]))
                    print(f"round {r + 1}/{rounds} {workload:6s} GEMM rate {res['gemm_rate'] / 1e9:.1f} GFLOP/s",
                          file=sys.stderr)
                    continue
                results[workload][c].append(res)
                print(f"round {r + 1}/{rounds} {workload:6s} {c:9s} {res['seconds'] / res['epochs']:.4f} s/epoch "
                      f"acc {res['accuracy']:.4f} +RSS {fmt_mb(res['rss_peak'] - res['rss_base'])} MB", file=sys.stderr)

    rate = statistics.median(g[0] for g in gemm["mnist"])
    spec = WORKLOADS["mnist"]
    sizes = (spec["n_features"], *spec["hidden"], spec["n_classes"])
    n_train = results["mnist"]["glassnet"][0]["n_train"]
    limit = 6 * n_train * n_weights(sizes) / rate
    digits_gemm_rate = statistics.median(g[0] for g in gemm["digits"])
    digits_step = statistics.median(g[1] for g in gemm["digits"])
    n_digits = results["digits"]["glassnet"][0]["n_train"]
    digits_limit = 6 * n_digits * n_weights((64, 48, 32, 10)) / digits_gemm_rate
    digits_gemm_only = digits_step * -(-n_digits // 32)

    lines = ["| workload | " + " | ".join(LABELS[c] for c in contenders) + " | GEMM limit |",
             "|---|" + "---|" * (len(contenders) + 1)]
    per_epoch = {}
    for workload, scale, unit, lim in (("digits", 1e3, "ms", digits_limit), ("mnist", 1.0, "s", limit)):
        per_epoch[workload] = {c: statistics.median(r["seconds"] / r["epochs"] for r in results[workload][c]) for c in contenders}
        cells = [f"{per_epoch[workload][c] * scale:.3g}" for c in contenders]
        lines.append(f"| {WORKLOADS[workload]['title']}: {unit} per epoch | " + " | ".join(cells) + f" | {lim * scale:.3g} |")
    for workload in ("digits", "mnist"):
        cells = [f"{statistics.median(r['accuracy'] for r in results[workload][c]):.4f}" for c in contenders]
        lines.append(f"| {workload}: test accuracy (median) | " + " | ".join(cells) + " | |")
        cells = [f"{statistics.median(r['loss'] for r in results[workload][c]):.4f}" for c in contenders]
        lines.append(f"| {workload}: final training loss (median) | " + " | ".join(cells) + " | |")
    cells = []
    for c in contenders:
        rs = results["mnist"][c]
        cells.append(f"{fmt_mb(statistics.median(r['rss_base'] for r in rs))} -> "
                     f"{fmt_mb(statistics.median(r['rss_peak'] for r in rs))} "
                     f"(+{fmt_mb(statistics.median(r['rss_peak'] - r['rss_base'] for r in rs))})")
    data_mb = fmt_mb(results["mnist"]["glassnet"][0]["data_bytes"])
    lines.append("| mnist: RSS after imports and data -> peak (MB) | " + " | ".join(cells) + f" | data {data_mb} MB |")

    g = per_epoch
    limit_of = {"digits": digits_limit, "mnist": limit}
    ratio_lines = ["| ratio | digits | mnist |", "|---|---|---|"]
    for c in contenders:
        if c != "glassnet":
            ratio_lines.append(f"| {LABELS[c]} time / glassnet time | {g['digits'][c] / g['digits']['glassnet']:.2f}x | "
                               f"{g['mnist'][c] / g['mnist']['glassnet']:.2f}x |")
    if "glassnet-mlp" in contenders:
        for c in contenders:
            if c in ("sklearn", "torch", "baseline-mlp"):
                ratio_lines.append(
                    f"| {LABELS[c]} time / glassnet MLPClassifier time | "
                    f"{g['digits'][c] / g['digits']['glassnet-mlp']:.2f}x | {g['mnist'][c] / g['mnist']['glassnet-mlp']:.2f}x |")
    ratio_lines.append(f"| GEMM limit / glassnet time | {digits_limit / g['digits']['glassnet']:.0%} | "
                       f"{limit / g['mnist']['glassnet']:.0%} |")
    # The same ratios from each contender's fastest round: other processes on a shared machine only
    # ever add time, so the fastest round is the one they disturbed least (timeit's reasoning).
    best = {w: {c: min(r["seconds"] / r["epochs"] for r in results[w][c]) for c in contenders} for w in g}
    best_lines = ["| ratio, fastest rounds | digits | mnist |", "|---|---|---|"]
    for c in contenders:
        if c in ("sklearn", "torch"):
            best_lines.append(f"| {LABELS[c]} time / glassnet time | {best['digits'][c] / best['digits']['glassnet']:.2f}x | "
                              f"{best['mnist'][c] / best['mnist']['glassnet']:.2f}x |")
    # against the limit at the fastest GEMM rate measured, fastest against fastest
    best_limit = {}
    for w, median_limit in limit_of.items():
        rates = [rate for rate, _ in gemm[w]]
        best_limit[w] = median_limit * statistics.median(rates) / max(rates)
    best_lines.append(f"| GEMM limit (fastest GEMM rate) / glassnet time | "
                      f"{best_limit['digits'] / best['digits']['glassnet']:.0%} | "
                      f"{best_limit['mnist'] / best['mnist']['glassnet']:.0%} |")
    best_lines.append("| glassnet's fastest round: ms per digits epoch, s per mnist epoch | "
                      f"{best['digits']['glassnet'] * 1e3:.3g} | {best['mnist']['glassnet']:.3g} |")

    out += [f"## Per-epoch time, median of {rounds} interleaved rounds", "",
            f"digits: {n_digits} training samples, {args.digits_epochs} epochs per run; "
            f"mnist: {n_train} synthetic samples, {args.epochs} epochs per run; all data float32. "
            "Memory: peak RSS at the end of training (before predicting on the test set) minus RSS after "
            "imports and data (the peak mark is reset after loading, via /proc/self/clear_refs).", "",
            *lines, "", *ratio_lines, "", *best_lines, "",
            f"float32 GEMM rate on the mnist shapes (batch 128: 128x784 @ 784x256 and the backward products): "
            f"{rate / 1e9:.1f} GFLOP/s; GEMM limit = 6 x N x weights / rate = {limit:.3f} s per epoch. "
            f"digits shapes (batch 32): {digits_gemm_rate / 1e9:.2f} GFLOP/s, limit {digits_limit * 1e3:.3f} ms; "
            f"the GEMMs alone of one digits epoch take {digits_gemm_only * 1e3:.3f} ms.", ""]
    return results


def scaling_tables(args, out):
    spec = WORKLOADS["mnist"]
    rows = ["| samples | hidden | s per epoch | us per sample | GEMM limit (s) | fraction of limit |",
            "|---|---|---|---|---|---|"]
    configs = [(n, spec["hidden"]) for n in args.scaling_samples]
    configs += [(args.width_samples, h) for h in ((64, 32), (128, 64), (512, 256), (1024, 512))]
    for n, hidden in configs:
        times, rates = [], []
        for r in range(args.scaling_rounds):
            rates.append(spawn("gemm", "mnist", seed=r, samples=n, hidden=hidden)["gemm_rate"])
            res = spawn("glassnet", "mnist", seed=r, epochs=args.scaling_epochs, samples=n, hidden=hidden)
            times.append(res["seconds"] / res["epochs"])
        t = statistics.median(times)
        lim = 6 * n * n_weights((784, *hidden, 10)) / statistics.median(rates)
        rows.append(f"| {n} | {'-'.join(map(str, hidden))} | {t:.3f} | {t / n * 1e6:.2f} | {lim:.3f} | {lim / t:.0%} |")
        print(f"scaling n={n} hidden={hidden}: {t:.3f} s/epoch", file=sys.stderr)
    out += [f"## Scaling (glassnet, 784-in, 10 classes, Adam, batch 128; median of {args.scaling_rounds}, "
            f"{args.scaling_epochs} epochs each)", "",
            "The GEMM limit is computed per row from the GEMM rate measured on that row's shapes.", "", *rows, ""]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--workload", default="mnist", help=argparse.SUPPRESS)
    p.add_argument("--samples", type=int, help=argparse.SUPPRESS)
    p.add_argument("--hidden", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--quick", action="store_true", help="3 rounds, 1 mnist epoch, 20 digits epochs, a one-round scaling run")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--epochs", type=int, default=None, help="epochs per mnist run (default 5)")
    p.add_argument("--digits-epochs", type=int, default=None, help="epochs per digits run (default 50)")
    p.add_argument("--contenders", default=",".join(CONTENDERS))
    p.add_argument("--no-scaling", action="store_true")
    p.add_argument("--threads", type=int, help="limit every contender's BLAS/OpenMP threads (default: "
                   "leave them to the libraries)")
    p.add_argument("--baseline", metavar="DIR", help="another glassnet checkout to time as the contenders 'baseline' (and 'baseline-mlp')")
    p.add_argument("--output", default=str(HERE / "results.md"), help="markdown file, or - for stdout only")
    args = p.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.quick:
        args.rounds = min(args.rounds, 3)
    args.epochs = args.epochs or (1 if args.quick else WORKLOADS["mnist"]["epochs"])
    args.digits_epochs = args.digits_epochs or (20 if args.quick else WORKLOADS["digits"]["epochs"])
    args.scaling_samples = (10000, 30000, 60000, 120000)
    args.width_samples = 30000
    args.scaling_rounds = 1 if args.quick else 3
    args.scaling_epochs = 1 if args.quick else 2
    BASELINE[0] = args.baseline
    THREADS[0] = args.threads
    if args.baseline and "baseline" not in args.contenders.split(","):
        args.contenders += ",baseline"
        if "glassnet-mlp" in args.contenders.split(","):
            args.contenders += ",baseline-mlp"
    contenders = [c for c in args.contenders.split(",") if c in CONTENDERS and available(c)]
    if "glassnet" not in contenders:
        contenders.insert(0, "glassnet")

    import numpy
    import sklearn

    command = " ".join(["python benchmarks/bench_training.py", *(sys.argv[1:] if argv is None else argv)])
    out = ["# glassnet training benchmark", "",
           f"Command: `{command}`  ",
           f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
           f"NumPy {numpy.__version__}, scikit-learn {sklearn.__version__}"
           + (f", PyTorch {__import__('torch').__version__}" if "torch" in contenders else ", PyTorch not installed") + "  ",
           "BLAS: " + "; ".join(blas_info()) + "  ",
           "Threads: " + (f"BLAS and OpenMP pools limited to {args.threads} for every contender "
                          "(OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS)" if args.threads
                          else "left to each library (OpenBLAS and PyTorch default to one per core)") + "  ",
           f"Load average before the run: {load_average()} (other processes on the machine share its cores)", ""]
    main_table(args, contenders, out)
    out.append(f"Load average after the run: {load_average()}")
    out.append("")
    startup_table(args, out)
    if not args.no_scaling:
        scaling_tables(args, out)
    text = "\n".join(out)
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
