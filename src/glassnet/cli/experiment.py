"""``glassnet experiment``: reproduce the seed experiments by name.

::

    glassnet experiment list                 # the experiments, one line each
    glassnet experiment circles --out out    # out/circles/results.json and figures
    glassnet experiment all --out out        # every experiment
"""

from __future__ import annotations

import time


def add_parser(subparsers):
    # The experiments (and scikit-learn, matplotlib) are imported only when the command runs, so that
    # building the parser stays cheap for every other command.
    parser = subparsers.add_parser(
        "experiment",
        help="reproduce one of the seed experiments (or 'all', or 'list')",
        description="Run a seed experiment: results.json and PNG figures are written to OUT/NAME/.",
    )
    parser.add_argument(
        "name", metavar="NAME",
        help="an experiment name ('glassnet experiment list' shows them), 'all' to run every one, or 'list'",
    )
    parser.add_argument("--out", default="out", metavar="DIR", help="output folder (default: out)")
    parser.set_defaults(run=run)
    return parser


def _format(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def summary_line(name, results) -> str:
    """``name: key=value ...`` for the experiment's headline numbers."""
    from ..experiments import KEYS

    return f"{name}: " + "  ".join(f"{key}={_format(results[key])}" for key in KEYS[name])


def run(args) -> int:
    from ..experiments import EXPERIMENTS, SUMMARIES, get, write_index

    if args.name == "list":
        width = max(len(name) for name in EXPERIMENTS)
        for name in EXPERIMENTS:
            print(f"{name:<{width}}  {SUMMARIES[name]}")
        return 0
    names = list(EXPERIMENTS) if args.name == "all" else [args.name]
    runners = [get(name) for name in names]  # unknown names fail before anything runs
    done = {}
    for name, runner in zip(names, runners):
        start = time.perf_counter()
        done[name] = runner(args.out)
        print(f"{summary_line(name, done[name])}  ({time.perf_counter() - start:.1f} s, {args.out}/{name}/)")
    if args.name == "all":
        print(f"wrote {write_index(args.out, done)}: every tutorial with its figures and numbers")
    return 0
