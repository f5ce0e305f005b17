"""Property-based tests over layer shapes, dtypes and magnitudes."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet.nn import layers, losses

ACTIVATIONS = sorted(set(layers.ACTIVATIONS) - {"softmax"})
dims = st.integers(min_value=1, max_value=12)
dtypes = st.sampled_from(["float32", "float64"])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(n=dims, n_in=dims, hidden=dims, n_out=st.integers(2, 6), activation=st.sampled_from(ACTIVATIONS),
       dtype=dtypes, seed=st.integers(0, 2**16), scale=st.sampled_from([1e-3, 1.0, 30.0]))
def test_forward_backward_keep_shapes_dtypes_and_finiteness(n, n_in, hidden, n_out, activation, dtype, seed, scale):
    rng = np.random.default_rng(seed)
    net = gn.Sequential(
        [layers.Dense(n_in, hidden), layers.activations.get(activation), layers.Dense(hidden, n_out)],
        output="softmax", random_state=seed, dtype=dtype,
    )
    X = (rng.normal(size=(n, n_in)) * scale).astype(dtype)
    y = rng.integers(0, n_out, n)
    loss = losses.SoftmaxCrossEntropy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        logits = net.forward(X, training=True)
        value = loss.forward(logits, y)
        net.backward(loss.backward())
    assert logits.shape == (n, n_out) and logits.dtype == np.dtype(dtype)
    assert net.flat_grads.dtype == np.dtype(dtype)
    assert np.isfinite(value) and np.isfinite(net.flat_grads).all()
    P = net.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-5 if dtype == "float32" else 1e-12)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(n=dims, k=st.integers(1, 5), seed=st.integers(0, 2**16), magnitude=st.sampled_from([1.0, 1e2, 1e4]))
def test_fused_losses_are_finite_and_non_negative_at_any_logit_size(n, k, seed, magnitude):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, k + 1)) * magnitude
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        ce = losses.SoftmaxCrossEntropy()
        v1 = ce.forward(Z, rng.integers(0, k + 1, n))
        g1 = ce.backward()
        bce = losses.BinaryCrossEntropy()
        v2 = bce.forward(Z, rng.integers(0, 2, Z.shape).astype(float))
        g2 = bce.backward()
    assert v1 >= 0 and v2 >= 0 and np.isfinite([v1, v2]).all()
    # each gradient row of Y - T lies in [-1, 1]; softmax rows sum to zero
    assert np.abs(g1).max() <= 1.0 + 1e-12 and np.abs(g2).max() <= 1.0 + 1e-12
    np.testing.assert_allclose(g1.sum(axis=1), 0.0, atol=1e-12)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(shape=st.tuples(dims, dims), activation=st.sampled_from(ACTIVATIONS), seed=st.integers(0, 2**16))
def test_activations_never_modify_a_callers_array(shape, activation, seed):
    X = np.random.default_rng(seed).normal(size=shape)
    original = X.copy()
    layer = layers.activations.get(activation)
    layer.forward(X)
    layer.backward(np.ones(shape))
    np.testing.assert_array_equal(X, original)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(n=dims, k=st.integers(2, 5), seed=st.integers(0, 2**16), magnitude=st.sampled_from([1e2, 1e4, 1e8]))
def test_output_functions_stay_finite_without_warnings_at_large_logits(n, k, seed, magnitude):
    from glassnet.nn import functional as F

    Z = np.random.default_rng(seed).normal(size=(n, k)) * magnitude
    Z[0, 0] = magnitude  # at least one logit at the edge
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        P, S = F.softmax(Z.copy()), F.sigmoid(Z)
    assert np.isfinite(P).all() and np.isfinite(S).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    assert ((S >= 0) & (S <= 1)).all()


def _saturated_model(tmp_path):
    """A model from `glassnet train` whose last layer is scaled up so its logits reach about 1e4."""
    from glassnet.cli import main

    out = tmp_path / "run"
    assert main(["train", "--dataset", "iris", "--epochs", "3", "--layers", "4", "--quiet", "--out", str(out)]) == 0
    model = gn.load(out / "model.glassnet")
    last = model.net.layers[-1]
    last.params["W"] *= 1e4 / max(np.abs(last.params["W"]).max(), 1e-12)
    gn.save(model, out / "saturated.glassnet")
    return out


def test_prediction_path_at_logits_of_1e4_is_finite_and_silent(tmp_path, capsys):
    import csv
    import json
    import warnings

    from glassnet.tabular import read_csv
    from glassnet.tabular.data import load_dataset
    from glassnet.cli import main

    out = _saturated_model(tmp_path)
    model = gn.load(out / "saturated.glassnet")
    d = load_dataset("iris")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            logits = model.net.forward(model.transform(d.frame))
            P = model.predict_proba(d.frame)
            result = model.evaluate(d.frame, d.y)
        assert np.abs(logits).max() > 1e3  # the edge was reached
        assert np.isfinite(P).all() and np.allclose(P.sum(axis=1), 1.0)
        assert np.isfinite(result["log_loss"]) and 0 <= result["accuracy"] <= 1
        # and through the command line: evaluate, then predict on a CSV of the same rows
        assert main(["evaluate", str(out / "saturated.glassnet"), "iris", "--json", "--all-rows"]) == 0
        assert json.loads(capsys.readouterr().out)["log_loss"] == result["log_loss"]
        with open(tmp_path / "in.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(list(d.frame.columns))
            w.writerows(d.frame.to_numpy().tolist())
        assert main(["predict", str(out / "saturated.glassnet"), "--csv", str(tmp_path / "in.csv"),
                     "--output", str(tmp_path / "p.csv")]) == 0
    frame = read_csv(str(tmp_path / "p.csv")).frame
    probabilities = frame[[c for c in frame.columns if c.startswith("probability_")]].to_numpy()
    assert np.isfinite(probabilities).all() and np.allclose(probabilities.sum(axis=1), 1.0)
    assert capsys.readouterr().err == ""
