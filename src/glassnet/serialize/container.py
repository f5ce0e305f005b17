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

Loading costs at most about the file's size in memory and time linear in it: members must be stored
(never compressed), their declared sizes must fit in the file, the header is bounded (``LIMITS``:
its size, nesting depth, string lengths, list lengths, the number of arrays), every member must be
one the header lists, once, and only regular files are read (never a device, a FIFO or a socket).
:func:`encode` applies the same limits, so glassnet never writes a file it would refuse to read.

The container knows no model kinds: ``kind`` and ``meta`` are whatever the caller stores, and
:mod:`glassnet.persist` maps kinds to the classes that read them.
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import os
import re
import stat
import zipfile

import numpy as np

from .._version import __version__
from .atomic import atomic_write

FORMAT_NAME = "glassnet"
FORMAT_VERSION = 1
HEADER_NAME = "glassnet.json"
PROBLEMS = ("not-glassnet", "truncated", "corrupted", "newer-format")

_ARRAY_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")
# What a glassnet file may hold. A small file never costs much to read: each limit bounds a step of
# loading that the file's size alone would not (a name listed many times, a string that a model
# repeats per row, a header nested deep enough to exhaust the stack).
LIMITS = {
    "header_bytes": 64 * 2**20,   # the JSON header
    "depth": 64,                  # nesting of lists and objects in the header
    "string": 65536,              # characters in any string of the header (a class name, a category)
    "list": 1_000_000,            # items in any list or object of the header
    "arrays": 4096,               # arrays in one file
}
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


def check_bounds(value, where="meta"):
    """Raise ``ValueError`` naming the first place where ``value`` (plain JSON) exceeds ``LIMITS``.

    Walks the value with an explicit stack, so a header nested past Python's recursion limit is
    measured, not crashed on; each entry keeps its parent, and the path is spelled out only for
    the message.
    """
    def path(entry):
        keys = []
        while entry is not None:
            entry, key = entry
            keys.append(key)
        keys = [f"[{k!r:.40}]" for k in reversed(keys[:-1])]
        return where + "".join(keys if len(keys) <= 8 else keys[:4] + ["..."] + keys[-4:])

    stack = [(value, (None, None), 1)]
    while stack:
        node, entry, depth = stack.pop()
        if depth > LIMITS["depth"]:
            raise ValueError(f"{path(entry)} is nested more than {LIMITS['depth']} levels deep")
        if isinstance(node, str):
            if len(node) > LIMITS["string"]:
                raise ValueError(f"{path(entry)} is a string of {len(node):,} characters (at most "
                                 f"{LIMITS['string']:,})")
        elif isinstance(node, (list, tuple, dict)):
            if len(node) > LIMITS["list"]:
                raise ValueError(f"{path(entry)} holds {len(node):,} items (at most {LIMITS['list']:,})")
            if isinstance(node, dict):
                for key, item in node.items():
                    if isinstance(key, str) and len(key) > LIMITS["string"]:
                        raise ValueError(f"a key in {path(entry)} has {len(key):,} characters (at most "
                                         f"{LIMITS['string']:,})")
                    stack.append((item, (entry, key), depth + 1))
            else:
                stack.extend((item, (entry, i), depth + 1) for i, item in enumerate(node))


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
    if len(arrays) > LIMITS["arrays"]:
        raise ValueError(f"{len(arrays)} arrays is more than a glassnet file holds ({LIMITS['arrays']}).")
    check_bounds(jsonable(meta), f"the {kind} metadata")
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
    with open_regular(path, "glassnet model file") as fh:
        kind, meta, arrays = _decode(fh, os.fstat(fh.fileno()).st_size, path)
    if expect_kind is not None and kind not in (expect_kind if isinstance(expect_kind, tuple) else (expect_kind,)):
        raise ValueError(f"{path} holds a glassnet {kind}, but a {expect_kind} was expected.")
    return kind, meta, arrays


