"""A score run's folder on disk: its id, and ``per_image.csv`` as an append-only journal.

One row is appended (flushed and fsync'ed) per finished image, so a killed run loses at most
the row being written; a torn last line is dropped on the next open.

Example:
    >>> run_id_of({"model": "knn", "trimap_set": "trimap1", "region": "unknown"})
    'trimap1-unknown-ec3aa995ec42'
    >>> import tempfile
    >>> j = PerImageJournal(Path(tempfile.mkdtemp()) / "per_image.csv", fresh=True)
    >>> j.append(["GT01", 0.5, 0.1, float("nan"), 1.0, 2.0])
    >>> read_per_image(j.path)["GT01"]["grad"]
    nan
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

from benchmark.metrics.scales import csv_float
from benchmark.scoring.protocol import PER_IMAGE_COLUMNS
from human2k.errors import ResumeError
from human2k.images import atomic_write_bytes

__all__ = ["canonical_json", "run_id_of", "read_per_image", "PerImageJournal"]


def canonical_json(obj: Any) -> str:
    """Compact, key-sorted JSON: equal objects give equal strings (run keys, hashes)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def run_id_of(key: dict[str, Any]) -> str:
    """Deterministic run folder name: ``<trimap set>-<region>-<12 hex of the key's hash>``."""
    digest = hashlib.sha256(canonical_json(key).encode()).hexdigest()[:12]
    return f"{key.get('trimap_set', 'trimaps')}-{key.get('region', 'unknown')}-{digest}"


def _csv_line(row: list[Any]) -> str:
    buf = io.StringIO()
    cells = [c if isinstance(c, str) else csv_float(c) for c in row]
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def read_per_image(path: str | os.PathLike) -> dict[str, dict[str, float]]:
    """Rows of a ``per_image.csv`` keyed by image name (a torn last line is ignored).

    Raises:
        ResumeError: the header is not ``image,sad,mse,grad,conn,seconds``, or a row is malformed.
    """
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines = lines[:-1]  # interrupted mid-write
    rows = list(csv.reader(lines))
    if not rows or tuple(rows[0]) != PER_IMAGE_COLUMNS:
        raise ResumeError(
            f"{path}: header is {rows[0] if rows else 'missing'}, expected "
            f"{','.join(PER_IMAGE_COLUMNS)}; use another output folder or delete the file",
            param="out_dir",
        )
    out = {}
    for row in rows[1:]:
        if len(row) != len(PER_IMAGE_COLUMNS):
            raise ResumeError(f"{path}: malformed row {row!r}")
        out[row[0]] = {c: float(v) for c, v in zip(PER_IMAGE_COLUMNS[1:], row[1:], strict=True)}
    return out


class PerImageJournal:
    """``per_image.csv`` opened for appending; each row is flushed and fsync'ed.

    Args:
        path: the CSV.
        fresh: start it over (header only) instead of continuing it.
    """

    def __init__(self, path: Path, *, fresh: bool):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh or not path.exists():
            atomic_write_bytes(path, _csv_line(list(PER_IMAGE_COLUMNS)).encode())
        else:  # drop a torn last line so appends start on a fresh line
            data = path.read_bytes()
            if data and not data.endswith(b"\n"):
                atomic_write_bytes(path, data[: data.rfind(b"\n") + 1])

    def append(self, row: list[Any]) -> None:
        """Append one row (image name, then numbers) durably."""
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(_csv_line(row))
            fh.flush()
            os.fsync(fh.fileno())

    def rows(self) -> dict[str, dict[str, float]]:
        """The rows written so far."""
        return read_per_image(self.path)

    def keep_only(self, rows: dict[str, dict[str, float]]) -> None:
        """Rewrite the file with ROWS only (atomic)."""
        text = _csv_line(list(PER_IMAGE_COLUMNS)) + "".join(
            _csv_line([n] + [r[c] for c in PER_IMAGE_COLUMNS[1:]]) for n, r in rows.items()
        )
        atomic_write_bytes(self.path, text.encode())

    def rewrite_sorted(self, order: list[str]) -> None:
        """Rewrite the rows in ORDER (dataset order; unknown names last, by name)."""
        rows = self.rows()
        rank = {n: i for i, n in enumerate(order)}
        self.keep_only(
            {n: rows[n] for n in sorted(rows, key=lambda n: (rank.get(n, len(rank)), n))}
        )
