"""Model files written by glassnet 0.1.0 (tests/fixtures/v0.1) still load and predict what they predicted.

The files and ``expected.json`` were written once by the 0.1.0 code; they are data, never regenerated.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.tabular.data import load_dataset, read_csv

FIXTURES = Path(__file__).parent / "fixtures" / "v0.1"


@pytest.fixture(scope="module")
def expected():
    return json.loads((FIXTURES / "expected.json").read_text())


@pytest.fixture(scope="module")
def X():
    return np.loadtxt(FIXTURES / "inputs.csv", delimiter=",", skiprows=1)


def test_sequential(expected, X):
    net = gn.load(FIXTURES / "sequential.glassnet")
    np.testing.assert_array_equal(net.predict_proba(X), expected["sequential"])


def test_estimators(expected, X):
    clf = gn.load(FIXTURES / "classifier.glassnet")
    np.testing.assert_array_equal(clf.predict_proba(X / 3), expected["classifier_proba"])
    assert clf.predict(X / 3).tolist() == expected["classifier_labels"]
    reg = gn.load(FIXTURES / "regressor.glassnet")
    np.testing.assert_array_equal(reg.predict(X / 3), expected["regressor"])


def test_command_line_models(expected):
    model = gn.load(FIXTURES / "tabular-classification.glassnet")
    frame = read_csv(str(FIXTURES / "table.csv"), "label", features=model.features).frame
    np.testing.assert_array_equal(model.predict_proba(frame), expected["tabular_classification_proba"])
    assert list(model.predict(frame)) == expected["tabular_classification_labels"]
    model = gn.load(FIXTURES / "tabular-regression.glassnet")
    frame = load_dataset("diabetes").frame.iloc[:40]
    np.testing.assert_array_equal(model.predict(frame), expected["tabular_regression"])
