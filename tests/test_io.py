"""Saving and loading: round trips, atomic writes, and every way a file can be refused."""

import errno
import io as stdio
import json
import os
import pickle
import stat
import threading
import warnings
import zipfile

import numpy as np
import pytest

import glassnet
from glassnet import persist
from glassnet.serialize import atomic, container
from glassnet.nn.layers import GELU, Dense, Dropout, LeakyReLU, ReLU, Tanh


def _net(dtype="float64", output="softmax"):
    layers = [Dense(4, 8, dtype=dtype), LeakyReLU(0.2), Dropout(0.1), Dense(8, 6, init="he_normal", dtype=dtype),
              Tanh(), Dense(6, 3, dtype=dtype), GELU()]
    if output == "identity":
        layers[-1] = ReLU()
    return glassnet.Sequential(layers, output=output, random_state=3, dtype=dtype)


@pytest.fixture
def saved(tmp_path):
    net = _net()
    path = tmp_path / "net.glassnet"
    glassnet.save(net, path)
    return net, path


# ------------------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("output", ["softmax", "identity"])
def test_sequential_round_trip_predicts_exactly(tmp_path, dtype, output):
    net = _net(dtype, output)
    X = np.random.default_rng(0).normal(size=(20, 4))
    path = tmp_path / "m.glassnet"
    glassnet.save(net, path)
    loaded = glassnet.load(path)
    assert isinstance(loaded, glassnet.Sequential)
    assert loaded.dtype == net.dtype and loaded.output == net.output
    assert [type(a) for a in loaded.layers] == [type(b) for b in net.layers]
    assert loaded.layers[1].alpha == 0.2 and loaded.layers[2].rate == 0.1
    assert np.array_equal(loaded.get_weights(), net.get_weights())
    assert np.array_equal(loaded.predict_proba(X), net.predict_proba(X))


def test_file_is_a_zip_with_json_header_and_npy_arrays(saved):
    net, path = saved
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist()[0] == "glassnet.json"
        header = json.loads(zf.read("glassnet.json"))
        weights = np.load(stdio.BytesIO(zf.read("arrays/weights.npy")), allow_pickle=False)
    assert header["format"] == "glassnet" and header["format_version"] == container.FORMAT_VERSION
    assert header["kind"] == "sequential" and header["checksum"].startswith("sha256:")
    assert [layer["class"] for layer in header["meta"]["layers"]][:2] == ["Dense", "LeakyReLU"]
    assert np.array_equal(weights, net.get_weights())


