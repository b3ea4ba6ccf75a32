"""Score a folder of existing predictions against GT alphas and trimaps (``mattebench eval``).

Files are paired by name. The Composition-1K convention is understood: predictions and trimaps
are ``{fg}_{k}.png`` while the GT is shipped once per foreground as ``{fg}.png`` (a GT named
exactly like the prediction, as in GCA's ``alpha_copy``, is used when present).

A matte is read by :func:`human2k.images.read_matte`: a prediction saved with an alpha channel
(RGBA, LA) is scored on that channel, and the protocol record counts how many were. Several
workers run in the pool of :mod:`human2k.processes`; an error in a worker comes back as a
record and is raised here as the same one-line error. The output ``NAME.csv`` (and
``NAME.json`` beside it) is checked before any image is scored (:func:`check_scores_path`).

Example:
    >>> import numpy as np, tempfile, pathlib
    >>> from human2k.images import write_png
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for sub in ("pred", "gt", "tri"): (d / sub).mkdir()
    >>> write_png(d / "gt/cat.png", np.full((4, 4), 255, np.uint8))
    >>> for k in (0, 1):
    ...     write_png(d / f"pred/cat_{k}.png", np.zeros((4, 4), np.uint8))
    ...     write_png(d / f"tri/cat_{k}.png", np.full((4, 4), 128, np.uint8))
    >>> [(t.name, t.gt.name) for t in pair_files(d / "pred", d / "gt", d / "tri")]
    [('cat_0', 'cat.png'), ('cat_1', 'cat.png')]
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmark.metrics import METRIC_NAMES, METRIC_VERSION, METRICS, MattingMetrics
from benchmark.metrics.accumulator import compute_all
from benchmark.scoring.datasets import Dataset
from benchmark.scoring.eval_output import CSV_COLUMNS, check_scores_path, write_scores
from human2k.errors import InputError
from human2k.images import read_matte, read_trimap
from human2k.paths import IMAGE_SUFFIXES, image_files, lookup_stem
from human2k.processes import run_units
from human2k.progress import ProgressFn

__all__ = [
    "Triplet",
    "Triplets",
    "pair_files",
    "pair_with_dataset",
    "check_scores_path",
    "evaluate_triplets",
    "write_scores",
    "EvalResult",
    "result_of",
    "CSV_COLUMNS",
]


@dataclasses.dataclass(frozen=True)
class Triplet:
    """One scored image: its name (the prediction's file stem) and three paths."""

    name: str
    pred: Path
    gt: Path
    trimap: Path


class Triplets(list):
    """The paired triplets (a list), plus the images left without a prediction."""

    missing_preds: list[str]
    allow_missing_preds: bool


def _triplets(items, missing: list[str], allow: bool) -> Triplets:
    out = Triplets(items)
    out.missing_preds, out.allow_missing_preds = list(missing), bool(allow)
    return out


def _listing(folder: Path, what: str) -> dict[str, Path]:
    if not folder.is_dir():
        raise InputError(folder, f"{what} folder not found")
    return image_files(folder)


def _shown(names: Sequence[str], limit: int = 5) -> str:
    return ", ".join(names[:limit]) + (
        f" ... (+{len(names) - limit} more)" if len(names) > limit else ""
    )


def _missing_predictions(missing: list[str], where: Path, allow: bool) -> None:
    if missing and not allow:
        raise InputError(
            where,
            f"{len(missing)} trimap(s) have no prediction: {_shown(missing)} "
            f"(scoring a subset changes the mean; allow missing predictions to do it anyway)",
            param="allow_missing_preds",
        )


def pair_files(pred_dir, gt_dir, trimap_dir, *, allow_missing_preds: bool = False) -> Triplets:
    """Pair predictions with their trimaps and GT alphas by file stem (``human2k.paths``).

    Every trimap must have a prediction (a missing prediction would silently shrink the test
    set) unless ``allow_missing_preds``; every prediction must have a trimap and a GT, either
    ``{name}`` or, for ``{fg}_{k}``, the per-foreground ``{fg}``.

    Raises:
        InputError: a folder is missing, or files do not pair; the message lists them.
    """
    preds = _listing(Path(pred_dir), "prediction")
    gts = _listing(Path(gt_dir), "ground-truth alpha")
    trimaps = _listing(Path(trimap_dir), "trimap")
    if not preds:
        raise InputError(pred_dir, f"no prediction images ({', '.join(IMAGE_SUFFIXES)}) found")
    missing_trimap = [preds[n].name for n in preds if n not in trimaps]
    if missing_trimap:
        raise InputError(
            trimap_dir,
            f"no trimap for {len(missing_trimap)} prediction(s): {_shown(missing_trimap)}",
        )
    missing = [trimaps[n].name for n in trimaps if n not in preds]
    _missing_predictions(missing, Path(pred_dir), allow_missing_preds)
    triplets, missing_gt = [], []
    for name, pred in preds.items():
        gt = lookup_stem(gts, name)
        if gt is None:
            missing_gt.append(pred.name)
            continue
        triplets.append(Triplet(name, pred, gt, trimaps[name]))
    if missing_gt:
        raise InputError(
            gt_dir,
            f"no GT alpha for {len(missing_gt)} prediction(s): {_shown(missing_gt)} "
            f"(looked for NAME and, for FG_K, FG)",
        )
    return _triplets(triplets, missing, allow_missing_preds)


def pair_with_dataset(pred_dir, dataset: Dataset, *, allow_missing_preds: bool = False) -> Triplets:
    """Pair predictions with the samples of a scoring dataset (``discover_dataset``) by name.

    Raises:
        InputError: the prediction folder is missing or a sample has no prediction.
    """
    preds = _listing(Path(pred_dir), "prediction")
    missing = [s.name for s in dataset.samples if s.name not in preds]
    _missing_predictions(missing, Path(pred_dir), allow_missing_preds)
    extra = [n for n in preds if n not in {s.name for s in dataset.samples}]
    if extra:
        raise InputError(
            pred_dir,
            f"{len(extra)} prediction(s) match no image of {dataset.root}: {_shown(extra)}",
        )
    return _triplets(
        [
            Triplet(s.name, preds[s.name], s.alpha, s.trimap)
            for s in dataset.samples
            if s.name in preds
        ],
        missing,
        allow_missing_preds,
    )


def _score_one(
    triplet: Triplet, region: str, quantize: bool
) -> tuple[dict[str, Any], float, float]:
    """One image's record, and the seconds spent decoding and computing metrics."""
    t0 = time.perf_counter()
    pred, channel = read_matte(triplet.pred, what="prediction")
    gt = read_matte(triplet.gt)[0]
    trimap = read_trimap(triplet.trimap, quantize=quantize)
    t1 = time.perf_counter()
    record = {"image": triplet.name, "pred_channel": channel}  # name: the file stem
    record.update(
        compute_all(
            pred,
            gt,
            trimap,
            region=region,
            labels=(str(triplet.pred), str(triplet.gt), str(triplet.trimap)),
        )
    )
    return record, t1 - t0, time.perf_counter() - t1


@dataclasses.dataclass
class EvalResult:
    """Per-image records (in input order), means, counts and the protocol description.

    ``phase_seconds`` holds ``decode`` and ``metrics``: seconds summed over the images (so over
    all worker processes), what ``mattebench perf eval`` reports as the breakdown.
    """

    records: list[dict[str, Any]]
    means: dict[str, float]
    counts: dict[str, int]
    region: str
    seconds: float
    n_undefined_mse: int
    trimap_quantize: bool = False
    phase_seconds: dict[str, float] = dataclasses.field(default_factory=dict)
    allow_missing_preds: bool = False
    missing_preds: list[str] = dataclasses.field(default_factory=list)

    @property
    def pred_channels(self) -> dict[str, int]:
        """How many predictions were read from each channel (``grey``, ``alpha channel``)."""
        return dict(sorted(Counter(r["pred_channel"] for r in self.records).items()))

    def protocol(self) -> dict[str, Any]:
        return {
            "metric_version": METRIC_VERSION,
            "region": self.region,
            "trimap_quantize": self.trimap_quantize,
            "allow_missing_preds": self.allow_missing_preds,
            "images_without_prediction": list(self.missing_preds),
            "prediction_quantisation": "as stored (uint8 PNG files)",
            "prediction_channels": self.pred_channels,
            "scales": {k: METRICS[k].stored_scale for k in METRIC_NAMES},
            "semantics": "DIM MATLAB evaluation code (GCA copy; Conn empty-overlap rule: Omega = {})",
            "n_images": len(self.records),
            "counts_per_metric": self.counts,
            "n_undefined_mse": self.n_undefined_mse,
            "means": self.means,
            "seconds": round(self.seconds, 3),
        }


def evaluate_triplets(
    triplets: Sequence[Triplet],
    *,
    region: str = "unknown",
    workers: int = 1,
    trimap_quantize: bool = False,
    progress: ProgressFn | None = None,
    scheduler: str | None = None,
) -> EvalResult:
    """Score every triplet (in worker processes when ``workers > 1``, on the Dask cluster at
    SCHEDULER when given: :mod:`human2k.dask_units`; records in input order).

    Raises:
        InputError: the first unusable file (named), whichever process read it.
    """
    start = time.perf_counter()
    if workers < 1:
        raise InputError(None, f"workers must be >= 1, got {workers}", param="workers")
    units = [(i, (t, region, trimap_quantize)) for i, t in enumerate(triplets)]
    by_index: dict[int, dict[str, Any]] = {}
    phases = {"decode": 0.0, "metrics": 0.0}

    def collect(i: int, outcome: tuple[dict[str, Any], float, float]) -> None:
        record, decode_s, metrics_s = outcome
        by_index[i] = record
        phases["decode"] += decode_s
        phases["metrics"] += metrics_s
        if progress:
            progress("eval", len(by_index), len(units), record["image"])

    if scheduler is None and (workers == 1 or len(units) <= 1):
        for i, args in units:
            collect(i, _score_one(*args))
    else:
        if scheduler is not None:
            from human2k.dask_units import run_units_dask

            outcomes = run_units_dask(_score_one, units, scheduler=scheduler)
        else:
            outcomes = run_units(
                _score_one,
                units,
                workers=min(workers, len(units)),
                preload=["benchmark.scoring.evaluate"],
            )
        with contextlib.closing(outcomes):
            for out in outcomes:  # completion order
                out.raise_if_failed()
                collect(out.key, out.value)
    return result_of(
        [by_index[i] for i in range(len(units))],
        region=region,
        seconds=time.perf_counter() - start,
        trimap_quantize=trimap_quantize,
        phases=phases,
        allow_missing_preds=bool(getattr(triplets, "allow_missing_preds", False)),
        missing_preds=list(getattr(triplets, "missing_preds", [])),
    )


def result_of(
    records: list[dict[str, Any]],
    *,
    region: str,
    seconds: float,
    trimap_quantize: bool,
    phases: dict[str, float],
    allow_missing_preds: bool,
    missing_preds: list[str],
) -> EvalResult:
    """The :class:`EvalResult` of per-image RECORDS (in order): means, counts, undefined MSE."""
    acc = MattingMetrics(region=region)
    for record in records:
        acc.add_record(record)
    return EvalResult(
        records,
        acc.compute(),
        acc.counts(),
        region,
        seconds,
        acc.n_undefined_mse,
        trimap_quantize,
        phases,
        allow_missing_preds=allow_missing_preds,
        missing_preds=list(missing_preds),
    )
