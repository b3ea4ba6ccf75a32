"""Train any registered deep model on online composites, on 1 device or under ``torchrun``.

``train(model_name, data_dir, out_dir, ...)`` is GCA-Matting's trainer rebuilt (TIMI-Net's
authors trained with it; timinet_arch.md §10–§12), for every model whose
:class:`~benchmark.models.interface.TrainingSpec` says how: the spec's loss terms over the
unknown pixels, Adam, a recipe's schedule in **samples seen** (``benchmark.training.schedule``),
GCA's gradient clipping, an atomic checkpoint after every epoch and ``resume`` that continues
exactly where the last checkpoint left off.

Distributed: under ``torchrun --nproc-per-node N`` (env ``WORLD_SIZE``/``RANK``/``LOCAL_RANK``)
the model is wrapped in DDP (SyncBatchNorm on CUDA; torch has no CPU SyncBatchNorm, so CPU/gloo
runs keep per-process BN and say so in the log). ``batch_size`` is **per device**; the log
states the global batch = batch_size × world size (``benchmark.training.step``).

Outputs in ``out_dir``:

* ``train.jsonl`` — one JSON object per line: ``start`` (config, seeds, data, world size),
  ``epoch_start`` (epoch, data seed, worker seeds), ``step`` (epoch, step, global_batch,
  samples_seen, lr, loss, loss_alpha, loss_comp, loss_terms, grad_norm, images_per_s, data_s,
  seed, indices), ``epoch`` (mean loss, checkpoint), ``val`` (metric means), ``resume``, ``end``
  (images/s of the session, peak RSS and, on CUDA, peak allocated GPU memory).
* ``last.pt`` — full training state (``benchmark.training.state``), replaced atomically each epoch.
* ``model.pt`` — weights only, loadable by ``create_model(name, checkpoint="model.pt")``.

Example:
    >>> from benchmark.training.config import LOG_NAME
    >>> LOG_NAME
    'train.jsonl'
"""

from __future__ import annotations

import functools
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmark.training.config import TrainResult
from benchmark.training.data import (
    MattingTrainSet,
    ShardedBatchSampler,
    seed_worker,
    worker_context,
    worker_seed,
)
from benchmark.training.distributed import barrier, init_distributed
from benchmark.training.log import TrainLog, losses_from_log
from benchmark.training.run_setup import RunSetup, prepare_run
from benchmark.training.state import (
    STATE_FORMAT,
    atomic_torch_save,
    epoch_torch_seed,
    model_payload,
    rng_state,
)
from benchmark.training.step import train_step
from benchmark.training.validate import validate
from human2k.errors import InputError
from human2k.progress import ProgressFn

__all__ = ["train"]