def test_save_refuses_unknown_objects_and_layers(tmp_path):
    with pytest.raises(TypeError, match="glassnet.save takes"):
        glassnet.save({"not": "a model"}, tmp_path / "x")

    class Custom(glassnet.nn.layers.Identity):
        pass

    net = glassnet.Sequential([Dense(2, 2), Custom()])
    with pytest.raises(ValueError, match="cannot save"):
        glassnet.save(net, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_encode_refuses_object_arrays():
    with pytest.raises(TypeError, match="no Python objects"):
        container.encode("sequential", {}, {"a": np.array([object()])})


# ------------------------------------------------------------------------------------------ refusals
def _problem(path):
    with pytest.raises(glassnet.ModelFileError) as info:
        glassnet.load(path)
    assert isinstance(info.value, ValueError)
    return info.value.problem, str(info.value)


def test_not_a_glassnet_file(tmp_path):
    cases = {
        "text.txt": b"hello, world\n",
        "empty.bin": b"",
        "array.npy": None,
        "plain.npz": None,
    }
    np.save(tmp_path / "array.npy", np.arange(3))
    np.savez(tmp_path / "plain.npz", a=np.arange(3))
    for name, data in cases.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
        problem, message = _problem(tmp_path / name)
        assert problem == "not-glassnet", name
        assert "not a glassnet model file" in message


def test_json_header_of_another_format_is_not_glassnet(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("glassnet.json", json.dumps({"format": "something-else"}))
    assert _problem(path)[0] == "not-glassnet"


class _Trap:
    """Unpickling this would create a file: the test checks it never appears."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_files_are_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(_Trap(str(marker))))
    problem, message = _problem(path)
    assert problem == "not-glassnet" and "pickle" in message
    assert not marker.exists()
    # An object array smuggled into a glassnet file (with a valid checksum) is refused too.
    blob = stdio.BytesIO()
    np.lib.format.write_array(blob, np.array([_Trap(str(marker))], dtype=object), allow_pickle=True)
    header = {"format": "glassnet", "format_version": 1, "kind": "sequential", "glassnet_version": "x",
              "meta": {}, "arrays": ["weights"]}
    header["checksum"] = container._checksum(header, {"weights": blob.getvalue()})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("glassnet.json", json.dumps(header))
        zf.writestr("arrays/weights.npy", blob.getvalue())
    assert _problem(path)[0] == "corrupted"
    assert not marker.exists()


def test_truncated_files(saved, tmp_path):
    _, path = saved
    data = path.read_bytes()
    for cut in (1, 2, 10, 100, len(data) // 2, len(data) - 23, len(data) - 1):
        short = tmp_path / f"short{cut}"
        short.write_bytes(data[:cut])
        problem, message = _problem(short)
        assert problem == "truncated", cut
        assert "truncated" in message


def test_bit_flips_are_corruption(saved, tmp_path):
    _, path = saved
    data = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    weights = infos["arrays/weights.npy"]
    header = infos["glassnet.json"]
    # The first byte of each member's data sits after its 30-byte local header and its name.
    positions = [
        weights.header_offset + 30 + len(weights.filename) + 200,  # inside the weights
        header.header_offset + 30 + len(header.filename) + 5,  # inside the JSON header
        len(data) - 30,  # inside the central directory
    ]
    for pos in positions:
        flipped = bytearray(data)
        flipped[pos] ^= 0x10
        bad = tmp_path / f"flip{pos}"
        bad.write_bytes(bytes(flipped))
        problem, message = _problem(bad)
        assert problem == "corrupted", pos
        assert "corrupted" in message


def test_checksum_catches_changes_the_zip_crc_cannot(saved, tmp_path):
    _, path = saved
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    weights = np.load(stdio.BytesIO(members["arrays/weights.npy"]))
    weights[0] += 1.0
    buf = stdio.BytesIO()
    np.lib.format.write_array(buf, weights)
    members["arrays/weights.npy"] = buf.getvalue()
    tampered = tmp_path / "tampered"
    with zipfile.ZipFile(tampered, "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    problem, message = _problem(tampered)
    assert problem == "corrupted" and "checksum" in message


def test_newer_format_version(tmp_path):
    net = _net()
    kind, meta, arrays = persist.to_state(net)
    path = tmp_path / "future.glassnet"
    path.write_bytes(container.encode(kind, meta, arrays, format_version=container.FORMAT_VERSION + 1))
    problem, message = _problem(path)
    assert problem == "newer-format"
    assert f"version {container.FORMAT_VERSION + 1}" in message and "upgrade glassnet" in message


def test_checkpoint_is_not_loaded_as_model(tmp_path):
    path = tmp_path / "ckpt"
    container.write_file(path, "checkpoint", {}, {})
    with pytest.raises(ValueError, match="--resume"):
        glassnet.load(path)


# ------------------------------------------------------------------------------------------ atomic writes
def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.json"
    atomic.write_json(path, {"a": 1})
    atomic.write_json(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 2}
    assert os.listdir(tmp_path) == ["out.json"]


def test_interrupted_write_keeps_the_old_file(saved, tmp_path):
    net, path = saved
    before = path.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        with atomic.atomic_open(path, "wb") as fh:
            fh.write(b"half a mod")
            raise KeyboardInterrupt
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == [path.name]
    # A save that fails while encoding never touches the old file either.
    net.layers.append(type("Odd", (glassnet.nn.layers.Identity,), {})())
    with pytest.raises(ValueError):
        glassnet.save(net, path)
    assert path.read_bytes() == before


def test_atomic_open_refuses_append_mode(tmp_path):
    with pytest.raises(ValueError, match="mode must be"):
        with atomic.atomic_open(tmp_path / "x", "ab"):
            pass


# ------------------------------------------------------------------------------------------ estimators
@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")
@pytest.mark.parametrize("name, labels", [("MLPClassifier", None), ("MLPClassifier", ("cat", "dog")),
                                          ("MLPRegressor", None)])
def test_estimator_round_trip(tmp_path, name, labels):
    estimators = pytest.importorskip("glassnet.estimators")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int) if name == "MLPClassifier" else X @ np.array([1.0, -2.0, 0.5])
    if labels:
        y = np.array(labels)[y]
    est = getattr(estimators, name)(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    est.fit(X, y)
    path = tmp_path / "est.glassnet"
    glassnet.save(est, path)
    loaded = glassnet.load(path)
    assert type(loaded) is type(est)
    assert np.array_equal(loaded.predict(X), est.predict(X))
    if name == "MLPClassifier":
        assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))
        assert np.array_equal(loaded.classes_, est.classes_)


def test_estimator_class_names_are_whitelisted(tmp_path):
    path = tmp_path / "evil.glassnet"
    container.write_file(path, "estimator", {"class": "os.system", "params": {}, "state": {}}, {})
    with pytest.raises(ValueError, match="cannot load"):
        glassnet.load(path)


def test_estimator_class_weight_keeps_integer_labels_through_a_file(tmp_path):
    estimators = pytest.importorskip("glassnet.estimators")
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    clf = estimators.MLPClassifier(hidden_layer_sizes=(8,), class_weight={0: 2.0, 1: 1.0, 2: 1.0},
                                   max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
        glassnet.save(clf, tmp_path / "c.glassnet")
        loaded = glassnet.load(tmp_path / "c.glassnet")
        assert loaded.get_params()["class_weight"] == {0: 2.0, 1: 1.0, 2: 1.0}
        loaded.fit(X, y)  # the labels still match the weights' keys


@pytest.mark.parametrize("edit", [("params", "hidden_layer_sizes", [10**12]), ("state", "n_features_in_", 10**12)])
def test_estimator_sizes_that_disagree_with_the_weights_are_refused_before_allocating(edit):
    estimators = pytest.importorskip("glassnet.estimators")
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = estimators.MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    kind, meta, arrays = persist.to_state(clf)
    section, key, value = edit
    meta[section][key] = value
    with pytest.raises(glassnet.ModelFileError, match="weights"):
        persist.from_state(kind, meta, arrays)


def test_a_write_removes_temporary_files_left_by_killed_writers_only(tmp_path):
    """A temporary counts as a live writer's while someone holds its lock, whatever process id (in
    whatever PID namespace, on whatever machine) wrote it; liveness is never guessed from a PID."""
    import fcntl

    target = tmp_path / "m.glassnet"
    dead = tmp_path / ".m.glassnet.abc123.tmp"  # nobody holds it: its writer was killed
    alive = tmp_path / f".m.glassnet.{os.getpid() + 10**6}.def456.tmp"  # a writer elsewhere holds it
    other = tmp_path / ".n.glassnet.abc123.tmp"  # another file's temporary
    for p in (dead, alive, other):
        p.write_bytes(b"partial")
    with open(alive, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        atomic.atomic_write(target, b"complete")
        assert alive.exists()
    assert target.read_bytes() == b"complete"
    assert not dead.exists() and other.exists()


def test_a_write_keeps_the_destination_mode_and_its_link(tmp_path):
    target = tmp_path / "m.glassnet"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    link = tmp_path / "link.glassnet"
    link.symlink_to(target)
    atomic.atomic_write(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_long_valid_name_gets_a_valid_temporary_name(tmp_path):
    target = tmp_path / ("é" * 120 + ".glassnet")  # 250 bytes: valid, but not with a prefix and suffix
    atomic.atomic_write(target, b"x")
    assert target.read_bytes() == b"x" and os.listdir(tmp_path) == [target.name]


def test_devices_and_fifos_are_written_directly_never_replaced(tmp_path):
    # A device node of our own (never /dev/null itself: a regression run as root would replace it).
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        null = None  # not allowed to make device nodes here: the FIFO below still checks the rule
    if null is not None:
        atomic.atomic_write(null, b"gone")
        assert stat.S_ISCHR(os.stat(null).st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    atomic.atomic_write(fifo, b"through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_full_disk_names_the_file(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    target = tmp_path / "m.glassnet"
    target.write_bytes(b"old")
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as caught:
        atomic.atomic_write(target, b"new")
    assert caught.value.filename == str(target.resolve()) and "No space left on device" in str(caught.value)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.glassnet"]


@pytest.mark.parametrize("text, described", [
    (b"[tool.glassnet]\nepochs = 3\n", "a TOML or INI settings file"),
    (b"epochs = 3\n", "a TOML or INI settings file"),
    (b'{"epochs": 3}', "a JSON file"),
    (b'["a", 1]', "a JSON file"),
    (b"[1, 2]", "a JSON file"),
])
def test_a_text_file_given_as_a_model_is_named_for_what_it_looks_like(text, described, tmp_path):
    from glassnet.serialize.container import ModelFileError

    path = tmp_path / "settings.glassnet"
    path.write_bytes(text)
    with pytest.raises(ModelFileError, match=f"it looks like {described}"):
        glassnet.load(path)
