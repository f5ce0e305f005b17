"""The seed experiments: each runs, writes its files, and reproduces the tutorials' numbers."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from glassnet.cli import main
from glassnet.experiments import EXPERIMENTS, KEYS, MODULES, SUMMARIES, digits_minibatch, get, run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

FIGURES = {
    "rbf-1d": ["data.png", "loss_surface.png", "decision_regions.png"],
    "circles": ["loss.png", "decision_boundary.png", "hidden_projection.png"],
    "three-clouds": ["data.png", "loss.png", "decision_regions.png"],
    "digits-sweep": ["validation_vs_lambda.png", "loss_curves.png", "confusion_matrix.png"],
    "digits-minibatch": ["batch_costs.png", "costs.png", "confusion_matrix.png"],
    "mnist1d": ["accuracy_vs_paper.png", "learning_curves.png", "cnn_filters.png", "signals.png"],
    "digits-cnn": ["filters.png", "loss.png", "confusion_matrix.png"],
}
# The full runs are commands (`glassnet experiment mnist1d`, minutes); the suite runs them tiny, which
# checks the files and their structure, not the accuracies (docs/experiments.md records those).
TINY = {"mnist1d": {"epochs": 2, "seeds": (0, 1), "n_train": 400}, "digits-cnn": {"epochs": 1, "seeds": (0,)}}

# The full sweep trains eleven 64-48-32-10 networks for 1000 epochs (30-40 s on two busy cores).
# The suite sweeps two of the seed's ten lambdas, the one the full sweep chooses (0.5995) and one
# too strong to fit (4.64), with the same epochs and seed, so the numbers it checks are those of
# the full run.
SWEEP_LAMBDAS = np.logspace(-2, 2, 10)[[4, 6]]


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("experiments")


@pytest.fixture(scope="module")
def results(out_dir):
    cache = {}

    def get_results(name):
        if name not in cache:
            options = {"lambdas": SWEEP_LAMBDAS} if name == "digits-sweep" else TINY.get(name, {})
            cache[name] = run(name, out_dir, **options)
        return cache[name]

    return get_results


def test_registry_lists_the_experiments():
    assert list(EXPERIMENTS) == ["rbf-1d", "circles", "three-clouds", "digits-sweep", "digits-minibatch", "mnist1d",
                                 "digits-cnn"]
    for name, module in MODULES.items():
        assert EXPERIMENTS[name] is module.run
        assert SUMMARIES[name] and "\n" not in SUMMARIES[name]
        # the docstring says where the seed's code and text disagree
        assert "disagree" in module.__doc__


@pytest.mark.parametrize("name", list(FIGURES))
def test_writes_results_json_and_valid_pngs(name, results, out_dir):
    returned = results(name)
    folder = out_dir / name
    on_disk = json.loads((folder / "results.json").read_text())
    assert on_disk == returned
    for key in KEYS[name]:
        assert key in on_disk
    for figure in FIGURES[name]:
        data = (folder / figure).read_bytes()
        assert data[:8] == PNG_MAGIC, figure
        with Image.open(folder / figure) as image:
            image.verify()
        with Image.open(folder / figure) as image:
            assert image.size[0] > 100 and image.size[1] > 100


def test_no_pyplot_figures_left_open(results):
    import matplotlib.pyplot as plt

    results("rbf-1d")
    assert plt.get_fignums() == []


def test_rbf_1d_reproduces_the_notebook(results):
    r = results("rbf-1d")
    # notebook: "final loss is 0.52 for weights wh=1.12 and bo=-0.44"
    assert (round(r["final_loss"], 2), round(r["wh"], 2), round(r["bo"], 2)) == (0.52, 1.12, -0.44)
    assert r["final_loss"] == pytest.approx(0.5194, abs=1e-4)
    assert r["wh"] == pytest.approx(1.1231, abs=1e-4)
    assert r["bo"] == pytest.approx(-0.4425, abs=1e-4)
    assert r["train_accuracy"] >= 0.9
    assert r["path"][0] == [2.3, 1.4] and len(r["path"]) == 21
    assert r["loss_curve"][-1] < r["loss_curve"][0]


def test_circles_gradients_check_and_every_point_is_classified(results):
    r = results("circles")
    assert r["gradcheck_max_rel_error"] < 1e-6
    assert r["train_accuracy"] == 1.0  # the seed: "all examples are classified correctly"
    assert len(r["loss_curve"]) == 301  # the seed's ls_loss: before each of 300 iterations and after
    assert r["final_loss"] < 0.05 * r["loss_curve"][0]


def test_three_clouds_reaches_the_seeds_accuracy(results):
    r = results("three-clouds")
    assert r["accuracy"] == pytest.approx(0.97, abs=0.015)  # the seed: "around 97%"
    assert r["final_loss"] < 0.1 * r["loss_curve"][0]


def test_digits_sweep_chooses_the_seeds_lambda(results):
    r = results("digits-sweep")
    # the seed: "Best lambda: 0.599484, Validation set accuracy: 0.964730, Test set accuracy: 0.959596"
    assert r["best_lambda"] == pytest.approx(0.599484, rel=1e-5)
    assert r["validation_accuracy"] == pytest.approx(0.9647, abs=0.015)
    assert r["test_accuracy"] == pytest.approx(0.9596, abs=0.02)
    assert r["validation_accuracies"][int(np.argmax(r["validation_accuracies"]))] == r["validation_accuracy"]
    assert len(r["validation_accuracies"]) == len(r["lambdas"]) == 2
    assert (r["n_train"], r["n_valid"], r["n_test"]) == (721, 482, 594)
    # a strong penalty (lambda = 4.6) cannot fit the digits: the sweep has something to choose
    assert min(r["validation_accuracies"]) < 0.8


def test_digits_sweep_rejects_bad_lambdas(tmp_path):
    with pytest.raises(ValueError, match="lambdas"):
        run("digits-sweep", tmp_path, lambdas=[])
    with pytest.raises(ValueError, match="lambdas"):
        run("digits-sweep", tmp_path, lambdas=[-1.0])


def test_mnist1d_records_every_model_beside_the_paper(results):
    r = results("mnist1d")
    assert r["paper"] == {"logistic": 0.32, "mlp": 0.68, "cnn": 0.94, "gru": 0.91, "human": 0.96}
    assert r["init"] == {"init": "pytorch", "bias_init": "pytorch"}
    assert r["mlp"]["paper_code_output"] == 0.651
    for model in ("logistic", "mlp", "cnn"):
        per_seed = r[model]["test_accuracy_per_seed"]
        assert len(per_seed) == 2 and r[f"{model}_test_accuracy"] == pytest.approx(np.median(per_seed))
        assert len(r[model]["test_accuracy_per_epoch"]) == 2
        assert r[f"{model}_test_accuracy"] > 0.15  # two epochs on 400 signals already beat chance (0.10)


def test_mnist1d_models_are_the_papers():
    from glassnet.experiments import mnist1d

    cnn = mnist1d.build("cnn", 0)
    assert cnn.input_shape == (1, 40) and cnn.output_shape == (10,)
    assert cnn.output_shape_for((1, 40)) == (10,)
    assert cnn.n_params == (25 * 5 + 25) + 2 * (25 * 25 * 3 + 25) + (125 * 10 + 10)
    assert mnist1d.build("mlp", 0).n_params == (40 * 100 + 100) + (100 * 100 + 100) + (100 * 10 + 10)
    assert mnist1d.build("logistic", 0).n_params == 40 * 10 + 10


def test_mnist1d_layers_start_as_pytorchs_do():
    from glassnet.experiments import mnist1d

    for model, fans in [("logistic", [40]), ("mlp", [40, 100, 100]), ("cnn", [5, 75, 75, 125])]:
        net = mnist1d.build(model, 1)
        for (name, values), fan_in in zip(sorted(_weights_by_layer(net).items()), fans):
            for key in ("W", "b"):
                assert 0.5 / np.sqrt(fan_in) < np.abs(values[key]).max() <= 1 / np.sqrt(fan_in), (model, name, key)


def _weights_by_layer(net):
    """``{position: params}`` of the layers with weights, a Residual's inner layers included, in order."""
    found, stack = {}, [(f"{i:02d}", layer) for i, layer in enumerate(net.layers)]
    while stack:
        position, layer = stack.pop()
        if "W" in layer.params:
            found[position] = layer.params
        stack += [(f"{position}.{j:02d}", inner) for j, inner in enumerate(getattr(layer, "layers", []))]
    return found


