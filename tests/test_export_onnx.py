"""ONNX export: the checker passes with full checks, and the graph predicts what glassnet predicts (float32,
1e-5) under onnx's reference evaluator and under onnxruntime, for every activation and output kind."""

import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx.reference import ReferenceEvaluator  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import glassnet  # noqa: E402
from glassnet import MLPClassifier, MLPRegressor  # noqa: E402
from glassnet.cli import main  # noqa: E402
from glassnet.export import to_onnx  # noqa: E402
from glassnet.nn import GELU, RBF, Bias, Dense, Dropout, Identity, Layer, LeakyReLU, ReLU, Sequential, Sigmoid, Softmax, Tanh  # noqa: E402
from glassnet.nn.layers import ACTIVATIONS  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return ((X - X.mean(0)) / X.std(0)).astype(np.float32), y


def runs(proto, feeds):
    """The graph's outputs, by name, from both runtimes (after onnx's full check)."""
    onnx.checker.check_model(proto, full_check=True)
    names = [o.name for o in proto.graph.output]
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for runner in (ReferenceEvaluator(proto), session):
        yield dict(zip(names, runner.run(None, feeds)))


def quiet(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", sorted(set(ACTIVATIONS) - {"softmax"}))
def test_classifier_for_every_hidden_activation(iris, activation, dtype):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = quiet(MLPClassifier((6, 5), activation=activation, max_iter=15, random_state=0, dtype=dtype).fit, X, labels)
    for out in runs(to_onnx(clf), {"X": X}):  # the graph computes in float32 whatever the model's dtype
        np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), **TOL)
        np.testing.assert_array_equal(out["label"], clf.predict(X))


@pytest.mark.parametrize("classes", [np.array([3, 7]), np.array([-1.0, 1.0]), np.array(["no", "yes"])])
def test_binary_classifier_labels_and_probabilities(iris, classes):
    X, y = iris
    clf = quiet(MLPClassifier((5,), max_iter=15, random_state=0).fit, X, classes[(y > 0).astype(int)])
    for out in runs(to_onnx(clf), {"X": X}):
        np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), **TOL)
        np.testing.assert_array_equal(out["label"], clf.predict(X))


def test_multilabel_classifier(iris):
    X, y = iris
    Y = np.stack([y == 0, y == 2, X[:, 0] > 0], axis=1).astype(int)
    clf = quiet(MLPClassifier((5,), max_iter=30, random_state=0).fit, X, Y)
    for out in runs(to_onnx(clf), {"X": X}):
        np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), **TOL)
        np.testing.assert_array_equal(out["label"], clf.predict(X))


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor(iris, loss):
    X, y = iris
    targets = np.stack([y * 1.0, X[:, 0] ** 2], axis=1)
    reg = quiet(MLPRegressor(loss=loss, hidden_layer_sizes=(6,), max_iter=15, random_state=0).fit, X, targets)
    for out in runs(to_onnx(reg), {"X": X}):
        np.testing.assert_allclose(out["variable"], reg.predict(X), **TOL)


@pytest.mark.parametrize("output", ["identity", "softmax", "sigmoid"])
def test_sequential_with_every_layer(iris, output):
    X, _ = iris
    stack = [Dense(4, 8), LeakyReLU(0.1), Dropout(0.5), Dense(8, 8), GELU(), Dense(8, 8), RBF(), Bias(8), Sigmoid(),
             Dense(8, 6), Tanh(), Identity(), Dense(6, 6), Softmax(), Dense(6, 3), ReLU(), Dense(3, 3)]
    net = Sequential(stack, output=output, random_state=0, dtype="float32")
    for out in runs(to_onnx(net), {"X": X}):
        np.testing.assert_allclose(out["output"], net.predict_proba(X), **TOL)


def test_a_layer_without_onnx_equivalent_is_named(iris):
    class Square(Layer):
        def forward(self, X, training=False):
            return X * X

    net = Sequential([Dense(4, 3), Square(), Dense(3, 2)], random_state=0)
    with pytest.raises(ValueError, match=r"layers\[1\] is a Square, which has no ONNX equivalent.*Dense"):
        to_onnx(net)
    with pytest.raises(ValueError, match="not fitted yet"):
        to_onnx(MLPClassifier())
    with pytest.raises(TypeError, match="ONNX export takes a Sequential"):
        to_onnx("model.glassnet")


def test_train_model_with_its_preprocessing(tmp_path):
    from test_cli_train import _write_csv

    from glassnet.tabular import Run, TrainConfig, read_csv

    data = _write_csv(tmp_path / "people.csv")
    for target in ("label", "price"):
        model = Run(TrainConfig(csv=data, target=target, epochs=3, layers=(6,)), str(tmp_path / target)).train()
        frame = read_csv(data, features=model.features).frame
        frame.loc[:3, "colour"] = np.array(["purple", None, "red", None], dtype=object)  # unseen and missing
        feeds = {}
        for name, kind in model.features:
            column = frame[name]
            if kind == "numeric":
                feeds[name] = column.to_numpy(dtype=np.float32).reshape(-1, 1)
            else:  # missing categories are empty strings in the graph
                feeds[name] = np.array(["" if missing else str(v) for v, missing in zip(column, column.isna())],
                                       dtype=object).reshape(-1, 1)
        assert np.isnan(feeds["age"]).any()
        for out in runs(to_onnx(model), feeds):
            if target == "label":
                np.testing.assert_allclose(out["probabilities"], model.predict_proba(frame), **TOL)
                np.testing.assert_array_equal(out["label"], model.predict(frame))
            else:
                np.testing.assert_allclose(out["variable"][:, 0], model.predict(frame), rtol=1e-5, atol=1e-4)


def test_export_command_and_function_keep_existing_files(iris, tmp_path, capsys):
    X, y = iris
    clf = quiet(MLPClassifier((5,), max_iter=5, random_state=0).fit, X, y)
    glassnet.save(clf, tmp_path / "clf.glassnet")
    out = tmp_path / "clf.onnx"
    assert main(["export", str(tmp_path / "clf.glassnet"), "--onnx", str(out)]) == 0
    assert "inputs X; outputs label, probabilities" in capsys.readouterr().out
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(["probabilities"], {"X": X})[0], clf.predict_proba(X), **TOL)
    before = out.read_bytes()
    assert main(["export", str(tmp_path / "clf.glassnet"), "--onnx", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == before
    glassnet.export_onnx(clf, out, overwrite=True)
    assert main(["export", str(tmp_path / "clf.glassnet"), "--onnx", str(out), "--overwrite"]) == 0
