"""Score a folder of existing predictions against GT alphas and trimaps (``mattebench eval``).

Files are paired by name. The Composition-1K convention is understood: predictions and trimaps
are ``{fg}_{k}.png`` while the GT is shipped once per foreground as ``{fg}.png`` (a GT named
exactly like the prediction, as in GCA's ``alpha_copy``, is used when present).

A matte is read by :func:`human2k.images.read_matte`: a prediction saved with an alpha channel
(RGBA, LA) is scored on that channel, and the protocol record counts how many were. Errors in
worker processes come back as records and are raised here as the same one-line error. The
output ``NAME.csv`` (and ``NAME.json`` beside it) is checked before any image is scored: it must
end in ``.csv``, not overlap an input, be writable, and not exist unless ``overwrite``.

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

import contextlib
import csv
import dataclasses
import io
import json
import math
import os
import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmark.metrics import METRIC_NAMES, METRIC_VERSION, METRICS, MattingMetrics
from benchmark.metrics.accumulator import compute_all
from human2k.errors import InputError, OutputError
from human2k.images import atomic_write_bytes, read_matte, read_trimap
from human2k.outputs import prepare_output_file
from human2k.paths import check_not_overlapping
from human2k.processes import run_units
from human2k.progress import ProgressFn

__all__ = [
    "Triplet",
    "Triplets",
    "pair_files",
    "check_scores_path",
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


class Triplets(list):
    """The paired triplets (a list), plus the trimaps left without a prediction."""

    missing_preds: list[str]
    allow_missing_preds: bool


def _listing(folder: Path, what: str) -> dict[str, Path]:
    if not folder.is_dir():
        raise InputError(folder, f"{what} folder not found")
    return {p.name: p for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}


def _shown(names: Sequence[str], limit: int = 5) -> str:
    return ", ".join(names[:limit]) + (
        f" ... (+{len(names) - limit} more)" if len(names) > limit else ""
    )


def pair_files(pred_dir, gt_dir, trimap_dir, *, allow_missing_preds: bool = False) -> Triplets:
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
    triplets, missing_gt = Triplets(), []
    triplets.missing_preds = missing_pred
    triplets.allow_missing_preds = allow_missing_preds
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


def _score_one(triplet: Triplet, region: str, quantize: bool) -> dict[str, Any]:
    pred, channel = read_matte(triplet.pred, what="prediction")
    gt = read_matte(triplet.gt)[0]
    trimap = read_trimap(triplet.trimap, quantize=quantize)
    record = {"image": Path(triplet.name).stem}  # as score's per_image.csv: the name without .png
    record["pred_channel"] = channel
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
            "trimaps_without_prediction": list(self.missing_preds),
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
) -> EvalResult:
    """Score every triplet (in worker processes when ``workers > 1``; records in input order).

    Raises:
        InputError: the first unusable file (named), whichever process read it.
    """
    start = time.perf_counter()
    if workers < 1:
        raise InputError(None, f"workers must be >= 1, got {workers}", param="workers")
    units = [(i, (t, region, trimap_quantize)) for i, t in enumerate(triplets)]
    by_index: dict[int, dict[str, Any]] = {}
    if workers == 1 or len(units) <= 1:
        for i, args in units:
            by_index[i] = _score_one(*args)
            if progress:
                progress("eval", len(by_index), len(units), by_index[i]["image"])
    else:
        outcomes = run_units(
            _score_one, units, workers=min(workers, len(units)),
            preload=["benchmark.scoring.evaluate"],
        )  # fmt: skip
        with contextlib.closing(outcomes):
            for out in outcomes:  # completion order
                out.raise_if_failed()
                by_index[out.key] = out.value
                if progress:
                    progress("eval", len(by_index), len(units), out.value["image"])
    records = [by_index[i] for i in range(len(units))]
    acc = MattingMetrics(region=region)
    for record in records:
        acc.add_record(record)
    missing = list(getattr(triplets, "missing_preds", []))
    return EvalResult(
        records,
        acc.compute(),
        acc.counts(),
        region,
        time.perf_counter() - start,
        acc.n_undefined_mse,
        trimap_quantize,
        allow_missing_preds=bool(getattr(triplets, "allow_missing_preds", False)),
        missing_preds=missing,
    )


def _fmt(value: float) -> str:
    return "nan" if math.isnan(value) else repr(float(value))


def check_scores_path(
    csv_path: str | os.PathLike,
    *,
    inputs: dict[str, str | os.PathLike | None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Check the output of :func:`write_scores` before any work; return the JSON path.

    Raises:
        OutputError: CSV_PATH does not end in ``.csv`` (its ``.json`` would replace it).
        OverlapError: the CSV or JSON is, or lies inside, one of INPUTS (``{description: path}``).
        OutputExistsError: one of them exists and ``overwrite`` is off. WriteError: unwritable.
    """
    csv_path = Path(csv_path)
    check_not_overlapping(csv_path, inputs or {})
    if csv_path.suffix.lower() != ".csv":
        raise OutputError(
            csv_path,
            "must end in .csv (the protocol record is written beside it as NAME.json)",
            param="out",
        )
    json_path = csv_path.with_suffix(".json")
    for path in (csv_path, json_path):
        check_not_overlapping(path, inputs or {})
        prepare_output_file(path, overwrite=overwrite)
    return json_path


def write_scores(
    result: EvalResult,
    csv_path: str | os.PathLike,
    *,
    inputs: dict[str, str | os.PathLike | None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``image,sad,mse,grad,conn`` (SAD/1000, MSE raw, Grad/1000, Conn/1000) to CSV_PATH and
    the protocol record to the companion ``.json``; both atomically. Returns the JSON path.

    CSV_PATH is checked first (:func:`check_scores_path`, with INPUTS and OVERWRITE)."""
    json_path = check_scores_path(csv_path, inputs=inputs, overwrite=overwrite)
    csv_path = Path(csv_path)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in result.records:
        writer.writerow([r["image"], *(_fmt(r[k]) for k in METRIC_NAMES)])
    atomic_write_bytes(csv_path, buf.getvalue().encode())
    atomic_write_bytes(json_path, json.dumps(result.protocol(), indent=2, sort_keys=True).encode())
    return json_path
