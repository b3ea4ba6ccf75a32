"""`mattebench train MODEL`: train a registered deep model on online composites (resumable)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from benchmark.cli.console import RichProgress, console, make_progress
from benchmark.cli.model_options import MODEL_OPTION, parse_model_options
from benchmark.cli.options import (
    MILESTONES,
    NONNEGATIVE_FLOAT,
    POSITIVE_FLOAT,
    device_option,
    seed_option,
)

_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


@click.command("train")
@click.argument("model")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(exists=True, path_type=Path),
    required=True,
    help="Composite output root, a folder with fg/ and alpha/, or an HDF5 pack (.h5).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Run folder (log, checkpoints): new, or resumed with --resume; never inside or around "
    "--data, --bg-dir or --val-data.",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    required=True,
    help="Epochs; an epoch is a fixed number of samples.",
)
@click.option(
    "--recipe",
    type=click.Choice(["gca", "paper", "indexnet", "dim", "vitmatte"]),
    default=None,
    help="Training recipe (default: the model's own). gca: GCA-Matting's trainer, Adam 4e-4 "
    "warm-up+cosine, batch 10 per GPU, clipping, each background once per epoch; paper: "
    "TIMI-Net §4.1, Adam 0.01 ÷10 at the training set's milestones, batch 16, "
    "crop-then-transform; indexnet, dim, vitmatte: their released trainers. "
    "docs/protocols.md lists what still differs.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Per device; global batch = this × GPUs. Default: the recipe's (gca 10, paper 16).",
)
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@device_option(help="cpu, cuda or cuda:N (plain cuda under torchrun: cuda:LOCAL_RANK).")
@click.option(
    "--amp",
    type=click.Choice(["bf16", "fp16"]),
    default=None,
    is_flag=False,
    flag_value="bf16",
    help="Autocast (--amp alone = bf16).",
)
@seed_option(help="Seeds model init, data order, every sample and worker.")
@click.option(
    "--crop",
    type=click.IntRange(min=32),
    default=512,
    show_default=True,
    help="Training crop, multiple of 32.",
)
@click.option(
    "--bg-dir",
    type=_DIR,
    default=None,
    help="Background pool (default: the composite's bg/, else procedural).",
)
@click.option(
    "--val-data", type=_DIR, default=None, help="Dataset scored with `score` during training."
)
@click.option(
    "--val-trimap-set",
    default=None,
    help="Trimap folder of --val-data when it has several (trimap1).",
)
@click.option(
    "--val-every",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Validate every N epochs.",
)
@click.option(
    "--limit-samples", type=click.IntRange(min=1), default=None, help="Cap the samples per epoch."
)
@click.option(
    "--bg-per-fg",
    type=click.IntRange(min=1),
    default=None,
    help="Composites per foreground in an epoch when backgrounds are drawn (recipe paper, or no "
    "background pool). Default: the training set's released ratio (Comp-1K/Human-2K 100, "
    "D646 80); recipe gca uses each background once per epoch instead.",
)
@click.option(
    "--clip-grad/--no-clip-grad",
    default=None,
    help="GCA's gradient clipping (default: the recipe's; on for gca, off for paper).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=4,
    show_default=True,
    help="Data-loader processes.",
)
@click.option(
    "--lr", type=POSITIVE_FLOAT, default=None, help="Override the recipe's base learning rate."
)
@click.option(
    "--milestones",
    type=MILESTONES,
    default=None,
    help="paper recipe: comp1k|d646|human2k (scaled to --epochs) or epochs '20,30,40'; "
    "default: the training set's own (from its manifest).",
)
@click.option(
    "--comp-loss",
    type=NONNEGATIVE_FLOAT,
    default=0.0,
    show_default=True,
    help="Weight of the composition loss.",
)
@click.option(
    "--encoder-init",
    default=None,
    help="ImageNet-pretrained encoder weights: GCA's model_best_resnet34_En_nomixup.pth or a "
    "torchvision ResNet-34 state_dict; 'scratch' = seeded random init (not the published "
    "recipe). Default: the recipe's pretrain/model_best_resnet34_En_nomixup.pth.",
)
@click.option("--deterministic", is_flag=True, help="Deterministic algorithms (exact CPU resume).")
@click.option(
    "--accumulate",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Micro-batches per optimiser step (gradient accumulation): global batch = "
    "batch size × devices × this.",
)
@click.option(
    "--checkpoint-every",
    type=click.IntRange(min=1),
    default=None,
    help="Also checkpoint every N steps (resume continues mid-epoch); default: every epoch.",
)
@MODEL_OPTION
def train(
    model,
    data_dir,
    out,
    epochs,
    recipe,
    batch_size,
    resume,
    device,
    amp,
    seed,
    crop,
    bg_dir,
    val_data,
    val_trimap_set,
    val_every,
    limit_samples,
    bg_per_fg,
    clip_grad,
    workers,
    lr,
    milestones,
    comp_loss,
    encoder_init,
    deterministic,
    accumulate,
    checkpoint_every,
    model_options,
) -> None:
    """Train MODEL (e.g. timinet) on online composites of --data; every epoch (and every
    --checkpoint-every steps) writes an atomic checkpoint and --resume continues exactly. Launch
    with torchrun for several GPUs. SIGTERM, SIGINT or SIGUSR1 finish the current step, write a
    checkpoint and exit with code 75 (resume to continue); see docs/cluster.md.

    \b
    Example:
      mattebench train timinet --data comp1k --bg-dir coco/train2014 --epochs 186 --batch-size 10 \\
          --encoder-init pretrain/model_best_resnet34_En_nomixup.pth --device cuda --amp --out runs/timinet
      torchrun --nproc-per-node 4 $(which mattebench) train timinet ... (same options)
      mattebench train dim --model-option stage=2 --model-option init_from=runs/dim1/model.pt ...
    """
    from benchmark.training.loop import train as run_training
    from benchmark.training.preemption import EXIT_PREEMPTED, TrainingPreempted

    try:
        with make_progress() as bar:
            result = run_training(
                model,
                data_dir,
                out,
                recipe=recipe,
                epochs=epochs,
                batch_size=batch_size,
                device=device,
                amp=amp or False,
                seed=seed,
                resume=resume,
                crop=crop,
                bg_dir=bg_dir,
                val_data=val_data,
                val_trimap_set=val_trimap_set,
                val_every=val_every,
                limit_samples=limit_samples,
                workers=workers,
                lr=lr,
                milestones=milestones,
                comp_loss=comp_loss,
                deterministic=deterministic,
                accumulate=accumulate,
                checkpoint_every=checkpoint_every,
                bg_per_fg=bg_per_fg,
                clip_grad=clip_grad,
                encoder_init=encoder_init,
                model_kwargs=parse_model_options(model_options),
                progress=RichProgress(bar),
            )
    except TrainingPreempted as stop:
        if int(os.environ.get("RANK", "0")) == 0:
            r = stop.result
            console.print(
                f"stopped by {stop.signal_name} after step {r.steps} ({r.samples_seen} samples); "
                f"checkpoint {r.state}; continue with --resume (exit code {EXIT_PREEMPTED})"
            )
        raise SystemExit(EXIT_PREEMPTED) from None
    if int(os.environ.get("RANK", "0")) != 0:
        return  # under torchrun only rank 0 reports (the others' losses are not gathered)
    last = result.losses[-1] if result.losses else float("nan")
    speed = (
        f"{result.images_per_s:.3g} img/s this session"
        if result.images_per_s
        else "nothing left to train in this session (the run had already finished)"
    )
    console.print(
        f"trained {model}: {result.epochs} epochs, {result.steps} steps, {result.samples_seen} samples, "
        f"last loss {last:.4f} (the model's weighted loss terms, mostly per unknown pixels; alpha in [0,1]); {speed}"
    )
    console.print(result.encoder_init)
    console.print(f"weights: {result.checkpoint}\nstate:   {result.state}\nlog:     {result.log}")
