"""Fuzzing the model loader: whatever bytes a file holds, ``glassnet.load`` either returns a model or
raises ``ModelFileError``; never another exception, never a warning, never a pickle unpickled.

The inputs are real files written by ``glassnet.save`` (a Sequential, and the model `glassnet train`
writes for a CSV with numeric and categorical columns), mutated: random bytes, bit flips,
truncations, byte insertions, edits of the zip members (rewritten with valid CRCs, so only the
checksum or the contents' own checks can catch them) and edits of the JSON header, with the checksum
left stale or recomputed (the second reaches the checks behind the checksum).
"""

import io as stdio
import json
import os
import pickle
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet
import hostile
from glassnet.serialize import container
from glassnet.tabular import TabularModel
from glassnet.cli import main
from glassnet.nn.layers import (
    AvgPool2D, BatchNorm, Conv1D, Conv2D, Dense, Dropout, Flatten, GlobalAveragePool, LeakyReLU, MaxPool1D, ReLU,
    Residual, Tanh,
)

from glassnet.estimators import MLPClassifier, NeuralNetClassifier

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
REPLACEMENTS = [
    None,
    True,
    0,
    -1,
    1.5,
    10**12,
    -(10**12),
    float("inf"),
    "",
    "x",
    "Dense",
    "float16",
    "softmax",
    [],
    [1, 2],
    {},
    {"class": "Dense"},
]


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo unpickled > /dev/null",))


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    net = glassnet.Sequential(
        [Dense(3, 5), LeakyReLU(0.1), Dropout(0.2), Dense(5, 4), Tanh(), Dense(4, 2)], output="softmax", random_state=0
    )
    glassnet.save(net, d / "seq.glassnet")
    rng = np.random.default_rng(0)
    cnn = glassnet.Sequential(
        [Conv1D(1, 3, 3, stride=2, padding=1), BatchNorm(3), ReLU(), Residual([Conv1D(3, 3, 3, padding=1), Tanh()]),
         MaxPool1D(2), Flatten(), Dense(6, 2)], input_shape=(1, 9), output="softmax", random_state=0)
    cnn.forward(rng.normal(size=(4, 1, 9)), training=True)  # running statistics away from their start
    glassnet.save(cnn, d / "cnn.glassnet")
    cnn2d = glassnet.Sequential([Conv2D(1, 2, 2), AvgPool2D(2), GlobalAveragePool(), Dense(2, 2)],
                                input_shape=(1, 5, 5), random_state=0)
    glassnet.save(cnn2d, d / "cnn2d.glassnet")
    with open(d / "data.csv", "w") as fh:
        fh.write("size,colour,label\n")
        for i in range(30):
            fh.write(f"{rng.normal():.3f},{['red', 'green', 'blue'][i % 3]},{'yes' if i % 2 else 'no'}\n")
    assert (
        main(
            [
                "train",
                "--csv",
                str(d / "data.csv"),
                "--target",
                "label",
                "--epochs",
                "2",
                "--layers",
                "3",
                "--quiet",
                "--early-stopping",
                "0",
                "--out",
                str(d / "run"),
            ]
        )
        == 0
    )
    files = {name: (d / path).read_bytes() for name, path in (
        ("seq", "seq.glassnet"), ("cli", "run/model.glassnet"), ("cnn", "cnn.glassnet"), ("cnn2d", "cnn2d.glassnet"))}
    X = rng.normal(size=(30, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a short fit does not converge
        est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, np.arange(30) % 3)
    glassnet.save(est, d / "est.glassnet")
    files["est"] = (d / "est.glassnet").read_bytes()
    # any network behind the estimator's face: its layers are stored as configs
    layers = [Conv1D(1, 2, 3, padding=1), BatchNorm(2), ReLU(), Flatten(), Dense(18, 3)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nn_est = NeuralNetClassifier(layers, max_iter=2, random_state=0).fit(
            rng.normal(size=(30, 1, 9)), np.arange(30) % 3)
    glassnet.save(nn_est, d / "nn.glassnet")
    files["nn"] = (d / "nn.glassnet").read_bytes()
    return _Originals((d, files))


class _Originals(tuple):
    def __repr__(self):  # keeps Hypothesis's reports short
        return "originals"


def _load(folder, data):
    """``glassnet.load`` of ``data`` written to a file: the model, or None after a ModelFileError."""
    path = folder / "fuzzed.glassnet"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            model = glassnet.load(path)
        except container.ModelFileError as exc:
            assert exc.problem in container.PROBLEMS and str(path) in str(exc)
            return None
    assert isinstance(model, (glassnet.Sequential, TabularModel, NeuralNetClassifier))
    return model


def _members(data):
    with zipfile.ZipFile(stdio.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info.filename)) for info in zf.infolist()]


