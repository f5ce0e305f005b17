"""The five seed experiments, reproduced by name.

Each experiment is a module with ``NAME``, a one-line ``SUMMARY``, ``KEYS`` (its headline numbers) and
``run(out_dir, **options) -> dict``, which trains, writes ``out_dir/NAME/results.json`` and its figures
(PNG) into ``out_dir/NAME/``, and returns the results. ``EXPERIMENTS`` maps each name to its ``run``::

    from glassnet.experiments import run
    results = run("circles", "out")          # out/circles/results.json, out/circles/*.png

or, from the shell, ``glassnet experiment circles --out out``.
"""

from __future__ import annotations

from . import circles, digits_minibatch, digits_sweep, rbf_1d, three_clouds

MODULES = {m.NAME: m for m in (rbf_1d, circles, three_clouds, digits_sweep, digits_minibatch)}

EXPERIMENTS = {name: module.run for name, module in MODULES.items()}
SUMMARIES = {name: module.SUMMARY for name, module in MODULES.items()}
KEYS = {name: module.KEYS for name, module in MODULES.items()}
TUTORIAL_REPORTS = {name: module.TUTORIAL_REPORTS for name, module in MODULES.items()}

__all__ = ["EXPERIMENTS", "KEYS", "MODULES", "SUMMARIES", "TUTORIAL_REPORTS", "get", "run", "write_index"]


def get(name):
    """The ``run`` function of experiment ``name``; a ``ValueError`` names the valid ones otherwise."""
    if not isinstance(name, str) or name not in EXPERIMENTS:
        raise ValueError(f"Unknown experiment {name!r}; expected one of {', '.join(EXPERIMENTS)}.")
    return EXPERIMENTS[name]


def write_index(out_dir, results) -> str:
    """``out_dir/index.html``: each experiment run (``results``: name -> its results) with its figures
    (the PNGs in ``out_dir/NAME/``, linked, not copied), its numbers and the tutorial's own beside them."""
    import html
    import os

    from ..serialize.atomic import atomic_write

    def number(value):
        return f"{value:.4g}" if isinstance(value, float) else html.escape(str(value))

    parts = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1"><title>glassnet: the tutorials</title>',
             "<style>body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}"
             "main{max-width:1100px;margin:0 auto;padding:24px}table{border-collapse:collapse;background:#fff}"
             "td,th{border:1px solid #dde1e6;padding:4px 10px;text-align:left;vertical-align:top}"
             ".figs{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(320px,100%),1fr));gap:12px;margin-top:12px}"
             "img{max-width:100%;height:auto;background:#fff;border:1px solid #dde1e6}</style></head><body><main>",
             "<h1>glassnet: the tutorials</h1>"]
    for name, res in results.items():
        folder = os.path.join(out_dir, name)
        figures = sorted(f for f in os.listdir(folder) if f.endswith(".png")) if os.path.isdir(folder) else []
        ours = ", ".join(f"{key} {number(res[key])}" for key in KEYS[name] if key in res)
        parts.append(f'<h2 id="{name}">{html.escape(name)}</h2><p>{html.escape(SUMMARIES[name])}</p>')
        parts.append(f"<table><tr><th>the tutorial reports</th><td>{html.escape(TUTORIAL_REPORTS[name])}</td></tr>"
                     f"<tr><th>glassnet measures</th><td>{ours}</td></tr></table>")
        parts.append('<div class="figs">' + "".join(
            f'<a href="{name}/{f}"><img src="{name}/{f}" alt="{html.escape(name)}: {html.escape(f)}"></a>'
            for f in figures) + "</div>")
    parts.append("</main></body></html>")
    path = os.path.join(out_dir, "index.html")
    atomic_write(path, "\n".join(parts))
    return path


def run(name, out_dir, **options) -> dict:
    """Run experiment ``name`` into ``out_dir/name/`` and return its results."""
    return get(name)(out_dir, **options)
