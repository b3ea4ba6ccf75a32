"""Everything a training run needs before its first step: the model (seeded), its training
spec, the data, the schedule, the optimiser, and — on resume — the saved state put back.

Whether and from what a run resumes is decided in :mod:`benchmark.training.resume_checks`.

Example:
    >>> from benchmark.training.run_setup import prepare_run
    >>> sorted(prepare_run.__kwdefaults__)
    ['accumulate', 'checkpoint_every', 'encoder_init']
"""

from __future__ import annotations

import dataclasses
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmark.models.deep import DeepMattingModel
from benchmark.training.config import LOG_NAME, MODEL_NAME, STATE_NAME, TrainConfig
from benchmark.training.data import MattingTrainSet
from benchmark.training.distributed import DistContext, barrier
from benchmark.training.encoder_init import SCRATCH, EncoderInit, load_encoder_init
from benchmark.training.grad_clip import GradClipper
from benchmark.training.log import TrainLog, truncate_log
from benchmark.training.recipes import RECIPES
from benchmark.training.resume_checks import resumed_epoch_step, saved_state
from benchmark.training.schedule import LRSchedule, make_schedule, resolve_milestones
from benchmark.training.setup import (
    amp_dtype,
    build_optimizer,
    build_trainable_model,
    resolve_device,
)
from benchmark.training.state import set_rng_state
from human2k.errors import InputError
from human2k.training_sources import TrainingSources, find_training_data

__all__ = ["RunSetup", "prepare_run"]


@dataclasses.dataclass
class RunSetup:
    """The objects of one training run, ready for its first (or next) epoch."""

    cfg: TrainConfig
    dist: DistContext
    device: torch.device
    amp_dtype: torch.dtype | None
    model: DeepMattingModel
    net: torch.nn.Module  # the model, or its DDP wrapper
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    clipper: GradClipper
    schedule: LRSchedule
    sources: TrainingSources
    dataset: MattingTrainSet
    out_dir: Path
    resumed: dict[str, Any] | None
    encoder_init: EncoderInit | None = None
    epoch0: int = 0  # completed epochs
    step: int = 0
    samples_seen: int = 0
    epoch_step: int = 0  # steps already done in epoch epoch0 + 1 (a mid-epoch checkpoint)
    epoch_losses: list[float] = dataclasses.field(default_factory=list)  # their losses

    @property
    def log_path(self) -> Path:
        return self.out_dir / LOG_NAME

    @property
    def state_path(self) -> Path:
        return self.out_dir / STATE_NAME

    @property
    def model_path(self) -> Path:
        return self.out_dir / MODEL_NAME

    def write_start_record(self, log: TrainLog) -> None:
        """The log's ``start`` record (new run) or ``resume`` record (what changed)."""
        if self.resumed is None:
            log.write(
                {
                    "event": "start",
                    "config": self.cfg.to_dict(),
                    "schedule": self.schedule.to_dict(),
                    "data": self.sources.describe(),
                    "samples": self.dataset.describe(),
                    "recipe_departures": list(RECIPES[self.cfg.recipe].departures),
                    "encoder_init": self.encoder_init.to_dict() if self.encoder_init else None,
                    "sample_seed_rule": "default_rng([seed, 1, epoch, index])",
                    "order_seed_rule": "default_rng([seed, 2, epoch]).permutation(samples_per_epoch)",
                    "torch": torch.__version__,
                    "time": time.time(),
                }
            )
            return
        saved = self.resumed["train_config"]
        changed = {k: [saved.get(k), v] for k, v in self.cfg.to_dict().items() if saved.get(k) != v}
        log.write(
            {
                "event": "resume",
                "epoch": self.epoch0,
                "step": self.step,
                "samples_seen": self.samples_seen,
                "changed": changed,
                "time": time.time(),
            }
        )


def _loss_weights(model: DeepMattingModel, comp_loss: float) -> dict[str, float]:
    weights = dict(model.training_spec.loss_weights)
    if comp_loss > 0:
        weights["composition_l1"] = float(comp_loss)
    return weights


def _encoder_init(model: DeepMattingModel, model_name: str, requested, recipe) -> EncoderInit:
    """Apply ``encoder_init`` (a path, ``scratch``, or None = the recipe's default file)."""
    from human2k.errors import ModelError

    module = model.training_spec.encoder_module
    path = recipe.encoder_init if requested is None else str(requested)
    if path == SCRATCH:
        return EncoderInit.scratch(module)
    if not module:
        if requested is None:  # the recipe's default, for a model without an ImageNet backbone
            return EncoderInit.scratch()
        raise ModelError(
            f"{model_name} has no encoder that takes ImageNet weights", param="encoder_init"
        )
    if requested is None and not Path(path).is_file():
        from benchmark.training.encoder_init import GCA_IMAGENET_SOURCE

        raise InputError(
            path,
            f"recipe {recipe.name!r} starts the encoder from GCA-Matting's ImageNet-pretrained "
            f"ResNet-34-D (model_best_resnet34_En_nomixup.pth), which is not there; download it "
            f"from {GCA_IMAGENET_SOURCE}, give its path as encoder_init, or pass "
            f"encoder_init='{SCRATCH}' to train from scratch (not the published recipe)",
            param="encoder_init",
        )
    return load_encoder_init(model, path, module=module)


