"""``circles``: a 2-3-2 network separates two concentric circles (seeds 000 and 001).

What the seed does
    Part 4 of P. Roelants' tutorial (seed 001, with seed 000 a copy of its text). ``make_circles``
    gives 100 points, a ring of red (class 0) around a disc of blue (class 1). A network with a
    3-unit logistic hidden layer and a 2-way softmax output is built by hand; its backpropagated
    gradients are checked against central differences, then it is trained by full-batch gradient
    descent with momentum. The trained classifier gets every point right, and the hidden layer maps
    the inputs to 3-D where the classes are linearly separable.

Data and initial parameters
    ``rs = np.random.RandomState(1)``; ``make_circles(n_samples=100, shuffle=False, factor=0.3,
    noise=0.1, random_state=rs)``. The seed seeded the global generator with 1, which is the same
    stream. Then from the same ``rs``, in the seed's order: for the gradient check (``init_var = 1``)
    ``bh = randn(1, 3)``, ``Wh = randn(2, 3)``, ``bo = randn(1, 2)``, ``Wo = randn(3, 2)``; for
    training the same four draws times 0.1.

Network and training (glassnet)
    ``Sequential([Dense(2, 3), Sigmoid(), Dense(3, 2)], output="softmax")`` with
    ``SoftmaxCrossEntropy(reduction="sum")`` (the seed sums the loss and gradients over samples),
    ``glassnet.gradcheck`` at the first parameters, then ``Momentum(learning_rate=0.02,
    momentum=0.9)`` for 300 full-batch iterations.

Where the seed's code and text disagree
    Seed 000's text calls the moment a "velocity" slowed by "resistance" (``update_velocity``); seed
    001's code names it ``M`` (``update_momentum``), with the same rule ``M(i+1) = lambda M(i) - mu
    dxi/dtheta``, ``theta += M``, which is ``glassnet.optim.Momentum``. The code defines
    ``lr_update = learning_rate / nb_of_iterations`` as a "learning rate update rule" but never uses
    it: the learning rate stays constant, here too. The seed's gradient check uses ``eps = 1e-4`` and
    ``np.isclose`` (default tolerances); glassnet's uses ``eps = 1e-6`` and reports the worst relative
    error.

Results (``results.json``)
    ``gradcheck_max_rel_error``, ``final_loss`` (summed over the 100 samples), ``train_accuracy``
    (the seed classifies all 100 correctly); also ``loss_curve`` (301 values: before each iteration
    and after the last, as the seed's ``ls_loss``).

Figures
    ``loss.png``, ``decision_boundary.png``, ``hidden_projection.png`` (the inputs on the 3 hidden units).
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_circles

from .. import plotting
from ..nn import Dense, Sequential, Sigmoid, losses
from ..optim import optimizers
from ..training import evaluate, fit, gradcheck
from ._common import accuracy, experiment_dir, forward_upto, single_threaded_blas, write_results

NAME = "circles"
SUMMARY = "seeds 000/001: make_circles, 2-3-2 logistic/softmax network, gradient check, momentum"
KEYS = ("gradcheck_max_rel_error", "final_loss", "train_accuracy")
# What the tutorial itself reports, shown beside glassnet's numbers on the index page.
TUTORIAL_REPORTS = 'gradient check passes; all 100 points classified correctly'

SEED = 1
LEARNING_RATE = 0.02
MOMENTUM = 0.9
ITERATIONS = 300


def draw_parameters(rs, init_var):
    """``bh, Wh, bo, Wo`` drawn in the seed's order, times ``init_var``."""
    bh = rs.randn(1, 3) * init_var
    Wh = rs.randn(2, 3) * init_var
    bo = rs.randn(1, 2) * init_var
    Wo = rs.randn(3, 2) * init_var
    return bh, Wh, bo, Wo


def set_parameters(net, bh, Wh, bo, Wo):
    # In place: the parameters are views into the network's flat buffer.
    net.layers[0].params["W"][...] = Wh
    net.layers[0].params["b"][...] = bh.ravel()
    net.layers[2].params["W"][...] = Wo
    net.layers[2].params["b"][...] = bo.ravel()


def build_network():
    return Sequential([Dense(2, 3), Sigmoid(), Dense(3, 2)], output="softmax")


@single_threaded_blas
def run(out_dir, *, iterations=ITERATIONS, learning_rate=LEARNING_RATE, momentum=MOMENTUM) -> dict:
    """Check gradients, train, write ``out_dir/circles/results.json`` and the figures."""
    directory = experiment_dir(out_dir, NAME)
    rs = np.random.RandomState(SEED)
    X, t = make_circles(n_samples=100, shuffle=False, factor=0.3, noise=0.1, random_state=rs)
    net = build_network()
    loss_fn = losses.SoftmaxCrossEntropy(reduction="sum")

    set_parameters(net, *draw_parameters(rs, 1.0))
    max_rel_error = gradcheck(net, loss_fn, X, t)

    set_parameters(net, *draw_parameters(rs, 0.1))
    optimizer = optimizers.Momentum(learning_rate=learning_rate, momentum=momentum)
    history = fit(net, loss_fn, optimizer, X, t, epochs=iterations)  # full batch: one step an epoch
    final_loss = evaluate(net, loss_fn, X, t)["loss"]
    loss_curve = history.batch_loss + [final_loss]  # the loss before each step, and after the last

    results = {
        "gradcheck_max_rel_error": max_rel_error,
        "final_loss": final_loss,
        "train_accuracy": accuracy(net, X, t),
        "loss_curve": loss_curve,
        "hyperparameters": {"seed": SEED, "hidden_units": 3, "learning_rate": learning_rate,
                            "momentum": momentum, "iterations": iterations, "init_scale": 0.1,
                            "loss": "summed softmax cross-entropy"},
    }

    names = ["red star (t=0)", "blue circle (t=1)"]
    plotting.loss_curves(loss_curve, xlabel="iteration", ylabel="loss (summed)",
                         title="Decrease of the loss over momentum iterations", path=directory / "loss.png")
    plotting.decision_regions(net.predict, X, t, limits=(-1.5, 1.5, -1.5, 1.5), class_names=names,
                              title="Classification boundary after training",
                              path=directory / "decision_boundary.png")
    plotting.hidden_projection_3d(forward_upto(net, X, 2), t, class_names=names,
                                  title="Projection of the inputs onto the hidden layer",
                                  path=directory / "hidden_projection.png")
    return write_results(directory, results)
