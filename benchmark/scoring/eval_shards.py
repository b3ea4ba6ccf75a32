"""``mattebench eval`` split into shards: each shard's records, and merging them.

Shard I of N of ``eval --out NAME.csv`` scores its images (:mod:`human2k.shards`: image *k*
of the paired list belongs to shard ``k mod N``) and writes ``NAME.shard-I-of-N.json``
beside ``NAME.csv``: its settings, the inputs it paired, the SHA-256 of the whole image list
and its per-image records. Nothing else is written until :func:`merge_eval_shards`
(``mattebench merge-shards NAME.csv``) pairs the recorded inputs again, checks that every image
was scored once by the shard that owns it, and writes ``NAME.csv`` and ``NAME.json`` exactly
as an unsharded ``eval`` does (the ``seconds`` of the JSON excepted), then removes the shard
files. A shard started again replaces its own file; eval has no journal (it is the cheapest
step), so an interrupted shard is simply run again.

Example:
    >>> from human2k.shards import Shard
    >>> shard_path("out/scores.csv", Shard(0, 2)).name
    'scores.shard-0-of-2.json'
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmark.scoring.datasets import discover_dataset
from benchmark.scoring.eval_output import check_scores_path, write_scores
from benchmark.scoring.evaluate import (
    EvalResult,
    Triplet,
    evaluate_triplets,
    pair_files,
    pair_with_dataset,
    result_of,
)
from human2k.errors import OutputExistsError, ResumeError
from human2k.images import atomic_write_bytes
from human2k.outputs import write_errors
from human2k.progress import ProgressFn
from human2k.shards import Shard, check_one_count, missing_units_line, shard_files, units_sha256

__all__ = ["shard_path", "evaluate_shard", "merge_eval_shards", "EVAL_INPUTS"]

#: the inputs a shard records, so the merge can pair the same images again
EVAL_INPUTS = ("pred_dir", "gt_dir", "trimap_dir", "dataset_dir", "trimap_set")


def shard_path(csv_path: str | os.PathLike, shard: Shard) -> Path:
    """``NAME.shard-I-of-N.json`` beside ``NAME.csv``."""
    csv_path = Path(csv_path)
    return csv_path.parent / shard.file_name(csv_path.with_suffix(".json").name)


def _pair(inputs: dict[str, Any], allow_missing: bool):
    if inputs.get("dataset_dir"):
        ds = discover_dataset(inputs["dataset_dir"], trimap_set=inputs.get("trimap_set"))
        return pair_with_dataset(inputs["pred_dir"], ds, allow_missing_preds=allow_missing)
    return pair_files(
        inputs["pred_dir"],
        inputs["gt_dir"],
        inputs["trimap_dir"],
        allow_missing_preds=allow_missing,
    )


def evaluate_shard(
    triplets: Sequence[Triplet],
    shard: Shard,
    csv_path: str | os.PathLike,
    *,
    inputs: dict[str, Any],
    region: str = "unknown",
    workers: int = 1,
    trimap_quantize: bool = False,
    progress: ProgressFn | None = None,
    scheduler: str | None = None,
    overwrite: bool = False,
) -> EvalResult:
    """Score SHARD's triplets and write its file beside CSV_PATH (see the module docstring).

    Args:
        inputs: the folders the triplets were paired from (keys of :data:`EVAL_INPUTS`).

    Raises:
        OutputExistsError: CSV_PATH exists (without OVERWRITE), or this shard's file holds
            another evaluation. ResumeError: CSV_PATH's folder holds shards of another count.
    """
    check_scores_path(
        csv_path, inputs={k: inputs.get(k) for k in EVAL_INPUTS[:4]}, overwrite=overwrite
    )
    path = shard_path(csv_path, shard)
    check_one_count(path.parent, [*_shards(csv_path), shard])
    names = [t.name for t in triplets]
    header = {
        "inputs": {k: None if inputs.get(k) is None else str(inputs[k]) for k in EVAL_INPUTS},
        "region": region,
        "trimap_quantize": bool(trimap_quantize),
        "allow_missing_preds": bool(getattr(triplets, "allow_missing_preds", False)),
        "missing_preds": list(getattr(triplets, "missing_preds", [])),
        "units_sha256": units_sha256(names),
        "n_units": len(names),
    }
    if path.is_file() and not overwrite:
        found = json.loads(path.read_text(encoding="utf-8"))
        if {k: found.get(k) for k in header} != header:
            raise OutputExistsError(
                path,
                "holds a shard of another evaluation; overwrite it or choose another name",
                param="out",
            )
    result = evaluate_triplets(
        shard.select(list(triplets)),
        region=region,
        workers=workers,
        trimap_quantize=trimap_quantize,
        progress=progress,
        scheduler=scheduler,
    )
    record = {
        **header,
        "shard": shard.record(),
        "seconds": result.seconds,
        "phase_seconds": result.phase_seconds,
        "records": result.records,
    }
    atomic_write_bytes(path, json.dumps(record, sort_keys=True).encode("utf-8"))
    return result


def _shards(csv_path: str | os.PathLike) -> dict[Shard, Path]:
    csv_path = Path(csv_path)
    return shard_files(csv_path.parent, csv_path.with_suffix(".json").name)


def merge_eval_shards(
    csv_path: str | os.PathLike, *, overwrite: bool = False
) -> tuple[EvalResult, Path]:
    """Check the shards of ``eval --out CSV_PATH`` and write CSV_PATH and its JSON; return the
    result and the JSON path (see the module docstring).

    Raises:
        ResumeError: no shards; shards of other settings, inputs, image lists or counts; images
            not scored (one line naming them and their shards). OutputExistsError: CSV_PATH
            exists and OVERWRITE is off.
    """
    files = _shards(csv_path)
    if not files:
        raise ResumeError(
            f"{csv_path}: no eval shards (NAME.shard-I-of-N.json) to merge", param="out"
        )
    count = check_one_count(Path(csv_path).parent, files)
    found = {s: json.loads(p.read_text(encoding="utf-8")) for s, p in files.items()}
    first = found[min(found)]
    same = ("inputs", "region", "trimap_quantize", "allow_missing_preds", "units_sha256")
    for shard, rec in found.items():
        if any(rec.get(k) != first.get(k) for k in same):
            raise ResumeError(
                f"{files[shard]}: shard {shard.label} evaluated other inputs or "
                f"settings than shard {min(found).label}",
                param="out",
            )
    triplets = _pair(first["inputs"], first["allow_missing_preds"])
    names = [t.name for t in triplets]
    if units_sha256(names) != first["units_sha256"]:
        raise ResumeError(
            f"{csv_path}: the paired images changed since the shards ran; run them again",
            param="out",
        )
    position = {n: i for i, n in enumerate(names)}
    by_name: dict[str, dict[str, Any]] = {}
    for shard, rec in found.items():
        for r in rec["records"]:
            if r["image"] not in position or position[r["image"]] % count != shard.index:
                raise ResumeError(
                    f"{files[shard]}: image {r['image']} is not one of shard "
                    f"{shard.label}'s images",
                    param="out",
                )
            by_name[r["image"]] = r
    missing = [(n, i % count) for i, n in enumerate(names) if n not in by_name]
    if missing:
        raise ResumeError(
            f"{csv_path}: {missing_units_line(missing, count, len(names))}", param="out"
        )
    phases: dict[str, float] = {}
    for rec in found.values():
        for k, v in rec.get("phase_seconds", {}).items():
            phases[k] = phases.get(k, 0.0) + v
    result = result_of(
        [by_name[n] for n in names],
        region=first["region"],
        seconds=sum(r["seconds"] for r in found.values()),
        trimap_quantize=first["trimap_quantize"],
        phases=phases,
        allow_missing_preds=first["allow_missing_preds"],
        missing_preds=first["missing_preds"],
    )
    inputs = {k: v for k, v in first["inputs"].items() if k != "trimap_set"}
    json_path = write_scores(result, csv_path, inputs=inputs, overwrite=overwrite)
    for path in files.values():
        with write_errors(path):
            path.unlink(missing_ok=True)
    return result, json_path
