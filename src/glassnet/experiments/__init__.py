"""The five seed experiments, MNIST-1D's table and a CNN on the digits, reproduced by name.

Each experiment is a module with ``NAME``, a one-line ``SUMMARY``, ``KEYS`` (its headline numbers) and
``run(out_dir, **options) -> dict``, which trains, writes ``out_dir/NAME/results.json`` and its figures
(PNG) into ``out_dir/NAME/``, and returns the results. ``EXPERIMENTS`` maps each name to its ``run``::

    from glassnet.experiments import run
    results = run("circles", "out")          # out/circles/results.json, out/circles/*.png

or, from the shell, ``glassnet experiment circles --out out``.
"""

from __future__ import annotations

from . import circles, digits_cnn, digits_minibatch, digits_sweep, mnist1d, rbf_1d, three_clouds

MODULES = {m.NAME: m for m in (rbf_1d, circles, three_clouds, digits_sweep, digits_minibatch, mnist1d, digits_cnn)}

EXPERIMENTS = {name: module.run for name, module in MODULES.items()}
SUMMARIES = {name: module.SUMMARY for name, module in MODULES.items()}
KEYS = {name: module.KEYS for name, module in MODULES.items()}

__all__ = ["EXPERIMENTS", "KEYS", "MODULES", "SUMMARIES", "get", "run"]


def get(name):
    """The ``run`` function of experiment ``name``; a ``ValueError`` names the valid ones otherwise."""
    if not isinstance(name, str) or name not in EXPERIMENTS:
        raise ValueError(f"Unknown experiment {name!r}; expected one of {', '.join(EXPERIMENTS)}.")
    return EXPERIMENTS[name]


def run(name, out_dir, **options) -> dict:
    """Run experiment ``name`` into ``out_dir/name/`` and return its results."""
    return get(name)(out_dir, **options)
