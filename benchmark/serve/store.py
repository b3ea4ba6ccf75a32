"""Published benchmark submissions, in one SQLite file (WAL mode) that survives restarts.

A submission is what the evaluation tab scored and the user chose to publish: the benchmark
name and the fingerprint of its hidden GT (so that a changed test set never mixes with old
rows), who and what (name, method, link), when (UTC), the means and per-image scores in the
stored DIM scales, the protocol record of ``mattebench eval`` and the SHA-256 of the upload.

The database is ``DATA_DIR/submissions.sqlite``; every call opens its own connection (the web
server answers from several threads), writes in one transaction, and WAL mode lets readers
go on while a submission is written. The schema version is ``PRAGMA user_version``. Back it up
while the server runs with :meth:`SubmissionStore.backup` (SQLite's online backup, consistent
under WAL); copying the file alone can miss the ``-wal`` part.

Example:
    >>> import tempfile
    >>> store = SubmissionStore(tempfile.mkdtemp())
    >>> store.journal_mode()
    'wal'
    >>> sid = store.add(Submission("human2k-test", "f00d", "team A", "MyNet", "https://a.org",
    ...     means={"sad": 1.5, "mse": 0.01, "grad": 2.0, "conn": 1.4}, n_images=10))
    >>> [(s.name, s.means["sad"]) for s in store.list("human2k-test", "f00d")]
    [('team A', 1.5)]
    >>> store.list("human2k-test", "other-gt")
    []
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import math
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

from benchmark.metrics.scales import METRIC_NAMES
from human2k.errors import InputError

__all__ = ["Submission", "SubmissionStore", "DB_NAME", "validate_fields"]

DB_NAME = "submissions.sqlite"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    benchmark TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    name TEXT NOT NULL,
    method TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    created_utc TEXT NOT NULL,
    n_images INTEGER NOT NULL,
    sad REAL, mse REAL, grad REAL, conn REAL,
    per_image_json TEXT NOT NULL DEFAULT '[]',
    protocol_json TEXT NOT NULL DEFAULT '{}',
    upload_sha256 TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS submissions_by_benchmark ON submissions (benchmark, fingerprint);
"""
_MAX_NAME, _MAX_METHOD, _MAX_LINK = 80, 200, 300
_LINK = re.compile(r"^https?://[^\s<>\"'`]+$")


def validate_fields(name: str, method: str = "", link: str = "") -> tuple[str, str, str]:
    """Stripped (name, method, link), or InputError: a name is required, lengths are bounded,
    a link is an http(s) URL without spaces or quotes.

    Example:
        >>> validate_fields("  me ", "", "javascript:alert(1)")
        Traceback (most recent call last):
        ...
        human2k.errors.InputError: link: must be an http:// or https:// URL without spaces or quotes
    """
    name, method, link = (str(x or "").strip() for x in (name, method, link))
    if not name:
        raise InputError("name", "a submission name is required to publish", param="name")
    for label, value, limit in (("name", name, _MAX_NAME), ("method", method, _MAX_METHOD)):
        if len(value) > limit or any(ord(c) < 32 for c in value):
            raise InputError(
                label, f"at most {limit} printable characters, got {len(value)}", param=label
            )
    if link and (len(link) > _MAX_LINK or not _LINK.match(link)):
        raise InputError(
            "link", "must be an http:// or https:// URL without spaces or quotes", param="link"
        )
    return name, method, link


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _nullable(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


@dataclasses.dataclass
class Submission:
    """One published result (metric values in the stored DIM scales: SAD/1e3, MSE raw...)."""

    benchmark: str
    fingerprint: str
    name: str
    method: str = ""
    link: str = ""
    means: dict[str, float] = dataclasses.field(default_factory=dict)
    n_images: int = 0
    per_image: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    protocol: dict[str, Any] = dataclasses.field(default_factory=dict)
    upload_sha256: str = ""
    created_utc: str = ""
    id: int | None = None


class SubmissionStore:
    """The submissions database of one server (``DATA_DIR/submissions.sqlite``).

    Args:
        data_dir: the server's data folder (created); the database is created on first use.
    """

    def __init__(self, data_dir: str | os.PathLike):
        self.path = Path(data_dir) / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise InputError(
                    self.path, f"schema version {version} is newer than this mattebench's"
                )
            con.executescript(_SCHEMA)
            con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _connect(self):
        con = sqlite3.connect(self.path, timeout=30.0)
        try:
            con.execute("PRAGMA synchronous=FULL")
            with con:  # one transaction: committed on success, rolled back on error
                yield con
        finally:
            con.close()

    def journal_mode(self) -> str:
        with self._connect() as con:
            return con.execute("PRAGMA journal_mode").fetchone()[0]

    def add(self, sub: Submission) -> int:
        """Insert a submission (name, method and link validated); returns its id."""
        name, method, link = validate_fields(sub.name, sub.method, sub.link)
        created = sub.created_utc or dt.datetime.now(dt.timezone.utc).strftime(  # noqa: UP017 (3.10)
            "%Y-%m-%d %H:%M:%S UTC"
        )
        row = (
            sub.benchmark,
            sub.fingerprint,
            name,
            method,
            link,
            created,
            int(sub.n_images),
            *(_nullable(sub.means.get(m)) for m in METRIC_NAMES),
            json.dumps(sub.per_image, allow_nan=True),
            json.dumps(sub.protocol, sort_keys=True, allow_nan=True, default=str),
            sub.upload_sha256,
        )
        with self._connect() as con:
            cur = con.execute(
                "INSERT INTO submissions (benchmark, fingerprint, name, method, link, created_utc,"
                " n_images, sad, mse, grad, conn, per_image_json, protocol_json, upload_sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid)

    def list(self, benchmark: str, fingerprint: str) -> list[Submission]:
        """Submissions of BENCHMARK against the GT with FINGERPRINT, best SAD first."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT id, benchmark, fingerprint, name, method, link, created_utc, n_images,"
                " sad, mse, grad, conn, protocol_json, upload_sha256 FROM submissions"
                " WHERE benchmark = ? AND fingerprint = ?"
                " ORDER BY sad IS NULL, sad, created_utc, id",
                (benchmark, fingerprint),
            ).fetchall()
        return [
            Submission(
                benchmark=r[1],
                fingerprint=r[2],
                name=r[3],
                method=r[4],
                link=r[5],
                created_utc=r[6],
                n_images=r[7],
                means={m: _float(v) for m, v in zip(METRIC_NAMES, r[8:12], strict=True)},
                protocol=json.loads(r[12]),
                upload_sha256=r[13],
                id=r[0],
            )
            for r in rows
        ]

    def count_other_versions(self, benchmark: str, fingerprint: str) -> int:
        """Submissions of BENCHMARK scored against another version of its GT (not listed)."""
        with self._connect() as con:
            return con.execute(
                "SELECT COUNT(*) FROM submissions WHERE benchmark = ? AND fingerprint != ?",
                (benchmark, fingerprint),
            ).fetchone()[0]

    def per_image(self, submission_id: int) -> list[dict[str, Any]]:
        """The per-image scores stored with a submission."""
        with self._connect() as con:
            row = con.execute(
                "SELECT per_image_json FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
        return [] if row is None else json.loads(row[0])

    def backup(self, dest: str | os.PathLike) -> Path:
        """A consistent copy of the database at DEST (SQLite online backup; safe while serving)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(self.path, timeout=30.0)
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
        finally:
            out.close()
            src.close()
        return dest
