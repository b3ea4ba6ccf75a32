"""Extract a zip of predicted alphas safely: no zip-slip, no links, no bombs.

:func:`extract_pngs` is the only way an uploaded archive reaches the disk. Before one byte is
written it refuses, with one line naming the upload and the entry:

* a path that is absolute, has a drive letter or a backslash, or contains ``..`` (zip-slip);
* a symbolic link (Unix mode ``S_IFLNK`` in the entry's external attributes) or any other
  non-regular file;
* encrypted entries, more than ``max_zip_entries`` entries, more than ``max_unpacked_mb`` of
  uncompressed data in total, or an entry of 1 MiB or more that inflates more than
  ``max_ratio`` times (the signatures of zip bombs);
* PNG files in more than one folder, or in nested folders (predictions are named like the
  test images, so they sit together: at the top level, or in one folder), and two entries
  with the same file name.

Only ``*.png`` files are written, flat, into the destination folder; other files (a README,
macOS ``__MACOSX/`` and ``._*`` resource forks, ``.DS_Store``) are skipped. While extracting,
bytes are counted again, so an entry whose header understates its size cannot write more than
declared (``zipfile`` also stops at the declared size and checks the CRC).

Example:
    >>> import io, tempfile, zipfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with zipfile.ZipFile(d / "ok.zip", "w") as z:
    ...     z.writestr("preds/a.png", b"x"); z.writestr("preds/README.txt", b"y")
    >>> [p.name for p in extract_pngs(d / "ok.zip", d / "out", ServeLimits(), label="ok.zip")]
    ['a.png']
    >>> with zipfile.ZipFile(d / "evil.zip", "w") as z:
    ...     z.writestr("../../etc/a.png", b"x")
    >>> extract_pngs(d / "evil.zip", d / "out2", ServeLimits(), label="evil.zip")
    Traceback (most recent call last):
    ...
    human2k.errors.InputError: evil.zip: entry '../../etc/a.png' leaves the archive folder (zip-slip); refused
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from benchmark.serve.limits import MB, ServeLimits
from human2k.errors import InputError

__all__ = ["extract_pngs", "check_archive", "SKIPPED_NAMES"]

#: Entries that archivers add by themselves; skipped, never extracted.
SKIPPED_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")
_CHUNK = 1 << 20


def _is_skipped(parts: tuple[str, ...]) -> bool:
    return parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] in SKIPPED_NAMES


def _entry_path(info: zipfile.ZipInfo, label: str) -> PurePosixPath:
    name = info.filename
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\0" in name:
        raise InputError(label, f"entry {name!r} has an absolute or non-portable path; refused")
    path = PurePosixPath(name)
    if any(part == ".." for part in path.parts):
        raise InputError(label, f"entry {name!r} leaves the archive folder (zip-slip); refused")
    return path


def _check_mode(info: zipfile.ZipInfo, label: str) -> None:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise InputError(label, f"entry {info.filename!r} is a symbolic link; refused")
    kind = stat.S_IFMT(mode)
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        raise InputError(label, f"entry {info.filename!r} is not a regular file; refused")
    if info.flag_bits & 0x1:
        raise InputError(label, f"entry {info.filename!r} is encrypted; refused")


def check_archive(archive: zipfile.ZipFile, limits: ServeLimits, *, label: str) -> list:
    """Check every entry of an open archive; return ``(ZipInfo, file name)`` of the PNGs.

    Raises:
        InputError: one line naming LABEL and the first problem found (see the module docstring).
    """
    infos = archive.infolist()
    if len(infos) > limits.max_zip_entries:
        raise InputError(
            label, f"{len(infos)} entries; the limit is {limits.max_zip_entries}; refused"
        )
    total = 0
    pngs, folders, names = [], set(), set()
    for info in infos:
        path = _entry_path(info, label)
        _check_mode(info, label)
        total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise InputError(
                label,
                f"more than {limits.max_unpacked_mb} MiB uncompressed; refused (zip bomb limit)",
            )
        if info.file_size >= MB and info.file_size > limits.max_ratio * max(1, info.compress_size):
            raise InputError(
                label,
                f"entry {info.filename!r} inflates {info.file_size // max(1, info.compress_size)}"
                f"x (limit {limits.max_ratio}x); refused (zip bomb)",
            )
        if info.is_dir() or not path.parts or _is_skipped(path.parts):
            continue
        if path.suffix.lower() != ".png":
            continue
        if len(path.parts) > 2:
            raise InputError(
                label,
                f"entry {info.filename!r} is in a nested folder; put the PNGs at the top "
                "level or in one folder",
            )
        folders.add(path.parts[0] if len(path.parts) == 2 else "")
        if path.name in names:
            raise InputError(label, f"file name {path.name!r} appears twice; refused")
        names.add(path.name)
        pngs.append((info, path.name))
    if len(folders) > 1:
        shown = ", ".join(sorted(f or "(top level)" for f in folders)[:5])
        raise InputError(
            label, f"PNG files in {len(folders)} folders ({shown}); put them in one folder"
        )
    return pngs


def _copy_counted(src, dst, budget: int, label: str, name: str) -> int:
    written = 0
    while chunk := src.read(_CHUNK):
        written += len(chunk)
        if written > budget:
            raise InputError(label, f"entry {name!r} is larger than its header says; refused")
        dst.write(chunk)
    return written


def extract_pngs(
    zip_path: str | os.PathLike, dest: str | os.PathLike, limits: ServeLimits, *, label: str
) -> list[Path]:
    """Check a zip (see the module docstring), then write its PNGs flat into DEST.

    Args:
        zip_path: the uploaded archive.
        dest: a new or empty folder owned by the caller (created).
        limits: the server's limits.
        label: how messages name the upload (never a server path).

    Returns:
        The written files, in archive order.

    Raises:
        InputError: not a zip, or a refused entry; nothing is extracted then.
    """
    dest = Path(dest)
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError):
        raise InputError(label, "not a readable zip archive") from None
    written: list[Path] = []
    with archive:
        pngs = check_archive(archive, limits, label=label)
        dest.mkdir(parents=True, exist_ok=True)
        for info, name in pngs:
            target = dest / name
            try:
                with archive.open(info) as src, open(target, "xb") as dst:
                    _copy_counted(src, dst, info.file_size, label, info.filename)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise InputError(
                    label, f"entry {info.filename!r} cannot be extracted ({type(exc).__name__})"
                ) from None
            written.append(target)
    return written
