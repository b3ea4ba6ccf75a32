"""Execute a composite plan in parallel, resumably: :func:`run_composite`.

One task per foreground runs in worker processes (:func:`human2k.composite_task.composite_task`,
through the pool of :mod:`human2k.processes`); each task is appended to the journal the moment
it finishes (and the progress moves with it), so a killed run started again with the same
arguments skips finished work (re-hashing it) and ends with the same manifest content hash.
A journaled task whose source files changed since (size or modification time) is done again.

OUT must not overlap the inputs; a folder that holds anything but an earlier run of this
composite is refused unless ``overwrite`` (which also replaces a run with other parameters,
removing the files that run recorded).

Example:
    >>> from human2k.composite_plan import plan_composite
    >>> from human2k.synthetic import write_comp1k_tree
    >>> import tempfile; d = tempfile.mkdtemp()
    >>> t = write_comp1k_tree(d, n_train_fg=1, n_test_fg=1, bg_train=1, bg_test=2, size=(40, 30))
    >>> plan = plan_composite("comp1k", root=t.adobe_root, voc_root=t.voc_root, split="test", bg_per_fg=2)
    >>> m = run_composite(plan, d + "/out")
    >>> m["run"]["composites"], m["splits"]["test"]["foregrounds"]
    (2, 1)
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from human2k.compose_pixels import blend
from human2k.composite_plan import CompositePlan
from human2k.composite_task import composite_task
from human2k.errors import InputError, OutputExistsError
from human2k.images import atomic_write_bytes
from human2k.manifest import (
    JOURNAL_NAME,
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    Journal,
    save_manifest,
    sha256_bytes,
    sha256_file,
)
from human2k.outputs import check_writable, write_errors
from human2k.paths import check_not_overlapping, resolve_inside
from human2k.processes import Outcome, run_units
from human2k.progress import ProgressFn

__all__ = ["run_composite"]


def source_fingerprint(task) -> dict[str, list[int]]:
    """``{source path: [bytes, mtime_ns]}`` of a task's inputs (a changed source redoes it)."""
    paths = (task.fg_path, task.alpha_path, *task.bg_paths, *task.trimap_paths)
    out: dict[str, list[int]] = {}
    for p in paths:
        try:
            st = os.stat(p)
            out[p] = [st.st_size, st.st_mtime_ns]
        except OSError:
            out[p] = [-1, -1]
    return out


def _task_done(out: Path, rec: dict[str, Any] | None, sources: dict[str, list[int]]) -> bool:
    """A journaled task counts as done only if its sources are unchanged and all its files
    exist with the recorded hash."""
    if rec is None:
        return False
    if "sources" in rec and rec["sources"] != sources:
        return False
    for rel, frec in rec["files"].items():
        p = out / rel
        if not p.is_file() or p.stat().st_size != frec["bytes"] or sha256_file(p) != frec["sha256"]:
            return False
    return True


def _remove_stale_temporaries(out: Path) -> None:
    for p in out.glob("*/*/.*.tmp"):
        p.unlink(missing_ok=True)
    for p in out.glob(".*.tmp"):
        p.unlink(missing_ok=True)


def _warm_up() -> None:
    z = np.zeros((1, 1, 3), np.uint8)
    blend(z, z[..., 0], z)


def _claim(out: Path, plan: CompositePlan, header: dict[str, Any], overwrite: bool) -> None:
    """Refuse an OUT that overlaps an input, or holds something else than this run (unless
    OVERWRITE, which first removes what an earlier run with other parameters recorded)."""
    roots = {"the dataset root": plan.sources.get("root")}
    for key in ("coco_root", "voc_root"):
        roots[f"the {key[:-5].upper()} folder"] = plan.sources.get(key)
    for sp in plan.splits:
        roots[f"the {sp.split} name list"] = sp.fg_list
        roots[f"the {sp.split} backgrounds"] = sp.bg_dir
    check_not_overlapping(out, roots)
    journal = out / JOURNAL_NAME
    entries = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if journal.is_file():
        try:
            found = json.loads(journal.read_bytes().split(b"\n", 1)[0])
        except json.JSONDecodeError:
            found = None
        same = found is not None and {k: found.get(k) for k in header} == header
        if overwrite and not same:
            _discard_previous(out)
    elif entries and not overwrite:
        raise OutputExistsError(
            out,
            f"holds {len(entries)} entries ({', '.join(entries[:3])}) but no composite run; "
            "choose a new folder or overwrite it",
            param="out",
        )
    check_writable(out)


def _discard_previous(out: Path) -> None:
    """Remove the files an earlier run recorded (journal, manifest), then the journal."""
    recorded: set[str] = {MANIFEST_NAME}
    manifest = out / MANIFEST_NAME
    try:
        recorded |= (
            set(json.loads(manifest.read_text("utf-8")).get("files", {}))
            if manifest.is_file()
            else set()
        )
    except (json.JSONDecodeError, UnicodeDecodeError):
        pass
    for raw in (out / JOURNAL_NAME).read_bytes().split(b"\n")[1:]:
        try:
            recorded |= set(json.loads(raw).get("files", {}))
        except (json.JSONDecodeError, AttributeError):
            continue
    for rel in sorted(recorded) + [JOURNAL_NAME]:
        path = resolve_inside(out, rel, source=(out / JOURNAL_NAME, None), what="recorded file")
        with write_errors(path):
            path.unlink(missing_ok=True)


