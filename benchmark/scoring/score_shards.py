"""Score runs split into shards: each shard's files, taking them in, merging them.

Shard I of N of a score run writes only ``per_image.shard-I-of-N.csv`` (its journal, one row
per image as it finishes) and ``run.shard-I-of-N.json`` (its record) in the run folder, which
is the same folder for every shard (the run-id does not depend on the shard). When all N are
done, :func:`merge_score_shards` (``mattebench merge-shards RUN_DIR``) checks that every image
was scored by the shard that owns it, under the same run key, and writes the ``per_image.csv``
and ``run.json`` an unsharded run writes: the same bytes, except the execution fields of
:data:`~benchmark.scoring.run_summary.EXECUTION_FIELDS` and the ``seconds`` column. An
unsharded run of the same command takes finished shards in instead (:func:`take_shards_in`)
and scores what is left.

Example:
    >>> from human2k.shards import Shard
    >>> ShardFiles.of(Path("run"), Shard(1, 3)).csv.name, ShardFiles.of(Path("run"), None).json.name
    ('per_image.shard-1-of-3.csv', 'run.json')
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path
from typing import Any

from benchmark.scoring.datasets import discover_dataset
from benchmark.scoring.protocol import PER_IMAGE_CSV, RUN_JSON, RunRecord, read_run
from benchmark.scoring.run_store import PerImageJournal, canonical_json, read_per_image
from benchmark.scoring.run_summary import retry_failure, summarize
from human2k.errors import ResumeError
from human2k.images import atomic_write_bytes
from human2k.outputs import write_errors
from human2k.shards import Shard, check_one_count, missing_units_line, shard_files, units_sha256

__all__ = [
    "ShardFiles",
    "TakenShards",
    "take_shards_in",
    "earlier_rows",
    "check_shard_count",
    "merge_score_shards",
]


@dataclasses.dataclass(frozen=True)
class ShardFiles:
    """The journal and record a run (or one shard of it) writes."""

    csv: Path
    json: Path

    @classmethod
    def of(cls, run_dir: Path, shard: Shard | None) -> ShardFiles:
        if shard is None:
            return cls(run_dir / PER_IMAGE_CSV, run_dir / RUN_JSON)
        return cls(run_dir / shard.file_name(PER_IMAGE_CSV), run_dir / shard.file_name(RUN_JSON))


def read_record(path: Path) -> RunRecord:
    """A ``run.json`` or ``run.shard-I-of-N.json``."""
    return RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _shards(
    run_dir: Path, key: dict[str, Any] | None
) -> dict[Shard, tuple[RunRecord | None, dict]]:
    """Every shard's record and rows in RUN_DIR; ResumeError for a record of another run key."""
    jsons, csvs = shard_files(run_dir, RUN_JSON), shard_files(run_dir, PER_IMAGE_CSV)
    out = {}
    for shard in sorted(set(jsons) | set(csvs)):
        record = read_record(jsons[shard]) if shard in jsons else None
        out[shard] = (record, read_per_image(csvs[shard]) if shard in csvs else {})
    if key is not None:
        _check_run_key(run_dir, out, key)
    return out


def _check_run_key(run_dir: Path, shards: dict, key: dict[str, Any]) -> None:
    """ResumeError when a shard's record belongs to another run than KEY."""
    for shard, (record, _) in shards.items():
        if record is not None and canonical_json(record.extra.get("run_key")) != canonical_json(
            key
        ):
            raise ResumeError(
                f"{run_dir / shard.file_name(RUN_JSON)}: belongs to a different run "
                "(model/config/dataset differ); run every shard with the same options",
                param="out_dir",
            )


def _main_run(run_dir: Path, key: dict[str, Any]) -> tuple[RunRecord, dict] | None:
    """The unsharded record and rows in RUN_DIR when they belong to the run of KEY."""
    if not (run_dir / RUN_JSON).is_file() or not (run_dir / PER_IMAGE_CSV).is_file():
        return None
    record = read_run(run_dir)
    if canonical_json(record.extra.get("run_key")) != canonical_json(key):
        return None
    return record, read_per_image(run_dir / PER_IMAGE_CSV)


def earlier_rows(run_dir: Path, key: dict[str, Any], budget_s: float | None) -> set[str]:
    """Images the unsharded run in RUN_DIR scored (failures to retry left out): a shard
    counts them as done and never writes the unsharded files."""
    main = _main_run(run_dir, key)
    if main is None:
        return set()
    failures = main[0].extra.get("failures", {})
    return {n for n in main[1] if n not in failures or not retry_failure(failures[n], budget_s)}


def check_shard_count(run_dir: Path, shard: Shard) -> None:
    """ResumeError when RUN_DIR holds shards of another count than SHARD's."""
    found = set(shard_files(run_dir, RUN_JSON)) | set(shard_files(run_dir, PER_IMAGE_CSV))
    check_one_count(run_dir, [*found, shard], param="shard")


@dataclasses.dataclass
class TakenShards:
    """What the shards in a run folder did (rows, failures, policies, messages, time)."""

    rows: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)
    failures: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    policies: Counter = dataclasses.field(default_factory=Counter)
    messages: dict[str, str] = dataclasses.field(default_factory=dict)
    wall_s: float = 0.0
    paths: list[Path] = dataclasses.field(default_factory=list)

    def remove(self) -> None:
        """Delete the shard files (once their rows are in ``per_image.csv``)."""
        for path in self.paths:
            with write_errors(path):
                path.unlink(missing_ok=True)


