"""Predictions made outside mattebench as a run like any other (``mattebench eval --name``).

:func:`record_external_run` writes ``RESULTS/<dataset>/<name>/<run-id>/`` with the same
``per_image.csv`` and ``run.json`` as ``mattebench score``, so any model, from any framework,
goes on the leaderboards beside the scored ones. What mattebench cannot know is recorded as
such: provenance ``external``, quantisation and resolution ``as stored`` (the PNG files were
quantised by whoever made them), ``seconds`` NaN. Leaderboards put such a run in the table of
the same dataset, split, trimaps, region and metric version, marked "external".

Example:
    >>> EXTERNAL_QUANTIZATION
    'as stored'
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
from pathlib import Path

from benchmark.metrics.scales import METRIC_NAMES, METRIC_VERSION
from benchmark.scoring.datasets import Dataset
from benchmark.scoring.environment import checksums_sha256, versions
from benchmark.scoring.evaluate import EvalResult
from benchmark.scoring.protocol import PER_IMAGE_CSV, RUN_JSON, Protocol, RunRecord
from benchmark.scoring.run_store import PerImageJournal, run_id_of
from human2k.errors import InputError
from human2k.images import atomic_write_bytes
from human2k.manifest import sha256_file
from human2k.paths import check_not_overlapping, resolve_inside

__all__ = ["record_external_run", "method_dir", "EXTERNAL_QUANTIZATION", "EXTERNAL_PROVENANCE"]

EXTERNAL_QUANTIZATION = "as stored"
EXTERNAL_PROVENANCE = "external"


def _predictions_sha256(result_paths: list[Path]) -> str:
    """One hash over the prediction files (names and bytes): identifies the submission."""
    lines = [f"{p.name} {sha256_file(p)}" for p in sorted(result_paths, key=lambda p: p.name)]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _folder(files: list[Path]) -> Path | None:
    return Path(files[0]).parent if files else None


def method_dir(results_dir: str | os.PathLike, dataset: str, name: str) -> Path:
    """``RESULTS/<dataset>/<name>``, the folder of a method's external runs, once NAME is known
    to be a plain name and the folder to stay inside the results root (checked before any
    image is scored: ``mattebench eval`` calls it first).

    Raises:
        InputError: NAME is not a plain name (it becomes a folder).
        UnsafePathError: the folder leads outside RESULTS_DIR through a link.
    """
    if not name or name in (".", "..") or any(c in name for c in "/\\\0"):
        raise InputError(
            None, f"method name {name!r} must be a plain name (no / \\ or ..)", param="name"
        )
    return resolve_inside(results_dir, f"{dataset}/{name}", what="method folder")


def record_external_run(
    result: EvalResult,
    dataset: Dataset,
    prediction_files: list[Path],
    results_dir: str | Path,
    *,
    name: str,
    training_data: str = "unknown",
    seed: int | None = None,
) -> RunRecord:
    """Write the run folder of externally made predictions scored by ``evaluate_triplets``.

    Args:
        result: the scores (per image, in dataset order).
        dataset: the scored dataset (its name, split, manifest and trimaps identify the run).
        prediction_files: the scored prediction files (their hash keys the run).
        results_dir: the results root (``--out`` of ``mattebench score``).
        name: the method's name, used as the model name of the run.
        training_data, seed: what the submitter states about the weights.

    Raises:
        InputError: NAME is not a plain name (it becomes a folder).
        OverlapError: the run folder is, holds or lies inside the dataset or the predictions.
    """
    if len(result.records) != len(dataset.samples):
        missing = len(dataset.samples) - len(result.records)
        note = f"{missing} of {len(dataset.samples)} images have no prediction"
    else:
        note = ""
    preds_sha = _predictions_sha256(prediction_files)
    key = {
        "model": name,
        "config": {},
        "checkpoint_sha256": preds_sha,
        "dataset": dataset.name,
        "split": dataset.split,
        "manifest_sha256": dataset.manifest_sha256,
        "trimap_set": dataset.trimap_set,
        "region": result.region,
        "external": True,
    }
    run_dir = method_dir(results_dir, dataset.name, name) / run_id_of(key)
    inputs = {
        "the dataset folder": dataset.root,
        "the prediction folder": _folder(prediction_files),
    }
    check_not_overlapping(run_dir, inputs, param="results_dir")
    journal = PerImageJournal(run_dir / PER_IMAGE_CSV, fresh=True)
    for r in result.records:
        journal.append([r["image"], *(r[m] for m in METRIC_NAMES), math.nan])
    journal.rewrite_sorted([s.name for s in dataset.samples])
    record = RunRecord(
        protocol=Protocol(
            dataset=dataset.name,
            split=dataset.split,
            manifest_sha256=dataset.manifest_sha256,
            trimap_source=dataset.trimap_source,
            region=result.region,
            quantization=EXTERNAL_QUANTIZATION,
            metric_version=METRIC_VERSION,
            resolution=EXTERNAL_QUANTIZATION,
        ),
        model=name,
        model_config={},
        checkpoint_sha256=preds_sha,
        provenance=EXTERNAL_PROVENANCE,
        training_data=training_data,
        seed=seed,
        device="external",
        wall_time_s=result.seconds,
        n_images=len(result.records),
        n_failed=sum(1 for r in result.records if math.isnan(r["sad"])),
        means=dict(result.means),
        extra={
            "run_id": run_dir.name,
            "run_dir": str(run_dir),
            "run_key": key,
            "dataset_dir": str(dataset.root.resolve()),
            "layout": dataset.layout,
            "n_expected": len(dataset.samples),
            "checksums_sha256": checksums_sha256(dataset.root),
            "complete": not note,
            "incomplete_reason": note,
            "predictions_sha256": preds_sha,
            "trimap_quantize": result.trimap_quantize,
            "n_per_mean": dict(result.counts),
            "versions": versions(deep=False),
            "command": " ".join(sys.argv),
            "seconds_note": "external predictions: the model's time is unknown (NaN)",
        },
    )
    atomic_write_bytes(run_dir / RUN_JSON, record.to_json().encode())
    return record
