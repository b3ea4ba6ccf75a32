"""The dataset manifest: what was built, from what, with which parameters, and every file's hash.

``OUT/manifest.json`` (written by ``composite``) holds:

* ``dataset``, ``parameters`` (everything that changes an output byte: the resume key),
  ``sources`` (input roots, name lists and their SHA-256);
* ``files``: ``{relative path: {"sha256", "bytes", "pixels", "role"}}`` where ``sha256`` hashes
  the file bytes and ``pixels`` hashes the decoded pixels (:func:`pixel_sha256`), which does not
  depend on the PNG encoder, so composites built elsewhere can be compared;
* ``run``: timings and disk use (not part of the content hash: two runs that made the same
  files have the same ``content_sha256`` even if one was interrupted and resumed).

While a run is in progress, finished tasks are appended to ``OUT/.mattebench-journal.jsonl``
(one JSON line per foreground, fsync'ed; :mod:`human2k.journal`); a killed run resumes from it.
A sharded run writes one journal per shard (``.mattebench-journal.shard-I-of-N.jsonl``).

:func:`verify` checks a folder against its manifest or against a checksum list
(:mod:`human2k.checksum_lists`).

Example:
    >>> import numpy as np
    >>> pixel_sha256(np.zeros((2, 2), np.uint8))[:12]
    'b212a683d75e'
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from human2k.checksum_lists import read_checksum_list
from human2k.errors import DatasetError, InputError, ResumeError
from human2k.images import atomic_write_bytes, open_image
from human2k.paths import resolve_inside

__all__ = [
    "MANIFEST_NAME",
    "JOURNAL_NAME",
    "MANIFEST_FORMAT",
    "sha256_bytes",
    "sha256_file",
    "split_identity_sha256",
    "pixel_sha256",
    "image_pixel_sha256",
    "content_sha256",
    "canonical_json_bytes",
    "load_manifest",
    "save_manifest",
    "check_parameters",
    "VerifyReport",
    "verify",
]

MANIFEST_NAME = "manifest.json"
JOURNAL_NAME = ".mattebench-journal.jsonl"
MANIFEST_FORMAT = "mattebench-manifest-1"


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of DATA."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike, *, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def pixel_sha256(array: np.ndarray) -> str:
    """SHA-256 of decoded pixels: ``"<mode> <w> <h>\\n"`` + raw row-major bytes.

    mode is ``L`` for H×W and ``RGB`` for H×W×3 uint8 arrays. Independent of the PNG encoder.
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    mode = {2: "L", 3: "RGB"}.get(array.ndim)
    if mode is None or (array.ndim == 3 and array.shape[2] != 3):
        raise InputError(None, f"pixel hash needs H×W or H×W×3 uint8, got shape {array.shape}")
    header = f"{mode} {array.shape[1]} {array.shape[0]}\n".encode("ascii")
    return hashlib.sha256(header + array.tobytes()).hexdigest()


def image_pixel_sha256(path: str | os.PathLike) -> str:
    """:func:`pixel_sha256` of an image file (L, gray P → L; everything else → RGB)."""
    im = open_image(path)
    if im.mode in ("L", "P", "1", "LA", "I;16", "I"):
        im = im.convert("L")
    elif im.mode != "RGB":
        im = im.convert("RGB")
    return pixel_sha256(np.asarray(im))


def canonical_json_bytes(obj: Any) -> bytes:
    """Compact, key-sorted UTF-8 JSON: equal objects give equal bytes (hashes, journal lines)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def content_sha256(manifest: dict[str, Any]) -> str:
    """SHA-256 of the manifest without what says *where* or *when* it was built: the ``run``
    section (timings, host), the ``sources`` paths, each file's ``source`` path, and this hash.

    Two builds of the same data with the same parameters have the same content hash, on any
    machine and from any copy of the sources (the paths stay recorded in the manifest).
    """
    core = {k: v for k, v in manifest.items() if k not in ("run", "content_sha256", "sources")}
    if isinstance(core.get("files"), dict):
        core["files"] = {
            rel: {k: v for k, v in rec.items() if k != "source"} if isinstance(rec, dict) else rec
            for rel, rec in core["files"].items()
        }
    return sha256_bytes(canonical_json_bytes(core))


def split_identity_sha256(manifest: dict[str, Any], split: str) -> str:
    """Identity of one split of a built dataset: SHA-256 over its files' names and pixel hashes.

    Unlike ``content_sha256`` it ignores where the sources were read from, timings, PNG
    encoder settings and the other splits, so two builds of the same pixels (on two machines,
    from two copies of the sources, with or without the train split) get the same identity.
    Score runs record it as the dataset's hash. '' when the manifest lists no file of SPLIT.

    Example:
        >>> m = {"dataset": "comp1k", "files": {"test/alpha/a.png": {"pixels": "ab", "sha256": "x"}}}
        >>> split_identity_sha256(m, "test")[:12], split_identity_sha256(m, "train")
        ('a4ac1ce7e7eb', '')
    """
    prefix = f"{split}/"
    entries = sorted(
        (rel[len(prefix) :], rec.get("pixels") or rec.get("sha256"))
        for rel, rec in dict(manifest.get("files") or {}).items()
        if rel.startswith(prefix) and isinstance(rec, dict)
    )
    if not entries:
        return ""
    return sha256_bytes(
        canonical_json_bytes({"dataset": manifest.get("dataset"), "split": split, "files": entries})
    )


def save_manifest(path: str | os.PathLike, manifest: dict[str, Any]) -> str:
    """Write MANIFEST as indented JSON (atomic), with its ``content_sha256``; return that hash."""
    manifest = dict(manifest)
    manifest["content_sha256"] = content_sha256(manifest)
    atomic_write_bytes(
        path,
        (json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"),
    )
    return manifest["content_sha256"]


def load_manifest(path: str | os.PathLike) -> dict[str, Any]:
    """Read a manifest.json (or the one in folder PATH); DatasetError when absent or corrupt."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.is_file():
        raise DatasetError(
            f"{path}: manifest not found (was this folder built by `mattebench composite`?)"
        )
    try:
        data = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: manifest is not valid JSON ({exc})") from None
    if data.get("format") != MANIFEST_FORMAT:
        raise DatasetError(
            f"{path}: unknown manifest format {data.get('format')!r}; expected {MANIFEST_FORMAT}"
        )
    return data


