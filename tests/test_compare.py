"""``glassnet compare``: one page over several runs' curves, settings and final metrics."""

import base64
import re

import pytest

from glassnet.cli import main

FAST = ["--epochs", "6", "--layers", "4", "--quiet", "--early-stopping", "0"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for name, extra in (("small", []), ("fast", ["--learning-rate", "0.01"])):
        assert main(["train", "--dataset", "iris", "--out", str(root / name), *FAST, *extra]) == 0
    return root


def test_compare_writes_curves_settings_with_differences_and_final_metrics(runs, tmp_path, capsys):
    page = tmp_path / "page.html"
    assert main(["compare", str(runs / "small"), str(runs / "fast"), "--output", str(page)]) == 0
    assert "compared 2 runs (small, fast)" in capsys.readouterr().out
    text = page.read_text()
    assert text.count("<figure>") == 2 and "Loss per epoch (validation)" in text
    for png in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text):
        assert base64.b64decode(png).startswith(b"\x89PNG")
    highlighted = re.findall(r'<tr class="diff"><th>([^<]+)</th>', text)
    assert highlighted == ["learning_rate"]  # the one setting that differs
    assert "<th>validation accuracy</th>" in text and "<th>epochs run</th><td>6</td><td>6</td>" in text


def test_compare_refuses_to_overwrite_and_needs_two_runs_of_one_task(runs, tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text("mine")
    assert main(["compare", str(runs / "small"), str(runs / "fast"), "--output", str(page)]) == 2
    assert "--overwrite" in capsys.readouterr().err and page.read_text() == "mine"
    assert main(["compare", str(runs / "small"), "--output", str(tmp_path / "a.html")]) == 2
    assert "at least two run folders" in capsys.readouterr().err
    assert main(["compare", str(runs / "small"), str(tmp_path), "--output", str(tmp_path / "b.html")]) == 2
    assert "has no metrics.json" in capsys.readouterr().err
    assert main(["train", "--dataset", "diabetes", "--out", str(tmp_path / "reg"), *FAST]) == 0
    assert main(["compare", str(runs / "small"), str(tmp_path / "reg"), "--output", str(tmp_path / "c.html")]) == 2
    assert "mix classification and regression" in capsys.readouterr().err