def _zip(members):
    buf = stdio.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on duplicate names, which one edit makes
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
            for name, blob in members:
                zf.writestr(name, blob)
    return buf.getvalue()


def _npy(array, allow_pickle=False):
    buf = stdio.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def _paths(node, prefix=()):
    """Every path into a JSON value, parents before children."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def _set(node, path, value, delete=False):
    for key in path[:-1]:
        node = node[key]
    if delete and isinstance(node, dict):
        del node[path[-1]]
    elif delete:
        node.pop(path[-1])
    else:
        node[path[-1]] = value


def _header(members):
    try:
        header = json.loads(dict(members)[container.HEADER_NAME])
    except (KeyError, ValueError):
        return None
    return header if isinstance(header, dict) else None


def _rechecksummed(header, members):
    blobs = {name[len("arrays/") : -len(".npy")]: blob for name, blob in members if name.startswith("arrays/")}
    header = dict(header)
    header.pop("checksum", None)
    try:
        header["checksum"] = container._checksum(header, blobs)
    except (TypeError, ValueError):
        pass
    return header


SAMPLE_SHAPES = {"seq": (3,), "cnn": (1, 9), "cnn2d": (1, 5, 5)}
which = st.sampled_from(["seq", "cli", "cnn", "cnn2d", "est", "nn"])


# ------------------------------------------------------------------------------------------ the fuzzers
@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes(originals, data):
    folder, _ = originals
    assert _load(folder, data) is None
    assert _load(folder, b"PK\x03\x04" + data) is None


def test_the_originals_load(originals):
    folder, files = originals
    assert isinstance(_load(folder, files["seq"]), glassnet.Sequential)
    assert isinstance(_load(folder, files["cli"]), TabularModel)
    assert isinstance(_load(folder, files["cnn"]), glassnet.Sequential)
    assert isinstance(_load(folder, files["cnn2d"]), glassnet.Sequential)
    assert type(_load(folder, files["est"])) is MLPClassifier
    assert type(_load(folder, files["nn"])) is NeuralNetClassifier


@FUZZ
@given(
    name=which, flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 7)), min_size=1, max_size=4)
)
def test_bit_flips(originals, name, flips):
    folder, files = originals
    data = bytearray(files[name])
    for where, bit in flips:
        data[int(where * len(data))] ^= 1 << bit
    _load(folder, bytes(data))  # flips in zip bookkeeping (timestamps) may leave a loadable file


@FUZZ
@given(name=which, keep=st.floats(0, 1, exclude_max=True))
def test_truncations(originals, name, keep):
    folder, files = originals
    data = files[name]
    cut = data[: int(keep * len(data))]
    assert _load(folder, cut) is None


@FUZZ
@given(name=which, where=st.floats(0, 1), extra=st.binary(min_size=1, max_size=40))
def test_byte_insertions(originals, name, where, extra):
    folder, files = originals
    data = files[name]
    at = int(where * len(data))
    _load(folder, data[:at] + extra + data[at:])


@FUZZ
@given(
    name=which,
    op=st.sampled_from(
        ["drop", "duplicate", "rename", "flip", "truncate", "extra", "reorder", "pickle", "other-dtype", "other-shape"]
    ),
    pick=st.integers(0, 100),
    byte=st.integers(0, 10**6),
    recompute=st.booleans(),
)
def test_zip_member_edits(originals, name, op, pick, byte, recompute):
    folder, files = originals
    members = _members(files[name])
    i = pick % len(members)
    member, blob = members[i]
    if op == "drop":
        del members[i]
    elif op == "duplicate":
        members.append((member, blob[: len(blob) // 2]))
    elif op == "rename":
        members[i] = (member + "x", blob)
    elif op == "flip" and blob:
        b = bytearray(blob)
        b[byte % len(b)] ^= 0x41
        members[i] = (member, bytes(b))
    elif op == "truncate":
        members[i] = (member, blob[: byte % (len(blob) + 1)])
    elif op == "extra":
        members.append(("arrays/extra.npy", _npy(np.arange(3.0))))
    elif op == "reorder":
        members.reverse()
    elif op == "pickle" and member.startswith("arrays/"):
        members[i] = (member, _npy(np.array([_Boom()], dtype=object), allow_pickle=True))
    elif op == "other-dtype" and member.startswith("arrays/"):
        members[i] = (member, _npy(np.zeros(3, dtype=np.float32)))
    elif op == "other-shape" and member.startswith("arrays/"):
        members[i] = (member, _npy(np.ones((2, 2))))
    header = _header(members)
    if recompute and header is not None:  # a checksum that matches the edits: the contents' own checks must hold
        members = [
            (n, json.dumps(_rechecksummed(header, members)).encode() if n == container.HEADER_NAME else b) for n, b in members
        ]
    _load(folder, _zip(members))


@FUZZ
@given(
    name=which,
    pick=st.integers(0, 10**6),
    value=st.sampled_from(REPLACEMENTS),
    delete=st.booleans(),
    recompute=st.booleans(),
)
def test_json_header_edits(originals, name, pick, value, delete, recompute):
    folder, files = originals
    members = _members(files[name])
    header = json.loads(members[0][1])
    paths = [p for p in _paths(header) if p and p != ("checksum",)]
    path = paths[pick % len(paths)]
    if path == ("kind",) and value == "checkpoint":
        value = "x"  # an intact checkpoint is refused with a plain ValueError, as a file of another kind
    _set(header, path, value, delete)
    if recompute:
        header = _rechecksummed(header, members)
    members[0] = (container.HEADER_NAME, json.dumps(header).encode())
    model = _load(folder, _zip(members))
    if model is not None and isinstance(model, glassnet.Sequential):
        # whatever loads is usable
        # (a file whose input_shape was deleted still takes the samples the original took)
        P = model.predict_proba(np.zeros((2, *(model.input_shape or SAMPLE_SHAPES[name]))))
        assert P.shape[0] == 2


@settings(FUZZ, max_examples=60)
@given(
    name=which,
    compression=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]),
    repeat=st.integers(1, 5000),
    extra=st.booleans(),
    depth=st.sampled_from([0, 60, 70, 500, 995]),
    string=st.sampled_from([0, 65536, 65537, 10**6]),
    declared=st.sampled_from([None, 2**20, 2**31, 2**32 - 1]),
)
def test_hostile_containers(originals, name, compression, repeat, extra, depth, string, declared):
    """Checksums recomputed around what would cost memory, time or a traceback: compressed members,
    names listed many times, members nobody listed, deep or long headers, sizes larger than the file.
    Each is refused, or (within the limits) loads; never an exception of another kind."""
    folder, files = originals
    header, blobs = hostile.members(files[name])
    header["arrays"] = header["arrays"] * repeat
    if string:
        header["meta"]["note"] = "x" * string
    extras = [("arrays/unlisted.npy", hostile.npy(np.arange(3.0)))] if extra else []
    data = hostile.rezip(header, blobs, compression=compression, extra=extras)
    if depth:
        data = hostile.deep_header(data, depth)
    if declared:
        data = hostile.declared_size(data, container.HEADER_NAME, declared)
    model = _load(folder, data)
    hostile_parts = (compression != zipfile.ZIP_STORED or repeat > 1 or extra or depth > 64
                     or string > container.LIMITS["string"] or declared)
    assert model is None or not hostile_parts


def test_a_pickled_array_is_never_unpickled(originals, monkeypatch):
    folder, files = originals
    calls = []
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: calls.append(a))
    members = _members(files["seq"])
    members = [
        (n, _npy(np.array([_Boom()], dtype=object), allow_pickle=True) if n.startswith("arrays/") else b)
        for n, b in members
    ]
    header = _rechecksummed(json.loads(members[0][1]), members)
    members[0] = (container.HEADER_NAME, json.dumps(header).encode())
    with pytest.raises(container.ModelFileError, match="corrupted"):
        glassnet.load(_write(folder, _zip(members)))
    assert calls == []


def _write(folder, data):
    path = folder / "pickled.glassnet"
    path.write_bytes(data)
    return path
