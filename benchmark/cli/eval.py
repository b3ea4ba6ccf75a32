"""`mattebench eval`: score a folder of predictions with the DIM metrics."""

from __future__ import annotations

import math

import click

from benchmark.cli.options import scheduler_option, shard_option, workers_option


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
    help="CSV to write (image,sad,mse,grad,conn; must end in .csv); NAME.json with the protocol "
    "goes beside it. Checked before scoring: never inside an input folder, never over an "
    "existing file without --overwrite.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --out CSV and its JSON.")
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
@shard_option("images (needs --out; writes NAME.shard-I-of-N.json beside it)")
@scheduler_option("images")
def eval_cmd(
    pred_dir,
    gt_dir,
    trimap_dir,
    dataset_dir,
    trimap_set,
    name,
    results_dir,
    training_data,
    out,
    overwrite,
    workers,
    region,
    trimap_quantize,
    allow_missing,
    shard,
    scheduler,
):
    """Score existing predictions: SAD, MSE, Grad, Conn exactly as the DIM MATLAB code.

    A prediction with an alpha channel (RGBA, LA) is scored on that channel (said below and in
    the JSON); one whose colour and alpha channels hold different mattes is refused.

    \b
    Examples (Composition-1K):
      mattebench eval --pred preds/ --gt Test_set/alpha --trimap Test_set/trimaps --out scores.csv
      mattebench eval --pred preds/ --dataset comp1k/test --name mymethod --results results
    """
    from pathlib import Path

    from rich.table import Table

    from benchmark.cli.console import RichProgress, console, make_progress
    from benchmark.metrics import METRICS
    from benchmark.scoring.datasets import discover_dataset
    from benchmark.scoring.evaluate import (
        check_scores_path,
        evaluate_triplets,
        pair_files,
        pair_with_dataset,
        write_scores,
    )
    from human2k.paths import check_not_overlapping
    from human2k.worker_lifetime import signals_as_interrupts

    if (dataset_dir is None) == (gt_dir is None or trimap_dir is None):
        raise click.UsageError("give either --dataset or both --gt and --trimap")
    if dataset_dir is None and (name or trimap_set):
        raise click.UsageError("--name and --trimap-set need --dataset")
    if bool(name) != bool(results_dir):
        raise click.UsageError("--name and --results go together")
    if shard is not None and (not out or name):
        raise click.UsageError(
            "--shard needs --out (the shards are merged into it) and no --name: merge the "
            "shards, or record the external run unsharded"
        )
    inputs = {"the --pred folder": pred_dir, "the --gt folder": gt_dir}
    inputs.update({"the --trimap folder": trimap_dir, "the --dataset folder": dataset_dir})
    if out and shard is None:
        check_scores_path(out, inputs=inputs, overwrite=overwrite)
    if gt_dir and Path(pred_dir).resolve() == Path(gt_dir).resolve():
        console.print(
            "[yellow]warning: --pred and --gt are the same folder: every error will be 0[/]"
        )
    dataset = None
    if dataset_dir is not None:
        dataset = discover_dataset(dataset_dir, trimap_set=trimap_set)
        if name is not None:  # checked before any image is scored
            from benchmark.scoring.external import method_dir

            # the run folder RESULTS/<dataset>/<name>/... must stay apart from the inputs
            folder = method_dir(results_dir, dataset.name, name)
            check_not_overlapping(folder, inputs, param="results_dir")
        triplets = pair_with_dataset(pred_dir, dataset, allow_missing_preds=allow_missing)
    else:
        triplets = pair_files(pred_dir, gt_dir, trimap_dir, allow_missing_preds=allow_missing)
    if triplets.missing_preds:
        console.print(
            f"[yellow]warning: {len(triplets.missing_preds)} image(s) have no prediction and "
            "are left out (--allow-missing; recorded in the JSON)[/]"
        )
    if shard is not None:
        from benchmark.scoring.eval_shards import evaluate_shard

        paths = dict(
            pred_dir=pred_dir,
            gt_dir=gt_dir,
            trimap_dir=trimap_dir,
            dataset_dir=dataset_dir,
            trimap_set=trimap_set,
        )
        paths = {
            k: str(Path(v).resolve()) if v and k != "trimap_set" else v for k, v in paths.items()
        }
        with signals_as_interrupts(), make_progress() as bar:
            result = evaluate_shard(
                triplets,
                shard,
                out,
                inputs=paths,
                region=region,
                workers=workers,
                trimap_quantize=trimap_quantize,
                progress=RichProgress(bar),
                scheduler=scheduler,
                overwrite=overwrite,
            )
        console.print(
            f"shard {shard.label}: {len(result.records)} images scored; when all "
            f"{shard.count} shards are done: mattebench merge-shards {out}"
        )
        return
    with signals_as_interrupts(), make_progress() as bar:
        result = evaluate_triplets(
            triplets,
            region=region,
            workers=workers,
            trimap_quantize=trimap_quantize,
            progress=RichProgress(bar),
            scheduler=scheduler,
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
    alpha_read = result.pred_channels.get("alpha channel", 0)
    if alpha_read:
        console.print(
            f"[yellow]{alpha_read} prediction(s) have an alpha channel (RGBA/LA): their alpha "
            "channel was scored, not their colour channels[/]"
        )
    if out:
        json_path = write_scores(result, out, inputs=inputs, overwrite=overwrite)
        console.print(f"wrote {out} and {json_path}")
    if name:
        from benchmark.scoring.external import record_external_run

        record = record_external_run(
            result,
            dataset,
            [t.pred for t in triplets],
            results_dir,
            name=name,
            training_data=training_data,
        )
        console.print(f"recorded external run {record.extra['run_dir']}")
