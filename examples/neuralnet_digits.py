"""Any glassnet network as a scikit-learn estimator: a grid search over a layer argument, then save/load.

    python examples/neuralnet_digits.py

The network is a function of the shape of one sample and of the number of outputs y needs; its own
arguments (here ``width`` and ``rate``) are estimator parameters named ``layers__width`` and
``layers__rate``, so GridSearchCV tunes them like ``alpha`` or ``learning_rate_init``.
"""

import os
import sys
import tempfile
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split

import glassnet
from glassnet import NeuralNetClassifier
from glassnet.nn import GELU, Dense, Dropout


def two_hidden_layers(input_shape, n_outputs, width=32, rate=0.0):
    """Dense -> GELU -> Dropout, twice, then the output layer; for samples of ``input_shape``."""
    n_in = int(np.prod(input_shape))
    return [
        Dense(n_in, width), GELU(), Dropout(rate),
        Dense(width, width), GELU(), Dropout(rate),
        Dense(width, n_outputs),
    ]


def main(max_iter=60, cv=3, out=sys.stdout):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, test_size=0.25, random_state=0)
    net = NeuralNetClassifier(two_hidden_layers, max_iter=max_iter, learning_rate_init=0.01,
                              dtype="float32", random_state=0)
    grid = {"layers__width": [8, 64], "layers__rate": [0.0, 0.2]}
    search = GridSearchCV(net, grid, cv=cv).fit(X_train, y_train)
    for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
        print(f"{params}: cross-validated accuracy {score:.3f}", file=out)
    best = search.best_estimator_
    accuracy = best.score(X_test, y_test)
    print(f"best {search.best_params_}: test accuracy {accuracy:.3f}", file=out)
    print(best.network_, file=out)

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "digits.glassnet")
        glassnet.save(best, path)  # layer configs and weights; no pickle, no code
        loaded = glassnet.load(path)
        same = np.array_equal(loaded.predict_proba(X_test), best.predict_proba(X_test))
    print(f"saved and loaded: predicts identically: {same}", file=out)
    return accuracy, same


if __name__ == "__main__":
    # max_iter, not tol, ends these short runs: each fit would say so
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    main()
