"""Saving and loading: one versioned file per model, and atomic writes for every file glassnet writes.

The file format
---------------
A glassnet file is a zip archive (uncompressed, so ``unzip -l`` and ``numpy.load`` can read it) whose
first member is ``glassnet.json`` and whose other members are ``arrays/<name>.npy``::

    glassnet.json   {"format": "glassnet", "format_version": 1, "kind": "sequential", "meta": {...},
                     "arrays": ["weights", ...], "glassnet_version": "0.1.0", "checksum": "sha256:..."}
    arrays/weights.npy

``meta`` is plain JSON (architecture, hyperparameters, classes, preprocessing); the arrays are NumPy
``.npy`` members, written and read with ``allow_pickle=False``, so loading a file never runs code
from it. ``checksum`` is the SHA-256 of the canonical JSON header (without the checksum) followed by
each array's name and bytes, in sorted order.

Reading a file that is not a glassnet file, is truncated, is corrupted, or was written by a newer
glassnet raises :class:`ModelFileError`, whose ``problem`` attribute is one of ``"not-glassnet"``,
``"truncated"``, ``"corrupted"`` and ``"newer-format"``.

Atomic writes
-------------
:func:`atomic_write` (and the :func:`atomic_open` context manager under it) writes a temporary file in
the destination's folder, flushes and fsyncs it, then ``os.replace``-s it over the destination, so an
interruption leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io as _io
import json
import os
import re
import tempfile
import zipfile

import numpy as np

FORMAT_NAME = "glassnet"
FORMAT_VERSION = 1
HEADER_NAME = "glassnet.json"
PROBLEMS = ("not-glassnet", "truncated", "corrupted", "newer-format")

# The only estimator classes a file may name; they are looked up in glassnet.estimators, never imported
# from a name read out of the file.
ESTIMATOR_CLASSES = ("MLPClassifier", "MLPRegressor")

_ARRAY_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_END = b"PK\x05\x06"
# What zipfile and json raise on damaged bytes: a flipped bit in a member's compression method gives
# NotImplementedError, in its flags RuntimeError ("encrypted"); a deeply nested header RecursionError.
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError, RecursionError)


class ModelFileError(ValueError):
    """A file could not be read as a glassnet model.

    Attributes
    ----------
    path : str
    problem : {"not-glassnet", "truncated", "corrupted", "newer-format"}
    """

    def __init__(self, path, problem, detail):
        assert problem in PROBLEMS
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {detail}")


# ---------------------------------------------------------------------------------------- atomic writes
@contextlib.contextmanager
def atomic_open(path, mode="wb", encoding=None):
    """Open a temporary file beside ``path``; on a clean exit it replaces ``path`` atomically.

    On an exception the temporary file is removed and ``path`` is left as it was.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files; mode must be 'w' or 'wb', got {mode!r}.")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot write {path}: it is a folder.")
    try:
        # The writer's process id is in the name, so a later write can tell a temporary file left by a
        # killed process (removed then) from one another process is still writing (kept).
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.{os.getpid()}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        reason = "the folder does not exist" if not os.path.exists(folder) else (
            "it is not a folder" if not os.path.isdir(folder) else exc.strerror or str(exc))
        raise type(exc)(f"cannot write {path} in {folder}: {reason}.") from None
    try:
        # mkstemp creates the file 0600; give it the mode an ordinary open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)
    _remove_orphans(folder, os.path.basename(path))


def _remove_orphans(folder, name):
    """Remove temporary files of ``name`` whose writing process no longer exists (killed mid-write)."""
    prefix = f".{name}."
    with contextlib.suppress(OSError):
        for entry in os.listdir(folder):
            if not (entry.startswith(prefix) and entry.endswith(".tmp")):
                continue
            pid = entry[len(prefix):].split(".", 1)[0]
            if pid.isdigit() and not _process_exists(int(pid)):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, entry))


