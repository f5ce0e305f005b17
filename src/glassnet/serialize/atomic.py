"""Atomic writes: every file glassnet writes goes through :func:`atomic_open`.

It writes a temporary file in the destination's folder, flushes and fsyncs it, then ``os.replace``-s
it over the destination, so an interruption leaves either the old file or the new one, never half of
one. What the destination is decides how:

- a regular file (or a link to one) is replaced, keeping its permissions (a 0600 model stays 0600),
  and a link keeps pointing where it pointed: the file it names is replaced;
- a character device or a FIFO (``/dev/stdout``, ``/dev/null``, a named pipe) is written directly,
  since there is no file to keep whole and replacing it would turn it into a regular file;
- anything else (a folder, a block device, a socket) is refused.

A writer holds an exclusive ``flock`` on its temporary file while it writes. A later write to the
same destination removes the temporaries nobody holds (left by a killed writer) and never one that
is held, whichever machine or PID namespace holds it: liveness is never guessed from a process id.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: temporaries of killed writers are left alone
    fcntl = None

# Characters of the destination's name kept in its temporary's name: with the random part and the
# suffix the temporary's name stays under the 255 bytes a file name may have, even in 4-byte UTF-8.
_NAME_CHARS = 50


@contextlib.contextmanager
def atomic_open(path, mode="wb", encoding=None):
    """Open a temporary file beside ``path``; on a clean exit it replaces ``path`` atomically.

    On an exception the temporary file is removed and ``path`` is left as it was. An ``OSError``
    while writing (a full disk) names ``path``.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files; mode must be 'w' or 'wb', got {mode!r}.")
    path = os.fspath(path)
    text = {} if "b" in mode else {"encoding": encoding}
    kept_mode = None
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        st = None  # mkstemp below says what is wrong with the folder
    if st is not None:
        if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
            with _naming(path), open(path, mode, **text) as fh:
                yield fh
            return
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(f"cannot write {path}: it is a folder.")
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"cannot write {path}: it is {_kind(st.st_mode)}, not a regular file.")
        kept_mode = stat.S_IMODE(st.st_mode)
        path = os.path.realpath(path)  # a link keeps pointing at the file it names, now new
    folder = os.path.dirname(os.path.abspath(path))
    prefix = f".{os.path.basename(path)[:_NAME_CHARS]}."
    try:
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError as exc:
        reason = "the folder does not exist" if not os.path.exists(folder) else (
            "it is not a folder" if not os.path.isdir(folder) else exc.strerror or str(exc))
        raise type(exc)(f"cannot write {path} in {folder}: {reason}.") from None
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held until closed: tells later writers this one is alive
        if kept_mode is None:
            # mkstemp creates the file 0600; give it the mode an ordinary open() would.
            umask = os.umask(0)
            os.umask(umask)
            kept_mode = 0o666 & ~umask
        os.chmod(tmp, kept_mode)
        with _naming(path), os.fdopen(fd, mode, **text) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)
    _remove_orphans(folder, prefix)


@contextlib.contextmanager
def _naming(path):
    """An OSError from the system while writing (``[Errno 28] No space left on device``) as one that
    names ``path``."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or exc.errno is None:
            raise
        raise type(exc)(exc.errno, f"cannot write it: {exc.strerror or os.strerror(exc.errno)}", path) from None


def _kind(mode) -> str:
    for test, name in ((stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _remove_orphans(folder, prefix):
    """Remove the temporaries of this destination that no writer holds (left by killed writers)."""
    if fcntl is None:
        return
    with contextlib.suppress(OSError):
        for entry in os.listdir(folder):
            if entry.startswith(prefix) and entry.endswith(".tmp"):
                _remove_if_unheld(os.path.join(folder, entry))


def _remove_if_unheld(tmp):
    try:
        fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            return  # a writer holds it
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    finally:
        os.close(fd)


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


def refuse_inputs(output, option, inputs):
    """Raise ``ValueError`` when ``output`` (given as ``option``) is the same file as one of ``inputs``
    (``{description: path}``): a command never writes over what it reads."""
    for description, path in inputs.items():
        if path is None:
            continue
        try:
            same = os.path.samefile(output, path)
        except (OSError, ValueError):
            same = False  # one of them does not exist: they cannot be one file
        if same:
            raise ValueError(f"{option} {output} is the same file as {description} {path}; glassnet never "
                             f"writes over its inputs: give {option} another path.")


def atomic_write(path, data) -> None:
    """Write ``data`` (bytes, or str as UTF-8) to ``path`` atomically."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def write_json(path, obj) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    atomic_write(path, json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n")


def check_new_file(path, overwrite=False, option="--overwrite") -> None:
    """Raise unless ``path`` can be written without losing a file, before any long work is done.

    Its folder must exist and take new files; an existing file at ``path`` is refused unless
    ``overwrite`` (the message names ``option``, the way to ask for it).
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot write {path}: it is a folder; give a file name.")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist.")
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} already exists and glassnet does not overwrite files: give another path, "
                              f"or {option} to replace it.")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise type(exc)(f"cannot write {path} in {folder}: {exc.strerror or exc}.") from None
