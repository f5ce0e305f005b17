"""Killing `glassnet train` (SIGKILL) at seeded random moments, some while it writes a checkpoint or
the model, then resuming: every file on disk always loads, and the resumed run ends with exactly the
weights of an uninterrupted one.

To land kills inside a write, the child processes get a ``sitecustomize`` that makes ``os.fsync``
sleep a little: the atomic writer's temporary file (``.NAME.XXXX.tmp`` beside ``NAME``) then lives
long enough to be seen, and the kill comes while it is being written, before the rename.
"""

import fnmatch
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import glassnet
from glassnet import io as gio
from glassnet.cli import main

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
TRAIN = ["train", "--dataset", "iris", "--epochs", "24", "--layers", "16", "--batch-size", "16", "--dropout", "0.1",
         "--early-stopping", "0", "--seed", "3", "--checkpoint-every", "1", "--quiet"]
SLOW_FSYNC = """\
import os, time
_fsync = os.fsync
def fsync(fd):
    time.sleep(0.02)
    _fsync(fd)
os.fsync = fsync
"""

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _env(extra_path=None):
    paths = [SRC] + ([extra_path] if extra_path else []) + [os.environ.get("PYTHONPATH", "")]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))


def _start(argv, env, cwd):
    return subprocess.Popen([sys.executable, "-m", "glassnet.cli", *argv], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _temporaries(out, name):
    try:
        return fnmatch.filter(os.listdir(out), f".{name}.*.tmp")
    except FileNotFoundError:
        return []


def _kill_when(proc, condition, deadline_s=20.0):
    """SIGKILL ``proc`` as soon as ``condition()`` holds; returns whether it held before ``proc`` ended."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and proc.poll() is None:
        if condition():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.0005)
    proc.kill()
    proc.wait()
    return False


def _check_files(out):
    """Every glassnet file in ``out`` is complete; returns the checkpoint's epochs_done (or None)."""
    done = None
    for name in os.listdir(out):
        if not name.endswith(".glassnet"):
            continue
        kind, meta, arrays = gio.read_file(os.path.join(out, name))  # raises on a partial file
        if kind == "checkpoint":
            done = meta["epochs_done"]
        else:
            assert isinstance(glassnet.load(os.path.join(out, name)), glassnet.app.TabularModel)
    return done


def test_sigkill_at_random_moments_and_mid_write_then_resume_gives_identical_weights(tmp_path):
    reference = tmp_path / "reference"
    assert main([*TRAIN, "--out", str(reference)]) == 0  # uninterrupted, in this process
    expected = glassnet.load(reference / "model.glassnet").net.get_weights()

    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text(SLOW_FSYNC)
    env = _env(str(slow))
    out = tmp_path / "killed"
    rng = np.random.default_rng(20240601)
    # in a write of the checkpoint (twice), at a random moment, in the write of the model
    plan = ["checkpoint", "time", "checkpoint", "model"]
    mid_write, last_done = 0, 0
    for what in plan:
        has_checkpoint = (out / "checkpoint.glassnet").exists()
        argv = ["train", "--resume", str(out)] if has_checkpoint else [*TRAIN, "--out", str(out)]
        proc = _start(argv, env, tmp_path)
        if what == "time":
            start, delay = time.monotonic(), rng.uniform(0.5, 3.0)
            _kill_when(proc, lambda: time.monotonic() - start > delay)
        else:
            name = "checkpoint.glassnet" if what == "checkpoint" else "model.glassnet"
            # let a few epochs pass first, at a seeded random count of checkpoint writes
            skip = int(rng.integers(1, 4)) if what == "checkpoint" else 0
            seen = set()

            def writing(name=name, skip=skip, seen=seen):
                temps = _temporaries(out, name)
                seen.update(temps)
                return bool(temps) and len(seen) > skip

            if _kill_when(proc, writing):
                mid_write += 1
        done = _check_files(out)
        if done is not None:
            assert done >= last_done  # the previous complete checkpoint or a newer one, never less
            last_done = done

    assert mid_write >= 2  # at least the two checkpoint writes were hit inside
    # resume to the end (from the start again if no checkpoint was written)
    argv = ["train", "--resume", str(out)] if (out / "checkpoint.glassnet").exists() else [*TRAIN, "--out", str(out)]
    assert main(argv) == 0
    assert _check_files(out) == 24
    resumed = glassnet.load(out / "model.glassnet").net.get_weights()
    assert np.array_equal(resumed, expected)
