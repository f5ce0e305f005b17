"""The checkpoint file of a ``glassnet train`` run: everything needed to continue it exactly.

A checkpoint is a glassnet file of kind ``"checkpoint"`` holding the run's configuration, the model
(its preprocessing and weights), the optimizer's state, both random generators' states (shuffling
and dropout), the history, and the state of every callback that has one (early stopping, the best
weights so far). A run continued from it ends with exactly the weights of an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from ..serialize.container import ModelFileError, read_file, write_file
from .config import TrainConfig
from .model import TabularModel

CHECKPOINT_NAME = "checkpoint.glassnet"
# The per-batch losses a checkpoint keeps: the most recent ones. A run reads none of them (its report is
# per epoch), and all of them would make the file grow with every batch of a long run.
BATCH_LOSSES_KEPT = 1000
KIND = "checkpoint"


@dataclasses.dataclass
class Checkpoint:
    """A run's state after ``epochs_done`` epochs."""

    config: TrainConfig
    model: TabularModel
    optimizer: dict  # Optimizer.state_dict()
    shuffle_rng: dict  # bit_generator.state
    dropout_rng: dict | None
    history: dict  # History.history
    batch_loss: list
    stop_reason: str | None
    callbacks: dict  # name -> (meta, arrays) from the callback's state()
    epochs_done: int
    finished: bool
    elapsed_s: float
    fingerprint: str
    run_id: str


def write_checkpoint(path, cp: Checkpoint) -> None:
    model_meta, model_arrays = cp.model.to_state()
    arrays = {f"model.{k}": v for k, v in model_arrays.items()}
    for i, slot in enumerate(cp.optimizer["state"]):
        arrays.update({f"opt.{i}.{key}": value for key, value in slot.items()})
    callbacks = {}
    for name, (meta, cb_arrays) in cp.callbacks.items():
        callbacks[name] = meta
        arrays.update({f"cb.{name}.{k}": v for k, v in cb_arrays.items()})
    arrays["batch_loss"] = np.asarray(cp.batch_loss[-BATCH_LOSSES_KEPT:], dtype=np.float64)
    meta = {
        "config": cp.config.to_json(),
        "model": model_meta,
        "optimizer": {"t": cp.optimizer["t"], "lr": cp.optimizer["lr"],
                      "slots": [sorted(slot) for slot in cp.optimizer["state"]]},
        "shuffle_rng": cp.shuffle_rng,
        "dropout_rng": cp.dropout_rng,
        "history": cp.history,
        "stop_reason": cp.stop_reason,
        "callbacks": callbacks,
        "epochs_done": cp.epochs_done,
        "finished": cp.finished,
        "elapsed_s": cp.elapsed_s,
        "fingerprint": cp.fingerprint,
        "run_id": cp.run_id,
    }
    write_file(path, KIND, meta, arrays)


def read_checkpoint(folder) -> Checkpoint:
    """The checkpoint in ``folder``; ``ModelFileError`` when it is damaged or incomplete."""
    path = os.path.join(folder, CHECKPOINT_NAME)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no checkpoint to resume in {folder!r} (expected {path}); train with "
                                "--checkpoint-every N to write one.")
    _, meta, arrays = read_file(path, expect_kind=KIND)
    try:
        model = TabularModel.from_state(meta["model"], _part(arrays, "model"), path)
        opt = meta["optimizer"]
        optimizer = {"t": int(opt["t"]), "lr": float(opt["lr"]),
                     "state": [{k: arrays[f"opt.{i}.{k}"] for k in keys} for i, keys in enumerate(opt["slots"])]}
        callbacks = {name: (cb_meta, _part(arrays, f"cb.{name}")) for name, cb_meta in meta["callbacks"].items()}
        return Checkpoint(
            config=TrainConfig.from_json(meta["config"]), model=model, optimizer=optimizer,
            shuffle_rng=meta["shuffle_rng"], dropout_rng=meta["dropout_rng"],
            history={k: [float(v) for v in values] for k, values in meta["history"].items()},
            batch_loss=arrays["batch_loss"].tolist(), stop_reason=meta["stop_reason"], callbacks=callbacks,
            epochs_done=int(meta["epochs_done"]), finished=bool(meta["finished"]),
            elapsed_s=float(meta["elapsed_s"]), fingerprint=str(meta["fingerprint"]), run_id=str(meta["run_id"]),
        )
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelFileError(path, "corrupted", f"the checkpoint is incomplete ({exc!r}).") from None


def _part(arrays, prefix):
    return {k[len(prefix) + 1:]: v for k, v in arrays.items() if k.startswith(prefix + ".")}