def train(
    model_name: str,
    data_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    recipe: str | None = None,
    epochs: int,
    batch_size: int = 10,
    device: str = "cpu",
    amp: bool | str = False,
    seed: int = 0,
    resume: bool = False,
    crop: int = 512,
    bg_dir: str | os.PathLike | None = None,
    val_data: str | os.PathLike | None = None,
    val_every: int = 1,
    val_trimap_set: str | None = None,
    limit_samples: int | None = None,
    bg_per_fg: int = 100,
    workers: int = 0,
    lr: float | None = None,
    warmup_epochs: float | None = None,
    milestones: str | list[float] | None = None,
    comp_loss: float = 0.0,
    clip_grad: bool | None = None,
    deterministic: bool = False,
    model_kwargs: dict[str, Any] | None = None,
    progress: ProgressFn | None = None,
    on_step: Callable[[dict[str, Any]], None] | None = None,
) -> TrainResult:
    """Train MODEL_NAME on online composites of DATA_DIR; write logs and checkpoints to OUT_DIR.

    Args:
        model_name: a registered deep model with a training spec (``timinet``, ...).
        data_dir: composite output root, or a folder with ``fg/`` + ``alpha/``
            (``human2k.training_samples.find_training_data``), or an HDF5 pack.
        out_dir: run folder; must be new unless ``resume``.
        recipe: ``gca`` or ``paper`` (``benchmark.training.schedule.RECIPES``; also picks the
            augmentation); default: the model's own (``TrainingSpec.default_recipe``).
        epochs: epochs to train; an epoch is ``samples_per_epoch`` samples whatever the batch.
        batch_size: per-device batch; global batch = batch_size × world size.
        device: ``cpu`` or ``cuda`` (under torchrun each rank takes ``cuda:LOCAL_RANK``).
        amp: autocast: ``True``/``"bf16"`` (bfloat16) or ``"fp16"`` (CUDA, with GradScaler).
        seed: seeds model init, data order, every sample and every worker.
        resume: continue from ``out_dir/last.pt`` (a new run when there is none yet).
        crop: training crop (a multiple of the model's ``crop_multiple``).
        bg_dir: background pool (default: the composite's ``bg/``, else procedural).
        val_data: a scoring dataset validated every ``val_every`` epochs and after the last
            one, into ``out_dir/val/`` (``val_trimap_set`` picks ``trimap1``/``trimap2``).
        limit_samples: cap the samples per epoch (quick runs, tests).
        bg_per_fg: composites per fg in an epoch (default 100, the Comp-1K/Human-2K ratio).
        workers: DataLoader worker processes (0 = load in the main process).
        lr, warmup_epochs, milestones: override the recipe's schedule (``make_schedule``).
        comp_loss: weight of the composition loss, added to the model's own loss terms.
        clip_grad: GCA gradient clipping (default: the recipe's, on for both).
        deterministic: ``torch.use_deterministic_algorithms(True)`` (bit-exact CPU resume).
        model_kwargs: options for ``create_model``.
        progress: ``progress("train NAME", step, total_steps, detail)`` (main rank only).
        on_step: called with every ``step`` log record (all ranks).

    Raises:
        ResumeError: OUT_DIR holds a run and ``resume`` is off, or the saved run's settings differ.
        DatasetError, InputError, ModelError: bad data, option or model.
    """
    if epochs < 1 or val_every < 1 or workers < 0 or comp_loss < 0:
        raise InputError(None, "epochs and val_every must be >= 1, workers and comp_loss >= 0")
    dist_ = init_distributed(device)
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    try:
        run = prepare_run(
            model_name, data_dir, Path(out_dir), dist_, recipe=recipe, epochs=epochs,
            batch_size=batch_size, device=device, amp=amp, seed=seed, resume=resume, crop=crop,
            bg_dir=bg_dir, limit_samples=limit_samples, bg_per_fg=bg_per_fg, workers=workers,
            lr=lr, warmup_epochs=warmup_epochs, milestones=milestones, comp_loss=comp_loss,
            clip_grad=clip_grad, deterministic=deterministic, model_kwargs=model_kwargs,
        )  # fmt: skip
        return _run_epochs(run, val_data, val_every, val_trimap_set, device, progress, on_step)
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
        if dist_.owns_group:
            import torch.distributed as dist

            dist.destroy_process_group()


def _loader(run: RunSetup, sampler: ShardedBatchSampler, epoch: int) -> torch.utils.data.DataLoader:
    workers, seed = run.cfg.workers, run.cfg.seed
    return torch.utils.data.DataLoader(
        run.dataset,
        batch_sampler=sampler,
        num_workers=workers,
        worker_init_fn=functools.partial(seed_worker, seed=seed, epoch=epoch) if workers else None,
        multiprocessing_context=worker_context() if workers else None,
        pin_memory=run.device.type == "cuda",
    )