def _process_exists(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or a number no process can have: leave the file alone
    return True


def _fsync_folder(folder):
    # Makes the rename itself durable; not every platform can open a folder, which is harmless.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, data) -> None:
    """Write ``data`` (bytes, or str as UTF-8) to ``path`` atomically."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def write_json(path, obj) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    atomic_write(path, json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n")


# ---------------------------------------------------------------------------------------- the container
def _canonical(header) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _checksum(header, blobs) -> str:
    h = hashlib.sha256(_canonical(header))
    for name in sorted(blobs):
        h.update(name.encode("utf-8") + b"\0")
        h.update(blobs[name])
    return "sha256:" + h.hexdigest()


def _npy_bytes(name, array) -> bytes:
    array = np.asarray(array)
    if array.dtype.hasobject or array.dtype.kind not in "biufcUS":
        raise TypeError(
            f"array {name!r} has dtype {array.dtype}; a glassnet file holds only numeric, boolean and "
            "string arrays (no Python objects)."
        )
    buf = _io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def encode(kind, meta, arrays, *, format_version=FORMAT_VERSION) -> bytes:
    """The bytes of a glassnet file holding ``meta`` (JSON) and ``arrays`` (name -> ndarray)."""
    from . import __version__

    blobs = {}
    for name, array in arrays.items():
        if not isinstance(name, str) or not _ARRAY_NAME.match(name):
            raise ValueError(f"array name {name!r} must be 1-200 characters from [A-Za-z0-9_.-].")
        blobs[name] = _npy_bytes(name, array)
    header = {
        "format": FORMAT_NAME,
        "format_version": int(format_version),
        "kind": str(kind),
        "glassnet_version": __version__,
        "meta": meta,
        "arrays": sorted(blobs),
    }
    try:
        header["checksum"] = _checksum(header, blobs)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the {kind} metadata is not plain JSON: {exc}") from None
    buf = _io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(HEADER_NAME, json.dumps(header, indent=1, allow_nan=False))
        for name in sorted(blobs):
            zf.writestr(f"arrays/{name}.npy", blobs[name])
    return buf.getvalue()


def write_file(path, kind, meta, arrays) -> None:
    """Write a glassnet file atomically (see :func:`encode`)."""
    atomic_write(path, encode(kind, meta, arrays))


def read_file(path, expect_kind=None):
    """Read a glassnet file; returns ``(kind, meta, arrays)``.

    Raises
    ------
    ModelFileError
        The file is not a glassnet file, is truncated, is corrupted, or uses a newer format version.
    """
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a folder, not a glassnet model file.")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"no glassnet model file at {path} (no such file).") from None
    kind, meta, arrays = decode(data, path)
    if expect_kind is not None and kind not in (expect_kind if isinstance(expect_kind, tuple) else (expect_kind,)):
        raise ValueError(f"{path} holds a glassnet {kind}, but a {expect_kind} was expected.")
    return kind, meta, arrays


def _describe(data) -> str:
    if not data:
        return "the file is empty"
    if data[:1] == b"\x80":
        return "it looks like a Python pickle, which glassnet never loads"
    if data[:6] == b"\x93NUMPY":
        return "it is a bare NumPy .npy array"
    if data.lstrip()[:1] in (b"{", b"["):
        return "it looks like a JSON file"
    return "it does not start like a zip archive"


def _read_npy(blob) -> np.ndarray:
    """The array in ``blob`` (.npy bytes), never unpickling, and never allocating more than the
    bytes hold: the header's shape and dtype must account for exactly the data that follows it.

    NumPy parses the header with ``ast.literal_eval``, so damaged bytes can raise more than
    ``ValueError`` (``SyntaxError``, ``tokenize.TokenError``, ...); callers treat any exception as damage.
    """
    fp = _io.BytesIO(blob)
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(fp)
    elif version == (2, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(fp)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    if dtype.hasobject:
        raise ValueError("it holds Python objects, which glassnet never unpickles")
    count = 1
    for n in shape:
        count *= n
    if count * dtype.itemsize != len(blob) - fp.tell():
        raise ValueError(f"its header promises {count} x {dtype.itemsize} bytes, but "
                         f"{len(blob) - fp.tell()} follow")
    return np.lib.format.read_array(_io.BytesIO(blob), allow_pickle=False)


def decode(data: bytes, path="<bytes>"):
    """Parse the bytes of a glassnet file; returns ``(kind, meta, arrays)``. See :func:`read_file`."""
    def fail(problem, detail):
        raise ModelFileError(path, problem, detail)

    if not data.startswith(_ZIP_LOCAL):
        if len(data) < len(_ZIP_LOCAL) and _ZIP_LOCAL.startswith(data) and data:
            fail("truncated", "the glassnet file is truncated (it ends after a few bytes).")
        fail("not-glassnet", f"not a glassnet model file: {_describe(data)}.")
    try:
        zf = zipfile.ZipFile(_io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        # glassnet writes no archive comment, so an intact file ends with the 22-byte end record.
        if len(data) >= 22 and data[-22:-18] == _ZIP_END:
            fail("corrupted", f"the glassnet file is corrupted (its zip directory is damaged: {exc}).")
        fail("truncated", "the glassnet file is truncated (its end is missing); it was probably cut "
             "short while being copied or written.")
    with zf:
        names = set(zf.namelist())
        if HEADER_NAME not in names:
            fail("not-glassnet", f"not a glassnet model file: a zip archive without {HEADER_NAME} "
                 f"(it holds {sorted(names)[:5]}).")
        try:
            header = json.loads(zf.read(HEADER_NAME).decode("utf-8"))
        except _ZIP_ERRORS as exc:
            fail("corrupted", f"the glassnet file is corrupted (its header cannot be read: {exc}).")
        if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
            fail("not-glassnet", f"not a glassnet model file: {HEADER_NAME} does not name the "
                 f"{FORMAT_NAME!r} format.")
        version = header.get("format_version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            fail("corrupted", f"the glassnet file is corrupted (format_version is {version!r}).")
        if version > FORMAT_VERSION:
            fail("newer-format", f"the file uses glassnet format version {version}, newer than this "
                 f"glassnet reads (up to {FORMAT_VERSION}); it was written by glassnet "
                 f"{header.get('glassnet_version', '?')}: upgrade glassnet to read it.")
        array_names = header.get("arrays")
        if not isinstance(array_names, list) or not all(isinstance(n, str) for n in array_names):
            fail("corrupted", "the glassnet file is corrupted (its list of arrays is damaged).")
        blobs = {}
        for name in array_names:
            member = f"arrays/{name}.npy"
            if member not in names:
                fail("corrupted", f"the glassnet file is corrupted (array {name!r} is missing).")
            try:
                blobs[name] = zf.read(member)
            except _ZIP_ERRORS as exc:
                fail("corrupted", f"the glassnet file is corrupted (array {name!r}: {exc}).")
    stored = header.pop("checksum", None)
    try:
        actual = _checksum(header, blobs)
    except (TypeError, ValueError):
        actual = None
    if stored != actual:
        fail("corrupted", "the glassnet file is corrupted (its checksum does not match its contents).")
    arrays = {}
    for name, blob in blobs.items():
        try:
            arrays[name] = _read_npy(blob)
        except Exception as exc:  # noqa: BLE001 - any failure to parse these bytes is a damaged file
            fail("corrupted", f"the glassnet file is corrupted (array {name!r} cannot be read: {exc!r}).")
    kind = header.get("kind")
    if not isinstance(kind, str):
        fail("corrupted", "the glassnet file is corrupted (it does not say what it holds).")
    return kind, header.get("meta"), arrays


# ---------------------------------------------------------------------------------------- networks
def network_state(net):
    """``(meta, arrays)`` describing a :class:`glassnet.Sequential`: layer configs and flat weights."""
    from .layers import LAYERS

    layers = []
    for i, layer in enumerate(net.layers):
        name = type(layer).__name__
        if LAYERS.get(name) is not type(layer):
            raise ValueError(
                f"layers[{i}] is a {name}, which glassnet cannot save; savable layers are {sorted(LAYERS)}."
            )
        layers.append({"class": name, "config": layer.get_config()})
    meta = {"layers": layers, "output": net.output, "dtype": np.dtype(net.dtype).name}
    return meta, {"weights": net.get_weights()}


def network_from_state(meta, arrays, path="<network>"):
    """Rebuild the :class:`glassnet.Sequential` described by :func:`network_state`."""
    from . import initializers
    from .layers import LAYERS
    from .network import Sequential

    try:
        dtype = meta["dtype"]
        # The file's weights bound what the layers may allocate: a damaged size (say 10**9 x 10**9)
        # is refused before any memory is taken for it.
        budget = int(arrays["weights"].size)
        layers = []
        for spec in meta["layers"]:
            cls = LAYERS[spec["class"]]
            config = dict(spec["config"])
            budget -= _n_params(cls.__name__, config)
            if budget < 0:
                raise ValueError(f"the layers need more parameters than the {arrays['weights'].size} stored")
            if cls.__name__ == "Dense":
                try:
                    initializers.get(config.get("init"))
                except (ValueError, TypeError, KeyError):
                    config["init"] = "zeros"
            if cls.__name__ in ("Dense", "Bias"):
                config["dtype"] = dtype
            layers.append(cls(**config))
        net = Sequential(layers, output=meta["output"], dtype=dtype)
        net.set_weights(arrays["weights"].astype(net.dtype, copy=False))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(path, "corrupted", f"the network it describes cannot be rebuilt ({exc!r}).") from None
    return net


def _n_params(name, config) -> int:
    """Parameters a Dense or Bias layer with ``config`` holds (0 for others, or for sizes its
    constructor will refuse anyway)."""
    def size(key):
        value = config.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0

    if name == "Dense":
        return size("n_in") * size("n_out") + (size("n_out") if config.get("bias", True) else 0)
    if name == "Bias":
        return size("n")
    return 0


# ---------------------------------------------------------------------------------------- save / load
def _estimator_class(name):
    if name not in ESTIMATOR_CLASSES:
        return None
    try:
        module = importlib.import_module("glassnet.estimators")
    except ImportError:
        return None
    return getattr(module, name, None)


def to_state(obj):
    """``(kind, meta, arrays)`` for any object :func:`save` accepts."""
    from .network import Sequential

    if isinstance(obj, Sequential):
        meta, arrays = network_state(obj)
        return "sequential", meta, arrays
    if hasattr(obj, "_glassnet_kind") and hasattr(obj, "_to_state"):
        meta, arrays = obj._to_state()
        return obj._glassnet_kind, meta, arrays
    name = type(obj).__name__
    if hasattr(obj, "_get_fitted_state") and _estimator_class(name) is type(obj):
        params = {k: _encode_param(v) for k, v in obj.get_params(deep=False).items() if k != "callbacks"}
        try:
            json.dumps(params, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"cannot save this {name}: its parameters must be plain values (numbers, strings, None, "
                f"lists), but {exc}; pass random_state as an int, for example."
            ) from None
        meta, arrays = obj._get_fitted_state()
        return "estimator", {"class": name, "params": params, "state": meta}, {f"state.{k}": v for k, v in arrays.items()}
    raise TypeError(
        f"glassnet.save takes a Sequential, a fitted MLPClassifier/MLPRegressor or a model from "
        f"`glassnet train`, got {type(obj).__name__}."
    )


def _encode_param(value):
    """A dict parameter (``class_weight``) as ``{"__items__": [[key, value], ...]}``: JSON objects
    only have string keys, and class labels are often integers."""
    if isinstance(value, dict):
        return {"__items__": [[k.item() if isinstance(k, np.generic) else k, v] for k, v in value.items()]}
    return value


def _decode_param(value):
    if isinstance(value, dict) and set(value) == {"__items__"} and isinstance(value["__items__"], list):
        return {k: v for k, v in value["__items__"]}
    return value


def save(obj, path) -> None:
    """Save ``obj`` to ``path`` (atomically) in the glassnet file format.

    ``obj`` is a :class:`glassnet.Sequential`, a fitted ``glassnet.MLPClassifier`` or ``MLPRegressor``,
    or a model made by ``glassnet train`` (:class:`glassnet.app.TabularModel`).
    """
    kind, meta, arrays = to_state(obj)
    write_file(path, kind, meta, arrays)


def from_state(kind, meta, arrays, path="<model>"):
    """The object :func:`to_state` described."""
    if kind == "sequential":
        return network_from_state(meta, arrays, path)
    if kind == "tabular-model":
        from .app.model import TabularModel

        return TabularModel._from_state(meta, arrays, path)
    if kind == "estimator":
        name = meta.get("class") if isinstance(meta, dict) else None
        cls = _estimator_class(name)
        if cls is None:
            raise ModelFileError(
                path, "corrupted", f"it holds an estimator of class {name!r}, which this glassnet cannot load "
                f"(it loads {list(ESTIMATOR_CLASSES)} from glassnet.estimators)."
            )
        try:
            est = cls(**{k: _decode_param(v) for k, v in meta["params"].items()})
            state_arrays = {k[len("state.") :]: v for k, v in arrays.items() if k.startswith("state.")}
            est._set_fitted_state(meta["state"], state_arrays)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            if isinstance(exc, ModelFileError):
                raise
            raise ModelFileError(path, "corrupted", f"the {name} it describes cannot be rebuilt ({exc!r}).") from None
        return est
    if kind == "checkpoint":
        raise ValueError(
            f"{path} is a training checkpoint, not a model: continue it with "
            "`glassnet train --resume DIR`, or load the model file written beside it."
        )
    raise ModelFileError(path, "corrupted", f"it holds a glassnet {kind!r}, which this glassnet does not know how "
                         "to load (it loads sequential, tabular-model and estimator files).")


def load(path):
    """Load what :func:`save` wrote. Never executes code from the file.

    Raises
    ------
    ModelFileError
        Not a glassnet file, truncated, corrupted, or written in a newer format.
    """
    kind, meta, arrays = read_file(path)
    return from_state(kind, meta, arrays, path)
