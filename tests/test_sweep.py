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

SMALL = ["--param", "hidden_layer_sizes=4,8x4", "--param", "alpha=1e-4,1.0", "--param", "solver=lbfgs",
         "--param", "max_iter=30", "--cv", "3"]


@pytest.mark.parametrize(
    "spec, expected",
    [("hidden_layer_sizes=32,64x32", ("hidden_layer_sizes", [(32,), (64, 32)])),
     ("alpha=1e-4,0.001", ("alpha", [1e-4, 1e-3])),
     ("solver=adam,lbfgs", ("solver", ["adam", "lbfgs"])),
     ("early_stopping=true,False", ("early_stopping", [True, False])),
     ("batch_size=auto,32", ("batch_size", ["auto", 32])),
     ("class_weight=none,balanced", ("class_weight", [None, "balanced"]))],
)
def test_parse_param(spec, expected):
    assert sweep.parse_param(spec) == expected


@pytest.mark.parametrize("spec", ["alpha", "alpha=", "=1,2", "hidden_layer_sizes=0", "hidden_layer_sizes=a"])
def test_parse_param_rejects(spec):
    with pytest.raises(ValueError, match="--param|hidden_layer_sizes"):
        sweep.parse_param(spec)


def test_cli_prints_ranked_table_and_writes_csv(tmp_path, capsys):
    out = tmp_path / "res.csv"
    assert main(["sweep", "--dataset", "iris", *SMALL, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "grid search on iris" in printed and "hidden_layer_sizes" in printed and "8x4" in printed
    with open(out) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4
    scores = [float(r["mean_score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert [int(r["rank"]) for r in rows] == sorted(int(r["rank"]) for r in rows)
    assert {r["hidden_layer_sizes"] for r in rows} == {"4", "8x4"}


def run(**kw):
    X, y, task = sweep.load_dataset("wine")
    grid = {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return sweep.run_sweep(X, y, grid, task=task, cv=3, seed=1, fixed={"max_iter": 20, "solver": "lbfgs"}, **kw)


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
    X, y, task = sweep.load_dataset("diabetes")
    grid = {"alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1], "hidden_layer_sizes": [(4,), (8,)]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        rows = sweep.run_sweep(X, y, grid, task=task, search="random", n_iter=3, cv=2,
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
    [(["--dataset", "mnist", *SMALL], "Unknown data set"),
     (["--dataset", "iris", "--param", "alpha=1,2", "--param", "alpha=3,4"], "given twice"),
     (["--dataset", "iris", "--param", "depth=1,2"], "not a parameter"),
     (["--dataset", "iris", "--param", "alpha=1e-4"], "nothing to sweep"),
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


def test_csv_with_categorical_columns_and_missing_values(tmp_path, capsys):
    path = tmp_path / "d.csv"
    rows = ["age,colour,label"] + [f"{'' if i % 9 == 0 else 20 + i % 30},{['red', 'blue', 'NA'][i % 3]},"
                                   f"{'yes' if i % 2 else 'no'}" for i in range(60)]
    path.write_text("\n".join(rows) + "\n")
    X, y, task = sweep.load_csv(path, "label")
    # age (NaN where missing) and one 0/1 column per colour seen; a missing colour is all zeros
    assert X.shape == (60, 3) and task == "classification"
    assert np.isnan(X[0, 0]) and np.array_equal(X[:3, 1:], [[0, 1], [1, 0], [0, 0]])
    assert sorted(set(y)) == ["no", "yes"]
    out = tmp_path / "table.csv"
    assert main(["sweep", "--csv", str(path), "--target", "label", *SMALL, "--out", str(out)]) == 0
    assert out.exists() and "rank" in capsys.readouterr().out


def test_csv_errors(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n1,x,0\n")
    with pytest.raises(ValueError, match="no column 'target'"):
        sweep.load_csv(path, "target")
    path.write_text("a,label\n1.5,red\n")
    with pytest.raises(ValueError, match="not numeric"):
        sweep.load_csv(path, "label", task="regression")
    assert np.array_equal(sweep.load_csv(path, "label")[1], ["red"])


def test_dask_backend_is_active_inside_the_block():
    pytest.importorskip("distributed")
    from joblib.parallel import get_active_backend

    with sweep.dask_backend("local") as client:
        assert type(get_active_backend()[0]).__name__ == "DaskDistributedBackend"
        assert len(client.scheduler_info()["workers"]) == 2
    assert type(get_active_backend()[0]).__name__ != "DaskDistributedBackend"
