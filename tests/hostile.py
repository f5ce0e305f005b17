"""Hostile glassnet files: valid checksums around contents that would cost memory, time or a
traceback if the loader trusted them. Shared by the catalogue (test_bad_inputs.py), the resource
bounds (test_hostile_files.py) and the fuzzer (test_fuzz_loader.py)."""

import io
import json
import struct
import warnings
import zipfile

import numpy as np

from glassnet.serialize import container


def members(data):
    """``(header dict, {array name: npy bytes})`` of a glassnet file's bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        header = json.loads(zf.read(container.HEADER_NAME))
        blobs = {n[len("arrays/"):-len(".npy")]: zf.read(n) for n in zf.namelist() if n.startswith("arrays/")}
    return header, blobs


def npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def rezip(header, blobs, *, compression=zipfile.ZIP_STORED, checksum=True, extra=(), header_text=None):
    """A glassnet file of ``header`` and ``blobs``, its checksum recomputed (so only the loader's
    own checks can refuse it), members compressed with ``compression``, ``extra`` members appended."""
    header = dict(header)
    header.pop("checksum", None)
    if checksum:
        header["checksum"] = container._checksum(header, blobs)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on duplicate names
        with zipfile.ZipFile(buf, "w", compression=compression) as zf:
            zf.writestr(container.HEADER_NAME, header_text if header_text is not None else json.dumps(header))
            for name in sorted(blobs):
                zf.writestr(f"arrays/{name}.npy", blobs[name])
            for name, blob in extra:
                zf.writestr(name, blob)
    return buf.getvalue()


def edited(data, edit):
    """``data`` with ``edit(header, blobs)`` applied (in place) and the checksum recomputed."""
    header, blobs = members(data)
    edit(header, blobs)
    return rezip(header, blobs)


def declared_size(data, member, size):
    """``data`` whose central directory claims ``size`` bytes for ``member`` (stored, so both sizes)."""
    data = bytearray(data)
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == name:
            struct.pack_into("<II", data, at + 20, size, size)
            return bytes(data)
        at = data.find(b"PK\x01\x02", at + 4)
    raise KeyError(member)


def nested(depth):
    """A JSON text of lists nested ``depth`` deep."""
    return "[" * depth + "]" * depth


def deep_header(data, depth):
    """``data`` whose metadata holds lists nested ``depth`` deep (json.loads accepts up to about
    990, and the checksum's json.dumps then overflows the stack)."""
    header, blobs = members(data)
    header.pop("checksum", None)
    placeholder = '"@@deep@@"'
    header["meta"]["deep"] = "@@deep@@"
    text = json.dumps(header).replace(placeholder, nested(depth))
    return rezip(header, blobs, checksum=False, header_text=text)