def open_regular(path, what="file"):
    """``path`` opened for reading in binary, if it is a regular file (or a link to one).

    A device (``/dev/zero``), a FIFO or a socket would be read forever or block: they are refused
    before anything is read, and the file is opened without blocking so that one swapped in after
    the check is refused too.
    """
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"no {what} at {path} (no such file).") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"{path} is a folder, not a {what}.") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(f"{path} is a folder, not a {what}.")
        raise ValueError(f"{path} is {_special_kind(mode)}, not a regular file; give the path of a {what}.")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def refuse_special(path, what="file"):
    """Raise ``ValueError`` when ``path`` exists but is a device, a FIFO or a socket, which a reader
    would read forever or wait on; for readers that open the file themselves."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing or unreadable: the reader's own open says so
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ValueError(f"{path} is {_special_kind(mode)}, not a regular file; give the path of a {what}.")


def _special_kind(mode) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _describe(data) -> str:
    """What the first bytes of a file that is not a glassnet file look like."""
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
    return _decode(_io.BytesIO(data), len(data), path)


def _decode(fh, size, path):
    """Parse the glassnet file open in ``fh`` (seekable, ``size`` bytes), reading only what its
    directory declares and the limits allow."""
    def fail(problem, detail):
        raise ModelFileError(path, problem, detail)

    start = fh.read(64)
    if not start.startswith(_ZIP_LOCAL):
        if len(start) < len(_ZIP_LOCAL) and _ZIP_LOCAL.startswith(start) and start:
            fail("truncated", "the glassnet file is truncated (it ends after a few bytes).")
        fail("not-glassnet", f"not a glassnet model file: {_describe(start)}.")
    try:
        fh.seek(0)
        zf = zipfile.ZipFile(fh)
    except _ZIP_ERRORS as exc:
        # glassnet writes no archive comment, so an intact file ends with the 22-byte end record.
        tail = b""
        if size >= 22:
            fh.seek(size - 22)
            tail = fh.read(4)
        if tail == _ZIP_END:
            fail("corrupted", f"the glassnet file is corrupted (its zip directory is damaged: {exc}).")
        fail("truncated", "the glassnet file is truncated (its end is missing); it was probably cut "
             "short while being copied or written.")
    with zf:
        members = _check_directory(zf, size, fail)
        if HEADER_NAME not in members:
            fail("not-glassnet", f"not a glassnet model file: a zip archive without {HEADER_NAME} "
                 f"(it holds {sorted(members)[:5]}).")
        if members[HEADER_NAME].file_size > LIMITS["header_bytes"]:
            fail("corrupted", f"the glassnet file is corrupted (its header declares "
                 f"{members[HEADER_NAME].file_size:,} bytes; at most {LIMITS['header_bytes']:,}).")
        try:
            header = json.loads(zf.read(members[HEADER_NAME]).decode("utf-8"))
        except _ZIP_ERRORS as exc:
            fail("corrupted", f"the glassnet file is corrupted (its header cannot be read: {exc}).")
        if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
            fail("not-glassnet", f"not a glassnet model file: {HEADER_NAME} does not name the "
                 f"{FORMAT_NAME!r} format.")
        try:
            check_bounds(header, "the header")
        except ValueError as exc:
            fail("corrupted", f"the glassnet file is corrupted ({exc}).")
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
        if len(array_names) > LIMITS["arrays"]:
            fail("corrupted", f"the glassnet file is corrupted (it lists {len(array_names):,} arrays; at most "
                 f"{LIMITS['arrays']}).")
        listed = {HEADER_NAME}
        for name in array_names:
            member = f"arrays/{name}.npy"
            if member in listed:
                fail("corrupted", f"the glassnet file is corrupted (array {name[:80]!r} is listed twice).")
            if member not in members:
                fail("corrupted", f"the glassnet file is corrupted (array {name[:80]!r} is missing).")
            listed.add(member)
        unknown = sorted(set(members) - listed)
        if unknown:
            fail("corrupted", f"the glassnet file is corrupted (it holds members its header does not list: "
                 f"{', '.join(repr(n[:80]) for n in unknown[:3])}).")
        blobs = {}
        for name in array_names:
            try:
                blobs[name] = zf.read(members[f"arrays/{name}.npy"])
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


def _check_directory(zf, size, fail):
    """The zip's members by name, after checking what its directory declares, before reading a byte
    of them: no more than the limits allow, each name once, stored (never compressed: a small file
    must not inflate to a large one), and sizes that fit in the file."""
    infos = zf.infolist()
    if len(infos) > LIMITS["arrays"] + 1:
        fail("corrupted", f"the glassnet file is corrupted (it holds {len(infos):,} members; at most "
             f"{LIMITS['arrays'] + 1}).")
    members = {}
    for info in infos:
        name = info.filename
        if name in members:
            fail("corrupted", f"the glassnet file is corrupted (member {name[:80]!r} appears twice).")
        if info.compress_type != zipfile.ZIP_STORED:
            fail("corrupted", f"the glassnet file is corrupted (member {name[:80]!r} is compressed with "
                 f"method {info.compress_type}; glassnet files hold stored members only).")
        if info.file_size != info.compress_size or info.header_offset + info.compress_size > size:
            fail("corrupted", f"the glassnet file is corrupted (member {name[:80]!r} declares "
                 f"{info.file_size:,} bytes, more than the file's {size:,}).")
        members[name] = info
    return members
