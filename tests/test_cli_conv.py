"""``glassnet train`` with convolutional ``--layers`` on images (digits) and sequences (mnist1d)."""

import json

import numpy as np
import pytest

import glassnet
from glassnet.cli import main
from glassnet.nn import layers
from glassnet.tabular.architecture import build_layers, parse_layers
from glassnet.tabular.checkpoint import read_checkpoint


def test_parse_layers_takes_widths_and_convolutional_items():
    assert parse_layers("64,32") == (64, 32)
    assert parse_layers("Conv16k3p1, maxpool2,bn,conv8k3s2,avgpool3s1p1,gap,flatten,10") == (
        "conv16k3p1", "maxpool2", "bn", "conv8k3s2", "avgpool3s1p1", "gap", "flatten", 10)


@pytest.mark.parametrize("text", ["0", "conv", "conv16", "conv0k3", "conv16k0", "pool2", "maxpool", "64,", "relu", "-3"])
def test_parse_layers_refuses_what_is_not_a_layer(text):
    with pytest.raises(ValueError, match="hidden-layer widths are positive whole numbers like 64,32, and convolutional items look like"):
        parse_layers(text)


def test_build_layers_chains_shapes_and_adds_flatten():
    stack = build_layers(parse_layers("conv4k3p1,bn,maxpool2,16"), n_in=64, n_out=10, sample_shape=(1, 8, 8),
                         activation="relu", dropout=0.0, dtype="float64")
    assert [type(layer).__name__ for layer in stack] == [
        "Reshape", "Conv2D", "ReLU", "BatchNorm", "MaxPool2D", "Flatten", "Dense", "ReLU", "Dense"]
    assert stack[6].n_in == 4 * 4 * 4
    one_d = build_layers(parse_layers("conv25k5s2p1,gap"), n_in=40, n_out=10, sample_shape=(1, 40),
                         activation="tanh", dropout=0.0, dtype="float64")
    assert isinstance(one_d[1], layers.Conv1D) and isinstance(one_d[3], layers.GlobalAveragePool)


@pytest.mark.parametrize("text,sample_shape,match", [
    ("conv4k3", None, "need samples that are images or sequences"),
    ("16,conv4k3", (1, 8, 8), "put convolutions and pooling before the dense layers"),
    ("conv4k9", (1, 8, 8), r"--layers item 1: Conv2D has kernel_size 9 but its input is only 8 long"),
])
def test_build_layers_names_the_problem(text, sample_shape, match):
    with pytest.raises(ValueError, match=match):
        build_layers(parse_layers(text), n_in=64, n_out=10, sample_shape=sample_shape, activation="relu",
                     dropout=0.0, dtype="float64")


def test_cli_trains_a_cnn_on_digit_images_with_report_and_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--dataset", "digits", "--layers", "conv4k3p1,bn,maxpool2,16", "--epochs", "2",
            "--early-stopping", "0", "--checkpoint-every", "1", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    model = glassnet.load(out / "model.glassnet")
    assert [type(layer).__name__ for layer in model.net.layers][:4] == ["Reshape", "Conv2D", "ReLU", "BatchNorm"]
    running = model.net.get_buffers()
    assert running.size == 8 and not np.allclose(running[:4], 0.0)  # training moved the running mean
    cp = read_checkpoint(out)
    np.testing.assert_array_equal(cp.model.net.get_buffers(), running)  # the checkpoint keeps them too
    page = (out / "report.html").read_text()
    assert "First convolution&#x27;s filters" in page or "First convolution's filters" in page
    assert "<h2>Layers</h2>" in page and "4 × 8 × 8" in page and ">40<" in page  # 4*1*3*3 + 4 parameters
    assert (out / "first_conv_filters.png").read_bytes()[:4] == b"\x89PNG"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["layers"] == ["conv4k3p1", "bn", "maxpool2", 16]


def test_cli_trains_a_1d_cnn_on_mnist1d(tmp_path):
    out = tmp_path / "m"
    assert main(["train", "--dataset", "mnist1d", "--layers", "conv8k5s2p1,conv8k3s2p1", "--epochs", "1",
                 "--early-stopping", "0", "--quiet", "--out", str(out)]) == 0
    model = glassnet.load(out / "model.glassnet")
    assert isinstance(model.net.layers[1], layers.Conv1D) and model.net.input_shape == (40,)
    assert model.net.summary()[1][1] == (8, 19)


def test_cli_refuses_convolutions_on_plain_rows(tmp_path, capsys):
    assert main(["train", "--dataset", "iris", "--layers", "conv4k3", "--quiet", "--out", str(tmp_path / "x")]) == 2
    assert "need samples that are images or sequences" in capsys.readouterr().err