def test_digits_minibatch_stops_by_the_originals_rule(results):
    r = results("digits-minibatch")
    assert r["test_accuracy"] == pytest.approx(0.96, abs=0.02)  # the original: 0.96
    costs = r["validation_costs"]
    assert len(costs) == r["epochs_run"] == len(r["train_costs"])
    assert 4 <= r["epochs_run"] < 300
    assert digits_minibatch.should_stop(costs)
    assert not any(digits_minibatch.should_stop(costs[:k]) for k in range(1, len(costs)))
    assert r["n_batches"] == r["n_train"] // 25


def test_should_stop_is_the_originals_rule():
    stop = digits_minibatch.should_stop
    assert not stop([3.0, 2.0, 2.0])  # only checked once more than three costs exist
    assert stop([4.0, 3.0, 3.0, 3.0])
    assert not stop([4.0, 3.0, 3.5, 3.2])  # a decrease in the last step continues
    assert stop([4.0, 3.0, 3.5, 3.6])
    assert not stop([5.0, 4.0, 3.0, 2.0])


def test_unknown_experiment_names_the_valid_ones(tmp_path):
    with pytest.raises(ValueError, match="rbf-1d, circles, three-clouds, digits-sweep, digits-minibatch"):
        get("mnist")
    with pytest.raises(ValueError, match="Unknown experiment 'mnist'"):
        run("mnist", tmp_path)


