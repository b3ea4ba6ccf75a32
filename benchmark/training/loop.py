"""Train any registered deep model on online composites, on 1 device or under ``torchrun``.

``train(model_name, data_dir, out_dir, ...)`` is GCA-Matting's trainer rebuilt (TIMI-Net's
authors trained with it; timinet_arch.md §10–§12), for every model whose
:class:`~benchmark.models.interface.TrainingSpec` says how: the spec's loss terms over the
unknown pixels, Adam, a recipe's schedule in **samples seen** (``benchmark.training.schedule``),
GCA's gradient clipping, an atomic checkpoint after every epoch (and every ``checkpoint_every``
steps) and ``resume`` that continues exactly where the last checkpoint left off, mid-epoch
included. ``accumulate`` K runs K micro-batches per optimiser step (``benchmark.training.step``).
One DataLoader serves the whole run: with ``workers`` its processes persist across epochs.
SIGTERM, SIGINT and SIGUSR1 stop the run at the next step boundary with a checkpoint
(``benchmark.training.preemption``).

Distributed: under ``torchrun --nproc-per-node N`` (env ``WORLD_SIZE``/``RANK``/``LOCAL_RANK``)
the model is wrapped in DDP (SyncBatchNorm on CUDA; torch has no CPU SyncBatchNorm, so CPU/gloo
runs keep per-process BN and say so in the log). ``batch_size`` is **per device**; the log
states the global batch = batch_size × world size × accumulate (``benchmark.training.step``).
The main rank writes checkpoints and validates while the others wait on a barrier without a
timeout (``benchmark.training.distributed.wait_for_main``).

Outputs in ``out_dir``:

* ``train.jsonl`` — one JSON object per line: ``start`` (config, seeds, data, world size,
  ``encoder_init``: file, SHA-256, loaded / widened / skipped keys),
  ``epoch_start`` (epoch, data seed, worker seeds), ``step`` (epoch, step, global_batch,
  samples_seen, lr, loss, loss_alpha, loss_comp, loss_terms, grad_norm, images_per_s, data_s,
  seed, indices), ``checkpoint`` (a mid-epoch one), ``epoch`` (mean loss, checkpoint), ``val``
  (metric means), ``resume``, ``preempted`` (signal, where it stopped), ``end``
  (images/s of the session, peak RSS and, on CUDA, peak allocated GPU memory).
* ``last.pt`` — full training state (``benchmark.training.state``), replaced atomically at each
  checkpoint.
* ``model.pt`` — weights only, loadable by ``create_model(name, checkpoint="model.pt")``.

Example:
    >>> from benchmark.training.config import LOG_NAME
    >>> LOG_NAME
    'train.jsonl'
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from benchmark.training.config import TrainResult
from benchmark.training.distributed import init_distributed
from benchmark.training.preemption import StopRequest
from benchmark.training.run_setup import prepare_run
from benchmark.training.session import TrainingSession
from human2k.errors import InputError
from human2k.paths import check_not_overlapping
from human2k.progress import ProgressFn

__all__ = ["train"]


def train(
    model_name: str,
    data_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    recipe: str | None = None,
    epochs: int,
    batch_size: int | None = None,
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
    bg_per_fg: int | None = None,
    workers: int = 0,
    lr: float | None = None,
    warmup_epochs: float | None = None,
    milestones: str | list[float] | None = None,
    comp_loss: float = 0.0,
    clip_grad: bool | None = None,
    deterministic: bool = False,
    model_kwargs: dict[str, Any] | None = None,
    encoder_init: str | os.PathLike | None = None,
    accumulate: int = 1,
    checkpoint_every: int | None = None,
    handle_signals: bool = True,
    progress: ProgressFn | None = None,
    on_step: Callable[[dict[str, Any]], None] | None = None,
) -> TrainResult:
    """Train MODEL_NAME on online composites of DATA_DIR; write logs and checkpoints to OUT_DIR.

    Args:
        model_name: a registered deep model with a training spec (``timinet``, ...).
        data_dir: composite output root, or a folder with ``fg/`` + ``alpha/``
            (``human2k.training_sources.find_training_data``), or an HDF5 pack.
        out_dir: run folder; must be new unless ``resume``.
        recipe: ``gca`` or ``paper`` (``benchmark.training.recipes.RECIPES``; also picks the
            augmentation); default: the model's own (``TrainingSpec.default_recipe``).
        epochs: epochs to train; an epoch is ``samples_per_epoch`` samples whatever the batch.
        batch_size: per-device batch; global batch = batch_size × world size; default: the
            recipe's (``gca`` 10 — GCA ran 10 × 4 GPUs —, ``paper`` 16).
        device: ``cpu`` or ``cuda`` (under torchrun each rank takes ``cuda:LOCAL_RANK``).
        amp: autocast: ``True``/``"bf16"`` (bfloat16) or ``"fp16"`` (CUDA, with GradScaler).
        seed: seeds model init, data order, every sample and every worker.
        resume: continue from ``out_dir/last.pt`` (a new run when there is none yet).
        crop: training crop (a multiple of the model's ``crop_multiple``).
        bg_dir: background pool (default: the composite's ``bg/``, else procedural).
        val_data: a scoring dataset validated every ``val_every`` epochs and after the last
            one, into ``out_dir/val/`` (``val_trimap_set`` picks ``trimap1``/``trimap2``).
        limit_samples: cap the samples per epoch (quick runs, tests).
        bg_per_fg: composites per fg in an epoch of the ``random`` pairing (recipe ``paper``,
            or no background pool); default: the training set's released ratio from its
            manifest (Comp-1K/Human-2K 100, D646 80). Recipe ``gca`` with a background pool
            pairs each background once per epoch instead (epoch = the background list).
        workers: DataLoader worker processes (0 = load in the main process).
        lr, warmup_epochs, milestones: override the recipe's schedule (``make_schedule``);
            the ``paper`` recipe's milestones default to the training set's own.
        comp_loss: weight of the composition loss, added to the model's own loss terms.
        clip_grad: GCA gradient clipping (default: the recipe's: on for ``gca``, off for
            ``paper``, which states none).
        deterministic: ``torch.use_deterministic_algorithms(True)`` (bit-exact CPU resume).
        model_kwargs: options for ``create_model``.
        encoder_init: ImageNet-pretrained weights for the model's encoder
            (``benchmark.training.encoder_init``: GCA's ``model_best_resnet34_En_nomixup.pth``
            or a torchvision ResNet-34 state_dict), ``"scratch"`` (seeded random init: not the
            published recipe), or None: the recipe's default file
            (``pretrain/model_best_resnet34_En_nomixup.pth``), an error naming where to get it
            when it is absent. Loaded keys, skipped keys and the file's SHA-256 go to the log.
        accumulate: micro-batches of ``batch_size`` per optimiser step (gradient accumulation;
            the loss is normalised over all of them, so K × B equals one batch of K·B).
        checkpoint_every: also write ``last.pt``/``model.pt`` every this many steps (resume
            continues mid-epoch, bit-exact with ``deterministic`` on CPU).
        handle_signals: catch SIGTERM/SIGINT/SIGUSR1 (main thread): finish the step, checkpoint,
            log ``preempted`` and raise :class:`~benchmark.training.preemption.TrainingPreempted`.
        progress: ``progress("train NAME", step, total_steps, detail)`` (main rank only).
        on_step: called with every ``step`` log record (all ranks).

    Raises:
        OverlapError: OUT_DIR is, contains or lies inside an input (nothing is written).
        ResumeError: OUT_DIR holds a run and ``resume`` is off, or the saved run's settings differ.
        DatasetError, InputError, ModelError: bad data, option or model.
        TrainingPreempted: a preemption signal stopped the run (its checkpoint is resumable).
    """
    if epochs < 1 or val_every < 1 or workers < 0 or comp_loss < 0:
        raise InputError(None, "epochs and val_every must be >= 1, workers and comp_loss >= 0")
    if accumulate < 1 or (checkpoint_every is not None and checkpoint_every < 1):
        raise InputError(None, "accumulate and checkpoint_every must be >= 1")
    inputs = {"the --data folder": data_dir, "the --bg-dir folder": bg_dir}
    check_not_overlapping(out_dir, {**inputs, "the --val-data folder": val_data}, param="out_dir")
    dist_ = init_distributed(device)
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    try:
        run = prepare_run(
            model_name,
            data_dir,
            Path(out_dir),
            dist_,
            recipe=recipe,
            epochs=epochs,
            batch_size=batch_size,
            device=device,
            amp=amp,
            seed=seed,
            resume=resume,
            crop=crop,
            bg_dir=bg_dir,
            limit_samples=limit_samples,
            bg_per_fg=bg_per_fg,
            workers=workers,
            lr=lr,
            warmup_epochs=warmup_epochs,
            milestones=milestones,
            comp_loss=comp_loss,
            clip_grad=clip_grad,
            deterministic=deterministic,
            model_kwargs=model_kwargs,
            accumulate=accumulate,
            checkpoint_every=checkpoint_every,
            encoder_init=encoder_init,
        )
        with StopRequest(enabled=handle_signals) as stop:
            session = TrainingSession(run, stop, progress, on_step)
            return session.run_epochs(val_data, val_every, val_trimap_set, device)
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
        if dist_.owns_group:
            import torch.distributed as dist

            dist.destroy_process_group()
