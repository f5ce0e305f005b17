"""The rings of ARCHITECTURE.md hold, and the command line starts light and stops cleanly.

The import contract lives in pyproject.toml and is checked by import-linter; the negative controls
plant an upward import and a cycle in a copy of the package and watch the same check fail.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(config: Path, pythonpath=None):
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([str(LINT), "--config", str(config), "--no-cache"], capture_output=True, text=True,
                          env=env, cwd=config.parent, timeout=300)


def test_the_rings_and_the_absence_of_cycles_hold():
    result = _lint(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rings KEPT" in result.stdout and "no import cycles KEPT" in result.stdout


@pytest.mark.parametrize("module, line, broken", [
    ("nn/losses.py", "from ..estimators import MLPClassifier  # noqa", "rings BROKEN"),  # the core reaching up
    ("serialize/container.py", "from ..persist import load  # noqa", "rings BROKEN"),  # the container naming kinds
    ("nn/checks.py", "from . import network  # noqa", "no import cycles BROKEN"),  # checks <-> network
])
def test_an_upward_import_or_a_cycle_breaks_the_contract(tmp_path, module, line, broken):
    shutil.copytree(ROOT / "src" / "glassnet", tmp_path / "src" / "glassnet",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(tmp_path / "src" / "glassnet" / module, "a") as fh:
        fh.write(f"\n{line}\n")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (tmp_path / "pyproject.toml").write_text(_as_toml(config["tool"]["importlinter"]))
    result = _lint(tmp_path / "pyproject.toml", pythonpath=tmp_path / "src")
    assert result.returncode != 0 and broken in result.stdout, result.stdout + result.stderr


def _as_toml(settings) -> str:
    lines = ["[tool.importlinter]", f"root_package = {settings['root_package']!r}"]
    for contract in settings["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{key} = {value!r}" for key, value in contract.items()]
    return "\n".join(lines).replace("'", '"') + "\n"


HEAVY = ("sklearn", "matplotlib", "scipy", "pandas")


@pytest.mark.parametrize("code", [
    "import glassnet",
    "from glassnet.cli import main; main(['--version'])",
    "from glassnet.cli import main; main(['--help'])",
    "from glassnet.cli import main; main(['train', '--help'])",
])
def test_starting_glassnet_loads_no_heavy_library(code):
    probe = f"""
import sys
try:
    {code}
except SystemExit:
    pass
print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_package_names_load_on_first_use():
    import glassnet

    assert glassnet.Sequential is glassnet.nn.Sequential and glassnet.fit is glassnet.training.fit
    assert {"Sequential", "fit", "load", "save", "MLPClassifier", "nn", "optim", "training"} <= set(dir(glassnet))
    with pytest.raises(AttributeError, match="no attribute 'layers'"):
        glassnet.layers  # noqa: B018  one way to each name: glassnet.nn.layers


@pytest.mark.parametrize("where", ["building the parser", "loading the data", "training"])
def test_ctrl_c_anywhere_in_a_command_prints_one_line(monkeypatch, capsys, tmp_path, where):
    from glassnet import cli, sweep

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    target = {"building the parser": (cli.sweep, "add_parser"), "loading the data": (sweep, "load_data"),
              "training": (sweep, "run_sweep")}[where]
    monkeypatch.setattr(*target, interrupt)
    code = cli.main(["sweep", "--dataset", "iris", "--param", "alpha", "1e-4", "1e-3", "--out", str(tmp_path / "o")])
    assert code == 130 and capsys.readouterr().err == "glassnet: interrupted\n"


@pytest.mark.parametrize("delay", [0.0, 0.4, 1.2])
def test_a_real_sigint_during_start_up_gives_one_line_and_no_traceback(tmp_path, delay):
    # The child reports from inside glassnet's main (as it builds the parser), so the signal never lands
    # in the probe's own lines; it then lands while the command imports scikit-learn (about a second),
    # reads data or searches.
    probe = ("import sys, glassnet.cli; build = glassnet.cli.build_parser; "
             "glassnet.cli.build_parser = lambda: (print('ready', flush=True), build())[1]; "
             f"sys.exit(glassnet.cli.main(['sweep', '--dataset', 'iris', '--param', 'alpha', '1e-4', '1e-3', "
             f"'--out', {str(tmp_path / 'o.csv')!r}]))")
    child = subprocess.Popen([sys.executable, "-c", probe], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    if child.returncode == 0:  # finished before the signal arrived
        return
    assert child.returncode == 130 and err == "glassnet: interrupted\n", err
