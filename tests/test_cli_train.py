"""``glassnet train``, ``evaluate``, ``predict`` and ``info`` on small data, in-process."""

import csv
import json
import os
import signal

import numpy as np
import pytest

import glassnet
import glassnet.training.loop
from glassnet.tabular import TabularModel, read_csv
from glassnet.tabular import Run, TrainConfig
from glassnet.cli import main

FAST = ["--epochs", "8", "--layers", "8", "--quiet"]


def _write_csv(path, n=120, seed=0):
    """Numeric and categorical columns with missing values; a text label and a numeric target."""
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["age", "colour", "size", "label", "price"])
        for i in range(n):
            age, colour, size = rng.normal(40, 10), rng.choice(["red", "green", "blue"]), rng.uniform(0, 5)
            label = "yes" if (age > 40) != (colour == "red") else "no"
            price = 3 * size + 5 * (colour == "blue") + rng.normal()
            row = [f"{age:.2f}", colour, f"{size:.3f}", label, f"{price:.3f}"]
            if i % 7 == 0:
                row[0] = ""
            if i % 11 == 0:
                row[1] = "NA"
            w.writerow(row)
    return str(path)


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("iris")
    assert main(["train", "--dataset", "iris", "--out", str(out), *FAST]) == 0
    return out


def test_quiet_train_writes_model_metrics_figures_and_report(iris_run, capsys):
    names = set(os.listdir(iris_run))
    assert {"model.glassnet", "metrics.json", "report.html", "loss.png", "score.png", "confusion_matrix.png"} <= names
    assert not any(n.endswith(".tmp") for n in names)
    m = json.loads((iris_run / "metrics.json").read_text())
    assert m["task"] == "classification" and m["epochs_run"] == 8
    assert m["train"]["n_samples"] + m["validation"]["n_samples"] == 150
    assert m["data"]["classes"] == ["setosa", "versicolor", "virginica"]
    assert len(m["validation"]["per_class"]) == 3
    assert np.sum(m["validation"]["confusion_matrix"]) == m["validation"]["n_samples"]
    history = glassnet.load(iris_run / "model.glassnet").info["history"]
    assert len(history["loss"]) == len(history["val_score"]) == 8
    with open(iris_run / "history.csv") as fh:
        table = list(csv.DictReader(fh))
    assert [int(row["epoch"]) for row in table] == list(range(1, 9))
    assert [float(row["val_loss"]) for row in table] == history["val_loss"]  # written exactly
    assert history["val_score"][m["best_epoch"] - 1] == m["validation"]["accuracy"]


def test_evaluate_agrees_with_the_training_metrics(iris_run, capsys):
    assert main(["evaluate", str(iris_run / "model.glassnet"), "iris", "--json", "--all-rows"]) == 0
    result = json.loads(capsys.readouterr().out)
    m = json.loads((iris_run / "metrics.json").read_text())
    tr, va = m["train"], m["validation"]
    expected = (tr["accuracy"] * tr["n_samples"] + va["accuracy"] * va["n_samples"]) / 150
    assert result["n_samples"] == 150 and result["rows"] == "every row"
    assert result["accuracy"] == pytest.approx(expected, abs=1e-12)


def test_evaluate_on_the_training_data_scores_only_held_out_rows(iris_run, tmp_path, capsys):
    assert main(["evaluate", str(iris_run / "model.glassnet"), "iris", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    validation = json.loads((iris_run / "metrics.json").read_text())["validation"]
    assert result["n_samples"] == validation["n_samples"] == 30 and "validation rows" in result["rows"]
    assert result["accuracy"] == validation["accuracy"]
    # with a test set, the test rows
    out = tmp_path / "wine"
    assert main(["train", "--dataset", "wine", "--test-fraction", "0.25", "--out", str(out), *FAST]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out / "model.glassnet"), "wine"]) == 0
    text = capsys.readouterr().out
    test = json.loads((out / "metrics.json").read_text())["test"]
    assert text.startswith(f"wine: {test['n_samples']} rows (the test rows the model held out")
    assert f"{test['accuracy']:.4f}" in text


