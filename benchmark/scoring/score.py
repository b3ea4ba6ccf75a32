"""Score a registered model over a dataset folder: per-image table + run record, resumable.

``score_model`` writes ``OUT/<dataset>/<model>/<run-id>/``:

* ``per_image.csv`` — columns ``image,sad,mse,grad,conn,seconds`` (SAD/1000, MSE raw,
  Grad/1000, Conn/1000 over the trimap's unknown pixels; ``seconds`` = the model's own time on
  that image). One row is appended (and fsync'ed) per finished image; a finished run rewrites
  it once, sorted in dataset order. An image that timed out or failed has NaN metrics; the
  reason is in ``run.json`` (``extra.failures``).
* ``run.json`` — a :class:`benchmark.scoring.protocol.RunRecord` with the whole protocol;
  rewritten (atomically) at the start, after every failure and at the end.
* ``preds/<image>.png`` — with ``save_preds``: the uint8 predictions that were scored.

Predictions are forced to 0/1 on the trimap's known regions (except under policy ``official``,
whose released script forces them itself) and turned into uint8 by ``quantize``: ``truncate``
by default — ``(pred * 255).astype(uint8)``, what GCA's ``tester.py`` and TIMI-Net's ``test.py``
do — or ``round`` (``benchmark.models.inference.quantize_alpha``). Under policy ``official``
without ``quantize`` the model's own ``official_quantization`` is used. Both are recorded
(``Protocol.quantization``, ``extra.quantization_source``) and split leaderboards.

The run-id is a hash of (model, model config, checkpoint SHA-256, dataset name + split +
pixel identity, trimap set, region, quantisation, and for deep models the resolution policy and
AMP), so
running the same command again resumes: images already in the CSV are skipped, except failed
ones (retried) and timed-out ones when the time budget was raised. Classical solvers run in
child processes (``workers`` at a time) under a per-image ``time_budget_s``; deep models run in
this process (``benchmark.scoring.outcomes``).

Example:
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from human2k.images import write_png
    >>> d = Path(tempfile.mkdtemp())
    >>> tri = np.zeros((8, 8), np.uint8); tri[2:6] = 128; tri[6:] = 255
    >>> write_png(d / "set/merged/a_0.png", np.zeros((8, 8, 3), np.uint8))
    >>> write_png(d / "set/alpha/a.png", np.where(tri == 255, 255, 0).astype(np.uint8))
    >>> write_png(d / "set/trimaps/a_0.png", tri)
    >>> rec = score_model("trimap_only", d / "set", d / "results")
    >>> rec.n_images, round(rec.means["sad"], 6), rec.protocol.quantization  # 32 px × 127/255
    (1, 0.015937, 'truncate')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from benchmark.models.registry import create_model, model_info
from benchmark.scoring.protocol import RunRecord
from benchmark.scoring.score_loop import score_images
from benchmark.scoring.score_run import ScoreOptions, open_run
from human2k.errors import ModelError
from human2k.progress import ProgressFn
from human2k.shards import Shard

__all__ = ["score_model", "ScoreOptions", "DEFAULT_TIME_BUDGET_S"]

DEFAULT_TIME_BUDGET_S = 300.0


def score_model(
    model_name: str,
    dataset_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    checkpoint: str | os.PathLike | None = None,
    device: str = "cpu",
    workers: int = 1,
    trimap_set: str | None = None,
    save_preds: bool = False,
    region: str = "unknown",
    limit: int | None = None,
    resume: bool = True,
    progress: ProgressFn | None = None,
    model_kwargs: dict[str, Any] | None = None,
    time_budget_s: float | None = DEFAULT_TIME_BUDGET_S,
    policy: str | None = None,
    amp: bool = False,
    quantize: str | None = None,
    shard: Shard | None = None,
    scheduler: str | None = None,
) -> RunRecord:
    """Score MODEL_NAME on DATASET_DIR and write the run folder under OUT_DIR.

    Args:
        model_name: a registered model (``mattebench models`` lists them).
        dataset_dir: composite layout (``merged/ alpha/ trimaps/``) or alphamatting layout.
        out_dir: results root; the run goes to ``<out>/<dataset>/<model>/<run-id>/``.
        checkpoint: weights file for deep models (its SHA-256 is recorded).
        device: ``cpu`` / ``cuda`` / ``cuda:1`` (deep models; classical run on the CPU).
        workers: classical models: images solved in parallel processes.
        trimap_set: trimap folder when the dataset has several (``trimap1``, ``trimap2``).
        save_preds: also write the scored uint8 predictions to ``preds/``.
        region: ``unknown`` (DIM) or ``whole``.
        limit: score only the first N images (natural name order); a later run resumes.
        resume: skip images already in the run's CSV (False starts the run over).
        progress: ``progress("score MODEL", done, total, image_name)`` after every image (once
            at the start with no image name).
        model_kwargs: options passed to ``create_model``.
        time_budget_s: per-image limit for classical models (None: no limit).
        policy: deep models' inference policy (``auto``/``native``/``tiled``/``downscaled``/
            ``official``); default: the model's own default.
        amp: bf16 autocast for deep models on CUDA.
        quantize: ``truncate`` or ``round``; default ``truncate``, or under policy
            ``official`` the model's ``official_quantization``.
        shard: score only this shard's images into the shard's own files of the run folder;
            ``merge_score_shards`` (``mattebench merge-shards``) completes the run
            (:mod:`benchmark.scoring.score_shards`).
        scheduler: a Dask scheduler's address to solve the images on (classical and trivial
            models; no per-image time budget there: ``time_budget_s`` is recorded as None).

    Returns:
        The :class:`RunRecord` also written to ``run.json``; ``extra["run_dir"]`` is the folder.

    Raises:
        DatasetError / InputError: unusable dataset folder or file (rows written so far stay).
        ModelError: unknown model, bad options, or a checkpoint for a model without weights.
        ResumeError: the run folder holds another run. OverlapError: OUT_DIR is, holds or
        lies inside the dataset (or its manifest's folder) or the checkpoint.
        UnsafePathError: the dataset's manifest labels it with a path, not a name.
    """
    options = ScoreOptions(
        device=device,
        workers=workers,
        trimap_set=trimap_set,
        save_preds=save_preds,
        region=region,
        limit=limit,
        resume=resume,
        time_budget_s=time_budget_s,
        policy=policy,
        amp=amp,
        quantize=quantize,
        shard=shard,
        scheduler=scheduler,
    )
    options.check()
    info = model_info(model_name)
    if scheduler is not None and info.kind == "deep":
        raise ModelError(
            f"{model_name} is a deep model: it runs here, on this machine's device; a Dask "
            "scheduler runs classical models only (split a deep model's images into shards)",
            param="scheduler",
        )
    if checkpoint is not None and info.kind != "deep":
        raise ModelError(
            f"{model_name} is a {info.kind} model: it has no weights, so a checkpoint would "
            "only make identical runs look like different ones",
            param="checkpoint",
        )
    model = create_model(
        model_name,
        checkpoint=None if checkpoint is None else os.fspath(checkpoint),
        **dict(model_kwargs or {}),
    )
    if checkpoint is not None and not model.weights.loaded:
        raise ModelError(f"{model_name} did not load {checkpoint}", param="checkpoint")
    run = open_run(model, info, Path(dataset_dir), Path(out_dir), options, checkpoint=checkpoint)
    return score_images(run, progress)
