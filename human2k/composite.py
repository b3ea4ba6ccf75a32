"""DIM-exact composition of Composition-1K, Distinctions-646 and Human-2K: a parallel, resumable runner.

:func:`plan_composite` reads a dataset's name lists (via :mod:`human2k.specs`) and resolves every
file: foreground *i* goes with background lines ``[i·N, (i+1)·N)``; missing files are named.
:func:`run_composite` executes the plan, one task per foreground (decode fg and alpha once,
then composite its N backgrounds with :mod:`human2k.compose_pixels`), in worker processes.
Outputs (all PNG, written atomically)::

    OUT/<split>/merged/<fg stem>_<k>.png     the composites (Adobe's names)
    OUT/<split>/alpha/<fg stem>.png          the GT alpha (L)
    OUT/<split>/fg/<fg stem>.png             the foreground as composited (RGB)
    OUT/<split>/bg/<fg stem>_<k>.png         the background window (--save-bg)
    OUT/<split>/fg_extended/<fg stem>.png    estimated fg colours (--fg-extend; not used by merged)
    OUT/test/trimaps/<fg stem>_<k>.png       copied (comp1k) or generated with a recorded seed
    OUT/<split>/bg_names.txt                 only when the background list was drawn (human2k)
    OUT/<split>.h5                           with fmt="hdf5" (human2k.pack; hash under manifest run.packs)
    OUT/manifest.json                        sources, parameters, SHA-256 per file, timings, disk

Each finished foreground is appended to a journal; a killed run started again with the same
arguments skips finished work (re-hashing it) and ends with the same manifest content hash.
Other arguments on a used OUT raise :class:`~human2k.errors.ResumeError` naming the parameter.

Example:
    >>> from human2k.synthetic import write_comp1k_tree
    >>> import tempfile; d = tempfile.mkdtemp()
    >>> t = write_comp1k_tree(d, n_train_fg=1, n_test_fg=1, bg_train=1, bg_test=2, size=(40, 30))
    >>> m = composite_dataset("comp1k", root=t.adobe_root, voc_root=t.voc_root, split="test", bg_per_fg=2, out=d + "/out")
    >>> sorted(p for p in m["files"] if "/merged/" in p)
    ['test/merged/beach-747750_1280_0.png', 'test/merged/beach-747750_1280_1.png']
"""

from __future__ import annotations

import os
from typing import Any

from human2k.backgrounds import bg_folder
from human2k.composite_plan import (
    COMPOSITION_VERSION,
    CompositePlan,
    CompositeTask,
    SplitPlan,
    plan_composite,
)
from human2k.composite_run import run_composite
from human2k.composite_task import composite_task
from human2k.dataset_check import CheckReport, check_dataset
from human2k.progress import ProgressFn
from human2k.shards import Shard

__all__ = [
    "COMPOSITION_VERSION",
    "CompositeTask",
    "SplitPlan",
    "CompositePlan",
    "plan_composite",
    "run_composite",
    "composite_dataset",
    "composite_task",
    "bg_folder",
    "CheckReport",
    "check_dataset",
]


def composite_dataset(
    dataset: str,
    *,
    out: str | os.PathLike,
    workers: int = 1,
    progress: ProgressFn | None = None,
    overwrite: bool = False,
    shard: Shard | None = None,
    scheduler: str | None = None,
    **plan_options: Any,
) -> dict[str, Any]:
    """Plan and run a composite in one call (the library form of ``mattebench composite``).

    Args:
        dataset: ``comp1k``, ``d646`` or ``human2k``.
        out: output folder.
        workers: worker processes.
        progress: ``progress("composite SPLIT", done, total)`` (``human2k.progress``).
        overwrite: use an OUT holding other files or another run (see :func:`run_composite`).
        shard: composite only this shard's foregrounds (see :func:`run_composite`).
        scheduler: a Dask scheduler's address to run the foregrounds on.
        **plan_options: the keyword arguments of :func:`plan_composite` (``root``, ``coco_root``,
            ``voc_root``, ``split``, ``limit_fg``, ``bg_per_fg``, ``max_bg``, ``save_bg``, ``fmt``,
            ``fg_extend``, ``trimap_seed``, ``bg_seed``, ``compress_level``).

    Returns:
        The manifest dict (also written to ``OUT/manifest.json``).
    """
    plan = plan_composite(dataset, **plan_options)
    return run_composite(
        plan,
        out,
        workers=workers,
        progress=progress,
        overwrite=overwrite,
        shard=shard,
        scheduler=scheduler,
    )
