"""Initialisers against their formulas, and a layer's bias initialiser through construction and files."""

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn import initializers, layers


def test_pytorch_default_is_uniform_within_one_over_sqrt_fan_in():
    draw = initializers.get("pytorch")((400, 500), np.random.default_rng(0), np.float64, fan_in=25, fan_out=7)
    expected = np.random.default_rng(0).uniform(-0.2, 0.2, size=(400, 500))
    assert np.array_equal(draw, expected)
    assert np.abs(draw).max() <= 0.2 and np.abs(draw).max() > 0.199
    assert draw.var() == pytest.approx(0.2 ** 2 / 3, rel=0.01)  # U(-a, a) has variance a^2 / 3


def test_pytorch_default_is_kaiming_uniform_with_a_sqrt_5():
    # PyTorch: bound = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)), a = sqrt(5)
    for fan_in in (1, 40, 125):
        gain = math.sqrt(2.0 / (1 + math.sqrt(5) ** 2))
        draw = initializers.PyTorchDefault()((10_000,), np.random.default_rng(1), np.float32, fan_in, 3)
        assert draw.dtype == np.float32
        assert np.abs(draw).max() <= gain * math.sqrt(3.0 / fan_in) * (1 + 1e-6)
        assert np.abs(draw).max() > 0.99 * gain * math.sqrt(3.0 / fan_in)


@pytest.mark.parametrize("make, fan_in", [
    (lambda **kw: layers.Dense(40, 100, **kw), 40),
    (lambda **kw: layers.Conv1D(25, 25, 3, stride=2, padding=1, **kw), 75),
    (lambda **kw: layers.Conv2D(3, 8, (3, 2), **kw), 18),
])
def test_layers_draw_weights_and_biases_from_their_fan_in(make, fan_in):
    layer = make(init="pytorch", bias_init="pytorch", random_state=0)
    bound = 1 / math.sqrt(fan_in)
    for name in ("W", "b"):
        values = layer.params[name]
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.5 * bound  # drawn, not left at zero
    assert layer.get_config()["bias_init"] == "pytorch"


def test_biases_start_at_zero_by_default_and_the_weights_a_seed_draws_do_not_change():
    dense = layers.Dense(4, 3, random_state=5)
    assert not dense.params["b"].any() and dense.get_config()["bias_init"] == "zeros"
    expected = initializers.GlorotUniform()((4, 3), np.random.default_rng(5), np.float64, 4, 3)
    assert np.array_equal(dense.params["W"], expected)
    conv = layers.Conv1D(2, 3, 3, random_state=5)
    assert not conv.params["b"].any()


def test_a_network_seed_draws_the_biases_too():
    def build(seed):
        return gn.Sequential([layers.Dense(5, 4, init="pytorch", bias_init="pytorch"), layers.ReLU(),
                              layers.Dense(4, 2, bias_init="pytorch")], random_state=seed)
    a, b, c = build(0), build(0), build(1)
    assert np.array_equal(a.layers[0].params["b"], b.layers[0].params["b"])
    assert not np.array_equal(a.layers[0].params["b"], c.layers[0].params["b"])
    assert a.layers[2].params["b"].any()


def test_an_unknown_bias_initialiser_is_refused_by_name():
    with pytest.raises(ValueError, match=r"Unknown initializer 'torch'; expected one of .*'pytorch'"):
        layers.Dense(3, 2, bias_init="torch")


def test_bias_initialisers_survive_save_and_load_bit_for_bit(tmp_path):
    def shifted(shape, rng, dtype, fan_in, fan_out):
        return np.full(shape, 0.25, dtype=dtype)

    net = gn.Sequential([
        layers.Conv1D(1, 4, 5, stride=2, padding=1, init="pytorch", bias_init="pytorch"), layers.ReLU(),
        layers.Flatten(), layers.Residual([layers.Dense(76, 76, bias_init=shifted), layers.ReLU()]),
        layers.Dense(76, 3, init="pytorch", bias_init="pytorch"),
    ], input_shape=(1, 40), random_state=2)
    path = tmp_path / "net.glassnet"
    gn.save(net, path)
    loaded = gn.load(path)
    assert np.array_equal(loaded.get_weights(), net.get_weights())
    assert loaded.layers[0].bias_init == "pytorch" and loaded.layers[-1].bias_init == "pytorch"
    assert loaded.layers[3].layers[0].bias_init == "zeros"  # a custom one is not rebuilt; its values are kept
    assert np.all(loaded.layers[3].layers[0].params["b"] == 0.25)
    X = np.random.default_rng(0).normal(size=(6, 1, 40))
    assert np.array_equal(loaded.predict_proba(X), net.predict_proba(X))
