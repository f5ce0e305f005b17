"""NeuralNetClassifier / NeuralNetRegressor: any list of layers behind MLPClassifier's face.

The scikit-learn contract, layer arguments in searches (``layers__NAME``), partial_fit, callbacks,
early stopping, class weights, save/load, float32, N-D samples, and the errors for bad layers and shapes.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.estimator_checks import parametrize_with_checks

import glassnet
from glassnet import MLPClassifier, NeuralNetClassifier, NeuralNetRegressor
from glassnet.nn import Dense, Dropout, Layer, ReLU, Tanh
from glassnet.training import Callback


def mlp(input_shape, n_outputs, units=8):
    """A layers function: one hidden layer of ``units``, for rows of any width."""
    return [Dense(int(np.prod(input_shape)), units), ReLU(), Dense(units, n_outputs)]


class Flatten(Layer):
    """(N, *shape) -> (N, prod(shape)), for samples of more than one axis (a test's own layer)."""

    keeps_shape = False

    def forward(self, X, training=False):
        self._shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, dY):
        return dY.reshape(self._shape) if self.input_grad else None

    def output_shape(self, input_shape):
        return None if input_shape is None else (int(np.prod(input_shape)),)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=150, n_features=6, noise=0.1, random_state=0)
    return X, y / y.std()


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