def check_parameters(
    path: str | os.PathLike, found: dict[str, Any], wanted: dict[str, Any]
) -> None:
    """Raise ResumeError naming the first parameter where FOUND (on disk at PATH) differs from WANTED."""
    for key in sorted(set(found) | set(wanted)):
        if found.get(key) != wanted.get(key):
            raise ResumeError(
                f"{path}: output folder was built with {key}={found.get(key)!r}, this run has "
                f"{key}={wanted.get(key)!r}; use another output folder (nothing was changed)",
                param="out",
            )


@dataclass
class VerifyReport:
    """Result of :func:`verify`.

    Attributes:
        checked: number of files compared.
        missing: relative paths listed but absent.
        differing: ``(path, expected, actual)`` for each file whose hash differs.
        kind: ``file`` (byte hashes) or ``pixels`` (decoded-pixel hashes).
        stray: relative paths of files that are not listed (a stray image would be scored).
    """

    checked: int = 0
    missing: list[str] = field(default_factory=list)
    differing: list[tuple[str, str, str]] = field(default_factory=list)
    kind: str = "file"
    stray: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.differing and not self.stray


def verify(
    root: str | os.PathLike,
    *,
    checksums: str | os.PathLike | None = None,
    progress=None,
) -> VerifyReport:
    """Re-hash the files of a built dataset against its manifest (or a checksum list).

    Args:
        root: the folder given to ``composite --out`` (holding manifest.json).
        checksums: a checksum list to use instead of the manifest (paths relative to ROOT).
        progress: ``progress("verify", done, total)`` (``human2k.progress``).

    Returns:
        A :class:`VerifyReport` naming every missing, differing and stray file (a file the
        manifest does not list; with a checksum list, only in the folders the list covers).

    Raises:
        UnsafePathError: a recorded path leaves ROOT (absolute, ``..``, a link pointing out).
    """
    root = Path(root)
    bookkeeping = {MANIFEST_NAME, JOURNAL_NAME}
    if checksums is not None:
        kind, expected = read_checksum_list(checksums)
        source = Path(checksums)
        scanned = {str(Path(rel).parent) for rel in expected}  # the folders the list covers
    else:
        manifest = load_manifest(root)
        kind = "file"
        expected = {rel: rec["sha256"] for rel, rec in manifest["files"].items()}
        source = root / MANIFEST_NAME
        bookkeeping |= set((manifest.get("run") or {}).get("packs") or {})
        scanned = None
    report = VerifyReport(kind=kind)
    paths = {rel: resolve_inside(root, rel, source=(source, None), what="path") for rel in expected}
    report.stray = _stray_files(root, set(expected) | bookkeeping, scanned)
    total = len(expected)
    for i, (rel, want) in enumerate(sorted(expected.items()), 1):
        p = paths[rel]
        if not p.is_file():
            report.missing.append(rel)
        else:
            got = sha256_file(p) if kind == "file" else _pixels_or_error(p)
            report.checked += 1
            if got != want:
                report.differing.append((rel, want, got))
        if progress is not None:
            progress("verify", i, total)
    return report


def _stray_files(root: Path, known: set[str], folders: set[str] | None) -> list[str]:
    """Files under ROOT (only in FOLDERS, when given) that are not KNOWN; ``.fg-cache`` skipped."""
    stray = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(d for d in dirnames if d != ".fg-cache")
        if folders is not None and rel_dir not in folders:
            continue
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            if rel not in known:
                stray.append(rel)
    return stray


def _pixels_or_error(path: Path) -> str:
    try:
        return image_pixel_sha256(path)
    except InputError as exc:
        return f"unreadable ({exc.problem})"
