"""What a training checkpoint holds: weights payload, RNG snapshots, atomic ``torch.save``.

``model.pt`` is :func:`model_payload` (format ``MODEL_FORMAT``); ``last.pt`` adds the
optimiser, scaler, clipper, schedule and :func:`rng_state` (format ``STATE_FORMAT``).
:func:`save_run_state` writes both. Counters: ``epoch``, ``step``, ``samples_seen`` and
``epoch_step`` (steps done in ``epoch``: a mid-epoch checkpoint has fewer than the epoch's
steps; older checkpoints without it are complete epochs) plus, in ``last.pt``, the losses of the
epoch so far (``epoch_losses``) so that a resumed epoch logs the same mean.

Example:
    >>> training_data_tag("/data/my_set.h5")
    'train:my_set'
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmark.models.deep import DeepMattingModel
from benchmark.training.config import TrainConfig

__all__ = [
    "STATE_FORMAT",
    "MODEL_FORMAT",
    "training_data_tag",
    "epoch_torch_seed",
    "atomic_torch_save",
    "rng_state",
    "set_rng_state",
    "model_payload",
    "save_run_state",
]

STATE_FORMAT = "mattebench.train-state/1"
MODEL_FORMAT = "mattebench.model/1"
_EPOCH_TORCH = 4  # SeedSequence tag of the per-epoch torch seed (benchmark.training.data uses 1-3)


def epoch_torch_seed(seed: int, epoch: int) -> int:
    """The torch seed set at the start of EPOCH (logged with it)."""
    return int(np.random.SeedSequence([int(seed), _EPOCH_TORCH, int(epoch)]).generate_state(1)[0])


def atomic_torch_save(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file, then rename: a kill never leaves half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def rng_state() -> dict[str, Any]:
    """Python, NumPy, torch (and CUDA) generator states as plain types (``weights_only`` loads)."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": [kind, keys.tolist(), pos, has_gauss, gauss],
        "torch": torch.get_rng_state(),
    }  # plain types: last.pt loads with weights_only=True
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` saved."""
    random.setstate(state["python"])
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, gauss))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def model_payload(
    model: DeepMattingModel, cfg: TrainConfig, counters: dict[str, int]
) -> dict[str, Any]:
    """The contents of ``model.pt``: weights, the model's config and what trained it."""
    return {
        "format": MODEL_FORMAT,
        "model_name": cfg.model_name,
        "model": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "config": dict(model.config),
        "model_kwargs": dict(cfg.model_kwargs),
        "training_data": training_data_tag(cfg.data_dir),
        "seed": cfg.seed,
        "train_config": cfg.to_dict(),
        "encoder_init": {"path": cfg.encoder_init, "sha256": cfg.encoder_init_sha256},
        **counters,
    }


def training_data_tag(data_dir: str | os.PathLike) -> str:
    """``train:<dataset>`` from the composite's ``manifest.json``, else ``train:<folder name>``.

    Example:
        >>> training_data_tag("/data/my_set")
        'train:my_set'
    """
    data_dir = Path(data_dir)
    for folder in (data_dir, data_dir.parent):
        manifest = folder / "manifest.json"
        if manifest.is_file():
            try:
                record = json.loads(manifest.read_text(encoding="utf-8"))
                name = record.get("dataset_label") or record.get("dataset")
            except (OSError, json.JSONDecodeError, AttributeError):
                name = None
            if isinstance(name, str) and name:
                return f"train:{name}"
    return f"train:{data_dir.stem if data_dir.suffix == '.h5' else data_dir.name}"


def save_run_state(run: Any, counters: dict[str, Any], epoch_losses: list[float]) -> None:
    """Write ``model.pt`` then ``last.pt`` of RUN (a ``RunSetup``), each replaced atomically."""
    payload = model_payload(run.model, run.cfg, counters)
    atomic_torch_save(payload, run.model_path)
    atomic_torch_save(
        {
            **payload,
            "format": STATE_FORMAT,
            "optimizer": run.optimizer.state_dict(),
            "scaler": run.scaler.state_dict() if run.scaler.is_enabled() else None,
            "clip": run.clipper.state_dict(),
            "schedule": run.schedule.to_dict(),
            "rng": rng_state(),
            "data": run.sources.describe(),
            "epoch_losses": [float(x) for x in epoch_losses],
        },
        run.state_path,
    )
