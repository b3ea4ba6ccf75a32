"""`mattebench eval`: score a folder of predictions with the DIM metrics."""

from __future__ import annotations

import math

import click

from benchmark.cli.options import workers_option


@click.command("eval")
@click.option(
    "--pred",
    "pred_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder of predicted alpha PNGs.",
)
@click.option(
    "--gt",
    "gt_dir",
    type=click.Path(file_okay=False),
    help="Folder of GT alphas ({name}, or {fg} for {fg}_{k}); or use --dataset.",
)
@click.option(
    "--trimap",
    "trimap_dir",
    type=click.Path(file_okay=False),
    help="Folder of trimaps named like the predictions; or use --dataset.",
)
@click.option(
    "--dataset",
    "dataset_dir",
    type=click.Path(exists=True, file_okay=False),
    help="A scoring dataset folder (as for `score`) instead of --gt/--trimap.",
)
@click.option("--trimap-set", help="With --dataset: the trimap folder when it has several.")
@click.option(
    "--name",
    help="With --dataset: record a run named NAME under --results, beside scored models.",
)
@click.option(
    "--results",
    "results_dir",
    type=click.Path(file_okay=False),
    help="Results root for --name (as `score --out`).",
)
@click.option(
    "--training-data",
    default="unknown",
    show_default=True,
    help="With --name: what the weights were trained on.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="CSV to write (image,sad,mse,grad,conn); a .json with the protocol goes beside it.",
)
@workers_option(help="Parallel processes.")
@click.option(
    "--region",
    type=click.Choice(["unknown", "whole"]),
    default="unknown",
    show_default=True,
    help="Scored pixels: trimap==128 (DIM) or all.",
)
@click.option(
    "--trimap-quantize",
    is_flag=True,
    help="Map trimap values <85→0, ≥170→255, else 128 (with a warning) instead of failing.",
)
@click.option(
    "--allow-missing", is_flag=True, help="Score even if some trimaps have no prediction."
)
def eval_cmd(
    pred_dir, gt_dir, trimap_dir, dataset_dir, trimap_set, name, results_dir, training_data, out,
    workers, region, trimap_quantize, allow_missing,
):  # fmt: skip
    """Score existing predictions: SAD, MSE, Grad, Conn exactly as the DIM MATLAB code.

    \b
    Examples (Composition-1K):
      mattebench eval --pred preds/ --gt Test_set/alpha --trimap Test_set/trimaps --out scores.csv
      mattebench eval --pred preds/ --dataset comp1k/test --name mymethod --results results
    """
    from rich.table import Table

    from benchmark.cli.console import RichProgress, console, make_progress
    from benchmark.metrics import METRICS
    from benchmark.scoring.datasets import discover_dataset
    from benchmark.scoring.evaluate import (
        evaluate_triplets,
        pair_files,
        pair_with_dataset,
        write_scores,
    )

    if (dataset_dir is None) == (gt_dir is None or trimap_dir is None):
        raise click.UsageError("give either --dataset or both --gt and --trimap")
    if dataset_dir is None and (name or trimap_set):
        raise click.UsageError("--name and --trimap-set need --dataset")
    if bool(name) != bool(results_dir):
        raise click.UsageError("--name and --results go together")
    dataset = None
    if dataset_dir is not None:
        dataset = discover_dataset(dataset_dir, trimap_set=trimap_set)
        triplets = pair_with_dataset(pred_dir, dataset, allow_missing_preds=allow_missing)
    else:
        triplets = pair_files(pred_dir, gt_dir, trimap_dir, allow_missing_preds=allow_missing)
    with make_progress() as bar:
        result = evaluate_triplets(
            triplets,
            region=region,
            workers=workers,
            trimap_quantize=trimap_quantize,
            progress=RichProgress(bar),
        )
    table = Table(
        title=f"DIM metrics, mean over {len(result.records)} images (region: {region}, MATLAB semantics)"
    )
    for key in METRICS:
        table.add_column(METRICS[key].header(region), justify="right")
    table.add_row(*(("nan" if math.isnan(v) else f"{v:.6g}") for v in result.means.values()))
    console.print(table)
    if result.n_undefined_mse:
        console.print(
            f"[yellow]{result.n_undefined_mse} image(s) have no pixel in the region: their MSE is NaN (MATLAB 0/0) and left out of the MSE mean."
        )
    if out:
        json_path = write_scores(result, out)
        console.print(f"wrote {out} and {json_path}")
    if name:
        from benchmark.scoring.external import record_external_run

        record = record_external_run(
            result, dataset, [t.pred for t in triplets], results_dir, name=name,
            training_data=training_data,
        )  # fmt: skip
        console.print(f"recorded external run {record.extra['run_dir']}")