# ---------------------------------------------------------------------- the scikit-learn contract
@parametrize_with_checks(
    [
        NeuralNetClassifier(mlp, layers__units=64),
        NeuralNetRegressor(mlp, layers__units=64),
        NeuralNetClassifier(mlp, solver="sgd", layers__units=32),
    ]
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # the checks' short fits
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_mlp_is_the_neural_net_on_a_dense_stack(digits):
    """MLPClassifier is a NeuralNetClassifier; given the same layers and seed they train identically."""
    X, y = digits
    assert issubclass(MLPClassifier, NeuralNetClassifier)
    ours = quiet(MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit, X, y)
    net = quiet(NeuralNetClassifier(mlp, max_iter=5, random_state=0).fit, X, y)
    # the same architecture; the MLP draws scikit-learn's Glorot bounds, the layers their own init
    assert [type(layer) for layer in ours._net.layers] == [type(layer) for layer in net.network_.layers]
    assert ours._net.n_params == net.network_.n_params


# ---------------------------------------------------------------------- layer arguments as parameters
def test_layer_arguments_are_parameters_for_clone_and_set_params():
    est = NeuralNetClassifier(mlp, layers__units=16, max_iter=3)
    assert est.get_params()["layers__units"] == 16
    copy = clone(est)
    assert copy.get_params()["layers__units"] == 16 and copy.layers is mlp
    copy.set_params(layers__units=4, max_iter=7)
    assert (copy.get_params()["layers__units"], copy.max_iter, est.get_params()["layers__units"]) == (4, 7, 16)
    assert "layers__units=16" in repr(est)


def test_grid_search_over_a_layer_argument(digits):
    X, y = digits
    search = GridSearchCV(NeuralNetClassifier(mlp, max_iter=30, learning_rate_init=0.02, random_state=0),
                          {"layers__units": [2, 32]}, cv=2)
    quiet(search.fit, X, y)
    assert list(search.cv_results_["param_layers__units"]) == [2, 32]
    scores = search.cv_results_["mean_test_score"]
    assert scores[1] > scores[0] + 0.1  # two hidden units cannot separate ten digits; 32 can
    assert search.best_params_ == {"layers__units": 32}
    assert search.best_estimator_.network_.layers[0].n_out == 32


def test_grid_search_over_whole_layer_lists(digits):
    X, y = digits
    small = [Dense(64, 2), ReLU(), Dense(2, 10)]
    large = [Dense(64, 32), ReLU(), Dense(32, 10)]
    search = quiet(GridSearchCV(NeuralNetClassifier(small, max_iter=30, learning_rate_init=0.02, random_state=0),
                                {"layers": [small, large]}, cv=2).fit, X, y)
    assert search.best_estimator_.network_.layers[0].n_out == 32
    # the lists given are never trained: fitting works on copies
    assert small[0].params["W"] is not search.best_estimator_.network_.layers[0].params["W"]
    assert all(layer.params["W"].base is None for layer in (small[0], large[0]))


def test_fitting_does_not_touch_the_layers_given(digits):
    X, y = digits
    layers = [Dense(64, 8), Tanh(), Dense(8, 10)]
    before = layers[0].params["W"].copy()
    est = quiet(NeuralNetClassifier(layers, max_iter=3, random_state=0).fit, X, y)
    assert est.layers is layers and np.array_equal(layers[0].params["W"], before)
    assert not np.array_equal(est.network_.layers[0].params["W"], before)


def test_pipeline_with_a_layers_function(digits):
    X, y = digits
    pipe = quiet(make_pipeline(StandardScaler(), NeuralNetClassifier(mlp, max_iter=30, learning_rate_init=0.02,
                                                                random_state=0)).fit, X, y)
    assert pipe.score(X, y) > 0.9


# ---------------------------------------------------------------------- shapes
def test_samples_of_any_shape_as_arrays_or_rows(digits):
    X, y = digits
    images = X.reshape(-1, 8, 8)

    def cnn_like(input_shape, n_outputs):
        assert input_shape == (8, 8)
        return [Flatten(), Dense(64, 16), ReLU(), Dense(16, n_outputs)]

    a = quiet(NeuralNetClassifier(cnn_like, max_iter=10, random_state=0).fit, images, y)
    b = quiet(NeuralNetClassifier(cnn_like, input_shape=(8, 8), max_iter=10, random_state=0).fit, X, y)
    assert a.input_shape_ == b.input_shape_ == (8, 8) and a.n_features_in_ == 64
    assert np.array_equal(a.network_.flat_params, b.network_.flat_params)
    assert np.array_equal(a.predict_proba(images), a.predict_proba(X))
    with pytest.raises(ValueError, match=r"X has samples of shape \(4, 16\), but NeuralNetClassifier expects "
                                         r"\(8, 8\) \(it was fitted on them\)"):
        a.predict(X.reshape(-1, 4, 16))
    with pytest.raises(ValueError, match=r"X has 63 features, but NeuralNetClassifier expects samples of shape "
                                         r"\(8, 8\) \(64 values\): give X of shape \(n_samples, 8, 8\)"):
        a.predict(X[:, :63])


@pytest.mark.parametrize("input_shape, X_shape, message", [
    ((8, 8), (400, 4, 16), r"X has samples of shape \(4, 16\), but NeuralNetClassifier expects \(8, 8\) \(input_shape\)"),
    ((8, 8), (400, 60), r"X has 60 features, but NeuralNetClassifier expects samples of shape \(8, 8\) \(64 values\)"),
    ((64,), (400, 60), r"X has 60 features, but NeuralNetClassifier expects samples of shape \(64,\)"),
    ((), (400, 64), r"input_shape must be the shape of one sample"),
    ((8, 0), (400, 64), r"input_shape entries must be an integer >= 1, got 0"),
])
def test_input_shape_mismatch(digits, input_shape, X_shape, message):
    X, y = digits
    X = X[:, : int(np.prod(X_shape[1:]))].reshape(X_shape)
    with pytest.raises(ValueError, match=message):
        NeuralNetClassifier(mlp, input_shape=input_shape).fit(X, y)


# ---------------------------------------------------------------------- bad layers
@pytest.mark.parametrize("layers, error, message", [
    (3, ValueError, r"The 'layers' parameter of NeuralNetClassifier must be"),
    ([], ValueError, r"Sequential needs at least one layer"),
    ([Dense(64, 10), "relu"], TypeError, r"layers\[1\] is 'relu', which is not a glassnet Layer"),
    ([Dense(64, 8), ReLU, Dense(8, 10)], TypeError, r"layers\[1\] is the class ReLU, not a layer: write ReLU\(...\)"),
    ([Dense(64, 8), Dense(16, 10)], ValueError,
     r"the layers do not fit samples of shape \(64,\): layers\[1\]: Dense layer expects 16 inputs, but the layer "
     r"before it gives 8"),
    ([Dense(60, 10)], ValueError, r"layers do not fit samples of shape \(64,\): layers\[0\]: Dense layer expects 60"),
    ([Dense(64, 5)], ValueError,
     r"the layers give outputs of shape \(5,\) per sample, but y needs 10 \(10 classes: one unit per class\): "
     r"end with a layer of 10 units"),
    (lambda input_shape, n_outputs: Dense(64, n_outputs), TypeError, r"must return a list of glassnet layers, got Dense"),
    (ReLU(), ValueError, r"The 'layers' parameter of NeuralNetClassifier must be .* a callable. Got ReLU\(\)"),
])
def test_bad_layers_get_clear_errors(digits, layers, error, message):
    X, y = digits
    with pytest.raises(error, match=message):
        NeuralNetClassifier(layers, max_iter=1).fit(X, y)


def test_binary_problems_need_one_logistic_unit(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"y needs 1 \(two classes: one logistic unit\)"):
        NeuralNetClassifier([Dense(64, 2)], max_iter=1).fit(X, y % 2)
    est = quiet(NeuralNetClassifier(mlp, max_iter=5).fit, X, y % 2)
    assert est.network_.output == "sigmoid" and est.predict_proba(X).shape == (len(X), 2)


def test_bad_layer_arguments_get_clear_errors(digits):
    X, y = digits
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'max_iters'; arguments of a layers "
                                        r"function are given as layers__NAME"):
        NeuralNetClassifier(mlp, max_iters=3)
    with pytest.raises(TypeError, match=r"layers function mlp\(input_shape, n_outputs, units=8\) cannot be called "
                                        r"as layers\(input_shape, n_outputs, width=...\)"):
        NeuralNetClassifier(mlp, layers__width=3).fit(X, y)
    with pytest.raises(ValueError, match=r"was given \['layers__units'\], but its layers are a fixed list"):
        NeuralNetClassifier([Dense(64, 10)], layers__units=3).fit(X, y)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'layers__'"):
        NeuralNetClassifier(mlp, layers__=3)


