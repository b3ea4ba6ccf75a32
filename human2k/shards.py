"""Split the work units of ``composite``, ``score`` and ``eval`` into N shards.

The partition is a pure function of the canonical unit list and N: unit number *k* of the list
(composite: the plan's foregrounds in name-list order, train before test; score and eval: the
images in natural-sorted name order) belongs to shard ``k mod N``. Shards are numbered from 0
(``0/3``, ``1/3``, ``2/3``), as ``SLURM_ARRAY_TASK_ID`` of ``sbatch --array=0-2`` and the
``JOB_COMPLETION_INDEX`` of a Kubernetes Indexed Job.

Why the position and not a hash of the key: every shard gets ``⌊U/N⌋`` or ``⌈U/N⌉`` units, and
neighbouring units (the composites of one foreground size, the images of one series) are dealt
round-robin, so the slowest array task is as short as it can be; a hash balances only on
average (20 foregrounds per shard over 100 shards would leave the largest shard ~50 % above the
mean). What a hash would add, shards that keep their units when the list grows, is not needed:
every shard records the SHA-256 of the whole unit list (:func:`units_sha256`) and the merge
refuses shards that saw different lists, so a grown dataset is simply a new partition.

Each shard writes its own journal, named by :meth:`Shard.file_name`; nothing else in the
output is written by two shards.

Example:
    >>> s = Shard.parse("1/3")
    >>> s.select(["a", "b", "c", "d", "e"]), s.file_name("per_image.csv")
    (['b', 'e'], 'per_image.shard-1-of-3.csv')
    >>> Shard.from_env({"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "2",
    ...                 "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "3"}).label
    '1/3'
    >>> parse_shard_file("per_image.shard-1-of-3.csv")
    ('per_image.csv', Shard(index=1, count=3))
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from human2k.errors import InputError, ResumeError

__all__ = [
    "Shard",
    "units_sha256",
    "parse_shard_file",
    "shard_files",
    "check_one_count",
    "missing_units_line",
]

T = TypeVar("T")
_SHARD_FILE = re.compile(r"^(?P<stem>.+)\.shard-(?P<i>\d+)-of-(?P<n>\d+)(?P<ext>\.[^.]+)$")


@dataclass(frozen=True, order=True)
class Shard:
    """Shard ``index`` of ``count`` (0 ≤ index < count)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not (isinstance(self.count, int) and self.count >= 1):
            raise InputError(None, f"shard count must be >= 1, got {self.count!r}", param="shard")
        if not (isinstance(self.index, int) and 0 <= self.index < self.count):
            raise InputError(
                None,
                f"shard index must be in 0..{self.count - 1} (shards count from 0), got "
                f"{self.index!r}",
                param="shard",
            )

    @classmethod
    def parse(cls, text: str, environ: Mapping[str, str] | None = None) -> Shard:
        """``I/N`` (0-based I) or ``auto`` (from the Slurm array variables, :meth:`from_env`)."""
        text = str(text).strip()
        if text == "auto":
            return cls.from_env(os.environ if environ is None else environ)
        m = re.fullmatch(r"(\d+)\s*/\s*(\d+)", text)
        if not m:
            raise InputError(
                None, f"expected I/N such as 0/4 (or auto), got {text!r}", param="shard"
            )
        return cls(int(m[1]), int(m[2]))

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Shard:
        """The shard of this Slurm array task: ``(ID - MIN) / STEP`` of ``COUNT`` tasks.

        ``sbatch --array=0-7`` and ``--array=1-8`` both give shards 0..7 of 8; a stepped array
        (``--array=0-14:2``) is counted by its step. A list such as ``--array=1,5,7`` has no
        step: give ``--shard I/N`` instead.
        """
        try:
            task = int(environ["SLURM_ARRAY_TASK_ID"])
            count = int(environ["SLURM_ARRAY_TASK_COUNT"])
            first = int(environ.get("SLURM_ARRAY_TASK_MIN", "0"))
            step = int(environ.get("SLURM_ARRAY_TASK_STEP", "1") or 1)
        except (KeyError, ValueError):
            raise InputError(
                None,
                "shard 'auto' needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm array "
                "task); elsewhere give I/N, e.g. $JOB_COMPLETION_INDEX/N in a Kubernetes "
                "Indexed Job",
                param="shard",
            ) from None
        offset = task - first
        if step < 1 or offset % step or not 0 <= offset // step < count:
            raise InputError(
                None,
                f"Slurm array task {task} (min {first}, step {step}, count {count}) is not "
                "task k of a regular array; give I/N instead of auto",
                param="shard",
            )
        return cls(offset // step, count)

    @property
    def label(self) -> str:
        """``I/N``, as the command line takes it."""
        return f"{self.index}/{self.count}"

    def owner(self, position: int) -> int:
        """The shard (of this shard's count) that owns unit number POSITION."""
        return position % self.count

    def select(self, units: Sequence[T]) -> list[T]:
        """This shard's units, in list order."""
        return list(units[self.index :: self.count])

    def file_name(self, base: str) -> str:
        """This shard's journal beside BASE: ``name.shard-I-of-N.ext``."""
        stem, dot, ext = base.rpartition(".")
        if not dot or not stem:
            stem, ext = base, ""
        return f"{stem}.shard-{self.index}-of-{self.count}" + (f".{ext}" if ext else "")

    def record(self) -> dict[str, int]:
        """``{"index", "count"}`` (JSON)."""
        return {"index": self.index, "count": self.count}


def units_sha256(keys: Iterable[str]) -> str:
    """SHA-256 of the canonical unit list (one key per line): equal lists, equal partitions."""
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()


def parse_shard_file(name: str) -> tuple[str, Shard] | None:
    """``(base name, shard)`` of a shard journal's file name, or None for any other name."""
    m = _SHARD_FILE.match(name)
    if not m:
        return None
    try:
        return m["stem"] + m["ext"], Shard(int(m["i"]), int(m["n"]))
    except InputError:
        return None


def shard_files(folder: str | os.PathLike, base: str) -> dict[Shard, Path]:
    """The shard journals of BASE in FOLDER, by shard (sorted by count, then index)."""
    folder = Path(folder)
    found: dict[Shard, Path] = {}
    if folder.is_dir():
        for path in folder.iterdir():
            parsed = parse_shard_file(path.name)
            if parsed is not None and parsed[0] == base and path.is_file():
                found[parsed[1]] = path
    return dict(sorted(found.items()))


def check_one_count(where: str | os.PathLike, shards: Iterable[Shard], param: str = "shard") -> int:
    """The shard count all SHARDS share; ResumeError when they mix counts (0 when none)."""
    counts = sorted({s.count for s in shards})
    if len(counts) > 1:
        raise ResumeError(
            f"{where}: holds shards of {' and '.join(map(str, counts))} shards; one run is split "
            "one way (merge or remove the other shards' journals first)",
            param=param,
        )
    return counts[0] if counts else 0


def missing_units_line(missing: Sequence[tuple[str, int]], count: int, total: int) -> str:
    """One line: how many units are not done, which, and the shards that own them."""
    owners = sorted({o for _, o in missing})
    shown = ", ".join(f"{k} (shard {o}/{count})" for k, o in missing[:5])
    more = f" ... (+{len(missing) - 5} more)" if len(missing) > 5 else ""
    return (
        f"{len(missing)} of {total} units not done: {shown}{more}; run shard(s) "
        f"{', '.join(f'{o}/{count}' for o in owners)} again (the same command resumes)"
    )