def prepare_run(
    model_name: str,
    data_dir,
    out_dir: Path,
    dist_: DistContext,
    *,
    recipe,
    epochs,
    batch_size,
    device,
    amp,
    seed,
    resume,
    crop,
    bg_dir,
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
    accumulate=1,
    checkpoint_every=None,
    encoder_init=None,
) -> RunSetup:
    """Build the run (arguments as :func:`benchmark.training.loop.train`)."""
    dev = resolve_device(device, dist_)
    dtype = amp_dtype(amp, dev)
    if deterministic:
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False
    model_kwargs = dict(model_kwargs or {})
    random.seed(seed)  # the model's initial weights are drawn from the seeded generators
    np.random.seed(seed)
    torch.manual_seed(seed)
    model = build_trainable_model(model_name, model_kwargs)
    spec = model.training_spec
    recipe = recipe or spec.default_recipe
    if recipe not in RECIPES:
        raise InputError(
            None, f"unknown recipe {recipe!r}; expected one of {', '.join(RECIPES)}", param="recipe"
        )
    if recipe not in spec.recipes:
        raise InputError(
            None, f"{model_name} trains with recipe {', '.join(spec.recipes)}, not {recipe!r}"
        )
    if crop % spec.crop_multiple:
        raise InputError(
            None, f"crop must be a multiple of {spec.crop_multiple} for {model_name}, got {crop}"
        )
    rec = RECIPES[recipe]
    batch_size = rec.batch_size if batch_size is None else int(batch_size)
    sync_bn = dist_.world > 1 and dev.type == "cuda"
    if batch_size < spec.min_batch_size and not sync_bn:
        raise InputError(
            None,
            f"{model_name}: {spec.min_batch_reason}; training needs a batch size "
            f">= {spec.min_batch_size} per device (got {batch_size})",
            param="batch_size",
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
    milestones, milestones_source = resolve_milestones(rec, milestones, sources.dataset)
    schedule = make_schedule(
        rec,
        epochs=epochs,
        samples_per_epoch=len(dataset),
        lr=lr,
        warmup_epochs=warmup_epochs,
        milestones=milestones,
    )
    cfg = TrainConfig(
        model_name=model_name,
        data_dir=str(data_dir),
        recipe=recipe,
        epochs=int(epochs),
        batch_size=int(batch_size),
        world_size=dist_.world,
        global_batch=int(batch_size) * dist_.world * int(accumulate),
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
        amp=None if dtype is None else str(dtype).replace("torch.", ""),
        workers=int(workers),
        model_kwargs=model_kwargs,
        deterministic=bool(deterministic),
        sync_bn=sync_bn,
        loss_weights=_loss_weights(model, comp_loss),
        accumulate=int(accumulate),
        checkpoint_every=None if checkpoint_every is None else int(checkpoint_every),
        milestones_source=milestones_source,
        pairing=dataset.pairing,
        bg_per_fg=dataset.bg_per_fg if dataset.pairing == "random" else None,
    )
    state = saved_state(cfg, out_dir, resume)
    epoch_step = resumed_epoch_step(cfg, state)
    init: EncoderInit | None = None
    if state is None:  # a new run: the encoder starts from ImageNet weights or from scratch
        init = _encoder_init(model, model_name, encoder_init, rec)
        cfg.encoder_init = init.path or SCRATCH
        cfg.encoder_init_sha256 = init.sha256
    else:  # resumed: the weights come from the checkpoint; keep what the run started from
        saved = state.get("train_config", {})
        cfg.encoder_init = saved.get("encoder_init", SCRATCH)
        cfg.encoder_init_sha256 = saved.get("encoder_init_sha256", "")
    barrier(dist_)
    if dist_.main:
        out_dir.mkdir(parents=True, exist_ok=True)
        if state is not None:
            truncate_log(out_dir / LOG_NAME, state["epoch"], state["step"] if epoch_step else None)
        elif (out_dir / LOG_NAME).exists():  # killed before its first checkpoint: start over
            (out_dir / LOG_NAME).unlink()
    barrier(dist_)

    if sync_bn:
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    model.to(dev)
    optimizer = build_optimizer(model, rec, schedule(0))
    scaler = torch.amp.GradScaler(dev.type, enabled=dtype == torch.float16)
    run = RunSetup(
        cfg=cfg,
        dist=dist_,
        device=dev,
        amp_dtype=dtype,
        model=model,
        net=model,
        optimizer=optimizer,
        scaler=scaler,
        clipper=GradClipper(),
        schedule=schedule,
        sources=sources,
        dataset=dataset,
        out_dir=out_dir,
        resumed=state,
        encoder_init=init,
    )
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        run.clipper.load_state_dict(state["clip"])
        set_rng_state(state["rng"])
        run.epoch0, run.step, run.samples_seen = (
            state["epoch"],
            state["step"],
            state["samples_seen"],
        )
        if epoch_step:  # a mid-epoch checkpoint: epoch `epoch` is under way
            run.epoch0, run.epoch_step = state["epoch"] - 1, epoch_step
            run.epoch_losses = list(state.get("epoch_losses", []))
    if dist_.world > 1:
        run.net = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[dev.index] if dev.type == "cuda" else None, static_graph=True
        )
    return run
