"""Killing `glassnet train` (SIGKILL) at seeded random moments, some inside a write of a checkpoint
or of the model, then resuming: every file on disk always loads, and the resumed run ends with
exactly the weights of an uninterrupted run.

To land a kill inside a write, the child process gets a ``sitecustomize`` whose ``os.fsync`` stops the
process (SIGSTOP) when it syncs the N-th temporary file of a given name: the atomic writer has
then written ``.NAME.XXXX.tmp`` beside ``NAME`` but not yet renamed it. The test waits for the stop,
sees the temporary on disk, and kills the process there.
"""

import fnmatch
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import glassnet
from glassnet.serialize import container
from glassnet.tabular import TabularModel
from glassnet.cli import main

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
EPOCHS = 24
TRAIN = [
    "train",
    "--dataset",
    "iris",
    "--epochs",
    str(EPOCHS),
    "--layers",
    "16",
    "--batch-size",
    "16",
    "--dropout",
    "0.1",
    "--early-stopping",
    "0",
    "--seed",
    "3",
    "--checkpoint-every",
    "1",
    "--quiet",
]
STOP_IN_WRITE = """\
import os, signal
_name, _nth = os.environ["STOP_IN_WRITE_OF"].rsplit(":", 1)
_left = [int(_nth)]
_fsync = os.fsync
def fsync(fd):
    try:
        base = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        base = ""
    if base.startswith("." + _name + ".") and base.endswith(".tmp"):
        _left[0] -= 1
        if _left[0] == 0:
            os.kill(os.getpid(), signal.SIGSTOP)
    _fsync(fd)
os.fsync = fsync
"""

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses SIGSTOP and /proc")


def _start(argv, cwd, stop_in=None):
    paths = [SRC, os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ)
    if stop_in is not None:
        paths.insert(1, str(cwd / "stopper"))
        env["STOP_IN_WRITE_OF"] = stop_in
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return subprocess.Popen(
        [sys.executable, "-m", "glassnet.cli", *argv],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill_inside_write(proc, out, name):
    """Wait until ``proc`` stops inside its write of ``name``, check the temporary is there, SIGKILL it.

    Returns False if the process ended without reaching that write.
    """
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    if not os.WIFSTOPPED(status):
        proc.returncode = os.waitstatus_to_exitcode(status)
        return False
    assert fnmatch.filter(os.listdir(out), f".{name}.*.tmp")  # written, not yet renamed
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


def _kill_after(proc, seconds):
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def _check_files(out):
    """Every glassnet file in ``out`` is complete; returns the checkpoint's epochs_done (or None)."""
    done = None
    for name in os.listdir(out) if out.exists() else []:
        if not name.endswith(".glassnet"):
            continue
        kind, meta, _ = container.read_file(out / name)  # raises on a partial or damaged file
        if kind == "checkpoint":
            done = meta["epochs_done"]
        else:
            assert isinstance(glassnet.load(out / name), TabularModel)
    return done


def test_sigkill_at_random_moments_and_inside_writes_then_resume_gives_identical_weights(tmp_path):
    reference = tmp_path / "reference"
    assert main([*TRAIN, "--out", str(reference)]) == 0  # uninterrupted, in this process
    expected = glassnet.load(reference / "model.glassnet").net.get_weights()

    (tmp_path / "stopper").mkdir()
    (tmp_path / "stopper" / "sitecustomize.py").write_text(STOP_IN_WRITE)
    out = tmp_path / "killed"
    rng = np.random.default_rng(20240601)
    inside, last_done = [], 0
    # inside a checkpoint write, inside another one, at a random moment, inside the model's write (which
    # a resumed run reaches even when the random kill came after the end)
    for what in ["checkpoint", "checkpoint", "time", "model"]:
        resume = (out / "checkpoint.glassnet").exists()
        argv = ["train", "--resume", str(out)] if resume else [*TRAIN, "--out", str(out)]
        if what == "time":
            _kill_after(_start(argv, tmp_path), rng.uniform(0.5, 3.0))
        else:
            name = f"{what}.glassnet"
            nth = int(rng.integers(2, 6)) if what == "checkpoint" else 1
            if _kill_inside_write(_start(argv, tmp_path, stop_in=f"{name}:{nth}"), out, name):
                inside.append(what)
        done = _check_files(out)
        if done is not None:
            assert done >= last_done  # the previous complete checkpoint or a newer one
            last_done = done
    assert inside == ["checkpoint", "checkpoint", "model"]

    assert main(["train", "--resume", str(out)]) == 0  # to the end, in this process
    assert _check_files(out) == EPOCHS
    assert not [
        n for n in os.listdir(out) if n.endswith(".glassnet") and n != "model.glassnet" and n != "checkpoint.glassnet"
    ]
    resumed = glassnet.load(out / "model.glassnet").net.get_weights()
    assert np.array_equal(resumed, expected)


def test_sigterm_stops_like_ctrl_c_and_keeps_the_run(tmp_path):
    """What docker stop, Kubernetes, Slurm and systemd send: the run stops after the batch, keeps its
    best weights and writes model and report, and the checkpoint beside them still resumes. (SIGHUP,
    from a closed terminal, in test_cli_train.py.)"""
    signum = signal.SIGTERM
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in [SRC, os.environ.get("PYTHONPATH", "")] if p))
    argv = [a if a != str(EPOCHS) else "100000" for a in TRAIN]
    proc = subprocess.Popen([sys.executable, "-m", "glassnet.cli", *argv, "--out", str(out)], env=env,
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _ in range(600):
        if (out / "checkpoint.glassnet").exists() or proc.poll() is not None:
            break
        try:
            proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
    proc.send_signal(signum)
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 128 + signum
    assert f"interrupted by {signal.Signals(signum).name} in epoch" in err and "Traceback" not in err
    assert isinstance(glassnet.load(out / "model.glassnet"), TabularModel)
    assert (out / "report.html").exists()
    from glassnet.tabular import Run

    assert Run.resume(out).epochs_done >= 1  # the checkpoint belongs to the model beside it
