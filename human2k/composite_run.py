"""Execute a composite plan in parallel, resumably: :func:`run_composite`.

One task per foreground runs in worker processes (:func:`human2k.composite_task.composite_task`);
each finished task is appended to the journal, so a killed run started again with the same
arguments skips finished work (re-hashing it) and ends with the same manifest content hash.

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

import multiprocessing
import os
import platform
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import numpy as np

from human2k.compose_pixels import blend
from human2k.composite_plan import CompositePlan
from human2k.composite_task import _raise, _worker
from human2k.errors import InputError
from human2k.images import atomic_write_bytes
from human2k.manifest import (
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    Journal,
    save_manifest,
    sha256_bytes,
    sha256_file,
)
from human2k.progress import ProgressFn

__all__ = ["run_composite"]


def _task_done(out: Path, rec: dict[str, Any] | None) -> bool:
    """A journaled task counts as done only if all its files exist with the recorded hash."""
    if rec is None:
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


def _exit_with_parent(parent_pid: int) -> None:
    """Worker initializer: end this worker when the process that started the run is gone.

    Workers come from the fork server, so a SIGKILL of the caller does not reach them; without
    this they would stay idle forever. A daemon thread checks the caller's pid once a second.
    """
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # alive, owned by someone else
                pass

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _mp_context():
    """Worker processes start from a fork server (a fresh interpreter that has imported this
    module), not by forking the caller: a forked child inherits OpenCV/OpenMP thread pools in
    whatever state the caller left them, and generating trimaps with cv2 there can deadlock."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["human2k.composite"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_composite(
    plan: CompositePlan,
    out: str | os.PathLike,
    *,
    workers: int = 1,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Execute PLAN into OUT with WORKERS processes; return the manifest (also saved to OUT).

    Args:
        plan: from :func:`plan_composite`.
        out: output folder (created; resumed if it holds a journal with the same parameters).
        workers: worker processes (1 = in this process).
        progress: ``progress("composite SPLIT", done, total)`` after each foreground, counting
            composites (``human2k.progress``).

    Raises:
        ResumeError: OUT holds a run with other parameters (the first differing one is named).
        InputError / DatasetError: a bad input file (named); finished work stays on disk.
    """
    out = Path(out)
    if workers < 1:
        raise InputError(None, f"workers must be >= 1, got {workers}", param="workers")
    out.mkdir(parents=True, exist_ok=True)
    journal = Journal.open(out, {"dataset": plan.dataset, "parameters": plan.parameters})
    _remove_stale_temporaries(out)
    started = time.time()
    t0 = time.perf_counter()
    base_files: dict[str, dict[str, Any]] = {}
    split_times: dict[str, float] = {}
    resumed = 0
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
        todo = [t for t in sp.tasks if not _task_done(out, journal.tasks.get(t.key))]
        resumed += len(sp.tasks) - len(todo)
        done = (len(sp.tasks) - len(todo)) * sp.n_bg
        if progress is not None:
            progress(f"composite {sp.split}", done, sp.n_composites)

        def finish(result, sp=sp) -> None:
            nonlocal done
            key, files, seconds, err = result
            if err is not None:
                _raise(err)
            journal.append(key, files, seconds)
            done += sp.n_bg
            if progress is not None:
                progress(f"composite {sp.split}", done, sp.n_composites)

        if workers == 1 or len(todo) <= 1:
            for t in todo:
                finish(_worker(t, str(out), options))
        else:
            _warm_up()  # load the Numba kernel once here; forked workers inherit it
            with ProcessPoolExecutor(
                max_workers=min(workers, len(todo)),
                mp_context=_mp_context(),
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            ) as pool:
                pending = {pool.submit(_worker, t, str(out), options) for t in todo}
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                    try:
                        for f in finished:
                            finish(f.result())
                    except BaseException:
                        for f in pending:
                            f.cancel()
                        raise
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
