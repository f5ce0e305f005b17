"""glassnet sweep: parameter parsing, the search, the CLI, joblib and Dask backends."""

import contextlib
import csv
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning

from glassnet import sweep
from glassnet.cli import main

SMALL = ["--param", "hidden_layer_sizes", "4", "8,4", "--param", "alpha", "1e-4", "1.0", "--param", "solver", "lbfgs",
         "--param", "max_iter", "30", "--cv", "3"]


@pytest.mark.parametrize(
    "words, expected",
    [("hidden_layer_sizes 32 64,32", ("hidden_layer_sizes", [(32,), (64, 32)])),
     ("alpha 1e-4 0.001", ("alpha", [1e-4, 1e-3])),
     ("solver adam lbfgs", ("solver", ["adam", "lbfgs"])),
     ("early_stopping true False", ("early_stopping", [True, False])),
     ("batch_size auto 32", ("batch_size", ["auto", 32])),
     ("class_weight none balanced", ("class_weight", [None, "balanced"]))],
)
def test_parse_param(words, expected):
    assert sweep.parse_param(words.split()) == expected


@pytest.mark.parametrize("words", ["alpha", "alpha=1e-4,1e-3", "=1 2", "hidden_layer_sizes 0", "hidden_layer_sizes a",
                                   "hidden_layer_sizes 64,,32"])
def test_parse_param_rejects(words):
    with pytest.raises(ValueError, match="--param|hidden-layer widths"):
        sweep.parse_param(words.split())


def test_layer_sizes_are_written_as_train_writes_them():
    from glassnet.tabular.config import parse_layers

    assert sweep.parse_param(["hidden_layer_sizes", "64,32"])[1] == [parse_layers("64,32")] == [(64, 32)]