def test_evaluate_refuses_a_target_for_a_bundled_set(iris_run, capsys):
    assert main(["evaluate", str(iris_run / "model.glassnet"), "iris", "--target", "x"]) == 2
    assert "--target goes with --csv" in capsys.readouterr().err


def test_progress_lines_and_messages_unless_quiet(tmp_path, capsys):
    # not a terminal (pytest captures it): whole lines, about ten, never a bar redrawn with \r
    assert main(["train", "--dataset", "iris", "--out", str(tmp_path), "--epochs", "30", "--layers", "4",
                 "--early-stopping", "0"]) == 0
    captured = capsys.readouterr()
    assert "\r" not in captured.err
    lines = [line for line in captured.err.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in lines] == [f"{e}/30" for e in range(3, 31, 3)]
    assert "val_score" in lines[-1]
    assert "validation accuracy" in captured.out and "report.html" in captured.out


def test_progress_bar_on_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert main(["train", "--dataset", "iris", "--out", str(tmp_path), "--epochs", "3", "--layers", "4"]) == 0
    err = capsys.readouterr().err
    assert "3/3" in err and "val_score" in err and "\r" in err  # tqdm's bar over epochs


def test_a_run_that_was_still_improving_says_so(tmp_path, capsys):
    assert main(["train", "--dataset", "moons", "--out", str(tmp_path), "--epochs", "10", "--layers", "8"]) == 0
    out = capsys.readouterr().out
    assert "(ran all epochs)" in out and "still improving" in out and "--epochs 20" in out
    assert json.loads((tmp_path / "metrics.json").read_text())["still_improving"] is True


def test_an_early_stopped_run_names_the_epoch_it_kept(tmp_path, capsys):
    assert main(["train", "--dataset", "iris", "--out", str(tmp_path), "--layers", "8", "--learning-rate", "0.05",
                 "--early-stopping", "3"]) == 0
    out = capsys.readouterr().out
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["best_epoch"] < m["epochs_run"] and not m["still_improving"]
    assert f"kept the weights of epoch {m['best_epoch']}" in out and "still improving" not in out


def test_info_describes_architecture_data_and_metrics(iris_run, capsys):
    assert main(["info", str(iris_run / "model.glassnet")]) == 0
    out = capsys.readouterr().out
    assert "Dense(n_in=4, n_out=8" in out and "setosa" in out
    assert "validation accuracy" in out and "n_train: 120" in out and "learning_rate: 0.001" in out


def test_csv_classification_predict_and_exact_reload(tmp_path, capsys):
    data = _write_csv(tmp_path / "people.csv")
    out = tmp_path / "run"
    assert main(["train", "--csv", data, "--target", "label", "--out", str(out), *FAST]) == 0
    model = glassnet.load(out / "model.glassnet")
    assert model.task == "classification" and model.classes == ["no", "yes"]
    assert model.features == [("age", "numeric"), ("colour", "categorical"), ("size", "numeric"), ("price", "numeric")]
    pred_path = tmp_path / "pred.csv"
    assert main(["predict", str(out / "model.glassnet"), "--csv", data, "--output", str(pred_path)]) == 0
    with open(pred_path) as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["predicted_label", "probability_no", "probability_yes"]
    P = np.array([[float(p) for p in r[1:]] for r in rows[1:]])
    labels = np.array([r[0] for r in rows[1:]])
    assert P.shape == (120, 2)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    assert np.array_equal(labels, np.array(["no", "yes"])[P.argmax(axis=1)])
    frame = read_csv(data, features=model.features).frame
    assert np.array_equal(model.predict_proba(frame), P)  # repr() round-trips floats exactly
    # New data without the target column (and with an empty one) predict the same.
    with open(data) as fh:
        lines = list(csv.reader(fh))
    for name, keep in (("no_target.csv", [0, 1, 2, 4]), ("empty_target.csv", None)):
        with open(tmp_path / name, "w", newline="") as fh:
            w = csv.writer(fh)
            for i, row in enumerate(lines):
                w.writerow([row[j] for j in keep] if keep else [c if j != 3 or i == 0 else "" for j, c in enumerate(row)])
        assert main(["predict", str(out / "model.glassnet"), "--csv", str(tmp_path / name),
                     "--output", str(tmp_path / "again.csv")]) == 0
        assert (tmp_path / "again.csv").read_text() == pred_path.read_text()


