"""The composite journal: finished tasks, appended one JSON line each, so a killed run resumes.

``OUT/.mattebench-journal.jsonl`` belongs to an unsharded run; shard I of N appends to its own
``OUT/.mattebench-journal.shard-I-of-N.jsonl`` (:mod:`human2k.shards`), so N shard processes
write into one output folder without ever writing the same file. The first line of a journal
is its header (``{"dataset", "parameters"}``; a shard's adds ``shard``, ``units_sha256``,
``units`` and the manifest ``skeleton`` the merge needs); each later line is
``{"task": key, "files": {...}, "seconds": s, "sources": {...}}``. A torn last line (the
process was killed while writing it) is ignored.

:meth:`Journal.fold` rewrites the unsharded journal with the records of every shard (in unit
order) and removes the shard journals: what ``merge-shards`` and an unsharded run do.

Example:
    >>> import tempfile; d = Path(tempfile.mkdtemp())
    >>> j = Journal.open(d, {"dataset": "comp1k", "parameters": {"split": "test"}})
    >>> j.append("test/000000/a.png", {}, 0.5)
    >>> read_journal(j.path)[1]["test/000000/a.png"]["seconds"]
    0.5
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from human2k.errors import ResumeError, UnsafePathError
from human2k.images import atomic_write_bytes
from human2k.manifest import JOURNAL_NAME, canonical_json_bytes, check_parameters
from human2k.outputs import write_errors
from human2k.paths import name_problem
from human2k.shards import Shard, shard_files

__all__ = [
    "Journal",
    "read_journal",
    "read_journal_header",
    "shard_journals",
    "check_header",
    "JOURNAL_NAME",
]


def read_journal(path: str | os.PathLike) -> tuple[dict[str, Any] | None, dict[str, dict]]:
    """``(header, {task: record})`` of a journal file (header None when unreadable).

    Every file name the journal records (and, in a shard's header, every skeleton split and
    file) is checked to stay below the output folder before anyone builds a path from it.

    Raises:
        UnsafePathError: a recorded name is absolute or has a ``..`` component.
    """
    lines = Path(path).read_bytes().split(b"\n")
    header = _parse_header(path, lines[0])
    if header is None:
        return None, {}
    records: dict[str, dict[str, Any]] = {}
    for raw in lines[1:]:
        try:
            rec = json.loads(raw)
        except json.JSONDecodeError:
            continue  # torn last line of a killed run
        if isinstance(rec, dict) and "task" in rec:
            _check_names(path, rec.get("files", {}))
            records[rec["task"]] = rec
    return header, records


def read_journal_header(path: str | os.PathLike) -> dict[str, Any] | None:
    """The header of a journal file alone (its first line; None when unreadable): what a claim
    compares, without parsing a journal of 200,000 records."""
    with open(path, "rb") as fh:
        return _parse_header(path, fh.readline())


def _parse_header(path: str | os.PathLike, first: bytes) -> dict[str, Any] | None:
    try:
        header = json.loads(first)
    except json.JSONDecodeError:
        return None
    if not isinstance(header, dict):
        return None
    skeleton = header.get("skeleton") or {}
    _check_names(path, [*skeleton.get("splits", {}), *skeleton.get("files", {})])
    return header


def _check_names(journal: str | os.PathLike, names) -> None:
    for rel in names:
        problem = name_problem(rel)
        if problem is not None:
            raise UnsafePathError(
                journal, f"recorded name {rel!r} {problem}; it must stay inside the output folder"
            )


def shard_journals(out: str | os.PathLike) -> dict[Shard, Path]:
    """The shard journals in OUT, by shard."""
    return shard_files(out, JOURNAL_NAME)


def check_header(out: str | os.PathLike, found: dict[str, Any] | None, header: dict[str, Any]):
    """ResumeError unless FOUND (a journal's header) has HEADER's dataset and parameters."""
    found = found or {}
    if found.get("dataset") != header.get("dataset"):
        raise ResumeError(
            f"{out}: output folder holds dataset {found.get('dataset')!r}, this run is "
            f"{header.get('dataset')!r}; use another output folder (nothing was changed)",
            param="out",
        )
    check_parameters(out, found.get("parameters", {}), header.get("parameters", {}))


def same_run(found: dict[str, Any] | None, header: dict[str, Any]) -> bool:
    """Whether a journal's header FOUND belongs to the run of HEADER (dataset and parameters)."""
    return found is not None and all(
        found.get(k) == header.get(k) for k in ("dataset", "parameters")
    )


@dataclass
class Journal:
    """Append-only record of finished tasks (see the module docstring)."""

    path: Path
    header: dict[str, Any]
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def open(
        cls, out_dir: str | os.PathLike, header: dict[str, Any], *, shard: Shard | None = None
    ) -> Journal:
        """Open (or create) the journal of SHARD (None: the unsharded one) in OUT_DIR.

        Raises:
            ResumeError: it holds another dataset or other parameters, or (a shard) another
                unit list.
        """
        name = JOURNAL_NAME if shard is None else shard.file_name(JOURNAL_NAME)
        path = Path(out_dir) / name
        journal = cls(path, header)
        if path.is_file():
            found, records = read_journal(path)
            if found is not None:
                check_header(out_dir, found, header)
                if found.get("units_sha256") != header.get("units_sha256"):
                    raise ResumeError(
                        f"{path}: this shard was started on another list of foregrounds; use "
                        "another output folder (nothing was changed)",
                        param="out",
                    )
                journal.tasks = records
                return journal
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, canonical_json_bytes(header) + b"\n")
        return journal

    def append(
        self,
        task: str,
        files: dict[str, Any],
        seconds: float,
        *,
        sources: dict[str, Any] | None = None,
    ) -> None:
        """Record TASK as finished (flushed and fsync'ed before returning); SOURCES is the
        fingerprint of its inputs (a later resume redoes the task when they changed)."""
        rec = {"task": task, "files": files, "seconds": round(float(seconds), 4)}
        if sources is not None:
            rec["sources"] = sources
        with write_errors(self.path), open(self.path, "ab") as fh:
            fh.write(canonical_json_bytes(rec) + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.tasks[task] = rec

    def fold(self, records: dict[str, dict[str, Any]], order: list[str], remove: list[Path]):
        """Take RECORDS (from shard journals) in, rewrite this journal with every record in
        ORDER (others after, by key), then remove the journals in REMOVE."""
        self.tasks.update(records)
        rank = {k: i for i, k in enumerate(order)}
        keys = sorted(self.tasks, key=lambda k: (rank.get(k, len(rank)), k))
        data = canonical_json_bytes(self.header) + b"\n"
        data += b"".join(canonical_json_bytes(self.tasks[k]) + b"\n" for k in keys)
        atomic_write_bytes(self.path, data)
        for path in remove:
            with write_errors(path):
                path.unlink(missing_ok=True)