def test_cli_prints_ranked_table_and_writes_csv(tmp_path, capsys):
    out = tmp_path / "res.csv"
    assert main(["sweep", "--dataset", "iris", *SMALL, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "grid search on iris" in printed and "hidden_layer_sizes" in printed and "8,4" in printed
    with open(out) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4
    scores = [float(r["mean_score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert [int(r["rank"]) for r in rows] == sorted(int(r["rank"]) for r in rows)
    assert {r["hidden_layer_sizes"] for r in rows} == {"4", "8,4"}


def run(**kw):
    data, task = sweep.load_data("wine")
    grid = {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return sweep.run_sweep(data, grid, task=task, cv=3, seed=1, fixed={"max_iter": 20, "solver": "lbfgs"}, **kw)


def strip_time(rows):
    return [{k: v for k, v in r.items() if k != "mean_fit_time"} for r in rows]


@pytest.fixture(scope="module")
def local_result():
    return strip_time(run())


def test_parallel_jobs_give_the_same_table(local_result):
    assert strip_time(run(n_jobs=2)) == local_result


def test_dask_local_cluster_gives_the_same_table(local_result, monkeypatch):
    pytest.importorskip("distributed")
    from distributed import get_task_stream

    real, seen = sweep.dask_backend, {}

    @contextlib.contextmanager
    def recording(address):
        with real(address) as client, get_task_stream(client) as stream:
            yield client
        seen["tasks"] = len(stream.data)

    monkeypatch.setattr(sweep, "dask_backend", recording)
    assert strip_time(run(dask="local")) == local_result
    assert seen["tasks"] >= 1  # the fits ran on the cluster, not sequentially in this process


def test_random_search_draws_n_iter_settings():
    data, task = sweep.load_data("diabetes")
    grid = {"alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1], "hidden_layer_sizes": [(4,), (8,)]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        rows = sweep.run_sweep(data, grid, task=task, search="random", n_iter=3, cv=2,
                               fixed={"max_iter": 10, "solver": "lbfgs"})
    assert len(rows) == 3 and rows[0]["rank"] == 1
    assert len({(r["alpha"], r["hidden_layer_sizes"]) for r in rows}) == 3


def test_cli_on_csv_with_string_target(tmp_path, capsys):
    X, y = load_wine(return_X_y=True)
    path = tmp_path / "wine.csv"
    with open(path, "w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow([f"f{i}" for i in range(X.shape[1])] + ["kind"])
        for row, label in zip(X, y):
            w.writerow(list(row) + [["red", "white", "rose"][label]])
    code = main(["sweep", "--csv", str(path), "--target", "kind", *SMALL, "--out", str(tmp_path / "o.csv")])
    assert code == 0
    assert "classification, 178 samples" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [(["--dataset", "mnist", *SMALL], "unknown data set"),
     (["--dataset", "iris", "--param", "alpha", "1", "2", "--param", "alpha", "3", "4"], "given twice"),
     (["--dataset", "iris", "--param", "depth", "1", "2"], "not a parameter"),
     (["--dataset", "iris", "--param", "alpha", "1e-4"], "nothing to sweep"),
     (["--dataset", "iris", "--param", "alpha=1e-4,1e-3"], "must be a parameter name and its values"),
     (["--dataset", "iris", "--target", "x", *SMALL], "--target applies to --csv"),
     (["--csv", "nope.csv", *SMALL], "--csv needs --target"),
     (["--dataset", "iris", *SMALL[:-2], "--cv", "1"], "--cv must be at least 2")],
)
def test_cli_errors(argv, message, capsys, tmp_path):
    assert main(["sweep", *argv, "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error:") and message in err


def test_missing_dask_gives_a_clear_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main(["sweep", "--dataset", "iris", *SMALL, "--dask", "local", "--out", str(tmp_path / "o.csv")]) == 2
    assert "pip install 'glassnet[dask]'" in capsys.readouterr().err


def _people_csv(path):
    rows = ["age,colour,label"] + [f"{'' if i % 9 == 0 else 20 + i % 30},{['red', 'blue', 'NA'][i % 3]},"
                                   f"{'yes' if i % 2 else 'no'}" for i in range(60)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_csv_with_categorical_columns_and_missing_values(tmp_path, capsys):
    path = _people_csv(tmp_path / "d.csv")
    data, task = sweep.load_data(csv_path=path, target="label")
    assert task == "classification" and data.features == [("age", "numeric"), ("colour", "categorical")]
    # inside each fold: age imputed and standardised, one 0/1 column per colour seen, a missing colour
    # imputed with the most frequent one, as glassnet train does
    prepared = sweep.make_estimator(data, task)[:-1].fit_transform(data.frame)
    assert prepared.shape == (60, 3) and np.isfinite(prepared).all()
    assert np.array_equal(sweep.targets_for(data, task)[:4], [0, 1, 0, 1])  # classes "no", "yes"
    out = tmp_path / "table.csv"
    assert main(["sweep", "--csv", str(path), "--target", "label", *SMALL, "--out", str(out)]) == 0
    assert out.exists() and "rank" in capsys.readouterr().out


def test_a_sweeps_best_setting_retrained_with_train_sees_the_same_design_matrix(tmp_path):
    from glassnet.tabular import Run, TrainConfig

    path = _people_csv(tmp_path / "d.csv")
    data, task = sweep.load_data(csv_path=path, target="label")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        rows = sweep.run_sweep(data, {"hidden_layer_sizes": [(4,), (6, 3)]}, task=task, cv=3,
                               fixed={"max_iter": 5})
    best = sweep.make_estimator(data, task, hidden_layer_sizes=rows[0]["hidden_layer_sizes"], max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        best.fit(data.frame, sweep.targets_for(data, task))
    run = Run(TrainConfig(dataset=None, csv=str(path), target="label", layers=rows[0]["hidden_layer_sizes"],
                          validation_fraction=0.0, early_stopping=0, epochs=1), str(tmp_path / "out"))
    np.testing.assert_array_equal(best[:-1].transform(data.frame), run.X["train"])
    np.testing.assert_array_equal(sweep.targets_for(data, task), run.y["train"])


def test_regression_targets_are_standardised_in_each_fold_as_train_does():
    data, task = sweep.load_data("diabetes")
    est = sweep.make_estimator(data, task, hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(data.frame, sweep.targets_for(data, task))
    y = data.y
    assert est.transformer_.mean_ == pytest.approx(y.mean()) and est.transformer_.scale_ == pytest.approx(y.std())


def test_csv_errors(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n1,x,0\n")
    with pytest.raises(ValueError, match="no column 'target'"):
        sweep.load_data(csv_path=path, target="target")
    path.write_text("a,label\n1.5,red\n2.5,blue\n")
    data, task = sweep.load_data(csv_path=path, target="label", task="regression")
    with pytest.raises(ValueError, match="regression needs numeric targets"):
        sweep.targets_for(data, task)


def test_dask_backend_is_active_inside_the_block():
    pytest.importorskip("distributed")
    from joblib.parallel import get_active_backend

    with sweep.dask_backend("local") as client:
        assert type(get_active_backend()[0]).__name__ == "DaskDistributedBackend"
        assert len(client.scheduler_info()["workers"]) == 2
    assert type(get_active_backend()[0]).__name__ != "DaskDistributedBackend"


FAILING = ["--dataset", "iris", "--param", "solver", "lbfgs", "--param", "max_iter", "10", "--cv", "2"]


def test_a_failing_setting_is_one_line_and_a_marked_row(tmp_path, capsys):
    out = tmp_path / "o.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing of scikit-learn's FitFailedWarning reaches the user
        assert main(["sweep", *FAILING, "--param", "alpha", "-1", "1e-3", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "glassnet: setting alpha=-1 failed: The 'alpha' parameter of MLPClassifier must be a float in the range "
        "[0.0, inf). Got -1 instead."]
    with open(out) as handle:
        rows = list(csv.DictReader(handle))
    assert [r["alpha"] for r in rows] == ["0.001", "-1"]  # the failed setting ranked last
    assert rows[0]["error"] == "" and "'alpha' parameter" in rows[1]["error"] and rows[1]["mean_score"] == "nan"
    assert "failed" in captured.out.splitlines()[-2] and "1 failed setting(s)" in captured.out


def test_every_setting_failing_exits_non_zero_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "o.csv"
    assert main(["sweep", *FAILING, "--param", "alpha", "-1", "-2", "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert [line.split(" failed")[0] for line in err[:2]] == ["glassnet: setting alpha=-1", "glassnet: setting alpha=-2"]
    assert err[2] == f"glassnet: error: every setting failed; nothing written to {out}."
    assert not out.exists()


@pytest.mark.parametrize("where, message", [("missing/o.csv", "does not exist"), ("existing.csv", "already exists"),
                                            (".", "it is a folder")])
def test_the_output_path_is_checked_before_the_search(where, message, tmp_path, monkeypatch, capsys):
    (tmp_path / "existing.csv").write_text("a user's file\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sweep, "run_sweep", lambda *a, **k: pytest.fail("the search ran before the path was checked"))
    assert main(["sweep", "--dataset", "iris", *SMALL, "--out", where]) == 2
    assert message in capsys.readouterr().err
    assert (tmp_path / "existing.csv").read_text() == "a user's file\n"


def test_the_default_output_is_never_overwritten_without_overwrite(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sweep-results.csv").write_text("earlier\n")
    assert main(["sweep", "--dataset", "iris", *SMALL]) == 2
    assert "--overwrite" in capsys.readouterr().err and (tmp_path / "sweep-results.csv").read_text() == "earlier\n"
    assert main(["sweep", "--dataset", "iris", *SMALL, "--overwrite"]) == 0
    assert (tmp_path / "sweep-results.csv").read_text().startswith("rank,mean_score")