def test_cli_runs_one_experiment(tmp_path, capsys):
    assert main(["experiment", "rbf-1d", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("rbf-1d: final_loss=0.5194")
    assert "wh=1.123" in out and "bo=-0.4425" in out
    saved = json.loads((tmp_path / "rbf-1d" / "results.json").read_text())
    assert saved["final_loss"] == pytest.approx(0.5194, abs=1e-4)


def test_cli_lists_the_experiments(capsys):
    assert main(["experiment", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(EXPERIMENTS)
    assert all(SUMMARIES[line.split()[0]] in line for line in lines)


def test_cli_unknown_name_is_an_error(tmp_path, capsys):
    assert main(["experiment", "nope", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: Unknown experiment 'nope'")
    assert "digits-minibatch" in err
    assert not (tmp_path / "nope").exists()


def test_experiments_run_with_one_blas_thread_and_restore_the_limit():
    from threadpoolctl import threadpool_info

    from glassnet.experiments._common import single_threaded_blas

    def blas_threads():
        return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]

    before = blas_threads()
    inside = single_threaded_blas(blas_threads)()
    assert all(n == 1 for n in inside)
    assert blas_threads() == before


def _short(value):
    """3.968e-09 -> "4.0e-9", as the docs write it."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def test_the_numbers_in_the_docs_are_those_the_experiments_print(results):
    root = os.path.join(os.path.dirname(__file__), "..")
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    docs = open(os.path.join(root, "docs", "experiments.md"), encoding="utf-8").read()
    circles, rbf = results("circles"), results("rbf-1d")
    assert f"gradient error {_short(circles['gradcheck_max_rel_error'])}, 100/100" in readme
    assert f"worst relative gradient error {_short(circles['gradcheck_max_rel_error'])};" in docs
    numbers = f"{rbf['final_loss']:.4f}, {rbf['wh']:.4f}, {rbf['bo']:.4f}".replace("-", "−")
    assert numbers in readme
    assert f"final loss {rbf['final_loss']:.4f}, wh = {rbf['wh']:.4f}, bo = {rbf['bo']:.4f}" in docs


def test_the_index_page_shows_each_tutorials_figures_and_numbers_beside_its_own(results, out_dir):
    from glassnet.experiments import TUTORIAL_REPORTS, write_index

    done = {name: results(name) for name in ("rbf-1d", "circles")}
    page = open(write_index(str(out_dir), done), encoding="utf-8").read()
    for name in done:
        assert TUTORIAL_REPORTS[name] in page.replace("&quot;", '"')
        for figure in FIGURES[name]:
            assert f'<img src="{name}/{figure}"' in page
    assert f"gradcheck_max_rel_error {results('circles')['gradcheck_max_rel_error']:.4g}" in page
    assert f"wh {results('rbf-1d')['wh']:.4g}" in page
