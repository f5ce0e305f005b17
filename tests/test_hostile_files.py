"""A small file never costs much to load: the memory and the work of refusing a hostile file are
bounded by the file's size, whatever its directory and header declare. (The messages themselves are
in the catalogue, test_bad_inputs.py.)"""

import time
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import glassnet
import hostile
from glassnet.cli import main
from glassnet.nn.layers import Dense, Tanh
from glassnet.serialize import container

MB = 2**20


@pytest.fixture(scope="module")
def seq(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "seq.glassnet"
    glassnet.save(glassnet.Sequential([Dense(3, 4), Tanh(), Dense(4, 2)], output="softmax", random_state=0), path)
    return path


def _peak_while(fn):
    """``(exception raised by fn, peak bytes traced while it ran)``."""
    tracemalloc.start()
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the caller checks which
        caught = exc
    else:
        caught = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return caught, peak


def test_a_compressed_bomb_is_refused_before_it_inflates(seq, tmp_path):
    header, blobs = hostile.members(seq.read_bytes())
    zeros = np.zeros(4 * MB)  # 32 MB that deflate to a few tens of kilobytes
    blobs["weights"] = hostile.npy(zeros)
    del zeros
    path = tmp_path / "bomb.glassnet"
    path.write_bytes(hostile.rezip(header, blobs, compression=zipfile.ZIP_DEFLATED))
    assert path.stat().st_size < MB
    exc, peak = _peak_while(lambda: glassnet.load(path))
    assert isinstance(exc, container.ModelFileError) and "compressed with method 8" in str(exc)
    assert peak < 2 * MB


def test_a_sparse_file_is_never_read_whole(tmp_path, seq):
    path = tmp_path / "sparse.glassnet"
    with open(path, "wb") as fh:
        fh.write(seq.read_bytes()[:100])
        fh.truncate(4 * 2**30)  # 4 GiB on disk's books, no blocks
    exc, peak = _peak_while(lambda: glassnet.load(path))
    assert isinstance(exc, container.ModelFileError) and exc.problem == "truncated"
    assert peak < 2 * MB


def test_a_name_listed_100000_times_is_refused_before_reading(tmp_path, seq, capsys):
    path = tmp_path / "names.glassnet"
    path.write_bytes(hostile.edited(seq.read_bytes(), lambda h, b: h.update(arrays=["weights"] * 100_000)))
    assert path.stat().st_size < 2 * MB
    exc, peak = _peak_while(lambda: glassnet.load(path))
    assert isinstance(exc, container.ModelFileError) and "lists 100,000 arrays; at most 4096" in str(exc)
    assert peak < 40 * MB  # the header itself, parsed once
    started = time.perf_counter()
    assert main(["info", str(path)]) == 2
    assert time.perf_counter() - started < 10  # was an estimated 48 minutes of re-reading one member
    assert "lists 100,000 arrays" in capsys.readouterr().err


def test_long_strings_cannot_amplify(tmp_path, seq):
    """Strings a model repeats per row (class names) are bounded in the header."""
    path = tmp_path / "long.glassnet"
    path.write_bytes(hostile.edited(seq.read_bytes(), lambda h, b: h["meta"].update(note="x" * (container.LIMITS["string"] + 1))))
    with pytest.raises(container.ModelFileError, match="is a string of 65,537 characters"):
        glassnet.load(path)


def test_glassnet_never_writes_what_it_would_refuse(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"\['classes'\]\[0\] is a string of 70,000 characters"):
        container.write_file(tmp_path / "x.glassnet", "sequential", {"classes": ["y" * 70_000]}, {})
    with pytest.raises(ValueError, match="nested more than 64 levels"):
        container.write_file(tmp_path / "x.glassnet", "sequential", {"deep": eval(hostile.nested(70))}, {})
    from glassnet.serialize import network

    monkeypatch.setattr(network, "MAX_LAYERS", 10)
    net = glassnet.Sequential([Dense(1, 1) for _ in range(11)])
    with pytest.raises(ValueError, match="11 layers; a glassnet file holds at most 10"):
        glassnet.save(net, tmp_path / "deep.glassnet")
    assert not list(tmp_path.iterdir())


def test_an_estimator_with_20000_hidden_layers_is_refused_before_building_them(tmp_path):
    est_cls = pytest.importorskip("glassnet.estimators").MLPClassifier
    X = np.random.default_rng(0).normal(size=(20, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = est_cls(hidden_layer_sizes=(2,), max_iter=2, random_state=0).fit(X, np.arange(20) % 2)
    path = tmp_path / "est.glassnet"
    glassnet.save(est, path)
    path.write_bytes(hostile.edited(path.read_bytes(),
                                    lambda h, b: h["meta"]["params"].update(hidden_layer_sizes=[1] * 20_000)))
    started = time.perf_counter()
    with pytest.raises(container.ModelFileError, match="20,000 hidden layers, more than the 10,000"):
        glassnet.load(path)
    assert time.perf_counter() - started < 5  # was 35 s
