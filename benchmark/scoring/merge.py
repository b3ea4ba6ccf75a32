"""``mattebench merge-shards PATH``: complete whatever sharded run PATH holds.

PATH may be

* a composite output folder (``.mattebench-journal.shard-I-of-N.jsonl`` files):
  :func:`human2k.composite_finish.merge_composite_shards` writes ``manifest.json``;
* a score run folder (``per_image.shard-I-of-N.csv``):
  :func:`benchmark.scoring.score_shards.merge_score_shards` writes ``per_image.csv`` and
  ``run.json``;
* a results root (``score --out``): every run folder below it that holds shards is merged;
* the ``--out NAME.csv`` of ``eval``: :func:`benchmark.scoring.eval_shards.merge_eval_shards`
  writes ``NAME.csv`` and ``NAME.json``.

Each merge checks that every unit was done once, by the shard that owns it, under one run key,
and writes exactly what an unsharded run writes; a unit not done is one line naming it and
its shard.

Example:
    >>> import tempfile
    >>> merge_shards(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    human2k.errors.ResumeError: ...: no shards to merge (composite output, score run folder, results root or eval --out NAME.csv)
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from benchmark.scoring.protocol import PER_IMAGE_CSV, RUN_JSON
from human2k.errors import ResumeError
from human2k.journal import shard_journals
from human2k.manifest import JOURNAL_NAME, MANIFEST_NAME
from human2k.progress import ProgressFn
from human2k.shards import shard_files

__all__ = ["Merged", "merge_shards"]


@dataclasses.dataclass(frozen=True)
class Merged:
    """One merged run: its kind (``composite``, ``score``, ``eval``), where, and a summary."""

    kind: str
    path: Path
    summary: str


def _score_runs(root: Path) -> list[Path]:
    """Run folders (RESULTS/<dataset>/<model>/<run-id>) below ROOT that hold score shards."""
    found = []
    for dirpath, dirnames, _ in os.walk(root):
        dirnames.sort()
        here = Path(dirpath)
        if shard_files(here, PER_IMAGE_CSV) or shard_files(here, RUN_JSON):
            found.append(here)
        if len(here.relative_to(root).parts) >= 3:
            dirnames[:] = []
    return found


def merge_shards(
    path: str | os.PathLike, *, overwrite: bool = False, progress: ProgressFn | None = None
) -> list[Merged]:
    """Merge the sharded run(s) at PATH (see the module docstring); OVERWRITE lets an eval
    merge replace an existing ``NAME.csv``.

    Raises:
        ResumeError: PATH holds no shards, or a merge found a problem (one line).
    """
    path = Path(path)
    if path.suffix.lower() == ".csv" and not path.is_dir():
        from benchmark.scoring.eval_shards import merge_eval_shards

        result, json_path = merge_eval_shards(path, overwrite=overwrite)
        return [Merged("eval", path, f"{len(result.records)} images; {json_path.name} beside it")]
    if path.is_dir() and shard_journals(path):
        from human2k.composite_finish import merge_composite_shards

        m = merge_composite_shards(path, progress=progress)
        return [
            Merged(
                "composite",
                path,
                f"{m['run']['composites']} composites; manifest "
                f"content sha256 {m['content_sha256'][:12]}",
            )
        ]
    runs = _score_runs(path) if path.is_dir() else []
    if not runs and (path / MANIFEST_NAME).is_file() and (path / JOURNAL_NAME).is_file():
        return [Merged("composite", path, "already merged (manifest.json)")]
    if not runs and (path / RUN_JSON).is_file():
        return [Merged("score", path, "already merged (run.json)")]
    if not runs:
        raise ResumeError(
            f"{path}: no shards to merge (composite output, score run folder, results root or "
            "eval --out NAME.csv)",
            param="path",
        )
    from benchmark.scoring.score_shards import merge_score_shards

    merged = []
    for run_dir in runs:
        record = merge_score_shards(run_dir)
        merged.append(
            Merged(
                "score",
                run_dir,
                f"{record.model}: {record.n_images} images ({record.n_failed} failed)",
            )
        )
    return merged
