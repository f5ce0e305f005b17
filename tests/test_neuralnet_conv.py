"""NeuralNetClassifier on convolutional layers: digits as (1, 8, 8) images, with a search over the
number of channels, float32, and a save/load round trip (BatchNorm's running statistics included)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

import glassnet
from glassnet import NeuralNetClassifier, NeuralNetRegressor
from glassnet.nn import Dense, ReLU

try:  # the convolutional layers join once they are merged
    from glassnet.nn import BatchNorm, Conv1D, Conv2D, Flatten, GlobalAveragePool, MaxPool2D, Residual
except ImportError:
    pytest.skip("glassnet.nn has no convolutional layers yet", allow_module_level=True)


def cnn(input_shape, n_outputs, channels=4):
    """Conv2D(3x3, same padding) -> BatchNorm -> ReLU -> 2x2 max-pool -> Dense, for (C, H, W) samples."""
    c, h, w = input_shape
    return [Conv2D(c, channels, 3, padding=1), BatchNorm(channels), ReLU(), MaxPool2D(2), Flatten(),
            Dense(channels * (h // 2) * (w // 2), n_outputs)]


@pytest.fixture(scope="module")
def images():
    X, y = load_digits(return_X_y=True)
    return (X[:500] / 16.0).reshape(-1, 1, 8, 8), y[:500]


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


def test_grid_search_over_the_number_of_channels(images):
    X, y = images
    search = GridSearchCV(NeuralNetClassifier(cnn, max_iter=15, learning_rate_init=0.01, random_state=0),
                          {"layers__channels": [1, 8]}, cv=2)
    quiet(search.fit, X, y)
    scores = search.cv_results_["mean_test_score"]
    assert search.best_params_ == {"layers__channels": 8} and scores[1] > scores[0]
    best = search.best_estimator_
    assert best.input_shape_ == (1, 8, 8) and best.network_.layers[0].out_channels == 8
    # rows of 64 values (as from a Pipeline) predict what the images do
    assert np.array_equal(best.predict_proba(X.reshape(len(X), -1)), best.predict_proba(X))


def test_conv_estimator_saves_and_loads_identically_in_float32(images, tmp_path):
    X, y = images
    est = quiet(NeuralNetClassifier(cnn, input_shape=(1, 8, 8), layers__channels=3, max_iter=5, dtype="float32",
                                    random_state=0).fit, X.reshape(len(X), -1), y)
    assert est.network_.flat_params.dtype == np.float32 and est.predict_proba(X).dtype == np.float32
    glassnet.save(est, tmp_path / "cnn.glassnet")
    loaded = glassnet.load(tmp_path / "cnn.glassnet")
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in est.network_.layers]


def test_residual_sequence_regressor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 1, 16))
    y = X[:, 0, :8].sum(axis=1) - X[:, 0, 8:].sum(axis=1)
    layers = [Conv1D(1, 4, 3, padding=1), Residual([ReLU(), Conv1D(4, 4, 3, padding=1)]), GlobalAveragePool(),
              Dense(4, 1)]
    est = quiet(NeuralNetRegressor(layers, max_iter=5, random_state=0).fit, X, y)
    assert est.input_shape_ == (1, 16) and est.predict(X).shape == (200,)
    with pytest.raises(ValueError, match=r"Conv1D"):
        NeuralNetRegressor([Conv1D(2, 4, 3), GlobalAveragePool(), Dense(4, 1)]).fit(X, y)