# ---------------------------------------------------------------------- training: MLPClassifier's face
def test_partial_fit_continues_exactly_as_fit(digits):
    X, y = digits
    common = dict(shuffle=False, random_state=0, n_iter_no_change=np.inf)
    full = quiet(NeuralNetClassifier(mlp, max_iter=3, **common).fit, X, y)
    step = NeuralNetClassifier(mlp, **common)
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        step.partial_fit(X, y)
    for _ in range(3):
        step.partial_fit(X, y, classes=np.arange(10))
    assert step.n_iter_ == 1 and len(step.loss_curve_) == 3  # scikit-learn's counts
    assert np.array_equal(step.network_.flat_params, full.network_.flat_params)
    assert step.loss_curve_ == full.loss_curve_


def test_callbacks_see_every_batch_and_can_stop(digits):
    X, y = digits

    class Count(Callback):
        batches = epochs = 0

        def on_batch_end(self, loop):
            self.batches += 1

        def on_epoch_end(self, loop):
            self.epochs += 1

    count = Count()
    est = NeuralNetClassifier(mlp, batch_size=100, max_iter=50, random_state=0,
                              callbacks=[count, lambda loop: len(loop.history["loss"]) >= 3]).fit(X, y)
    assert est.n_iter_ == count.epochs == 3 and count.batches == 3 * 4


