"""Claim a composite output folder before any work (:func:`claim_composite_output`).

A folder is used when it is new or empty, or holds journals of this same run (same dataset and
parameters): the unsharded journal, or the journals of shards running at the same time. N
shards started at once into one ``--out`` therefore see each other as the same run, never as
"existing output": the probe files and temporaries another shard is writing at that moment are
not counted as contents. A folder holding anything else, or a run with other parameters, is
refused unless ``overwrite`` (which first removes the files that other run recorded). Shards
of one run must all be split the same way: a shard ``I/N`` refuses a folder holding shards of
another N.

Example:
    >>> is_transient(".mattebench-probe-x1y2"), is_transient(".a_0.png.k3j.tmp"), is_transient("test")
    (True, True, False)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from human2k.composite_plan import CompositePlan
from human2k.errors import OutputExistsError
from human2k.journal import (
    check_header,
    read_journal,
    read_journal_header,
    same_run,
    shard_journals,
)
from human2k.manifest import JOURNAL_NAME, MANIFEST_NAME
from human2k.outputs import check_writable, write_errors
from human2k.paths import check_not_overlapping, resolve_inside
from human2k.shards import Shard, check_one_count

__all__ = ["claim_composite_output", "is_transient"]


def is_transient(name: str) -> bool:
    """A probe or temporary file another process of this run may be writing right now."""
    return name.startswith(".mattebench-probe-") or (name.startswith(".") and name.endswith(".tmp"))


def _inputs(plan: CompositePlan) -> dict[str, Any]:
    roots = {"the dataset root": plan.sources.get("root")}
    for key in ("coco_root", "voc_root"):
        roots[f"the {key[:-5].upper()} folder"] = plan.sources.get(key)
    for sp in plan.splits:
        roots[f"the {sp.split} name list"] = sp.fg_list
        roots[f"the {sp.split} backgrounds"] = sp.bg_dir
    return roots


def claim_composite_output(
    out: Path,
    plan: CompositePlan,
    header: dict[str, Any],
    *,
    overwrite: bool,
    shard: Shard | None,
) -> None:
    """Refuse an OUT that overlaps an input or holds something else than this run (see the
    module docstring); with OVERWRITE, remove what a run with other parameters recorded.

    Raises:
        OverlapError, OutputExistsError, ResumeError (another run; mixed shard counts),
        WriteError.
    """
    check_not_overlapping(out, _inputs(plan))
    journals: list[Path] = []
    if (out / JOURNAL_NAME).is_file():
        journals.append(out / JOURNAL_NAME)
    shards = shard_journals(out)
    journals += list(shards.values())
    entries = (
        sorted(p.name for p in out.iterdir() if not is_transient(p.name)) if out.is_dir() else []
    )
    if journals:
        headers = {path: read_journal_header(path) for path in journals}
        foreign = [p for p, found in headers.items() if not same_run(found, header)]
        if not overwrite:  # an unreadable header is started over (Journal.open)
            for path in foreign:
                if headers[path] is not None:
                    check_header(out, headers[path], header)
        elif foreign:
            _discard(out, foreign, header)
        if shard is not None:
            mine = [s for s, p in shards.items() if p not in foreign]
            check_one_count(out, [*mine, shard])
    elif entries and not overwrite:
        raise OutputExistsError(
            out,
            f"holds {len(entries)} entries ({', '.join(entries[:3])}) but no composite run; "
            "choose a new folder or overwrite it",
            param="out",
        )
    check_writable(out)


def _discard(out: Path, journals: list[Path], header: dict[str, Any]) -> None:
    """Remove the files the JOURNALS (and a manifest of another run) recorded, then them."""
    recorded: set[str] = set()
    manifest = out / MANIFEST_NAME
    try:
        found = json.loads(manifest.read_text("utf-8")) if manifest.is_file() else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        found = {}
    if found is not None and not same_run(found, header):
        recorded |= set(found.get("files", {})) | {MANIFEST_NAME}
    for path in journals:
        recorded |= {rel for rec in read_journal(path)[1].values() for rel in rec.get("files", {})}
    for rel in sorted(recorded) + [p.name for p in journals]:
        path = resolve_inside(out, rel, source=(journals[0], None), what="recorded file")
        with write_errors(path):
            path.unlink(missing_ok=True)
