"""``digits-minibatch``: mini-batch gradient descent with early stopping on the digits.

What the original does
    Part 5 of P. Roelants' tutorial ("multi-layer perceptron", the sequel to seeds 004 and 001).
    scikit-learn's digits are split 60/20/20 into train, validation and test sets; a 64-20-20-10
    network with two logistic hidden layers and a softmax output is trained by plain stochastic
    gradient descent on fixed mini-batches of about 25 samples, and training stops as soon as the
    validation cost has failed to decrease twice in a row. The original reports a test accuracy of 0.96.

Data
    ``load_digits()``, unscaled pixel values (0..16). ``train_test_split(data, target, test_size=0.4,
    random_state=SPLIT_SEED)`` then the held-out 40% split in half (``test_size=0.5``, same
    ``random_state``) into validation and test sets: 1078 / 359 / 360 samples. The original did not
    seed its splits; ``SPLIT_SEED = 0`` here.

Network and training (glassnet)
    ``Dense(64, 20) + Sigmoid, Dense(20, 20) + Sigmoid, Dense(20, 10)``, ``output="softmax"``,
    ``SoftmaxCrossEntropy()`` (mean over the batch). Weights ``Normal(0.1)`` (``randn * 0.1``),
    biases zero, from ``Sequential(random_state=INIT_SEED)`` with ``INIT_SEED = 1``. ``SGD(0.1)``.
    Mini-batches as the original makes them: ``n_batches = n_train // 25`` and
    ``np.array_split`` of the training set (already shuffled by the split) into that many batches,
    made once and visited in the same order every epoch (``fit``'s ``batches`` plan). At most 300
    epochs; after each epoch a callback computes the full training and validation costs and stops
    training when ``val_cost[-1] >= val_cost[-2] >= val_cost[-3]`` (checked once more than three
    costs exist, as the original). The last weights are kept, as the original keeps them.

Where the original's code and text disagree
    The comment beside the stopping rule says "doesn't decrease for 3 iterations", but the rule
    stops after two consecutive non-decreases (three costs compared), and it is only checked once
    four epochs have run; followed here. This is not ``EarlyStopping(patience=2)``, which compares with
    the best cost so far and restores the best weights.

Results (``results.json``)
    ``test_accuracy``, ``epochs_run``; also ``validation_accuracy``, ``train_costs``,
    ``validation_costs`` (per epoch), ``n_batches``.

Figures
    ``batch_costs.png`` (cost of every mini-batch), ``costs.png`` (train and validation cost per
    epoch), ``confusion_matrix.png`` (test set).
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from .. import plotting
from ..nn import Dense, Sequential, Sigmoid, initializers, losses
from ..optim import optimizers
from ..training import LambdaCallback, evaluate, fit
from ._common import accuracy, experiment_dir, single_threaded_blas, write_results

NAME = "digits-minibatch"
SUMMARY = "Roelants part 5: digits, 64-20-20-10 network, SGD on mini-batches of ~25, stop on validation cost"
KEYS = ("test_accuracy", "epochs_run")
# What the tutorial itself reports, shown beside glassnet's numbers on the index page.
TUTORIAL_REPORTS = 'test accuracy 0.96'

SPLIT_SEED = 0
INIT_SEED = 1
BATCH_SIZE = 25
LEARNING_RATE = 0.1
MAX_EPOCHS = 300


def load_splits(seed=SPLIT_SEED):
    """60/20/20 split: ``(X_train, y_train), (X_valid, y_valid), (X_test, y_test)``."""
    digits = load_digits()
    X = digits.data.astype(np.float64)
    X_train, X_rest, y_train, y_rest = train_test_split(X, digits.target, test_size=0.4, random_state=seed)
    X_valid, X_test, y_valid, y_test = train_test_split(X_rest, y_rest, test_size=0.5, random_state=seed)
    return (X_train, y_train), (X_valid, y_valid), (X_test, y_test)


def build_network(seed=INIT_SEED):
    init = initializers.Normal(0.1)
    return Sequential(
        [Dense(64, 20, init=init), Sigmoid(), Dense(20, 20, init=init), Sigmoid(), Dense(20, 10, init=init)],
        output="softmax", random_state=np.random.RandomState(seed),
    )


def should_stop(validation_costs) -> bool:
    """The original's rule: two consecutive epochs without a decrease, checked once 4 costs exist."""
    v = validation_costs
    return len(v) > 3 and v[-1] >= v[-2] >= v[-3]


@single_threaded_blas
def run(out_dir, *, max_epochs=MAX_EPOCHS, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE) -> dict:
    """Train, write ``out_dir/digits-minibatch/results.json`` and the figures, return the results."""
    directory = experiment_dir(out_dir, NAME)
    (X_train, y_train), (X_valid, y_valid), (X_test, y_test) = load_splits()
    n_batches = max(len(X_train) // batch_size, 1)
    plan = np.array_split(np.arange(len(X_train)), n_batches)

    net = build_network()
    loss_fn = losses.SoftmaxCrossEntropy()
    optimizer = optimizers.SGD(learning_rate=learning_rate)
    train_costs, validation_costs = [], []

    def costs(loop):
        train_costs.append(evaluate(loop.net, loss_fn, X_train, y_train)["loss"])
        validation_costs.append(evaluate(loop.net, loss_fn, X_valid, y_valid)["loss"])
        return should_stop(validation_costs)

    history = fit(net, loss_fn, optimizer, X_train, y_train, epochs=max_epochs, batches=lambda n, rng: plan,
                  callbacks=[LambdaCallback(on_epoch_end=costs)])
    batch_costs = history.batch_loss

    pred_test = net.predict(X_test)
    results = {
        "test_accuracy": float(np.mean(pred_test == y_test)),
        "epochs_run": len(train_costs),
        "validation_accuracy": accuracy(net, X_valid, y_valid),
        "train_accuracy": accuracy(net, X_train, y_train),
        "train_costs": train_costs,
        "validation_costs": validation_costs,
        "n_batches": n_batches,
        "n_train": len(X_train), "n_valid": len(X_valid), "n_test": len(X_test),
        "hyperparameters": {"split_seed": SPLIT_SEED, "init_seed": INIT_SEED, "layers": [64, 20, 20, 10],
                            "batch_size": batch_size, "learning_rate": learning_rate, "max_epochs": max_epochs,
                            "init": "normal(0, 0.1) weights, zero biases", "inputs": "unscaled"},
    }
    plotting.batch_costs(batch_costs, batches_per_epoch=n_batches, path=directory / "batch_costs.png")
    plotting.loss_curves({"training": train_costs, "validation": validation_costs}, ylabel="cost (mean cross-entropy)",
                         title="Cost per epoch", path=directory / "costs.png")
    shown = f"Confusion matrix: test set, {len(y_test)} digits, accuracy {np.mean(y_test == pred_test):.3f}"
    plotting.confusion_matrix(y_test, pred_test, labels=range(10), title=shown,
                              path=directory / "confusion_matrix.png")
    return write_results(directory, results)
