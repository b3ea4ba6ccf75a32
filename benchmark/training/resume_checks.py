"""Decide whether a training run resumes, and from which state: :func:`saved_state` reads
``OUT/last.pt`` and refuses (with nothing changed) a resume that could not continue exactly;
:func:`resumed_epoch_step` says how far into its epoch a mid-epoch checkpoint was.

Example:
    >>> changed_settings({"lr": 0.1, "seed": 0}, {"lr": 0.2, "seed": 0})
    'lr: saved 0.1, now 0.2'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from benchmark.training.config import LOG_NAME, MODEL_NAME, RESUME_FIXED, STATE_NAME, TrainConfig
from benchmark.training.log import read_log_records
from human2k.errors import ResumeError

__all__ = ["saved_state", "resumed_epoch_step", "changed_settings"]


def changed_settings(saved: dict[str, Any], now: dict[str, Any]) -> str:
    diff = [k for k in RESUME_FIXED if saved.get(k) != now.get(k)]
    return "; ".join(f"{k}: saved {saved.get(k)!r}, now {now.get(k)!r}" for k in diff)


def saved_state(cfg: TrainConfig, out_dir: Path, resume: bool) -> dict[str, Any] | None:
    """The state to resume from; None for a new run (or one killed before any checkpoint).

    Raises ResumeError (nothing is changed) when OUT_DIR holds a run and ``resume`` is off, when
    ``last.pt`` is missing although epochs were saved (``model.pt``), when it is unreadable, or
    when the saved (or logged) settings differ from CFG. A log without a single step and without
    checkpoints is a start that failed: it is replaced.
    """
    state_path, log_path, model_path = (
        out_dir / STATE_NAME,
        out_dir / LOG_NAME,
        out_dir / MODEL_NAME,
    )
    if not (state_path.exists() or log_path.exists()):
        return None
    records = read_log_records(log_path) if log_path.exists() else []
    if not state_path.exists() and not model_path.exists():
        if not any(r.get("event") == "step" for r in records):
            return None  # a start that failed before its first step: nothing to keep
    if not resume:
        raise ResumeError(
            f"{out_dir}: already holds a training run; resume it or choose another output folder",
            param="resume",
        )
    now = cfg.to_dict()
    if not state_path.exists():
        if model_path.exists():
            raise ResumeError(
                f"{state_path}: missing, but {model_path.name} shows finished epochs; the run "
                "cannot continue exactly without it (restore it, or train into another folder)"
            )
        start = next((r for r in records if r.get("event") == "start"), {})
        detail = changed_settings(start.get("config", {}), now)
        if detail:
            raise ResumeError(
                f"{log_path}: the run was started with other settings ({detail}) and has no "
                "checkpoint yet; use the same settings or another output folder"
            )
        return None  # killed in its first epoch: start it over with the same settings
    try:
        state = torch.load(state_path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated, corrupt or not a checkpoint at all
        reason = (str(exc).splitlines() or [""])[0][:120]
        raise ResumeError(
            f"{state_path}: unreadable checkpoint ({type(exc).__name__}: {reason}); restore it "
            "or train into another folder"
        ) from None
    detail = changed_settings(state.get("train_config", {}), now)
    if detail:
        raise ResumeError(f"{state_path}: cannot resume with different settings ({detail})")
    return state


def resumed_epoch_step(cfg: TrainConfig, state: dict[str, Any] | None) -> int:
    """Steps done in the saved epoch when STATE is a mid-epoch checkpoint, else 0."""
    if state is None or state.get("epoch_step") is None:
        return 0
    saved_batch = state["train_config"]["global_batch"]
    if state["epoch_step"] >= cfg.samples_per_epoch // saved_batch:
        return 0  # the epoch was complete
    if saved_batch != cfg.global_batch:
        raise ResumeError(
            f"the checkpoint was written in the middle of epoch {state['epoch']} with a global "
            f"batch of {saved_batch}; resume it with the same global batch (now "
            f"{cfg.global_batch}: batch size × devices × accumulate)",
            param="batch_size",
        )
    return int(state["epoch_step"])
