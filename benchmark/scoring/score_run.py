"""One score run's state: its options, key and folder, what earlier sessions left, its record.

:func:`open_run` works out the run-id from everything that changes the numbers, resumes the
folder (keeping finished rows, retrying failures) and keeps the :class:`RunRecord` that
``run.json`` holds up to date (:meth:`ScoreRun.write_record`).

Example:
    >>> ScoreOptions(workers=0).check()  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    human2k.errors.ModelError: workers must be >= 1, got 0
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmark.metrics.scales import METRIC_VERSION
from benchmark.models.alpha import DEFAULT_QUANTIZATION, QUANTIZATIONS
from benchmark.models.interface import MattingModel, ModelInfo
from benchmark.scoring.datasets import Dataset, Sample, discover_dataset
from benchmark.scoring.environment import checksums_sha256, device_label, versions
from benchmark.scoring.protocol import Protocol, RunRecord
from benchmark.scoring.run_store import PerImageJournal, canonical_json, read_per_image, run_id_of
from benchmark.scoring.run_summary import retry_failure, summarize
from benchmark.scoring.score_shards import (
    ShardFiles,
    TakenShards,
    check_shard_count,
    earlier_rows,
    read_record,
    take_shards_in,
)
from human2k.errors import ModelError, ResumeError
from human2k.images import atomic_write_bytes
from human2k.paths import check_not_overlapping, resolve_inside, safe_component
from human2k.shards import Shard, units_sha256

__all__ = ["ScoreOptions", "ScoreRun", "open_run", "quantization_of", "SECONDS_NOTE"]

SECONDS_NOTE = (
    "per-image model time: classical = solver time inside the worker process after a "
    "warm-up call (Numba kernels already loaded), deep = predict_alpha incl. transfers; "
    "excludes image I/O and metrics"
)


@dataclasses.dataclass(frozen=True)
class ScoreOptions:
    """How to score (arguments of :func:`benchmark.scoring.score.score_model`)."""

    device: str = "cpu"
    workers: int = 1
    trimap_set: str | None = None
    save_preds: bool = False
    region: str = "unknown"
    limit: int | None = None
    resume: bool = True
    time_budget_s: float | None = 300.0
    policy: str | None = None
    amp: bool = False
    quantize: str | None = None
    shard: Shard | None = None
    scheduler: str | None = None

    def check(self) -> None:
        """Raise ModelError naming the parameter for an impossible value."""
        if self.workers < 1:
            raise ModelError(f"workers must be >= 1, got {self.workers}", param="workers")
        if self.quantize is not None and self.quantize not in QUANTIZATIONS:
            raise ModelError(
                f"unknown quantization {self.quantize!r}; choose from {', '.join(QUANTIZATIONS)}",
                param="quantize",
            )
        if self.limit is not None and self.limit < 1:
            raise ModelError(f"limit must be >= 1, got {self.limit}", param="limit")
        budget = self.time_budget_s
        if budget is not None and not (budget >= 0 and math.isfinite(budget)):
            raise ModelError(
                f"time budget must be >= 0 seconds (0: none), got {budget}", param="time_budget_s"
            )


def quantization_of(model: MattingModel, policy: str, requested: str | None) -> tuple[str, str]:
    """The quantisation a run uses and why: ``(mode, source)``.

    An explicit request wins; under policy ``official`` the model's released test script decides
    (``official_quantization``, ``truncate`` unless the model says otherwise); otherwise
    :data:`~benchmark.models.inference.DEFAULT_QUANTIZATION` (``truncate``, as GCA's and TIMI-Net's
    test scripts).

    Example:
        >>> from benchmark.models.trivial import TrimapOnly
        >>> quantization_of(TrimapOnly(), "native", None), quantization_of(TrimapOnly(), "native", "round")
        (('truncate', 'default'), ('round', 'requested'))
    """
    if requested is not None:
        return requested, "requested"
    if policy == "official" and model.official_quantization:
        return model.official_quantization, "official"
    return DEFAULT_QUANTIZATION, "default"


@dataclasses.dataclass
class ScoreRun:
    """An open score run (see :func:`open_run`)."""

    model: MattingModel
    info: ModelInfo
    options: ScoreOptions
    dataset: Dataset
    run_dir: Path
    journal: PerImageJournal
    todo: list[Sample]
    n_total: int
    record: RunRecord
    extra: dict[str, Any]
    failures: dict[str, dict[str, Any]]
    policies: Counter
    wall_before: float
    files: ShardFiles
    started: float = dataclasses.field(default_factory=time.perf_counter)

    @property
    def deep(self) -> bool:
        return self.info.kind == "deep"

    @property
    def policy(self) -> str:
        return (self.options.policy or self.model.default_policy) if self.deep else "native"

    @property
    def quantization(self) -> str:
        return self.record.protocol.quantization

    def write_record(self, complete: bool) -> None:
        """Rewrite ``run.json`` (a shard: its own ``run.shard-I-of-N.json``) atomically from the
        rows written so far."""
        rows = self.journal.rows()
        summarize(
            self.record,
            rows,
            self.extra,
            self.policies,
            deep=self.deep,
            n_expected=len(self.dataset.samples),
            complete=complete and self.options.shard is None,
            wall_time_s=self.wall_before + (time.perf_counter() - self.started),
        )
        atomic_write_bytes(self.files.json, self.record.to_json().encode())

    def finish(self) -> RunRecord:
        """Sort the CSV in dataset order when every image is in, write the final record."""
        complete = len(self.journal.rows()) >= len(self.dataset.samples)
        if complete and self.options.shard is None:
            self.journal.rewrite_sorted([s.name for s in self.dataset.samples])
        self.write_record(complete)
        return self.record


def _run_key(
    model: MattingModel,
    info: ModelInfo,
    ds: Dataset,
    o: ScoreOptions,
    policy: str,
    quantization: str,
) -> dict:
    deep = info.kind == "deep"
    return {
        "model": model.name,
        "config": json.loads(canonical_json(model.config)),
        "checkpoint_sha256": model.weights.sha256,
        "dataset": ds.name,
        "split": ds.split,
        "manifest_sha256": ds.manifest_sha256,
        "trimap_set": ds.trimap_set,
        "region": o.region,
        "inference": {"policy": policy, "amp": bool(o.amp)} if deep else {},
        "quantization": quantization,
    }


def open_run(
    model: MattingModel,
    info: ModelInfo,
    dataset_dir: Path,
    out_dir: Path,
    o: ScoreOptions,
    *,
    checkpoint=None,
) -> ScoreRun:
    """Find or start the run folder of MODEL on DATASET_DIR and write its first ``run.json``.

    The run folder (``OUT_DIR/<dataset>/<model>/<run-id>``) must not overlap the dataset folder,
    the folder of its manifest or CHECKPOINT (OUT_DIR itself may hold them: it is a results root)."""
    ds = discover_dataset(dataset_dir, trimap_set=o.trimap_set)
    samples = list(ds.samples[: o.limit] if o.limit else ds.samples)
    deep = info.kind == "deep"
    policy = (o.policy or model.default_policy) if deep else "native"
    quantization, quantization_source = quantization_of(model, policy, o.quantize)
    key = _run_key(model, info, ds, o, policy, quantization)
    run_id = run_id_of(key)
    model_dir = safe_component(model.name, what="model name")
    run_dir = resolve_inside(out_dir, f"{ds.name}/{model_dir}/{run_id}", what="run folder")
    check_not_overlapping(
        run_dir,
        {
            "the dataset folder": ds.root,
            "the checkpoint": checkpoint,
            "the folder of the dataset's manifest": ds.manifest_path and ds.manifest_path.parent,
        },
        param="out_dir",
    )
    files = ShardFiles.of(run_dir, o.shard)
    prior: RunRecord | None = None
    if o.resume and files.json.exists():
        prior = read_record(files.json)
        if canonical_json(prior.extra.get("run_key")) != canonical_json(key):
            raise ResumeError(
                f"{files.json}: belongs to a different run (model/config/dataset differ); "
                f"use another output folder or delete {run_dir}",
                param="out_dir",
            )
    done = read_per_image(files.csv) if o.resume and files.csv.exists() else {}
    journal = PerImageJournal(files.csv, fresh=not o.resume)
    old = prior.extra if prior else {}
    failures = {k: v for k, v in old.get("failures", {}).items() if k in done}
    retry = [k for k, v in failures.items() if retry_failure(v, o.time_budget_s)]
    for k in retry:  # errors, and timeouts under a smaller budget, are tried again
        done.pop(k)
        failures.pop(k)
    policies, wall = Counter(old.get("policies", {})), prior.wall_time_s if prior else 0.0
    messages = {k: v for k, v in old.get("model_messages", {}).items() if k in done}
    taken, earlier = None, set()
    if o.shard is None and list(run_dir.glob("*.shard-*")):  # take finished shards in
        taken = take_shards_in(run_dir, key, o.time_budget_s) if o.resume else TakenShards()
        taken.paths = list(run_dir.glob("*.shard-*-of-*.*"))
        done.update(taken.rows)
        failures.update(taken.failures)
        messages.update(taken.messages)
        policies.update(taken.policies)
        wall += taken.wall_s
    elif o.shard is not None:
        check_shard_count(run_dir, o.shard)
        earlier = earlier_rows(run_dir, key, o.time_budget_s) if o.resume else set()
    if retry or taken is not None:
        journal.keep_only(done)
    weights = model.weights
    record = RunRecord(
        protocol=Protocol(
            dataset=ds.name,
            split=ds.split,
            manifest_sha256=ds.manifest_sha256,
            trimap_source=ds.trimap_source,
            region=o.region,
            quantization=quantization,
            metric_version=METRIC_VERSION,
            resolution="native",
        ),
        model=model.name,
        model_config=key["config"],
        checkpoint_sha256=weights.sha256,
        provenance="official-weights" if weights.training_data == "official" else info.provenance,
        training_data=weights.training_data,
        seed=weights.seed,
        device=device_label(o.device, deep),
    )
    extra: dict[str, Any] = {
        "run_id": run_id,
        "run_dir": str(run_dir),
        "run_key": key,
        "dataset_dir": str(dataset_dir.resolve()),
        "layout": ds.layout,
        "n_expected": len(ds.samples),
        "checksums_sha256": checksums_sha256(ds.root),
        "limit": o.limit,
        "failures": failures,
        "time_budget_s": None if deep or o.scheduler else o.time_budget_s,
        "workers": 1 if deep else o.workers,
        "seconds_note": SECONDS_NOTE,
        "versions": versions(deep),
        "command": " ".join(sys.argv),
        "sessions": (prior.extra.get("sessions", 0) if prior else 0) + 1,
        "policy_requested": policy,
        "amp": bool(o.amp) if deep else False,
        "quantization_source": quantization_source,
        "known_regions": "forced by the official script (its trimap classes)"
        if policy == "official"
        else "forced: trimap 0 -> 0, 255 -> 1",
        "weights": weights.label(),
        "execution": {"shards": o.shard.count if o.shard else 1, "scheduler": o.scheduler},
    }
    if messages:
        extra["model_messages"] = messages
    if o.shard is not None:
        names = [s.name for s in samples]
        extra["shard"] = {
            **o.shard.record(),
            "units_sha256": units_sha256(names),
            "n_units": len(names),
        }
        samples = o.shard.select(samples)
    run = ScoreRun(
        model=model,
        info=info,
        options=o,
        dataset=ds,
        run_dir=run_dir,
        journal=journal,
        todo=[s for s in samples if s.name not in done and s.name not in earlier],
        n_total=len(samples),
        record=record,
        extra=extra,
        failures=failures,
        policies=policies,
        wall_before=wall,
        files=files,
    )
    run.write_record(False)
    if taken is not None:
        taken.remove()  # their rows are in per_image.csv and run.json now
    return run
