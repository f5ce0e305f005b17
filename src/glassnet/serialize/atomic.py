"""Atomic writes: every file glassnet writes goes through :func:`atomic_open`.

It writes a temporary file in the destination's folder, flushes and fsyncs it, then ``os.replace``-s
it over the destination, so an interruption leaves either the old file or the new one, never half of
one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile


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
