"""Turn journaled composite tasks into ``manifest.json``; merge the journals of N shards.

:func:`plan_skeleton` is the manifest of a plan without its tasks' files (dataset, parameters,
sources, splits, the drawn background list); :func:`finish_composite` adds the files every
task recorded (in plan order), the HDF5 packs and the ``run`` section, and saves it. An
unsharded run and :func:`merge_composite_shards` both end here, so a merged manifest is the
manifest an unsharded run writes: same bytes except the ``run`` section (timings, host,
resumed tasks), which is also left out of ``content_sha256``.

Example:
    >>> from human2k.composite_plan import plan_composite
    >>> from human2k.synthetic import write_comp1k_tree
    >>> import tempfile; d = tempfile.mkdtemp()
    >>> t = write_comp1k_tree(d, n_train_fg=1, n_test_fg=1, bg_train=1, bg_test=2, size=(40, 30))
    >>> plan = plan_composite("comp1k", root=t.adobe_root, voc_root=t.voc_root, split="test", bg_per_fg=2)
    >>> skeleton, data = plan_skeleton(plan)
    >>> skeleton["splits"]["test"]["composites"], unit_keys(plan)
    (2, ['test/000000/beach-747750_1280.png'])
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from human2k.composite_plan import CompositePlan
from human2k.errors import ResumeError
from human2k.journal import Journal, check_header, read_journal, same_run, shard_journals
from human2k.manifest import (
    JOURNAL_NAME,
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    load_manifest,
    save_manifest,
    sha256_bytes,
    sha256_file,
)
from human2k.progress import ProgressFn
from human2k.shards import check_one_count, missing_units_line

__all__ = [
    "plan_skeleton",
    "unit_keys",
    "task_done",
    "remove_stale_temporaries",
    "finish_composite",
    "merge_composite_shards",
]


def unit_keys(plan: CompositePlan) -> list[str]:
    """The canonical unit list: every task's key, splits in plan order (train before test)."""
    return [t.key for sp in plan.splits for t in sp.tasks]


def plan_skeleton(plan: CompositePlan) -> tuple[dict[str, Any], dict[str, bytes]]:
    """``(manifest without task files, {relative path: bytes} of the plan's own files)``."""
    base_files: dict[str, dict[str, Any]] = {}
    data: dict[str, bytes] = {}
    splits: dict[str, Any] = {}
    for sp in plan.splits:
        if sp.generated_bg_names is not None:
            rel = f"{sp.split}/bg_names.txt"
            data[rel] = "\n".join(sp.generated_bg_names).encode("utf-8")
            base_files[rel] = {
                "sha256": sha256_bytes(data[rel]),
                "bytes": len(data[rel]),
                "role": "list",
            }
        splits[sp.split] = {
            "foregrounds": len(sp.tasks),
            "bg_per_fg": sp.bg_per_fg,
            "composites_per_fg": sp.n_bg,
            "composites": sp.n_composites,
            "bg_list": "official"
            if sp.bg_list
            else f"drawn (bg_seed={plan.parameters['bg_seed']})",
            "trimaps": sp.trimaps
            if sp.trimaps != "generated"
            else f"generated:{sp.trimap_preset}:seed={plan.parameters['trimap_seed']}",
            "fg_names": [t.fg_name for t in sp.tasks],
        }
    skeleton = {
        "format": MANIFEST_FORMAT,
        "dataset": plan.dataset,
        # the name results and leaderboards use: "synthetic-comp1k" for a procedural tree
        "dataset_label": f"synthetic-{plan.dataset}"
        if plan.sources.get("synthetic")
        else plan.dataset,
        "parameters": plan.parameters,
        "sources": plan.sources,
        "splits": splits,
        "files": base_files,
    }
    return skeleton, data


def task_done(
    out: Path, rec: dict[str, Any] | None, sources: dict | None = None, *, rehash: bool = True
) -> bool:
    """A journaled task counts as done only if its sources are unchanged (when SOURCES is
    given) and all its files exist with the recorded size (and hash, with REHASH)."""
    if rec is None:
        return False
    if sources is not None and "sources" in rec and rec["sources"] != sources:
        return False
    for rel, frec in rec["files"].items():
        p = out / rel
        if not p.is_file() or p.stat().st_size != frec["bytes"]:
            return False
        if rehash and sha256_file(p) != frec["sha256"]:
            return False
    return True


def remove_stale_temporaries(out: Path) -> None:
    """Remove temporaries a killed writer left (never while another shard may be writing)."""
    for p in out.glob("*/*/.*.tmp"):
        p.unlink(missing_ok=True)
    for p in out.glob(".*.tmp"):
        p.unlink(missing_ok=True)


