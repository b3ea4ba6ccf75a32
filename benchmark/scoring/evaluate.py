"""Score a folder of existing predictions against GT alphas and trimaps (``mattebench eval``).

Files are paired by name. The Composition-1K convention is understood: predictions and trimaps
are ``{fg}_{k}.png`` while the GT is shipped once per foreground as ``{fg}.png`` (a GT named
exactly like the prediction, as in GCA's ``alpha_copy``, is used when present).

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

import csv
import dataclasses
import io
import json
import math
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from benchmark.metrics import METRIC_NAMES, METRIC_VERSION, METRICS, MattingMetrics
from benchmark.metrics.accumulator import compute_all
from benchmark.scoring.datasets import Dataset
from human2k.errors import InputError
from human2k.images import atomic_write_bytes, read_alpha, read_trimap
from human2k.paths import IMAGE_SUFFIXES, image_files, lookup_stem
from human2k.progress import ProgressFn

__all__ = [
    "Triplet",
    "pair_files",
    "pair_with_dataset",
    "evaluate_triplets",
    "write_scores",
    "EvalResult",
    "CSV_COLUMNS",
]

CSV_COLUMNS = ("image", "sad", "mse", "grad", "conn")


@dataclasses.dataclass(frozen=True)
class Triplet:
    """One scored image: its name (the prediction's file stem) and three paths."""

    name: str
    pred: Path
    gt: Path
    trimap: Path


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


def pair_files(pred_dir, gt_dir, trimap_dir, *, allow_missing_preds: bool = False) -> list[Triplet]:
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
    _missing_predictions(
        [trimaps[n].name for n in trimaps if n not in preds], Path(pred_dir), allow_missing_preds
    )
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
    return triplets


def pair_with_dataset(
    pred_dir, dataset: Dataset, *, allow_missing_preds: bool = False
) -> list[Triplet]:
    """Pair predictions with the samples of a scoring dataset (``discover_dataset``) by name.

    Raises:
        InputError: the prediction folder is missing or a sample has no prediction.
    """
    preds = _listing(Path(pred_dir), "prediction")
    _missing_predictions([s.name for s in dataset.samples if s.name not in preds], Path(pred_dir),
                         allow_missing_preds)  # fmt: skip
    extra = [n for n in preds if n not in {s.name for s in dataset.samples}]
    if extra:
        raise InputError(
            pred_dir,
            f"{len(extra)} prediction(s) match no image of {dataset.root}: {_shown(extra)}",
        )
    return [
        Triplet(s.name, preds[s.name], s.alpha, s.trimap)
        for s in dataset.samples
        if s.name in preds
    ]


def _score_one(args: tuple[Triplet, str, bool]) -> tuple[dict[str, Any], float, float]:
    """One image's record, and the seconds spent decoding and computing metrics."""
    triplet, region, quantize = args
    t0 = time.perf_counter()
    pred = read_alpha(triplet.pred)
    gt = read_alpha(triplet.gt)
    trimap = read_trimap(triplet.trimap, quantize=quantize)
    t1 = time.perf_counter()
    record = {"image": triplet.name}  # the file stem, as in score's per_image.csv
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

    def protocol(self) -> dict[str, Any]:
        return {
            "metric_version": METRIC_VERSION,
            "region": self.region,
            "trimap_quantize": self.trimap_quantize,
            "prediction_quantisation": "as stored (uint8 PNG files)",
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
) -> EvalResult:
    """Score every triplet (in parallel processes when ``workers > 1``)."""
    start = time.perf_counter()
    jobs = [(t, region, trimap_quantize) for t in triplets]
    records: list[dict[str, Any]] = []
    phases = {"decode": 0.0, "metrics": 0.0}

    def collect(outcome: tuple[dict[str, Any], float, float]) -> None:
        record, decode_s, metrics_s = outcome
        records.append(record)
        phases["decode"] += decode_s
        phases["metrics"] += metrics_s
        if progress:
            progress("eval", len(records), len(jobs), record["image"])

    if workers <= 1:
        for job in jobs:
            collect(_score_one(job))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for outcome in pool.map(_score_one, jobs, chunksize=max(1, len(jobs) // (8 * workers))):
                collect(outcome)
    acc = MattingMetrics(region=region)
    for record in records:
        acc.add_record(record)
    return EvalResult(
        records,
        acc.compute(),
        acc.counts(),
        region,
        time.perf_counter() - start,
        acc.n_undefined_mse,
        trimap_quantize,
        phases,
    )


def _fmt(value: float) -> str:
    return "nan" if math.isnan(value) else repr(float(value))


def write_scores(result: EvalResult, csv_path: str | os.PathLike) -> Path:
    """Write ``image,sad,mse,grad,conn`` (SAD/1000, MSE raw, Grad/1000, Conn/1000) to CSV_PATH and
    the protocol record to the companion ``.json``; both atomically. Returns the JSON path."""
    csv_path = Path(csv_path)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in result.records:
        writer.writerow([r["image"], *(_fmt(r[k]) for k in METRIC_NAMES)])
    atomic_write_bytes(csv_path, buf.getvalue().encode())
    json_path = csv_path.with_suffix(".json")
    atomic_write_bytes(json_path, json.dumps(result.protocol(), indent=2, sort_keys=True).encode())
    return json_path
