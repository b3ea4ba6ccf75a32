"""Train any registered deep model on online composites, on 1 device or under ``torchrun``.

``train(model_name, data_dir, out_dir, ...)`` is GCA-Matting's trainer rebuilt (TIMI-Net's
authors trained with it; timinet_arch.md §10–§12): L1 loss over the unknown pixels
(optionally plus a composition loss), Adam, a recipe's schedule in **samples seen**
(``benchmark.training.schedule``), GCA's gradient clipping (2× a running mean of the norm, momentum
0.999, first step clipped at 1e6), an atomic checkpoint after every epoch and ``resume`` that
continues exactly where the last checkpoint left off.

Distributed: under ``torchrun --nproc-per-node N`` (env ``WORLD_SIZE``/``RANK``/``LOCAL_RANK``)
the model is wrapped in DDP (SyncBatchNorm on CUDA; torch has no CPU SyncBatchNorm, so CPU/gloo
runs keep per-process BN and say so in the log). ``batch_size`` is **per device**; the log
states the global batch = batch_size × world size. The loss is normalised by the unknown-pixel
count of the *global* batch, so N devices × B give the same gradients as 1 device × N·B
(up to BatchNorm statistics and float summation order).

Outputs in ``out_dir``:

* ``train.jsonl`` — one JSON object per line: ``start`` (config, seeds, data, world size),
  ``epoch_start`` (epoch, data seed, worker seeds), ``step`` (epoch, step, global_batch,
  samples_seen, lr, loss, loss_alpha, loss_comp, grad_norm, images_per_s, data_s, seed,
  indices), ``epoch`` (mean loss, checkpoint), ``val`` (metric means), ``resume``, ``end``.
* ``last.pt`` — full training state (``benchmark.training.state``), replaced atomically each epoch.
* ``model.pt`` — weights only, ``{"format", "model_name", "model", "config", ...}``, loadable
  by ``benchmark.models.registry.create_model(name, checkpoint="model.pt")``.

Pieces live in their own modules: losses (``benchmark.training.losses``), clipping
(``benchmark.training.grad_clip``), the process group (``benchmark.training.distributed``), the JSONL log
(``benchmark.training.log``), checkpoint contents (``benchmark.training.state``) and device/model setup
(``benchmark.training.setup``); their public names are re-exported here.

Example:
    >>> unknown_l1_sum(torch.tensor([[[[0.5, 1.0]]]]), torch.tensor([[[[0.0, 0.0]]]]),
    ...                torch.tensor([[[[128, 255]]]], dtype=torch.uint8))
    (tensor(0.5000), tensor(1.))
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmark.training.data import (
    MattingTrainSet,
    ShardedBatchSampler,
    find_training_data,
    seed_worker,
    worker_context,
    worker_seed,
)
from benchmark.training.distributed import _all_sum, _barrier, _init_dist
from benchmark.training.grad_clip import GradClipper
from benchmark.training.log import _Log, _losses_from_log, _truncate_log
from benchmark.training.losses import composition_l1_sum, unknown_l1_sum
from benchmark.training.schedule import RECIPES, make_schedule
from benchmark.training.setup import _amp_dtype, _build_model, _model_inputs, _resolve_device
from benchmark.training.state import (
    MODEL_FORMAT,
    STATE_FORMAT,
    _atomic_torch_save,
    _model_payload,
    _rng_state,
    _set_rng_state,
    _torch_seed,
    training_data_tag,
)
from human2k.errors import InputError, ResumeError

__all__ = [
    "TrainConfig",
    "TrainResult",
    "GradClipper",
    "unknown_l1_sum",
    "composition_l1_sum",
    "train",
    "training_data_tag",
    "STATE_FORMAT",
    "MODEL_FORMAT",
]

LOG_NAME, STATE_NAME, MODEL_NAME = "train.jsonl", "last.pt", "model.pt"

# Fields that must not change across --resume (anything else may: device, workers, amp...).
_RESUME_FIXED = (
    "model_name",
    "model_kwargs",
    "recipe",
    "epochs",
    "seed",
    "crop",
    "lr",
    "warmup_epochs",
    "milestones",
    "comp_loss",
    "samples_per_epoch",
    "n_fg",
)


@dataclasses.dataclass
class TrainConfig:
    """Everything that defines a training run (saved in checkpoints and the log)."""

    model_name: str
    data_dir: str
    recipe: str
    epochs: int
    batch_size: int
    world_size: int
    global_batch: int
    crop: int
    seed: int
    lr: float
    betas: tuple[float, float]
    warmup_epochs: float | None
    milestones: Any
    comp_loss: float
    clip_grad: bool
    samples_per_epoch: int
    n_fg: int
    bg_source: str
    device: str
    amp: str | None
    workers: int
    model_kwargs: dict[str, Any]
    deterministic: bool
    sync_bn: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        d = dataclasses.asdict(self)
        d["betas"] = list(self.betas)
        if isinstance(self.milestones, tuple):
            d["milestones"] = list(self.milestones)
        return d


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """What ``train`` returns.

    Attributes:
        checkpoint: ``model.pt`` (weights only; for ``create_model`` and ``score``).
        state: ``last.pt`` (full training state; for ``resume``).
        log: ``train.jsonl``.
        losses: the loss of every step of the run so far (resumed runs included, from the log).
        epochs, steps, samples_seen: where the run ended.
        images_per_s: training throughput of this session (global images per second of step time).
        val: validation records (metric means per validated epoch).
    """

    checkpoint: Path
    state: Path
    log: Path
    losses: list[float]
    epochs: int
    steps: int
    samples_seen: int
    images_per_s: float
    val: list[dict[str, Any]]


def _validate(
    cfg: TrainConfig,
    checkpoint: Path,
    val_data: str,
    out_dir: Path,
    device: str,
    trimap_set: str | None,
) -> dict[str, Any]:
    from benchmark.scoring.score import score_model

    record = score_model(
        cfg.model_name,
        val_data,
        out_dir / "val",
        checkpoint=checkpoint,
        device=device,
        model_kwargs=cfg.model_kwargs,
        trimap_set=trimap_set,
    )
    return {
        "means": dict(record.means),
        "n_images": record.n_images,
        "dataset": record.protocol.dataset,
        "scales": "SAD/1000, MSE raw, Grad/1000, Conn/1000 over trimap==128",
        "run_dir": record.extra.get("run_dir"),
    }


# ------------------------------------------------------------------------------------ train
def train(
    model_name: str,
    data_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    recipe: str = "gca",
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
    progress=None,
    on_step: Callable[[dict[str, Any]], None] | None = None,
) -> TrainResult:
    """Train MODEL_NAME on online composites of DATA_DIR; write logs and checkpoints to OUT_DIR.

    Args:
        model_name: a registered deep model (``timinet``, ``timinet_basic``...).
        data_dir: composite output root, or a folder with ``fg/`` + ``alpha/``
            (``benchmark.training.data.find_training_data``).
        out_dir: run folder; must be new unless ``resume``.
        recipe: ``gca`` or ``paper`` (``benchmark.training.schedule.RECIPES``; also picks the augmentation).
        epochs: epochs to train; an epoch is ``samples_per_epoch`` samples whatever the batch.
        batch_size: per-device batch; global batch = batch_size × world size.
        device: ``cpu`` or ``cuda`` (under torchrun each rank takes ``cuda:LOCAL_RANK``).
        amp: autocast: ``True``/``"bf16"`` (bfloat16) or ``"fp16"`` (CUDA, with GradScaler).
        seed: seeds model init, data order, every sample and every worker.
        resume: continue from ``out_dir/last.pt`` (a new run when there is none yet).
        crop: training crop (multiple of 32).
        bg_dir: background pool (default: the composite's ``bg/``, else procedural).
        val_data: a scoring dataset (``benchmark.scoring.score`` layout) validated every ``val_every``
            epochs and after the last one, into ``out_dir/val/`` (``val_trimap_set`` picks
            ``trimap1``/``trimap2`` of an alphamatting-layout set).
        limit_samples: cap the samples per epoch (quick runs, tests).
        bg_per_fg: composites per fg in an epoch (default 100, the Comp-1K/Human-2K ratio).
        workers: DataLoader worker processes (0 = load in the main process).
        lr, warmup_epochs, milestones: override the recipe's schedule (``make_schedule``).
        comp_loss: weight of the composition loss (GCA default 0: alpha L1 only).
        clip_grad: GCA gradient clipping (default: the recipe's, on for both).
        deterministic: ``torch.use_deterministic_algorithms(True)`` (bit-exact CPU resume).
        model_kwargs: options for ``create_model``.
        progress: a ``rich.progress.Progress`` to draw on (main rank only), or None.
        on_step: called with every ``step`` log record (all ranks).

    Returns:
        TrainResult.

    Raises:
        ResumeError: OUT_DIR holds a run and ``resume`` is off, or the saved run's settings differ.
        DatasetError, InputError, ModelError: bad data, option or model.
    """
    if recipe not in RECIPES:
        raise InputError(None, f"unknown recipe {recipe!r}; expected one of {', '.join(RECIPES)}")
    if epochs < 1 or val_every < 1 or workers < 0 or comp_loss < 0:
        raise InputError(None, "epochs and val_every must be >= 1, workers and comp_loss >= 0")
    rec = RECIPES[recipe]
    out_dir = Path(out_dir)
    dist_ = _init_dist(device)
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    try:
        return _train(
            **{k: v for k, v in locals().items() if k not in ("rec", "was_deterministic")}, rec=rec
        )
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
        if dist_.owns_group:
            import torch.distributed as dist

            dist.destroy_process_group()


def _train(
    *,
    model_name,
    data_dir,
    out_dir,
    recipe,
    epochs,
    batch_size,
    device,
    amp,
    seed,
    resume,
    crop,
    bg_dir,
    val_data,
    val_every,
    val_trimap_set,
    limit_samples,
    bg_per_fg,
    workers,
    lr,
    warmup_epochs,
    milestones,
    comp_loss,
    clip_grad,
    deterministic,
    model_kwargs,
    progress,
    on_step,
    dist_,
    rec,
) -> TrainResult:
    dev = _resolve_device(device, dist_)
    amp_dtype = _amp_dtype(amp, dev)
    if deterministic:
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False
    model_kwargs = dict(model_kwargs or {})
    log_path, state_path, model_path = (
        out_dir / LOG_NAME,
        out_dir / STATE_NAME,
        out_dir / MODEL_NAME,
    )

    sources = find_training_data(data_dir, bg_dir=bg_dir)
    dataset = MattingTrainSet(
        sources,
        recipe=rec.augment,
        crop=crop,
        seed=seed,
        samples_per_epoch=limit_samples,
        bg_per_fg=bg_per_fg,
    )
    schedule = make_schedule(
        rec,
        epochs=epochs,
        samples_per_epoch=len(dataset),
        lr=lr,
        warmup_epochs=warmup_epochs,
        milestones=milestones,
    )
    sync_bn = dist_.world > 1 and dev.type == "cuda"
    cfg = TrainConfig(
        model_name=model_name,
        data_dir=str(data_dir),
        recipe=recipe,
        epochs=int(epochs),
        batch_size=int(batch_size),
        world_size=dist_.world,
        global_batch=int(batch_size) * dist_.world,
        crop=int(crop),
        seed=int(seed),
        lr=schedule.base_lr,
        betas=rec.betas,
        warmup_epochs=warmup_epochs,
        milestones=milestones if not isinstance(milestones, list) else tuple(milestones),
        comp_loss=float(comp_loss),
        clip_grad=rec.clip_grad if clip_grad is None else bool(clip_grad),
        samples_per_epoch=len(dataset),
        n_fg=len(sources.fg),
        bg_source=sources.bg_source,
        device=str(dev),
        amp=None if amp_dtype is None else str(amp_dtype).replace("torch.", ""),
        workers=int(workers),
        model_kwargs=model_kwargs,
        deterministic=bool(deterministic),
        sync_bn=sync_bn,
    )

    state = None
    if state_path.exists() or log_path.exists():
        if not resume:
            raise ResumeError(
                f"{out_dir}: already holds a training run; pass --resume to continue it or choose a new --out"
            )
        if state_path.exists():
            state = torch.load(state_path, map_location="cpu", weights_only=True)
            saved = state.get("train_config", {})
            now = cfg.to_dict()
            diff = [k for k in _RESUME_FIXED if saved.get(k) != now.get(k)]
            if diff:
                detail = "; ".join(f"{k}: saved {saved.get(k)!r}, now {now.get(k)!r}" for k in diff)
                raise ResumeError(f"{state_path}: cannot resume with different settings ({detail})")
    _barrier(dist_)
    if dist_.main:
        out_dir.mkdir(parents=True, exist_ok=True)
        if state is not None:
            _truncate_log(log_path, state["epoch"])
        elif log_path.exists():  # killed before its first checkpoint: start over
            log_path.unlink()
    _barrier(dist_)

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    model = _build_model(model_name, model_kwargs)
    if (
        batch_size < 2
        and dict(getattr(model, "config", {}) or {}).get("aspp")
        and not (sync_bn and dist_.world > 1)
    ):
        raise InputError(
            None,
            f"{model_name} has ASPP, whose image-pooling branch applies BatchNorm to a "
            f"1x1 map: training needs --batch-size >= 2 per device (got {batch_size})",
        )
    if sync_bn:
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    model.to(dev)
    optimizer = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad],
        lr=schedule(0),
        betas=rec.betas,
        weight_decay=0.0,
    )
    scaler = torch.amp.GradScaler(dev.type, enabled=amp_dtype == torch.float16)
    clipper = GradClipper()
    epoch0, step, samples_seen = 0, 0, 0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        clipper.load_state_dict(state["clip"])
        _set_rng_state(state["rng"])
        epoch0, step, samples_seen = state["epoch"], state["step"], state["samples_seen"]
    net = model
    if dist_.world > 1:
        net = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[dev.index] if dev.type == "cuda" else None, static_graph=True
        )

    log = _Log(log_path, dist_.main)
    if state is None:
        log.write(
            {
                "event": "start",
                "config": cfg.to_dict(),
                "schedule": schedule.to_dict(),
                "data": sources.describe(),
                "sample_seed_rule": "default_rng([seed, 1, epoch, index])",
                "order_seed_rule": "default_rng([seed, 2, epoch]).permutation(samples_per_epoch)",
                "torch": torch.__version__,
                "time": time.time(),
            }
        )
    else:
        changed = {
            k: [state["train_config"].get(k), v]
            for k, v in cfg.to_dict().items()
            if state["train_config"].get(k) != v
        }
        log.write(
            {
                "event": "resume",
                "epoch": epoch0,
                "step": step,
                "samples_seen": samples_seen,
                "changed": changed,
                "time": time.time(),
            }
        )

    steps_per_epoch = len(dataset) // cfg.global_batch
    if steps_per_epoch < 1:
        raise InputError(
            None,
            f"an epoch has {len(dataset)} samples, fewer than the global batch {cfg.global_batch}",
        )
    task = None
    if progress is not None and dist_.main:
        task = progress.add_task(
            f"train {model_name}", total=epochs * steps_per_epoch, completed=step
        )
    val_records: list[dict[str, Any]] = []
    session_images, session_time = 0, 0.0

    for epoch in range(epoch0 + 1, epochs + 1):
        sampler = ShardedBatchSampler(
            len(dataset),
            batch_size=batch_size,
            world_size=dist_.world,
            rank=dist_.rank,
            seed=seed,
            epoch=epoch,
        )
        loader = torch.utils.data.DataLoader(
            dataset,
            batch_sampler=sampler,
            num_workers=workers,
            worker_init_fn=functools.partial(seed_worker, seed=seed, epoch=epoch)
            if workers
            else None,
            multiprocessing_context=worker_context() if workers else None,
            pin_memory=dev.type == "cuda",
        )
        torch.manual_seed(_torch_seed(seed, epoch))
        log.write(
            {
                "event": "epoch_start",
                "epoch": epoch,
                "step": step,
                "steps": sampler.steps,
                "torch_seed": _torch_seed(seed, epoch),
                "worker_seeds": [worker_seed(seed, epoch, w) for w in range(workers)],
            }
        )
        net.train()
        epoch_losses = []
        t_prev = time.perf_counter()
        for k, batch in enumerate(loader):
            t_data = time.perf_counter() - t_prev
            lr_now = schedule(samples_seen)
            for group in optimizer.param_groups:
                group["lr"] = lr_now
            image, trimap = (
                batch["image"].to(dev, non_blocking=True),
                batch["trimap"].to(dev, non_blocking=True),
            )
            alpha = batch["alpha"].to(dev, non_blocking=True)
            img_in, tri_in = _model_inputs(model, image, trimap)
            optimizer.zero_grad(set_to_none=True)
            ctx = (
                torch.autocast(dev.type, dtype=amp_dtype) if amp_dtype else contextlib.nullcontext()
            )
            with ctx:
                pred = net(img_in, tri_in)
            pred = pred.float()
            l1_sum, count = unknown_l1_sum(pred, alpha, trimap)
            comp_sum = (
                composition_l1_sum(pred, image, batch["fg"].to(dev), batch["bg"].to(dev), trimap)
                if comp_loss > 0
                else torch.zeros((), device=dev)
            )
            sums = _all_sum(
                torch.stack([l1_sum.detach(), comp_sum.detach(), count.detach()]).double(), dist_
            )
            denom = float(sums[2]) + 1e-8
            loss = (l1_sum + comp_loss * comp_sum) / denom * dist_.world  # DDP averages over ranks
            scaler.scale(loss).backward()
            grad_norm = None
            if cfg.clip_grad:
                scaler.unscale_(optimizer)
                grad_norm = clipper(model.parameters())
            scaler.step(optimizer)
            scaler.update()
            step += 1
            samples_seen += cfg.global_batch
            t_now = time.perf_counter()
            dt, t_prev = t_now - t_prev, t_now
            session_images += cfg.global_batch
            session_time += dt
            loss_alpha, loss_comp = float(sums[0]) / denom, float(sums[1]) / denom
            total = loss_alpha + comp_loss * loss_comp
            epoch_losses.append(total)
            record = {
                "event": "step",
                "epoch": epoch,
                "step": step,
                "global_batch": cfg.global_batch,
                "samples_seen": samples_seen,
                "lr": lr_now,
                "loss": total,
                "loss_alpha": loss_alpha,
                "loss_comp": loss_comp,
                "unknown_px": int(sums[2]),
                "grad_norm": grad_norm,
                "images_per_s": cfg.global_batch / dt,
                "data_s": t_data,
                "seed": seed,
                "indices": sampler.global_batch(k),
            }
            log.write(record)
            if task is not None:
                progress.update(
                    task,
                    completed=step,
                    description=(
                        f"train {model_name} · epoch {epoch}/{epochs} · global batch {cfg.global_batch} · "
                        f"{record['images_per_s']:.1f} img/s · loss {total:.4f} (L1, unknown px)"
                    ),
                )
            if on_step is not None:
                on_step(record)

        counters = {"epoch": epoch, "step": step, "samples_seen": samples_seen}
        if dist_.main:
            payload = _model_payload(model, cfg, counters)
            _atomic_torch_save(payload, model_path)
            _atomic_torch_save(
                {
                    **payload,
                    "format": STATE_FORMAT,
                    "optimizer": optimizer.state_dict(),
                    "scaler": scaler.state_dict() if scaler.is_enabled() else None,
                    "clip": clipper.state_dict(),
                    "schedule": schedule.to_dict(),
                    "rng": _rng_state(),
                    "data": sources.describe(),
                },
                state_path,
            )
            log.write(
                {
                    "event": "epoch",
                    **counters,
                    "loss_mean": float(np.mean(epoch_losses)),
                    "checkpoint": str(state_path),
                }
            )
            if val_data is not None and (epoch % val_every == 0 or epoch == epochs):
                val = {
                    "event": "val",
                    **counters,
                    **_validate(cfg, model_path, str(val_data), out_dir, device, val_trimap_set),
                }
                log.write(val)
                val_records.append(val)
        _barrier(dist_)

    log.write(
        {
            "event": "end",
            "epoch": epochs,
            "step": step,
            "samples_seen": samples_seen,
            "images_per_s": session_images / session_time if session_time else None,
        }
    )
    losses = _losses_from_log(log_path) if dist_.main else []
    return TrainResult(
        checkpoint=model_path,
        state=state_path,
        log=log_path,
        losses=losses,
        epochs=epochs,
        steps=step,
        samples_seen=samples_seen,
        images_per_s=session_images / session_time if session_time else 0.0,
        val=val_records,
    )
