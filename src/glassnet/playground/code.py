"""The Python a page exports: a script that rebuilds the page's data, network and optimizer from its
settings and retrains them with ``glassnet.fit``, as the playground does."""

from __future__ import annotations

from .settings import Settings

TEMPLATE = '''"""Rebuild and retrain a glassnet playground setup: the same data, starting weights and batches as the page.

Settings: {settings}
"""
import numpy as np

import glassnet as gn
from glassnet import nn, optim
from glassnet.playground import data

SETTINGS = {settings}
data_rng = np.random.default_rng(SETTINGS["seed"])   # draws the data and its split, as the page does
{load}
order = data_rng.permutation(len(X))
n_train = max(1, min(len(X) - 1, round(len(X) * SETTINGS["train_percent"] / 100)))
train, test = order[:n_train], order[n_train:]
F = data.features(X, SETTINGS["features"])      # the network's inputs, in the page's order

rng = np.random.default_rng(SETTINGS["seed"])        # draws the weights, dropout masks and batches
{network}
loss = nn.{loss}()
optimizer = optim.optimizers.get(SETTINGS["optimizer"], learning_rate=SETTINGS["learning_rate"])
l2 = SETTINGS["regularization_rate"] if SETTINGS["regularization"] == "l2" else 0.0
# (L1 in the playground is a proximal step after every batch; see glassnet.playground.session.)
history = gn.fit(net, loss, optimizer, F[train], y[train], epochs=100,
                 batch_size=min(SETTINGS["batch_size"], len(train)), random_state=rng, l2=l2,
                 validation_data=(F[test], y[test]))
print("train loss", history["loss"][-1], "test loss", history["val_loss"][-1])
gn.save(net, "playground.glassnet")
'''

LAYERS = '''layers, n_in = [], len(SETTINGS["features"])
for width, activation in zip(SETTINGS["layers"], SETTINGS["activations"]):
    layers += [nn.Dense(n_in, width), nn.layers.ACTIVATIONS[activation]()]
    if SETTINGS["dropout"]:
        layers.append(nn.Dropout(SETTINGS["dropout"]))
    n_in = width
layers.append(nn.Dense(n_in, {n_outputs}))
net = gn.Sequential(layers, output="{output}", random_state=rng)'''

RBF_1D = '''# The tutorial's network y = logistic(rbf(x1 wh) + bo), from (wh, bo) = (2.3, 1.4)
net = gn.Sequential([nn.Dense(1, 1, bias=False), nn.RBF(), nn.Bias(1)], output="sigmoid")
net.flat_params[:] = (2.3, 1.4)'''

GENERATED = '''n = data.N_CLASSIFY if SETTINGS["problem"] == "classification" else data.N_REGRESS
n = data.N_RBF_1D if SETTINGS["dataset"] == "rbf-1d" else n
X, y = data.generate(SETTINGS["dataset"], n, SETTINGS["noise"] / 100, data_rng)'''

UPLOADED = '''# Your CSV file (x1, x2, label or value); the playground scaled its columns so:
with open("data.csv") as f:
    X, y, classes, scaling = data.parse_csv(f.read(), SETTINGS["problem"])
# scaling = {scaling}'''


def python_code(settings: Settings, scaling=None, n_classes=2) -> str:
    s = settings.to_dict()
    if settings.problem == "regression":
        n_outputs, output, loss = 1, "identity", "MeanSquaredError"
    elif n_classes == 2:
        n_outputs, output, loss = 1, "sigmoid", "BinaryCrossEntropy"
    else:
        n_outputs, output, loss = n_classes, "softmax", "SoftmaxCrossEntropy"
    load = UPLOADED.format(scaling=scaling) if settings.dataset == "csv" else GENERATED
    network = RBF_1D if settings.dataset == "rbf-1d" else LAYERS.format(n_outputs=n_outputs, output=output)
    return TEMPLATE.format(settings=repr(s), load=load, network=network, loss=loss)
