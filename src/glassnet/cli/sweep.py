"""glassnet sweep: grid or random search over MLP parameters with cross-validation.

Examples::

    glassnet sweep --dataset digits --param hidden_layer_sizes 32 64,32 --param alpha 1e-4 1e-3
    glassnet sweep --csv data.csv --target label --search random --n-iter 8 \\
        --param alpha 1e-5 1e-4 1e-3 1e-2 --param learning_rate_init 1e-3 3e-3 --n-jobs 2
    glassnet sweep --dataset wine --param alpha 1e-4 1e-2 --dask local
    glassnet sweep --dataset wine --param alpha 1e-4 1e-2 --dask tcp://scheduler:8786
"""

from __future__ import annotations

import sys
import warnings

PARAM_HELP = (
    "an estimator parameter and the values to try (repeatable). Layer sizes as for train's --layers: 64 or "
    "64,32 (two hidden layers); numbers, true/false, none and strings are recognised. A single value fixes "
    "the parameter."
)


def add_parser(subparsers):
    from ..datasets import NAMES

    p = subparsers.add_parser(
        "sweep",
        help="grid or random search over MLP parameters with cross-validation",
        description=__doc__.split("\n\n")[0],
    )
    data = p.add_mutually_exclusive_group(required=True)
    data.add_argument("--dataset", help=f"a bundled data set: {', '.join(NAMES)}")
    data.add_argument("--csv", metavar="PATH", help="a CSV file with a header row (use with --target)")
    p.add_argument("--target", metavar="COL", help="the label column of --csv")
    p.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                   help="for --csv (default: guess from the target)")
    p.add_argument("--param", action="append", nargs="+", default=[], metavar=("NAME", "VALUE"), help=PARAM_HELP)
    p.add_argument("--search", choices=("grid", "random"), default="grid")
    p.add_argument("--n-iter", type=int, default=10, help="settings drawn by --search random (default 10)")
    p.add_argument("--cv", type=int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--scoring", default=None, help="a scikit-learn scorer name (default accuracy or R^2)")
    p.add_argument("--n-jobs", type=int, default=None,
                   help="parallel fits through joblib (-1: all cores; default 1 locally, all workers with --dask)")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="run the fits on a Dask cluster: a scheduler address, or 'local' for a LocalCluster")
    p.add_argument("--seed", type=int, default=0, help="seeds the networks, the folds and the random search")
    p.add_argument("--out", default="sweep-results.csv", metavar="PATH",
                   help="CSV file for the ranked table (default sweep-results.csv); checked before the search, "
                        "and an existing file is never replaced unless --overwrite")
    p.add_argument("--overwrite", action="store_true", help="replace the --out file if it exists")
    p.set_defaults(run=run)


def run(args) -> int:
    from sklearn.exceptions import ConvergenceWarning

    from .. import sweep
    from ..serialize.atomic import check_new_file, refuse_inputs

    if args.csv is not None and not args.target:
        raise ValueError("--csv needs --target COL, the name of the label column.")
    if args.csv is None and args.target:
        raise ValueError("--target applies to --csv only; bundled data sets have their own target.")
    for name, value in (("--cv", args.cv), ("--n-iter", args.n_iter)):
        if value < 2 and name == "--cv" or value < 1:
            raise ValueError(f"{name} must be at least {2 if name == '--cv' else 1}, got {value}.")
    if args.n_jobs == 0:
        raise ValueError("--n-jobs must be a positive number of workers or -1 for all cores, got 0.")
    refuse_inputs(args.out, "--out", {"the input --csv": args.csv})
    grid = sweep.parse_grid(args.param)
    fixed = {k: v[0] for k, v in grid.items() if len(v) == 1}
    grid = {k: v for k, v in grid.items() if len(v) > 1}
    if not grid:
        raise ValueError("nothing to sweep: give at least one --param with two or more values.")
    check_new_file(args.out, args.overwrite)  # now, not after the search: a bad path would lose it all
    data, task = sweep.load_data(args.dataset, args.csv, args.target, args.task)
    try:
        with warnings.catch_warnings():
            # short sweeps stop many fits at max_iter; the scores already say how good they are
            warnings.simplefilter("ignore", ConvergenceWarning)
            rows = sweep.run_sweep(
                data, grid, task=task, search=args.search, n_iter=args.n_iter, cv=args.cv,
                scoring=args.scoring, n_jobs=args.n_jobs, seed=args.seed, dask=args.dask, fixed=fixed,
            )
    except ImportError as exc:
        print(f"glassnet: error: {exc}", file=sys.stderr)
        return 2
    where = f"Dask cluster {args.dask}" if args.dask else f"{args.n_jobs or 1} local job(s)"
    source = args.csv or args.dataset
    print(f"{args.search} search on {source} ({task}, {len(data.y)} samples, {args.cv}-fold CV, {where})")
    failures = sweep.failed(rows)
    for row in failures:
        print(f"glassnet: setting {sweep.setting(row)} failed: {row['error']}", file=sys.stderr)
    if len(failures) == len(rows):
        print(f"glassnet: error: every setting failed; nothing written to {args.out}.", file=sys.stderr)
        return 2
    print(sweep.format_table(rows))
    sweep.write_csv(rows, args.out)
    print(f"wrote {args.out}" + (f" ({len(failures)} failed setting(s) marked in its error column)" if failures else ""))
    return 0