def test_predict_keeps_columns_writes_to_stdout_makes_its_folder_and_warns_of_unseen_categories(tmp_path, capsys):
    data = _write_csv(tmp_path / "people.csv")
    out = tmp_path / "run"
    assert main(["train", "--csv", data, "--target", "label", "--out", str(out), *FAST]) == 0
    lines = open(data).read().splitlines()
    new = tmp_path / "new.csv"
    new.write_text("\n".join(["id," + lines[0]] + [f"r{i},{line}" for i, line in enumerate(lines[1:4])]
                             + ["r3,50,purple,1,yes,2", "r4,51,purple,2,no,3", "r5,52,pink,3,no,4"]) + "\n")
    capsys.readouterr()
    nested = tmp_path / "new" / "folder" / "pred.csv"
    assert main(["predict", str(out / "model.glassnet"), "--csv", str(new), "--output", str(nested),
                 "--keep", "id,colour"]) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == ["glassnet: warning: column 'colour' has 3 rows with categories the model never saw "
                                "in training ('purple': 2, 'pink': 1); they are encoded as no known category."]
    rows = list(csv.reader(open(nested)))
    assert rows[0][:3] == ["id", "colour", "predicted_label"] and [r[0] for r in rows[1:]] == [f"r{i}" for i in range(6)]
    assert rows[4][1] == "purple"
    assert main(["predict", str(out / "model.glassnet"), "--csv", str(new), "--output", "-", "--keep", "id,colour"]) == 0
    captured = capsys.readouterr()
    assert captured.out == nested.read_text()  # nothing but the table on standard output
    assert main(["predict", str(out / "model.glassnet"), "--csv", str(new), "--output", "-", "--keep", "idx"]) == 2
    assert "--keep: " in capsys.readouterr().err


def test_app_model_round_trip_is_exact_with_categories_and_missing_values(tmp_path):
    data = _write_csv(tmp_path / "people.csv")
    job = Run(TrainConfig(csv=data, target="label", epochs=3, layers=(6,), dropout=0.2), str(tmp_path))
    model = job.train()
    glassnet.save(model, tmp_path / "m.glassnet")
    loaded = glassnet.load(tmp_path / "m.glassnet")
    assert isinstance(loaded, TabularModel)
    frame = read_csv(data, features=model.features).frame
    assert np.array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    assert np.array_equal(loaded.predict(frame), model.predict(frame))
    # Unseen categories and missing values in new data work the same way in both.
    frame.loc[:4, "colour"] = np.array(["purple", None, "red", None, "pink"], dtype=object)
    frame.loc[:2, "age"] = np.nan
    assert np.array_equal(loaded.predict_proba(frame), model.predict_proba(frame))


def test_stored_preprocessing_matches_scikit_learn(tmp_path):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from glassnet.tabular import Preprocessor

    data = read_csv(_write_csv(tmp_path / "p.csv"), target="label")
    frame = data.frame
    pre = Preprocessor(data.features).fit(frame)
    mixed = np.empty((len(frame), 4), dtype=object)
    for j, name in enumerate(frame.columns):
        col = frame[name].to_numpy()
        mixed[:, j] = [np.nan if v is None else v for v in col] if col.dtype == object else col
    ct = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), [0, 2, 3]),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore",
                                                                                    sparse_output=False)), [1]),
    ])
    expected = ct.fit_transform(mixed)
    np.testing.assert_allclose(pre.transform(frame), expected.astype(float), rtol=1e-12, atol=1e-12)
    assert list(pre.get_feature_names_out()) == ["age", "size", "price", "colour=blue", "colour=green", "colour=red"]