def finish_composite(
    out: Path,
    skeleton: dict[str, Any],
    records: dict[str, dict[str, Any]],
    order: list[str],
    run: dict[str, Any],
) -> dict[str, Any]:
    """Write the HDF5 packs (format hdf5) and ``OUT/manifest.json``; return the manifest.

    RUN is the ``run`` section so far (timings); disk use, packs and host are added here."""
    packs: dict[str, Any] = {}
    if skeleton["parameters"]["format"] == "hdf5":
        from human2k.pack import pack_split

        for split in skeleton["splits"]:
            rel = f"{split}.h5"
            pack_split(out / split, out / rel)
            # HDF5 layout bytes are not reproducible across processes: outside the content hash
            packs[rel] = {"sha256": sha256_file(out / rel), "bytes": (out / rel).stat().st_size}
    files = dict(skeleton["files"])
    for key in order:
        files.update(records[key]["files"])
    manifest = {**skeleton, "files": dict(sorted(files.items()))}
    disk: dict[str, int] = {}
    for rec in files.values():
        disk[rec["role"]] = disk.get(rec["role"], 0) + rec["bytes"]
    manifest["run"] = {
        **run,
        "worker_seconds_total": round(sum(records[k]["seconds"] for k in order), 3),
        "disk_bytes": dict(sorted(disk.items())),
        "disk_bytes_total": sum(disk.values()) + sum(p["bytes"] for p in packs.values()),
        "packs": packs,
        "host": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "pillow": _version("PIL"),
            "numpy": np.__version__,
            "cpus": os.cpu_count(),
        },
    }
    manifest["content_sha256"] = save_manifest(out / MANIFEST_NAME, manifest)
    return manifest


def _version(module: str) -> str:
    import importlib

    return getattr(importlib.import_module(module), "__version__", "unknown")


def merge_composite_shards(out: str | os.PathLike, *, progress: ProgressFn | None = None):
    """Check that the shards in OUT did every unit exactly once, then write the manifest an
    unsharded run would write and fold the shard journals into the unsharded journal.

    Files are checked for presence and size (``mattebench datasets verify`` re-hashes them).
    A folder already merged (a manifest, no shard journal) returns its manifest.

    Raises:
        ResumeError: no shard journals; shards of other parameters, unit lists or counts; a
            unit recorded by a shard that does not own it; units not done (one line naming
            them and the shards that own them).
    """
    out, t0, started = Path(out), time.perf_counter(), time.time()
    shards = shard_journals(out)
    if not shards:
        if (out / MANIFEST_NAME).is_file():
            return load_manifest(out)
        raise ResumeError(f"{out}: no composite shard journals to merge", param="out")
    count = check_one_count(out, shards)
    read = {s: read_journal(p) for s, p in shards.items()}
    first = read[min(read)][0] or {}
    header = {"dataset": first.get("dataset"), "parameters": first.get("parameters")}
    units: list[str] = first.get("units") or []
    records: dict[str, dict[str, Any]] = {}
    main = out / JOURNAL_NAME
    main_found, main_records = read_journal(main) if main.is_file() else (None, {})
    if same_run(main_found, header):
        records.update(main_records)
    position = {k: i for i, k in enumerate(units)}
    for shard, (found, recs) in read.items():
        check_header(shards[shard], found, header)
        if found.get("units_sha256") != first.get("units_sha256"):
            raise ResumeError(
                f"{shards[shard]}: shard {shard.label} saw another list of foregrounds than "
                f"shard {min(read).label}; run all shards on the same inputs",
                param="out",
            )
        for key, rec in recs.items():
            if key not in position or position[key] % count != shard.index:
                raise ResumeError(
                    f"{shards[shard]}: unit {key} is not one of shard {shard.label}'s units",
                    param="out",
                )
            records[key] = rec
    missing = []
    for i, key in enumerate(units):
        if not task_done(out, records.get(key), rehash=False):
            missing.append((key, i % count))
        if progress is not None:
            progress("merge shards", i + 1, len(units))
    for rel, rec in first["skeleton"]["files"].items():  # written by shard 0
        p = out / rel
        if not p.is_file() or sha256_file(p) != rec["sha256"]:
            missing.insert(0, (rel, 0))
    if missing:
        raise ResumeError(f"{out}: {missing_units_line(missing, count, len(units))}", param="out")
    remove_stale_temporaries(out)
    run = {
        "started_unix": round(started, 3),
        "wall_seconds": round(time.perf_counter() - t0, 3),
        "composites": sum(s["composites"] for s in first["skeleton"]["splits"].values()),
        "merged_shards": count,
        "resumed_tasks": len(units),
        "redone_changed_sources": 0,
    }
    manifest = finish_composite(out, first["skeleton"], records, units, run)
    journal = Journal(main, header, main_records if same_run(main_found, header) else {})
    journal.fold(records, units, list(shards.values()))
    return manifest