@pytest.mark.parametrize("metric", ["score", "loss"])
def test_early_stopping_restores_the_best_epoch(digits, metric):
    X, y = digits
    est = NeuralNetClassifier(mlp, early_stopping=True, early_stopping_metric=metric, n_iter_no_change=2,
                              tol=0.0, learning_rate_init=0.05, max_iter=200, random_state=0).fit(X, y)
    assert est.n_iter_ < 200 and len(est.validation_scores_) == len(est.validation_loss_curve_) == est.n_iter_
    if metric == "score":
        assert est.best_validation_score_ == max(est.validation_scores_)
    else:
        assert est.best_validation_loss_ == min(est.validation_loss_curve_)


def test_class_weight_is_a_sample_weight_per_class(digits):
    X, y = digits
    weights = {0: 5.0, 3: 0.5}
    a = quiet(NeuralNetClassifier(mlp, class_weight=weights, max_iter=5, random_state=0).fit, X, y)
    b = quiet(NeuralNetClassifier(mlp, max_iter=5, random_state=0).fit, X, y,
              sample_weight=compute_sample_weight(weights, y))
    c = quiet(NeuralNetClassifier(mlp, max_iter=5, random_state=0).fit, X, y)
    assert np.array_equal(a.network_.flat_params, b.network_.flat_params)
    assert not np.array_equal(a.network_.flat_params, c.network_.flat_params)
    with pytest.raises(ValueError, match="class_weight 'balanced' is not supported for partial_fit"):
        NeuralNetClassifier(mlp, class_weight="balanced").partial_fit(X, y, classes=np.arange(10))


def test_lbfgs_and_dropout(digits):
    X, y = digits
    est = quiet(NeuralNetClassifier(mlp, solver="lbfgs", max_iter=20, random_state=0).fit, X, y)
    assert est.score(X, y) > 0.9
    with pytest.raises(ValueError, match="dropout needs a stochastic solver"):
        NeuralNetClassifier([Dense(64, 8), Dropout(0.2), Dense(8, 10)], solver="lbfgs").fit(X, y)


@pytest.mark.parametrize("make", [
    lambda: NeuralNetClassifier(mlp, layers__units=4, max_iter=3, random_state=0),
    lambda: NeuralNetRegressor(mlp, layers__units=4, max_iter=3, random_state=0),
])
def test_float32_stays_float32(digits, make):
    X, y = digits
    est = quiet(make().fit, X.astype(np.float32), y.astype(np.float32) if "Regressor" in repr(make()) else y)
    assert est.network_.dtype == np.float32 and est.network_.flat_params.dtype == np.float32
    out = est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X.astype(np.float32))
    assert out.dtype == np.float32
    est64 = quiet(make().set_params(dtype="float32").fit, X, y)
    assert est64.network_.dtype == np.float32


def test_regressor_trains_any_layers(regression):
    X, y = regression
    layers = [Dense(6, 16), Tanh(), Dense(16, 1)]
    est = quiet(NeuralNetRegressor(layers, loss="huber", max_iter=200, random_state=0).fit, X, y)
    assert est.score(X, y) > 0.9 and est.predict(X).shape == (len(X),)
    with pytest.raises(ValueError, match=r"y needs 2 \(2 target columns\): end with a layer of 2 units"):
        NeuralNetRegressor(layers).fit(X, np.c_[y, y])


