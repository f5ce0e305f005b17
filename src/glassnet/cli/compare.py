"""``glassnet compare OUT1 OUT2 ...``: one HTML page comparing ``glassnet train`` runs."""

from __future__ import annotations


def add_parser(subparsers):
    p = subparsers.add_parser(
        "compare", help="one page comparing training runs: curves overlaid, settings and final metrics",
        description="Compare the output folders of two or more `glassnet train` runs: their loss and score "
                    "curves overlaid, their settings side by side with the differences highlighted, and their "
                    "final metrics, on one self-contained HTML page.")
    p.add_argument("runs", nargs="+", metavar="OUT", help="output folders of `glassnet train` (two or more)")
    p.add_argument("--output", default="compare.html", metavar="PATH",
                   help="the page to write (default compare.html); an existing file is kept unless --overwrite")
    p.add_argument("--overwrite", action="store_true", help="replace --output if it exists")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..serialize.atomic import atomic_write, check_new_file
    from ..tabular.compare import load_runs, render

    check_new_file(args.output, args.overwrite)
    runs = load_runs(args.runs)
    atomic_write(args.output, render(runs))
    print(f"compared {len(runs)} runs ({', '.join(r.name for r in runs)}); wrote {args.output}")
    return 0
