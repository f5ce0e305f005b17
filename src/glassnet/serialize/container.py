"""The glassnet file: one versioned container for models and checkpoints, whatever they hold.

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

The container knows no model kinds: ``kind`` and ``meta`` are whatever the caller stores, and
:mod:`glassnet.persist` maps kinds to the classes that read them.
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import os
import re
import zipfile

import numpy as np

from .._version import __version__
from .atomic import atomic_write

FORMAT_NAME = "glassnet"
FORMAT_VERSION = 1
HEADER_NAME = "glassnet.json"
PROBLEMS = ("not-glassnet", "truncated", "corrupted", "newer-format")

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


def jsonable(value):
    """``value`` as plain JSON values: NumPy scalars and arrays become numbers and lists, tuples lists,
    dict keys strings (also inside dicts, lists and tuples)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


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
    first_line = data.lstrip().split(b"\n", 1)[0].strip()
    if re.fullmatch(rb"\[\[?[A-Za-z0-9_.\- ]+\]\]?", first_line) or re.match(rb"[A-Za-z_][\w.\-]* *= *\S", first_line):
        return "it looks like a TOML or INI settings file"  # [section] or key = value
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
