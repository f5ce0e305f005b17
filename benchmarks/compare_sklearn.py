"""Accuracy of glassnet's MLPClassifier/MLPRegressor against scikit-learn's, same settings and data.

For each bundled data set (standardised), solver and seed: split 75/25 with the seed, fit both
estimators with identical hyperparameters and ``random_state=seed``, and score on the held-out part
(accuracy, or R^2 for diabetes). Prints a Markdown table of mean +- std over the seeds and the mean
fit time; ``--write docs/estimators.md`` puts it between the ``<!-- compare_sklearn -->`` markers.

    PYTHONPATH=src python benchmarks/compare_sklearn.py --seeds 5 --write docs/estimators.md
"""

from __future__ import annotations

import argparse
import re
import time
import warnings

import numpy as np
from sklearn import datasets, neural_network
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import glassnet

DATA = {
    "digits": (datasets.load_digits, "classification"),
    "iris": (datasets.load_iris, "classification"),
    "wine": (datasets.load_wine, "classification"),
    "breast_cancer": (datasets.load_breast_cancer, "classification"),
    "diabetes": (datasets.load_diabetes, "regression"),
}
SETTINGS = {
    "adam": dict(solver="adam", hidden_layer_sizes=(100,), max_iter=200),
    "sgd": dict(solver="sgd", hidden_layer_sizes=(100,), max_iter=200, learning_rate_init=0.01),
    "adam, early stopping": dict(solver="adam", hidden_layer_sizes=(100,), max_iter=200, early_stopping=True),
    "lbfgs": dict(solver="lbfgs", hidden_layer_sizes=(32,), max_iter=200, alpha=1e-2),
}
# diabetes is small and noisy: a narrow, strongly regularised network (a wide one overfits either way)
REGRESSION_SETTINGS = {
    "adam": dict(solver="adam", hidden_layer_sizes=(16,), max_iter=500, alpha=10.0, learning_rate_init=0.003),
    "sgd": dict(solver="sgd", hidden_layer_sizes=(16,), max_iter=500, alpha=10.0, learning_rate_init=0.003),
    "adam, early stopping": dict(solver="adam", hidden_layer_sizes=(16,), max_iter=300, alpha=1.0,
                                 learning_rate_init=0.01, early_stopping=True),
    "lbfgs": dict(solver="lbfgs", hidden_layer_sizes=(16,), max_iter=200, alpha=30.0),
}


def run(seeds):
    rows = []
    for name, (loader, task) in DATA.items():
        X, y = loader(return_X_y=True)
        if task == "regression":
            y = (y - y.mean()) / y.std()
        settings = SETTINGS if task == "classification" else REGRESSION_SETTINGS
        ours_cls = glassnet.MLPClassifier if task == "classification" else glassnet.MLPRegressor
        ref_cls = neural_network.MLPClassifier if task == "classification" else neural_network.MLPRegressor
        for solver, params in settings.items():
            scores = {"glassnet": [], "scikit-learn": []}
            times = {"glassnet": [], "scikit-learn": []}
            for seed in range(seeds):
                Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed)
                scaler = StandardScaler().fit(Xtr)
                Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
                for label, cls in (("glassnet", ours_cls), ("scikit-learn", ref_cls)):
                    est = cls(random_state=seed, **params)
                    start = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", ConvergenceWarning)
                        est.fit(Xtr, ytr)
                    times[label].append(time.perf_counter() - start)
                    scores[label].append(est.score(Xte, yte))
            rows.append((name, solver, scores, times))
            print(f"{name} {solver}: " + ", ".join(f"{k} {np.mean(v):.4f}" for k, v in scores.items()), flush=True)
    return rows


def table(rows, seeds):
    lines = [
        "| data set | solver | glassnet score | scikit-learn score | difference | glassnet fit (s) | scikit-learn fit (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, solver, scores, times in rows:
        g, s = np.array(scores["glassnet"]), np.array(scores["scikit-learn"])
        lines.append(
            f"| {name} | {solver} | {g.mean():.4f} ± {g.std():.4f} | {s.mean():.4f} ± {s.std():.4f} | "
            f"{g.mean() - s.mean():+.4f} | {np.mean(times['glassnet']):.2f} | {np.mean(times['scikit-learn']):.2f} |"
        )
    lines.append("")
    lines.append(
        f"Mean ± standard deviation over {seeds} seeds (seed = split and `random_state`); accuracy for the "
        "classifiers, R² for diabetes (target standardised). Fit times are means on the machine that ran it."
    )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--write", metavar="MARKDOWN", help="replace the table between <!-- compare_sklearn --> markers")
    args = parser.parse_args(argv)
    text = table(run(args.seeds), args.seeds)
    print(text)
    if args.write:
        with open(args.write) as handle:
            doc = handle.read()
        pattern = re.compile(r"<!-- compare_sklearn -->.*?<!-- /compare_sklearn -->", re.S)
        if not pattern.search(doc):
            raise SystemExit(f"{args.write} has no <!-- compare_sklearn --> ... <!-- /compare_sklearn --> markers")
        doc = pattern.sub(lambda _: f"<!-- compare_sklearn -->\n{text}\n<!-- /compare_sklearn -->", doc)
        with open(args.write, "w") as handle:
            handle.write(doc)


if __name__ == "__main__":
    main()