def test_regression_is_chosen_from_a_numeric_target(tmp_path, capsys):
    data = _write_csv(tmp_path / "people.csv")
    out = tmp_path / "reg"
    assert main(["train", "--csv", data, "--target", "price", "--out", str(out), *FAST]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["task"] == "regression" and "r2" in m["validation"]
    # The per-epoch score is R^2 too: at the epoch whose weights were kept it equals the final metric.
    history = glassnet.load(out / "model.glassnet").info["history"]
    assert history["val_score"][m["best_epoch"] - 1] == pytest.approx(m["validation"]["r2"], rel=1e-9)
    assert history["score"][m["best_epoch"] - 1] == pytest.approx(m["train"]["r2"], rel=1e-9)
    assert (out / "predicted_vs_true.png").exists()
    assert main(["predict", str(out / "model.glassnet"), "--csv", data, "--output", str(tmp_path / "p.csv")]) == 0
    with open(tmp_path / "p.csv") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["predicted_price"] and len(rows) == 121
    capsys.readouterr()
    assert main(["evaluate", str(out / "model.glassnet"), "--csv", data, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rmse"] >= result["mae"] > 0


def test_task_can_be_forced(tmp_path):
    path = tmp_path / "ints.csv"
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    path.write_text("x,y\n" + "".join(f"{a:.4f},{int(a > 0) * 3}\n" for a in x))
    job = Run(TrainConfig(csv=str(path), target="y", epochs=1, validation_fraction=0.0, early_stopping=0), str(tmp_path))
    assert job.task == "classification" and job.model.classes == ["0", "3"]
    job = Run(TrainConfig(csv=str(path), target="y", task="regression", epochs=1, validation_fraction=0.0,
                          early_stopping=0), str(tmp_path))
    assert job.task == "regression"


@pytest.mark.parametrize("argv, message", [
    (["--csv", "x.csv"], "--csv needs --target"),
    (["--dataset", "mnist"], "unknown data set 'mnist'"),
    (["--layers", "64,a"], "hidden-layer widths are positive whole numbers"),
    (["--validation-fraction", "0", "--early-stopping", "5"], "early stopping watches"),
    (["--activation", "softmax"], "softmax is an output function"),
    (["--optimizer", "lbfgs"], "Unknown optimizer"),
    (["--dropout", "1.0"], "dropout must be < 1.0"),
])
def test_bad_options_are_one_line_errors(tmp_path, capsys, argv, message):
    assert main(["train", "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error:") and message in err and "Traceback" not in err


def test_evaluate_and_resume_errors(iris_run, tmp_path, capsys):
    assert main(["evaluate", str(iris_run / "model.glassnet"), "moons"]) == 2
    assert "lacks the columns" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path)]) == 2
    assert "no checkpoint to resume" in capsys.readouterr().err
    (tmp_path / "junk.glassnet").write_bytes(b"junk")
    assert main(["info", str(tmp_path / "junk.glassnet")]) == 2
    assert "not a glassnet model file" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ interrupts
@pytest.fixture(autouse=True)
def terminal_signals():
    """The stop signals as in a shell's foreground job, whatever started the tests (``nohup`` ignores
    SIGHUP; a non-interactive shell's background job, SIGINT), and put back afterwards."""
    dispositions = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL,
                    signal.SIGHUP: signal.SIG_DFL}
    previous = {signum: signal.signal(signum, handler) for signum, handler in dispositions.items()}
    yield
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def _interrupt_at_step(monkeypatch, step, signum=signal.SIGINT):
    """Send ``signum`` to this process just before optimizer step number ``step``."""
    calls = {"n": 0}
    original = glassnet.training.loop.train_step

    def train_step(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == step:
            os.kill(os.getpid(), signum)
        return original(*args, **kwargs)

    monkeypatch.setattr(glassnet.training.loop, "train_step", train_step)


RESUMABLE = ["--dataset", "iris", "--epochs", "40", "--layers", "12,6", "--dropout", "0.2", "--learning-rate", "0.03",
             "--early-stopping", "4", "--checkpoint-every", "3", "--batch-size", "16", "--quiet"]


def test_interrupted_and_resumed_run_ends_exactly_like_an_uninterrupted_one(tmp_path, monkeypatch, capsys):
    straight, broken = tmp_path / "straight", tmp_path / "broken"
    assert main(["train", *RESUMABLE, "--out", str(straight)]) == 0
    _interrupt_at_step(monkeypatch, 8 * 8 + 3)  # 8 batches an epoch: in epoch 9, after checkpoint 6
    assert main(["train", *RESUMABLE, "--out", str(broken)]) == 130
    monkeypatch.undo()
    m = json.loads((broken / "metrics.json").read_text())
    assert m["interrupted"] and m["epochs_run"] == 8 and m["stop_reason"] == "interrupted"
    assert {"model.glassnet", "report.html", "checkpoint.glassnet"} <= set(os.listdir(broken))
    assert "interrupted" in (broken / "report.html").read_text()
    assert main(["train", "--resume", str(broken), "--quiet"]) == 0
    a, b = glassnet.load(straight / "model.glassnet"), glassnet.load(broken / "model.glassnet")
    assert np.array_equal(a.net.get_weights(), b.net.get_weights())
    assert a.info["history"] == b.info["history"]
    assert a.info["metrics"]["stop_reason"] == b.info["metrics"]["stop_reason"]
    assert a.info["metrics"]["epochs_run"] == b.info["metrics"]["epochs_run"] > 9
    assert a.info["metrics"]["stop_reason"].startswith("val_loss did not improve")  # early stopping was resumed too


def test_interrupt_keeps_best_weights_and_says_so(tmp_path, monkeypatch, capsys):
    _interrupt_at_step(monkeypatch, 5 * 8 + 2)
    argv = [a for a in RESUMABLE if a != "--quiet"]
    assert main(["train", *argv, "--out", str(tmp_path)]) == 130
    err = capsys.readouterr().err
    assert "interrupted in epoch 6, after batch 2" in err and "kept the best weights" in err
    model = glassnet.load(tmp_path / "model.glassnet")
    hist = model.info["history"]
    best = int(np.argmin(hist["val_loss"]))
    assert model.info["metrics"]["best_epoch"] == best + 1
    # The kept weights give the best epoch's validation score.
    assert model.info["metrics"]["validation"]["accuracy"] == pytest.approx(hist["val_score"][best], abs=1e-12)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_resuming_a_finished_run_rewrites_the_same_model(tmp_path):
    argv = ["train", "--dataset", "circles", "--epochs", "5", "--layers", "8", "--checkpoint-every", "1", "--quiet"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    before = glassnet.load(tmp_path / "model.glassnet").net.get_weights()
    assert main(["train", "--resume", str(tmp_path), "--quiet"]) == 0
    assert np.array_equal(glassnet.load(tmp_path / "model.glassnet").net.get_weights(), before)


def test_resume_refuses_changed_data(tmp_path, capsys):
    data = _write_csv(tmp_path / "d.csv")
    out = tmp_path / "run"
    assert main(["train", "--csv", data, "--target", "label", "--epochs", "4", "--checkpoint-every", "2",
                 "--out", str(out), "--quiet"]) == 0
    _write_csv(tmp_path / "d.csv", seed=1)
    assert main(["train", "--resume", str(out), "--quiet"]) == 2
    assert "differ from the data this checkpoint" in capsys.readouterr().err


def test_quiet_means_no_output(tmp_path, capsys):
    assert main(["train", "--dataset", "circles", "--epochs", "2", "--layers", "4", "--out", str(tmp_path), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert (tmp_path / "decision_regions.png").exists()


def test_first_ctrl_c_asks_to_stop_and_a_second_stops_at_once():
    from glassnet.cli.train import sigint_requests
    from glassnet.tabular.callbacks import InterruptFlag
    from glassnet.training import History, TrainingLoop

    flag = InterruptFlag()
    loop = TrainingLoop(None, None, None, History(), 10)
    loop.epoch, loop.batch = 1, 2
    flag.on_batch_end(loop)  # nothing requested: nothing happens
    assert not loop.stopping
    with sigint_requests(flag):
        os.kill(os.getpid(), signal.SIGINT)
        assert flag.requested
        flag.on_batch_end(loop)
        assert loop.stopping and loop.history.stop_reason == "interrupted"
        assert flag.where == "interrupted in epoch 2, after batch 3"
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_version_flag_prints_the_package_version(capsys):
    import glassnet
    from glassnet.cli import main as cli_main

    with pytest.raises(SystemExit) as stop:
        cli_main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"glassnet {glassnet.__version__}"


def test_abbreviated_options_are_refused(capsys):
    from glassnet.cli import main as cli_main

    with pytest.raises(SystemExit) as stop:
        cli_main(["train", "--learning-rat", "0.1"])
    assert stop.value.code == 2
    assert "unrecognized arguments: --learning-rat" in capsys.readouterr().err


def test_a_test_split_is_held_out_of_training_and_reported(tmp_path, capsys):
    out = tmp_path / "iris"
    assert main(["train", "--dataset", "iris", "--out", str(out), "--test-fraction", "0.2",
                 "--epochs", "8", "--layers", "8"]) == 0
    said = capsys.readouterr().out
    assert "30 test rows" in said and "test accuracy" in said
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["data"]["n_test"] == 30 and saved["data"]["n_train"] + saved["data"]["n_validation"] == 120
    assert saved["test"]["n_samples"] == 30
    # the test rows are none of the rows the network trained or stopped on
    run = Run(TrainConfig(dataset="iris", epochs=1, layers=(4,), test_fraction=0.2), str(tmp_path / "r"))
    train, val, test = (set(run.rows[part]) for part in ("train", "validation", "test"))
    assert not (test & train) and not (test & val) and len(train | val | test) == 150
    report = (out / "report.html").read_text()
    assert "Confusion matrix (test set)" in report and "test accuracy" in report


@pytest.mark.parametrize("fractions,match", [(["--test-fraction", "1.0"], "test_fraction must be < 1.0"),
                                             (["--test-fraction", "-0.1"], "test_fraction must be >= 0.0"),
                                             (["--test-fraction", "0.5", "--validation-fraction", "0.5"], "no rows")])
def test_bad_test_fractions_are_one_line_errors(tmp_path, capsys, fractions, match):
    assert main(["train", "--dataset", "iris", "--out", str(tmp_path / "o"), *fractions, *FAST]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error:") and match in err and err.count("\n") == 1


def test_info_shows_a_checkpoints_progress(tmp_path, capsys):
    assert main(["train", "--dataset", "iris", "--out", str(tmp_path), "--epochs", "4", "--layers", "4",
                 "--checkpoint-every", "2", "--quiet"]) == 0
    assert main(["info", str(tmp_path / "checkpoint.glassnet")]) == 0
    out = capsys.readouterr().out
    assert "a glassnet training checkpoint after epoch 4 of 4" in out and "epochs done: 4" in out
    assert "val_score:" in out and "learning_rate: 0.001" in out


def test_info_on_a_saved_estimator_shows_its_network_classes_and_training(tmp_path, capsys):
    from sklearn.datasets import load_iris
    from sklearn.exceptions import ConvergenceWarning

    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning):
        clf = glassnet.MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=5, random_state=0).fit(X, y)
    glassnet.save(clf, tmp_path / "clf.glassnet")
    assert main(["info", str(tmp_path / "clf.glassnet")]) == 0
    out = capsys.readouterr().out
    assert "a fitted glassnet MLPClassifier" in out and "architecture (43 parameters)" in out
    assert "Dense(n_in=4, n_out=5" in out and "labels: 0, 1, 2" in out and "epochs run: 5" in out
    assert main(["info", str(tmp_path / "clf.glassnet"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["classes"] == ["0", "1", "2"]


def test_a_checkpoint_does_not_grow_with_every_batch(tmp_path, monkeypatch):
    from glassnet.tabular import checkpoint

    monkeypatch.setattr(checkpoint, "BATCH_LOSSES_KEPT", 50)
    job = Run(TrainConfig(dataset="iris", epochs=3, layers=(4,), batch_size=4, checkpoint_every=3), str(tmp_path))
    job.train()
    assert len(job.history.batch_loss) == 3 * 30
    assert checkpoint.read_checkpoint(str(tmp_path)).batch_loss == job.history.batch_loss[-50:]


def test_the_command_lines_defaults_are_the_configs():
    import dataclasses

    from glassnet.cli.train import _defaults

    given = _defaults()
    for field in dataclasses.fields(TrainConfig):
        if field.name in given and given[field.name] is not None and field.name != "layers":
            assert given[field.name] == field.default, field.name
    assert given["epochs"] is None and TrainConfig().epochs == 1000  # None: "not given", for --resume


def test_resume_extends_a_run_to_more_epochs_exactly_and_refuses_other_settings(tmp_path, capsys):
    base = ["train", "--dataset", "iris", "--layers", "4", "--early-stopping", "0", "--checkpoint-every", "2",
            "--quiet"]
    assert main([*base, "--epochs", "4", "--out", str(tmp_path / "short")]) == 0
    assert main(["train", "--resume", str(tmp_path / "short"), "--epochs", "8", "--quiet"]) == 0
    assert main([*base, "--epochs", "8", "--out", str(tmp_path / "long")]) == 0
    extended, straight = (glassnet.load(tmp_path / d / "model.glassnet") for d in ("short", "long"))
    assert extended.info["metrics"]["epochs_run"] == 8
    for a, b in zip(extended.net.get_weights(), straight.net.get_weights()):
        np.testing.assert_array_equal(a, b)  # as if it had been asked for 8 epochs from the start
    capsys.readouterr()
    assert main(["train", "--resume", str(tmp_path / "short"), "--learning-rate", "0.5", "--layers", "9"]) == 2
    err = capsys.readouterr().err
    assert "--layers, --learning-rate cannot change them (only --epochs can" in err
    assert main(["train", "--resume", str(tmp_path / "short"), "--epochs", "3"]) == 2
    assert "fewer than the 8 epochs this run has already trained" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ nothing lost
def test_a_new_run_clears_the_last_runs_checkpoint_and_figures(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "circles", "--checkpoint-every", "1", "--out", str(out), *FAST]) == 0
    assert (out / "checkpoint.glassnet").exists()
    circles_figures = {n for n in os.listdir(out) if n.endswith(".png")}
    assert main(["train", "--dataset", "iris", "--out", str(out), *FAST]) == 0
    names = set(os.listdir(out))
    assert "checkpoint.glassnet" not in names  # --resume would have continued the circles run
    stale = circles_figures - names
    assert stale  # the circles' decision regions, which iris does not draw
    assert glassnet.load(out / "model.glassnet").info["data"]["name"] == "iris"
    assert main(["train", "--resume", str(out)]) == 2
    assert "no checkpoint to resume" in capsys.readouterr().err


def test_overwrite_writes_into_a_folder_of_the_users_files_and_keeps_them(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["train", "--dataset", "iris", "--out", str(tmp_path), *FAST]) == 2
    assert os.listdir(tmp_path) == ["notes.txt"]
    assert main(["train", "--dataset", "iris", "--out", str(tmp_path), "--overwrite", *FAST]) == 0
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "model.glassnet").exists()
    assert main(["train", "--dataset", "iris", "--out", str(tmp_path), *FAST]) == 0  # now glassnet's folder too


def test_resume_refuses_changed_validation_rows(tmp_path, capsys):
    """Only the training rows were fingerprinted: changed validation rows resumed, and the run ended
    with weights that matched neither run."""
    data = tmp_path / "data.csv"
    _write_csv(data)
    out = tmp_path / "run"
    args = ["train", "--csv", str(data), "--target", "label", "--epochs", "4", "--layers", "4", "--quiet",
            "--early-stopping", "0", "--checkpoint-every", "2", "--out", str(out)]
    run = Run(TrainConfig(dataset=None, csv=str(data), target="label", epochs=4, layers=(4,), early_stopping=0,
                          checkpoint_every=2), str(out))
    assert main(args) == 0
    row = int(run.rows["validation"][0])
    lines = data.read_text().splitlines()
    cells = lines[row + 1].split(",")
    cells[0] = str(float(cells[0]) + 1.5)
    lines[row + 1] = ",".join(cells)
    data.write_text("\n".join(lines) + "\n")
    assert main(["train", "--resume", str(out)]) == 2
    assert "the data differ from the data this checkpoint was trained on (its training, validation" in \
        capsys.readouterr().err


def test_predictions_escape_labels_a_spreadsheet_would_run(tmp_path):
    data = tmp_path / "data.csv"
    rng = np.random.default_rng(0)
    labels = ["=HYPERLINK(\"http://x\")", "+1+2", "@SUM(A1)", "-1"]
    data.write_text("a,b,label\n" + "".join(f"{rng.normal() + i % 4:.3f},{rng.normal():.3f},{labels[i % 4]}\n"
                                            for i in range(80)))
    out = tmp_path / "run"
    assert main(["train", "--csv", str(data), "--target", "label", "--out", str(out), *FAST]) == 0
    predictions = tmp_path / "p.csv"
    assert main(["predict", str(out / "model.glassnet"), "--csv", str(data), "--output", str(predictions)]) == 0
    with open(predictions, newline="") as fh:
        cells = {row[0] for row in list(csv.reader(fh))[1:]}
    assert cells <= {"'=HYPERLINK(\"http://x\")", "'+1+2", "'@SUM(A1)", "-1"} and len(cells) >= 2


def test_a_full_disk_names_the_file_and_keeps_the_checkpoint(tmp_path, monkeypatch, capsys):
    import errno

    from glassnet.serialize import atomic
    from glassnet.tabular import outputs

    def full_disk(path, kind, meta, arrays):
        with atomic.atomic_open(path) as fh:
            fh.write(b"part")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outputs, "write_file", full_disk)
    out = tmp_path / "run"
    assert main(["train", "--dataset", "iris", "--checkpoint-every", "2", "--out", str(out), *FAST]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert f"could not be written ({out / 'model.glassnet'}: cannot write it: No space left on device)" in err[0]
    assert f"the last checkpoint, {out / 'checkpoint.glassnet'}, is kept" in err[0]
    assert glassnet.serialize.container.read_file(out / "checkpoint.glassnet")[1]["epochs_done"] == 8


def test_sighup_stops_like_ctrl_c_and_the_run_resumes(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    _interrupt_at_step(monkeypatch, 8 * 4 + 2, signal.SIGHUP)
    assert main(["train", *RESUMABLE, "--out", str(out)]) == 128 + signal.SIGHUP
    monkeypatch.undo()
    assert "training interrupted by SIGHUP in epoch 5, after batch 2; kept the best weights" in capsys.readouterr().err
    assert isinstance(glassnet.load(out / "model.glassnet"), TabularModel)
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL  # the handler is only there while training
    assert main(["train", "--resume", str(out)]) == 0


def test_a_signal_ignored_from_the_start_stays_ignored(tmp_path, monkeypatch, capsys):
    # nohup glassnet train ...: the terminal's SIGHUP must not stop the run
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    _interrupt_at_step(monkeypatch, 8 * 4 + 2, signal.SIGHUP)
    assert main(["train", *RESUMABLE, "--out", str(tmp_path)]) == 0
    assert "interrupted" not in capsys.readouterr().err
    assert not json.loads((tmp_path / "metrics.json").read_text())["interrupted"]
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
