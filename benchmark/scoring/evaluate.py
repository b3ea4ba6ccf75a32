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
    [('cat_0.png', 'cat.png'), ('cat_1.png', 'cat.png')]
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import re
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from benchmark.metrics import METRIC_NAMES, METRIC_VERSION, METRICS, MattingMetrics
from benchmark.metrics.accumulator import compute_all
from human2k.errors import InputError
from human2k.images import atomic_write_bytes, read_alpha, read_trimap
from human2k.progress import ProgressFn

__all__ = [
    "Triplet",
    "pair_files",
    "evaluate_triplets",
    "write_scores",
    "EvalResult",
    "CSV_COLUMNS",
]

CSV_COLUMNS = ("image", "sad", "mse", "grad", "conn")
IMAGE_SUFFIXES = (".png",)
_COMP1K_NAME = re.compile(r"^(?P<fg>.+)_(?P<k>\d+)$")


@dataclasses.dataclass(frozen=True)
class Triplet:
    """One scored image: prediction, GT and trimap paths."""

    name: str
    pred: Path
    gt: Path
    trimap: Path


def _listing(folder: Path, what: str) -> dict[str, Path]:
    if not folder.is_dir():
        raise InputError(folder, f"{what} folder not found")
    return {p.name: p for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}


def _shown(names: Sequence[str], limit: int = 5) -> str:
    return ", ".join(names[:limit]) + (
        f" ... (+{len(names) - limit} more)" if len(names) > limit else ""
    )


def pair_files(pred_dir, gt_dir, trimap_dir, *, allow_missing_preds: bool = False) -> list[Triplet]:
    """Pair predictions with their trimaps and GT alphas by file name.

    Every trimap must have a prediction (a missing prediction would silently shrink the test
    set) unless ``allow_missing_preds``; every prediction must have a trimap and a GT, either
    ``{name}.png`` or, for ``{fg}_{k}.png``, the per-foreground ``{fg}.png``.

    Raises:
        InputError: a folder is missing, or files do not pair; the message lists them.
    """
    preds = _listing(Path(pred_dir), "prediction")
    gts = _listing(Path(gt_dir), "ground-truth alpha")
    trimaps = _listing(Path(trimap_dir), "trimap")
    if not preds:
        raise InputError(pred_dir, "no .png predictions found")
    missing_trimap = [n for n in preds if n not in trimaps]
    if missing_trimap:
        raise InputError(
            trimap_dir,
            f"no trimap for {len(missing_trimap)} prediction(s): {_shown(missing_trimap)}",
        )
    missing_pred = [n for n in trimaps if n not in preds]
    if missing_pred and not allow_missing_preds:
        raise InputError(
            pred_dir,
            f"{len(missing_pred)} trimap(s) have no prediction: {_shown(missing_pred)} "
            f"(scoring a subset changes the mean; allow missing predictions to do it anyway)",
            param="allow_missing_preds",
        )
    triplets, missing_gt = [], []
    for name, pred in preds.items():
        gt = gts.get(name)
        if gt is None:
            match = _COMP1K_NAME.match(Path(name).stem)
            if match:
                gt = gts.get(match["fg"] + Path(name).suffix)
        if gt is None:
            missing_gt.append(name)
            continue
        triplets.append(Triplet(name, pred, gt, trimaps[name]))
    if missing_gt:
        raise InputError(
            gt_dir,
            f"no GT alpha for {len(missing_gt)} prediction(s): {_shown(missing_gt)} "
            f"(looked for NAME.png and, for FG_K.png, FG.png)",
        )
    return triplets


def _score_one(args: tuple[Triplet, str, bool]) -> dict[str, Any]:
    triplet, region, quantize = args
    pred = read_alpha(triplet.pred)
    gt = read_alpha(triplet.gt)
    trimap = read_trimap(triplet.trimap, quantize=quantize)
    record = {"image": Path(triplet.name).stem}  # as score's per_image.csv: the name without .png
    record.update(
        compute_all(
            pred,
            gt,
            trimap,
            region=region,
            labels=(str(triplet.pred), str(triplet.gt), str(triplet.trimap)),
        )
    )
    return record


@dataclasses.dataclass
class EvalResult:
    """Per-image records (in input order), means, counts and the protocol description."""

    records: list[dict[str, Any]]
    means: dict[str, float]
    counts: dict[str, int]
    region: str
    seconds: float
    n_undefined_mse: int
    trimap_quantize: bool = False

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
    if workers <= 1:
        for job in jobs:
            records.append(_score_one(job))
            if progress:
                progress("eval", len(records), len(jobs), records[-1]["image"])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for record in pool.map(_score_one, jobs, chunksize=max(1, len(jobs) // (8 * workers))):
                records.append(record)
                if progress:
                    progress("eval", len(records), len(jobs), record["image"])
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