def _run_epochs(run, val_data, val_every, val_trimap_set, device, progress, on_step) -> TrainResult:
    cfg, dist_, log = run.cfg, run.dist, TrainLog(run.log_path, run.dist.main)
    run.write_start_record(log)
    dataset: MattingTrainSet = run.dataset
    steps_per_epoch = len(dataset) // cfg.global_batch
    if steps_per_epoch < 1:
        raise InputError(
            None,
            f"an epoch has {len(dataset)} samples, fewer than the global batch {cfg.global_batch}",
        )
    task = f"train {cfg.model_name}"
    report = progress if progress is not None and dist_.main else None
    total_steps = cfg.epochs * steps_per_epoch
    if report is not None:
        report(task, run.step, total_steps)
    val_records: list[dict[str, Any]] = []
    session_images, session_time = 0, 0.0
    step, samples_seen = run.step, run.samples_seen

    for epoch in range(run.epoch0 + 1, cfg.epochs + 1):
        sampler = ShardedBatchSampler(
            len(dataset), batch_size=cfg.batch_size, world_size=dist_.world, rank=dist_.rank,
            seed=cfg.seed, epoch=epoch,
        )  # fmt: skip
        loader = _loader(run, sampler, epoch)
        torch.manual_seed(epoch_torch_seed(cfg.seed, epoch))
        log.write({
            "event": "epoch_start", "epoch": epoch, "step": step, "steps": sampler.steps,
            "torch_seed": epoch_torch_seed(cfg.seed, epoch),
            "worker_seeds": [worker_seed(cfg.seed, epoch, w) for w in range(cfg.workers)],
        })  # fmt: skip
        run.net.train()
        epoch_losses = []
        t_prev = time.perf_counter()
        for k, batch in enumerate(loader):
            t_data = time.perf_counter() - t_prev
            lr_now = run.schedule(samples_seen)
            for group in run.optimizer.param_groups:
                group["lr"] = lr_now * group.get("lr_scale", 1.0)
            out = train_step(
                model=run.model, net=run.net, batch=batch, device=run.device,
                optimizer=run.optimizer, scaler=run.scaler,
                clipper=run.clipper if cfg.clip_grad else None, amp_dtype=run.amp_dtype,
                loss_weights=cfg.loss_weights, dist_=dist_,
            )  # fmt: skip
            step += 1
            samples_seen += cfg.global_batch
            t_now = time.perf_counter()
            dt, t_prev = t_now - t_prev, t_now
            session_images += cfg.global_batch
            session_time += dt
            epoch_losses.append(out.loss)
            record = {
                "event": "step", "epoch": epoch, "step": step, "global_batch": cfg.global_batch,
                "samples_seen": samples_seen, "lr": lr_now, "loss": out.loss,
                "loss_alpha": out.terms.get("alpha_l1", 0.0),
                "loss_comp": out.terms.get("composition_l1", 0.0), "loss_terms": out.terms,
                "unknown_px": out.unknown_px, "grad_norm": out.grad_norm,
                "images_per_s": cfg.global_batch / dt, "data_s": t_data, "seed": cfg.seed,
                "indices": sampler.global_batch(k),
            }  # fmt: skip
            log.write(record)
            if report is not None:
                report(task, step, total_steps, f"epoch {epoch}/{cfg.epochs} · global batch "
                       f"{cfg.global_batch} · {record['images_per_s']:.1f} img/s · loss {out.loss:.4f}")  # fmt: skip
            if on_step is not None:
                on_step(record)

        counters = {"epoch": epoch, "step": step, "samples_seen": samples_seen}
        if dist_.main:
            _save_epoch(run, counters)
            log.write({"event": "epoch", **counters, "loss_mean": float(np.mean(epoch_losses)),
                       "checkpoint": str(run.state_path)})  # fmt: skip
            if val_data is not None and (epoch % val_every == 0 or epoch == cfg.epochs):
                scores = validate(
                    cfg, run.model_path, str(val_data), run.out_dir, device, val_trimap_set
                )
                val = {"event": "val", **counters, **scores}
                log.write(val)
                val_records.append(val)
        barrier(dist_)

    speed = session_images / session_time if session_time else None
    log.write({"event": "end", "epoch": cfg.epochs, "step": step, "samples_seen": samples_seen,
               "images_per_s": speed, **_peak_memory(run.device)})  # fmt: skip
    return TrainResult(
        checkpoint=run.model_path, state=run.state_path, log=run.log_path,
        losses=losses_from_log(run.log_path) if dist_.main else [], epochs=cfg.epochs,
        steps=step, samples_seen=samples_seen, images_per_s=speed or 0.0, val=val_records,
    )  # fmt: skip


def _peak_memory(device: torch.device) -> dict[str, int]:
    """Peak resident memory of this process and, on CUDA, peak allocated GPU memory (bytes)."""
    out = {"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    if device.type == "cuda":
        out["peak_cuda_bytes"] = int(torch.cuda.max_memory_allocated(device))
    return out


def _save_epoch(run: RunSetup, counters: dict[str, int]) -> None:
    """``model.pt`` (weights) and ``last.pt`` (full state), each replaced atomically."""
    payload = model_payload(run.model, run.cfg, counters)
    atomic_torch_save(payload, run.model_path)
    atomic_torch_save({
        **payload, "format": STATE_FORMAT, "optimizer": run.optimizer.state_dict(),
        "scaler": run.scaler.state_dict() if run.scaler.is_enabled() else None,
        "clip": run.clipper.state_dict(), "schedule": run.schedule.to_dict(),
        "rng": rng_state(), "data": run.sources.describe(),
    }, run.state_path)  # fmt: skip