# ---------------------------------------------------------------------- saving
def test_save_load_round_trip_predicts_identically(digits, regression, tmp_path):
    X, y = digits
    labels = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y]
    fitted = [
        quiet(NeuralNetClassifier(mlp, layers__units=6, max_iter=5, random_state=0).fit, X, labels),
        quiet(NeuralNetClassifier([Dense(64, 8), ReLU(), Dropout(0.2), Dense(8, 10)], max_iter=5,
                                  dtype="float32", random_state=0).fit, X, y),
        quiet(NeuralNetRegressor(mlp, max_iter=5, random_state=0).fit, *regression),
    ]
    for i, est in enumerate(fitted):
        path = tmp_path / f"model{i}.glassnet"
        glassnet.save(est, path)
        loaded = glassnet.load(path)
        assert type(loaded) is type(est)
        data = regression[0] if isinstance(est, NeuralNetRegressor) else X
        assert np.array_equal(loaded.predict(data), est.predict(data))
        if hasattr(est, "predict_proba"):
            assert np.array_equal(loaded.predict_proba(data), est.predict_proba(data))
        assert loaded.network_.dtype == est.network_.dtype and loaded.input_shape_ == est.input_shape_
        assert loaded.loss_curve_ == est.loss_curve_ and loaded.n_iter_ == est.n_iter_
        # a function is code and is not saved: the loaded layers are the fitted network's, as a list
        assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in est.network_.layers]
        assert loaded.layers[0] is not loaded.network_.layers[0]
        params = {k: v for k, v in est.get_params().items() if k != "layers" and not k.startswith("layers__")}
        assert {k: v for k, v in loaded.get_params().items() if k != "layers"} == params
    refit = quiet(glassnet.load(tmp_path / "model0.glassnet").fit, X, labels)
    assert refit.network_.layers[0].n_out == 6


def test_damaged_network_in_an_estimator_file_is_refused(digits, tmp_path):
    from glassnet.serialize.container import ModelFileError, read_file, write_file

    X, y = digits
    est = quiet(NeuralNetClassifier(mlp, max_iter=2, random_state=0).fit, X, y)
    path = tmp_path / "m.glassnet"
    glassnet.save(est, path)
    kind, meta, arrays = read_file(path)
    meta["state"]["network"]["layers"][0]["config"]["n_out"] = 10**9
    write_file(tmp_path / "bad.glassnet", kind, meta, arrays)
    with pytest.raises(ModelFileError, match="layers need more parameters than"):
        glassnet.load(tmp_path / "bad.glassnet")


def test_every_edit_of_the_saved_network_loads_or_is_a_model_file_error(digits, tmp_path):
    """Each value of the network and shape in an estimator file replaced by something else, with a
    valid checksum: the loader returns an estimator or raises ModelFileError, nothing else."""
    import copy as copy_module

    from glassnet.serialize.container import ModelFileError, encode, read_file

    X, y = digits
    est = quiet(NeuralNetClassifier([Dense(64, 3), ReLU(), Dropout(0.1), Dense(3, 10)], input_shape=(64,),
                                    max_iter=1, random_state=0).fit, X, y)
    glassnet.save(est, tmp_path / "m.glassnet")
    kind, meta, arrays = read_file(tmp_path / "m.glassnet")

    def leaves(node, prefix=()):
        yield prefix
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            yield from leaves(value, prefix + (key,))

    paths = [("state", "network") + p for p in leaves(meta["state"]["network"])] + [("params", "input_shape")]
    outcomes = set()
    for path in paths:
        for value in (None, -1, 0, 2.5, 10**12, "x", "Dense", [], [1, 2], {}, {"class": "Dense"}):
            edited = copy_module.deepcopy(meta)
            node = edited
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            (tmp_path / "edited.glassnet").write_bytes(encode(kind, edited, arrays))  # no fsync: quicker
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                try:
                    loaded = glassnet.load(tmp_path / "edited.glassnet")
                except ModelFileError:
                    outcomes.add("refused")
                    continue
            assert isinstance(loaded, NeuralNetClassifier)
            outcomes.add("loaded")
    assert outcomes == {"refused", "loaded"}  # some edits are harmless (a dropout rate), most are not


def test_a_layer_glassnet_cannot_rebuild_is_refused_at_saving(digits, tmp_path):
    X, y = digits
    est = quiet(NeuralNetClassifier([Flatten(), Dense(64, 10)], max_iter=1, random_state=0).fit, X, y)
    with pytest.raises(ValueError, match=r"layers\[0\] is a Flatten, which glassnet cannot save; savable layers are"):
        glassnet.save(est, tmp_path / "m.glassnet")
    assert not (tmp_path / "m.glassnet").exists()