def take_shards_in(run_dir: Path, key: dict[str, Any], budget_s: float | None) -> TakenShards:
    """The shards' work in RUN_DIR, failed images to retry left out (as a resume does)."""
    taken = TakenShards()
    taken.paths = [
        *shard_files(run_dir, RUN_JSON).values(),
        *shard_files(run_dir, PER_IMAGE_CSV).values(),
    ]
    for record, rows in _shards(run_dir, key).values():
        extra = record.extra if record is not None else {}
        failures = {k: v for k, v in extra.get("failures", {}).items() if k in rows}
        retry = {k for k, v in failures.items() if retry_failure(v, budget_s)}
        taken.rows.update({k: v for k, v in rows.items() if k not in retry})
        taken.failures.update({k: v for k, v in failures.items() if k not in retry})
        messages = extra.get("model_messages", {})
        taken.messages.update({k: v for k, v in messages.items() if k in taken.rows})
        taken.policies.update(extra.get("policies", {}))
        taken.wall_s += record.wall_time_s if record is not None else 0.0
    return taken


def merge_score_shards(run_dir: str | Path) -> RunRecord:
    """Check the shards of the run in RUN_DIR and write its ``per_image.csv`` and ``run.json``
    (see the module docstring). A folder already merged returns its record.

    Raises:
        ResumeError: no shards; shards of other run keys, counts or image lists; an image
            scored by a shard that does not own it; images not scored (one line naming them
            and the shards that own them).
    """
    run_dir = Path(run_dir)
    shards = _shards(run_dir, None)
    if not shards:
        if (run_dir / RUN_JSON).is_file():
            return read_run(run_dir)
        raise ResumeError(f"{run_dir}: no score shards to merge", param="out_dir")
    count = check_one_count(run_dir, shards, param="shard")
    first_shard = min((s for s, (r, _) in shards.items() if r is not None), default=None)
    if first_shard is None:
        raise ResumeError(f"{run_dir}: no shard record (run.shard-I-of-N.json)", param="out_dir")
    first = shards[first_shard][0]
    key, info = first.extra["run_key"], first.extra["shard"]
    _check_run_key(run_dir, shards, key)
    ds = discover_dataset(first.extra["dataset_dir"], trimap_set=key["trimap_set"])
    limit = first.extra.get("limit")
    names = [s.name for s in (ds.samples[:limit] if limit else ds.samples)]
    if units_sha256(names) != info["units_sha256"]:
        raise ResumeError(
            f"{first.extra['dataset_dir']}: the dataset's images changed since the shards ran; "
            "score it again",
            param="out_dir",
        )
    position = {n: i for i, n in enumerate(names)}
    rows: dict[str, dict[str, float]] = {}
    extra = {k: v for k, v in first.extra.items() if k != "shard"}
    failures, messages, policies, wall, sessions = {}, {}, Counter(), 0.0, 0
    main = _main_run(run_dir, key)
    if main is not None:  # images an unsharded session scored before the shards ran
        main_record, rows = main
        failures.update(main_record.extra.get("failures", {}))
        messages.update(main_record.extra.get("model_messages", {}))
        policies.update(main_record.extra.get("policies", {}))
        wall += main_record.wall_time_s
    for shard, (record, shard_rows) in shards.items():
        if record is None or record.extra["shard"]["units_sha256"] != info["units_sha256"]:
            raise ResumeError(
                f"{run_dir}: shard {shard.label} has no record or another image list; run it again",
                param="out_dir",
            )
        for name, row in shard_rows.items():
            if name not in position or position[name] % count != shard.index:
                raise ResumeError(
                    f"{run_dir}: image {name} is not one of shard {shard.label}'s images",
                    param="out_dir",
                )
            rows[name] = row
            failures.pop(name, None)  # scored again by the shard: an earlier failure is stale
            messages.pop(name, None)
        own = record.extra
        failures.update({k: v for k, v in own.get("failures", {}).items() if k in shard_rows})
        messages.update({k: v for k, v in own.get("model_messages", {}).items() if k in shard_rows})
        policies.update(record.extra.get("policies", {}))
        wall, sessions = wall + record.wall_time_s, max(sessions, record.extra.get("sessions", 1))
    missing = [(n, i % count) for i, n in enumerate(names) if n not in rows]
    if missing:
        raise ResumeError(
            f"{run_dir}: {missing_units_line(missing, count, len(names))}", param="out_dir"
        )
    extra.update(
        failures=failures,
        sessions=sessions,
        execution={**extra.get("execution", {}), "shards": count},
    )
    if messages:
        extra["model_messages"] = messages
    ordered = {n: rows[n] for n in names}
    summarize(
        first,
        ordered,
        extra,
        policies,
        deep=bool(key.get("inference")),
        n_expected=int(extra["n_expected"]),
        complete=True,
        wall_time_s=wall,
    )
    PerImageJournal(run_dir / PER_IMAGE_CSV, fresh=True).keep_only(ordered)
    atomic_write_bytes(run_dir / RUN_JSON, first.to_json().encode())
    TakenShards(
        paths=[
            *shard_files(run_dir, RUN_JSON).values(),
            *shard_files(run_dir, PER_IMAGE_CSV).values(),
        ]
    ).remove()
    return first