def run_composite(
    plan: CompositePlan,
    out: str | os.PathLike,
    *,
    workers: int = 1,
    progress: ProgressFn | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Execute PLAN into OUT with WORKERS processes; return the manifest (also saved to OUT).

    Args:
        plan: from :func:`plan_composite`.
        out: output folder (created; resumed if it holds a journal with the same parameters).
        workers: worker processes (1 = in this process).
        progress: ``progress("composite SPLIT", done, total)`` after each foreground, counting
            composites (``human2k.progress``).
        overwrite: use an OUT that holds other files, or replace a run with other parameters.

    Raises:
        ResumeError: OUT holds a run with other parameters (the first differing one is named).
        OverlapError / OutputExistsError / WriteError: OUT cannot be used (nothing written).
        InputError / DatasetError: a bad input file (named); finished work stays on disk.
    """
    out = Path(out)
    if workers < 1:
        raise InputError(None, f"workers must be >= 1, got {workers}", param="workers")
    header = {"dataset": plan.dataset, "parameters": plan.parameters}
    _claim(out, plan, header, overwrite)
    journal = Journal.open(out, header)
    _remove_stale_temporaries(out)
    started = time.time()
    t0 = time.perf_counter()
    base_files: dict[str, dict[str, Any]] = {}
    split_times: dict[str, float] = {}
    resumed = changed = 0
    for sp in plan.splits:
        ts = time.perf_counter()
        if sp.generated_bg_names is not None:
            data = ("\n".join(sp.generated_bg_names)).encode("utf-8")
            atomic_write_bytes(out / sp.split / "bg_names.txt", data)
            base_files[f"{sp.split}/bg_names.txt"] = {
                "sha256": sha256_bytes(data),
                "bytes": len(data),
                "role": "list",
            }
        options = {
            "compress_level": plan.parameters["png_compress_level"],
            "save_bg": plan.parameters["save_bg"],
            "fg_extend": plan.parameters["fg_extend"],
            "trimaps": sp.trimaps,
            "trimap_preset": sp.trimap_preset,
            "trimap_params": sp.trimap_params,
            "trimap_seed": plan.parameters["trimap_seed"],
        }
        sources = {t.key: source_fingerprint(t) for t in sp.tasks}
        todo = [
            t for t in sp.tasks if not _task_done(out, journal.tasks.get(t.key), sources[t.key])
        ]
        changed += sum(t.key in journal.tasks for t in todo)
        resumed += len(sp.tasks) - len(todo)
        done = (len(sp.tasks) - len(todo)) * sp.n_bg
        if progress is not None:
            progress(f"composite {sp.split}", done, sp.n_composites)
        if workers == 1 or len(todo) <= 1:
            outcomes = (_in_process(t, out, options) for t in todo)
        else:
            _warm_up()  # compile (or load) the Numba kernel once, so workers load it from the cache
            outcomes = run_units(
                composite_task, ((t.key, (t, str(out), options)) for t in todo),
                workers=min(workers, len(todo)), preload=["human2k.composite"],
            )  # fmt: skip
        for outcome in outcomes:  # in completion order: journal and progress move with the work
            outcome.raise_if_failed()
            journal.append(
                outcome.key, outcome.value, outcome.seconds, sources=sources[outcome.key]
            )
            done += sp.n_bg
            if progress is not None:
                progress(f"composite {sp.split}", done, sp.n_composites)
        split_times[sp.split] = time.perf_counter() - ts
    packs: dict[str, Any] = {}
    if plan.parameters["format"] == "hdf5":
        from human2k.pack import pack_split

        for sp in plan.splits:
            rel = f"{sp.split}.h5"
            pack_split(out / sp.split, out / rel)
            # HDF5 layout bytes are not reproducible across processes: recorded outside the content hash
            packs[rel] = {"sha256": sha256_file(out / rel), "bytes": (out / rel).stat().st_size}
    manifest = _assemble(plan, out, journal, base_files)
    wall = time.perf_counter() - t0
    task_seconds = sum(journal.tasks[t.key]["seconds"] for sp in plan.splits for t in sp.tasks)
    disk: dict[str, int] = {}
    for rec in manifest["files"].values():
        disk[rec["role"]] = disk.get(rec["role"], 0) + rec["bytes"]
    manifest["run"] = {
        "started_unix": round(started, 3),
        "wall_seconds": round(wall, 3),
        "split_seconds": {k: round(v, 3) for k, v in split_times.items()},
        "worker_seconds_total": round(task_seconds, 3),
        "composites": plan.n_composites,
        "composites_per_second_this_run": round(plan.n_composites / wall, 3) if wall > 0 else None,
        "resumed_tasks": resumed,
        "redone_changed_sources": changed,
        "workers": workers,
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


def _in_process(task, out: Path, options: dict[str, Any]):
    t0 = time.perf_counter()
    files = composite_task(task, str(out), options)
    return Outcome(task.key, "ok", files, time.perf_counter() - t0)


def _version(module: str) -> str:
    import importlib

    return getattr(importlib.import_module(module), "__version__", "unknown")


def _assemble(
    plan: CompositePlan, out: Path, journal: Journal, base: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    files: dict[str, dict[str, Any]] = dict(base)
    splits: dict[str, Any] = {}
    for sp in plan.splits:
        for t in sp.tasks:
            files.update(journal.tasks[t.key]["files"])
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
    return {
        "format": MANIFEST_FORMAT,
        "dataset": plan.dataset,
        # the name results and leaderboards use: "synthetic-comp1k" for a procedural tree
        "dataset_label": f"synthetic-{plan.dataset}"
        if plan.sources.get("synthetic")
        else plan.dataset,
        "parameters": plan.parameters,
        "sources": plan.sources,
        "splits": splits,
        "files": dict(sorted(files.items())),
    }
