"""Execute a composite plan in parallel, resumably, whole or as one shard: :func:`run_composite`.

One task per foreground runs in worker processes (:func:`human2k.composite_task.composite_task`,
through the pool of :mod:`human2k.processes`, or on a Dask cluster with ``scheduler``:
:mod:`human2k.dask_units`); each task is appended to the journal the moment it finishes (and
the progress moves with it), so a killed run started again with the same arguments skips
finished work (re-hashing it) and ends with the same manifest content hash. A journaled task
whose source files changed since (size or modification time) is done again.

With ``shard=Shard(I, N)`` only the foregrounds that shard owns are composited
(:mod:`human2k.shards`), journaled in the shard's own journal; no manifest is written. When all
N shards are done, :func:`human2k.composite_finish.merge_composite_shards` (``mattebench
merge-shards OUT``) writes it, or an unsharded run with the same arguments takes the shards'
work in, does what is left and writes it: either way the manifest an unsharded run writes.

OUT must not overlap the inputs; a folder that holds anything but an earlier run of this
composite (or shards of it) is refused unless ``overwrite``
(:mod:`human2k.composite_claim`).

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

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from human2k.compose_pixels import blend
from human2k.composite_claim import claim_composite_output
from human2k.composite_finish import (
    finish_composite,
    plan_skeleton,
    remove_stale_temporaries,
    task_done,
    unit_keys,
)
from human2k.composite_plan import CompositePlan
from human2k.composite_task import composite_task
from human2k.errors import InputError
from human2k.images import atomic_write_bytes
from human2k.journal import Journal, read_journal, same_run, shard_journals
from human2k.manifest import JOURNAL_NAME
from human2k.processes import Outcome, run_units
from human2k.progress import ProgressFn
from human2k.shards import Shard, units_sha256

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


def _warm_up() -> None:
    z = np.zeros((1, 1, 3), np.uint8)
    blend(z, z[..., 0], z)


def _open_journal(
    out: Path, header: dict[str, Any], keys: list[str], skeleton: dict, shard: Shard | None
):
    """The journal this run appends to, and the records of finished work it may reuse."""
    if shard is None:
        journal = Journal.open(out, header)
        shards = shard_journals(out)
        found = {p: read_journal(p) for p in shards.values()}
        taken = {
            k: r for p, (h, recs) in found.items() if same_run(h, header) for k, r in recs.items()
        }
        if shards:  # take the shards' work in: one journal again
            journal.fold(taken, keys, list(shards.values()))
        return journal, journal.tasks
    journal = Journal.open(
        out,
        {
            **header,
            "shard": shard.record(),
            "units_sha256": units_sha256(keys),
            "units": keys,
            "skeleton": skeleton,
        },
        shard=shard,
    )
    main = out / JOURNAL_NAME
    found, earlier = read_journal(main) if main.is_file() else (None, {})
    reuse = dict(earlier) if same_run(found, header) else {}  # read only: shards never write it
    reuse.update(journal.tasks)
    return journal, reuse


def _outcomes(todo, out: Path, options: dict[str, Any], workers: int, scheduler: str | None):
    if scheduler is not None:
        from human2k.dask_units import run_units_dask

        return run_units_dask(
            composite_task, ((t.key, (t, str(out), options)) for t in todo), scheduler=scheduler
        )
    if workers == 1 or len(todo) <= 1:
        return (_in_process(t, out, options) for t in todo)
    _warm_up()  # compile (or load) the Numba kernel once, so workers load it from the cache
    return run_units(
        composite_task,
        ((t.key, (t, str(out), options)) for t in todo),
        workers=min(workers, len(todo)),
        preload=["human2k.composite"],
    )


def run_composite(
    plan: CompositePlan,
    out: str | os.PathLike,
    *,
    workers: int = 1,
    progress: ProgressFn | None = None,
    overwrite: bool = False,
    shard: Shard | None = None,
    scheduler: str | None = None,
) -> dict[str, Any]:
    """Execute PLAN into OUT with WORKERS processes; return the manifest (also saved to OUT).

    Args:
        plan: from :func:`plan_composite`.
        out: output folder (created; resumed if it holds a journal with the same parameters).
        workers: worker processes (1 = in this process).
        progress: ``progress("composite SPLIT", done, total)`` after each foreground, counting
            composites (``human2k.progress``).
        overwrite: use an OUT that holds other files, or replace a run with other parameters.
        shard: do only this shard's foregrounds; returns ``{"shard", "run"}`` instead of the
            manifest (see the module docstring).
        scheduler: the address of a Dask scheduler to run the foregrounds on (``workers`` is
            then unused).

    Raises:
        ResumeError: OUT holds a run with other parameters (the first differing one is named),
            or shards split another way.
        OverlapError / OutputExistsError / WriteError: OUT cannot be used (nothing written).
        InputError / DatasetError: a bad input file (named); finished work stays on disk.
    """
    out = Path(out)
    if workers < 1:
        raise InputError(None, f"workers must be >= 1, got {workers}", param="workers")
    header = {"dataset": plan.dataset, "parameters": plan.parameters}
    claim_composite_output(out, plan, header, overwrite=overwrite, shard=shard)
    keys, (skeleton, base_data) = unit_keys(plan), plan_skeleton(plan)
    journal, reuse = _open_journal(out, header, keys, skeleton, shard)
    if shard is None:
        remove_stale_temporaries(out)  # a shard never does: other shards are writing
    started, t0 = time.time(), time.perf_counter()
    if shard is None or shard.index == 0:  # the plan's own files: shard 0 writes them
        for rel, data in base_data.items():
            atomic_write_bytes(out / rel, data)
    position = {k: i for i, k in enumerate(keys)}
    split_times: dict[str, float] = {}
    resumed = changed = composites = 0
    for sp in plan.splits:
        ts = time.perf_counter()
        tasks = [
            t for t in sp.tasks if shard is None or position[t.key] % shard.count == shard.index
        ]
        sources = {t.key: source_fingerprint(t) for t in tasks}
        todo = [t for t in tasks if not task_done(out, reuse.get(t.key), sources[t.key])]
        changed += sum(t.key in reuse for t in todo)
        resumed += len(tasks) - len(todo)
        composites += len(tasks) * sp.n_bg
        total, done = len(tasks) * sp.n_bg, (len(tasks) - len(todo)) * sp.n_bg
        if progress is not None:
            progress(f"composite {sp.split}", done, total)
        for outcome in _outcomes(todo, out, _options(plan, sp), workers, scheduler):
            outcome.raise_if_failed()  # in completion order: journal and progress move with it
            journal.append(
                outcome.key, outcome.value, outcome.seconds, sources=sources[outcome.key]
            )
            done += sp.n_bg
            if progress is not None:
                progress(f"composite {sp.split}", done, total)
        split_times[sp.split] = time.perf_counter() - ts
    wall = time.perf_counter() - t0
    run = {
        "started_unix": round(started, 3),
        "wall_seconds": round(wall, 3),
        "split_seconds": {k: round(v, 3) for k, v in split_times.items()},
        "composites": composites,
        "composites_per_second_this_run": round(composites / wall, 3) if wall > 0 else None,
        "resumed_tasks": resumed,
        "redone_changed_sources": changed,
        "workers": workers if scheduler is None else None,
        "scheduler": scheduler,
    }
    if shard is not None:
        return {"shard": shard.label, "run": run}
    return finish_composite(out, skeleton, journal.tasks, list(position), run)


def _options(plan: CompositePlan, sp) -> dict[str, Any]:
    return {
        "compress_level": plan.parameters["png_compress_level"],
        "save_bg": plan.parameters["save_bg"],
        "fg_extend": plan.parameters["fg_extend"],
        "trimaps": sp.trimaps,
        "trimap_preset": sp.trimap_preset,
        "trimap_params": sp.trimap_params,
        "trimap_seed": plan.parameters["trimap_seed"],
    }


def _in_process(task, out: Path, options: dict[str, Any]):
    t0 = time.perf_counter()
    files = composite_task(task, str(out), options)
    return Outcome(task.key, "ok", files, time.perf_counter() - t0)
