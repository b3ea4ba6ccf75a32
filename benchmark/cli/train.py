"""`mattebench train MODEL`: train a registered deep model on online composites (resumable)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from benchmark.cli.console import RichProgress, console, make_progress

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
    type=click.Choice(["gca", "paper"]),
    default="gca",
    show_default=True,
    help="gca: Adam 4e-4 warm-up+cosine; paper: Adam 0.01 ÷10 at milestones.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Per device; global batch = this × GPUs.",
)
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@click.option(
    "--device",
    default="cpu",
    show_default=True,
    help="cpu or cuda (under torchrun: cuda:LOCAL_RANK).",
)
@click.option(
    "--amp",
    type=click.Choice(["bf16", "fp16"]),
    default=None,
    is_flag=False,
    flag_value="bf16",
    help="Autocast (--amp alone = bf16).",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
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
    "--workers",
    type=click.IntRange(min=0),
    default=4,
    show_default=True,
    help="Data-loader processes.",
)
@click.option("--lr", type=float, default=None, help="Override the recipe's base learning rate.")
@click.option(
    "--milestones",
    default=None,
    help="paper recipe: comp1k|d646|human2k (scaled to --epochs) or epochs '20,30,40'.",
)
@click.option(
    "--comp-loss",
    type=float,
    default=0.0,
    show_default=True,
    help="Weight of the composition loss.",
)
@click.option("--deterministic", is_flag=True, help="Deterministic algorithms (exact CPU resume).")
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
    workers,
    lr,
    milestones,
    comp_loss,
    deterministic,
) -> None:
    """Train MODEL (e.g. timinet) on online composites of --data; every epoch writes an atomic
    checkpoint and --resume continues exactly. Launch with torchrun for several GPUs.

    \b
    Example:
      mattebench train timinet --data comp1k --bg-dir coco/train2014 --epochs 186 --batch-size 10 \\
          --device cuda --amp --out runs/timinet
      torchrun --nproc-per-node 4 $(which mattebench) train timinet ... (same options)
    """
    from benchmark.training.loop import train as run_training
    from human2k.paths import check_not_overlapping

    check_not_overlapping(
        out,
        {"the --data folder": data_dir, "the --bg-dir folder": bg_dir,
         "the --val-data folder": val_data},
    )  # fmt: skip
    if milestones is not None and milestones[0].isdigit():
        milestones = [float(m) for m in milestones.split(",")]
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
            progress=RichProgress(bar),
        )
    if int(os.environ.get("RANK", "0")) != 0:
        return  # under torchrun only rank 0 reports (the others' losses are not gathered)
    last = result.losses[-1] if result.losses else float("nan")
    speed = (
        f"{result.images_per_s:.1f} img/s this session"
        if result.images_per_s
        else "nothing left to train in this session (the run had already finished)"
    )
    console.print(
        f"trained {model}: {result.epochs} epochs, {result.steps} steps, {result.samples_seen} samples, "
        f"last loss {last:.4f} (L1 over unknown pixels, alpha in [0,1]); {speed}"
    )
    console.print(f"weights: {result.checkpoint}\nstate:   {result.state}\nlog:     {result.log}")
