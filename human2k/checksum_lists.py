"""Checksum lists (``human2k/checksums/*.txt``): ``sha256sum``-style lines ``<hex>  <path>``
under a ``# mattebench-checksums v1`` header that names the hash kind (``pixels``: of the
decoded pixels, independent of the PNG encoder; ``file``: of the bytes).
:func:`read_checksum_list` also reads plain ``sha256sum`` output (kind ``file``);
:func:`write_checksum_list` writes one from a manifest.

Example:
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.txt")
    >>> write_checksum_list(p, {"dataset": "d", "files": {"a.png": {"pixels": "ab" * 32}}})
    1
    >>> read_checksum_list(p)[0]
    'pixels'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from human2k.errors import InputError, UnsafePathError
from human2k.images import atomic_write_bytes
from human2k.paths import name_problem

__all__ = ["CHECKSUM_HEADER", "read_checksum_list", "write_checksum_list"]

CHECKSUM_HEADER = "# mattebench-checksums v1"


def read_checksum_list(path: str | os.PathLike) -> tuple[str, dict[str, str]]:
    """Read a checksum list; return ``(kind, {relative path: hex})``.

    Accepts mattebench lists (header ``# mattebench-checksums v1`` and ``# hash: pixels|file``)
    and plain ``sha256sum`` output (``<hex>  <path>`` or ``<hex> *<path>``; kind ``file``).

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "s.txt")
        >>> _ = open(p, "w").write("# mattebench-checksums v1\\n# hash: pixels\\n" + "ab" * 32 + "  test/merged/a_0.png\\n")
        >>> kind, sums = read_checksum_list(p); kind, list(sums)
        ('pixels', ['test/merged/a_0.png'])
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "checksum list not found")
    kind = "file"
    sums: dict[str, str] = {}
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        if line.startswith("#"):
            if line.lower().startswith("# hash:"):
                kind = line.split(":", 1)[1].strip()
                if kind not in ("pixels", "file"):
                    raise InputError(path, f"line {n}: hash kind {kind!r}; expected pixels or file")
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or len(parts[0]) != 64:
            raise InputError(
                path, f"line {n}: expected '<64 hex digits>  <path>', got {line[:60]!r}"
            )
        rel = parts[1].lstrip("*")
        problem = name_problem(rel)
        if problem is not None:
            raise UnsafePathError(
                path, f"line {n}: path {rel!r} {problem}; a listed path must stay inside the root"
            )
        sums[rel] = parts[0].lower()
    return kind, sums


def write_checksum_list(
    path: str | os.PathLike,
    manifest: dict[str, Any],
    *,
    kind: str = "pixels",
    roles: tuple[str, ...] | None = None,
) -> int:
    """Write a checksum list of MANIFEST's files (optionally only some roles); return the count."""
    if kind not in ("pixels", "file"):
        raise InputError(None, f"checksum kind {kind!r}; expected pixels or file")
    key = "pixels" if kind == "pixels" else "sha256"
    lines = [CHECKSUM_HEADER, f"# hash: {kind}", f"# dataset: {manifest.get('dataset', '')}"]
    n = 0
    for rel, rec in sorted(manifest["files"].items()):
        if (roles is None or rec.get("role") in roles) and rec.get(key):
            lines.append(f"{rec[key]}  {rel}")
            n += 1
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return n
