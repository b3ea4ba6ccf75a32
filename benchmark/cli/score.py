"""`mattebench score`: run a registered model over a dataset folder and write its run record."""

from __future__ import annotations

import math

import click

from benchmark.cli.console import RichProgress, console, make_progress
from benchmark.cli.model_options import MODEL_OPTION, parse_model_options
from benchmark.cli.options import device_option, scheduler_option, shard_option, workers_option


def render_run(record) -> None:
    """Print a run's means (with scale and region) and where its files are."""
    from rich.table import Table

    from benchmark.metrics.scales import METRICS

    p = record.protocol
    table = Table(title=f"{record.model} on {p.label()}", title_justify="left")
    table.add_column("images (scored/failed)")
    for spec in METRICS.values():
        table.add_column(spec.header(p.region), justify="right")
    table.add_column("s/image (model)", justify="right")
    fmt = lambda v: "n/a" if v is None or math.isnan(v) else f"{v:.5g}"  # noqa: E731
    table.add_row(
        f"{record.n_images - record.n_failed}/{record.n_failed}",
        *(fmt(record.means.get(k, math.nan)) for k in METRICS),
        fmt(record.extra.get("mean_seconds")),
    )
    console.print(table)
    for name, why in sorted(record.extra.get("failures", {}).items()):
        console.print(
            f"[yellow]{name}: {why['status']}: {why['reason']}[/] (metrics NaN, left out of the means)"
        )
    state = (
        "complete"
        if record.extra.get("complete")
        else "partial (rerun without --limit to finish; the same command resumes an interrupted run)"
    )
    console.print(
        f"{state}; device {record.device}; wall {record.wall_time_s:.1f} s; files: {record.extra['run_dir']}"
    )


@click.command("score")
@click.option(
    "--model", "model_name", required=True, help="Registered model name (`mattebench models`)."
)
@click.option(
    "--checkpoint",
    type=click.Path(exists=True),
    help="Weights file (deep models), or a Hugging Face model folder (vitmatte_s/b).",
)
@click.option(
    "--dataset",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="Composite output split (merged/ alpha/ trimaps/) or alphamatting folder (image/ alpha/ trimap1/).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Results root; the run goes to OUT/<dataset>/<model>/<run-id>/ and the same command "
    "resumes it (--no-resume starts it over). Must not overlap the dataset or the checkpoint.",
)
@device_option(help="cpu, cuda or cuda:N (deep models).")
@workers_option(help="Parallel processes (classical models).")
@click.option("--trimap-set", help="Trimap folder when the dataset has several (trimap1, trimap2).")
@click.option(
    "--save-preds", is_flag=True, help="Also write the scored uint8 predictions to preds/."
)
@click.option("--limit", type=int, help="Score only the first N images.")
@click.option(
    "--time-budget",
    type=float,
    default=300.0,
    show_default=True,
    help="Seconds per image for classical solvers; slower images are recorded as timed out (0: none).",
)
@click.option(
    "--region", type=click.Choice(["unknown", "whole"]), default="unknown", show_default=True
)
@click.option(
    "--policy",
    type=click.Choice(["auto", "native", "tiled", "downscaled", "official"]),
    default=None,
    help="Inference policy of deep models (default: the model's own; official = its released "
    "test script, where it has one).",
)
@click.option(
    "--quantize",
    type=click.Choice(["truncate", "round"]),
    default=None,
    help="How alpha becomes 8 bits before the metrics: truncate (default; GCA's tester.py and "
    "TIMI-Net's test.py) or round. Under --policy official the default is the model's own.",
)
@click.option("--amp", is_flag=True, help="bf16 autocast on CUDA (deep models).")
@click.option(
    "--no-resume", is_flag=True, help="Start the run over instead of skipping scored images."
)
@shard_option("images")
@scheduler_option("images of a classical model")
@MODEL_OPTION
def score(
    model_name,
    checkpoint,
    dataset,
    out,
    device,
    workers,
    trimap_set,
    save_preds,
    limit,
    time_budget,
    region,
    policy,
    quantize,
    amp,
    no_resume,
    shard,
    scheduler,
    model_options,
):
    """Score MODEL on a dataset: per_image.csv (SAD/1e3, MSE raw, Grad/1e3, Conn/1e3), run.json, preds/.

    SIGTERM or Ctrl-C stops the workers and keeps every finished image: the same command resumes.
    """
    from benchmark.models.registry import model_info
    from benchmark.scoring.score import score_model
    from human2k.worker_lifetime import signals_as_interrupts

    if checkpoint is None and model_info(model_name).kind == "deep":
        console.print(
            f"[yellow]warning: no --checkpoint: {model_name} is scored with untrained (random) "
            "weights, labelled so in run.json[/]"
        )
    with signals_as_interrupts(), make_progress() as bar:
        record = score_model(
            model_name,
            dataset,
            out,
            checkpoint=checkpoint,
            device=device,
            workers=workers,
            trimap_set=trimap_set,
            save_preds=save_preds,
            region=region,
            limit=limit,
            resume=not no_resume,
            time_budget_s=time_budget or None,
            policy=policy,
            amp=amp,
            quantize=quantize,
            model_kwargs=parse_model_options(model_options) or None,
            progress=RichProgress(bar),
            shard=shard,
            scheduler=scheduler,
        )
    if shard is not None:
        console.print(
            f"shard {shard.label} of {record.model}: {record.n_images - record.n_failed} images "
            f"scored, {record.n_failed} failed; when all {shard.count} shards are done: "
            f"mattebench merge-shards {record.extra['run_dir']}"
        )
        return
    render_run(record)
