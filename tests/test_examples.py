"""The scripts in examples/ run and do what they print (with fewer epochs, to stay quick)."""

import importlib.util
import io
import os
import warnings

from sklearn.exceptions import ConvergenceWarning

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_neuralnet_digits_searches_a_layer_argument_and_round_trips():
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        accuracy, same = load_example("neuralnet_digits").main(max_iter=4, cv=2, out=out)
    text = out.getvalue()
    assert text.count("cross-validated accuracy") == 4 and "'layers__width': 64" in text
    assert accuracy > 0.8 and same
