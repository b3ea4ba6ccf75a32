"""Claiming an output before any work: it must not exist (or be resumable, or ``overwrite``),
it must be writable, and writing it must fail with one line, not a traceback.

The rule of every command (``--overwrite`` in the CLI):

* an output that does not exist, or an empty folder, is used;
* an existing one is resumed where the command resumes (composite, score, train) or else
  refused unless ``overwrite``; with ``overwrite`` the files a previous run of the same
  command recorded are removed first, so nothing stale stays behind;
* an output that cannot be written (read-only folder, missing permission) is refused before
  any work (:func:`check_writable` creates the folder and a probe file);
* an ``OSError`` while writing (full disk) becomes :class:`~human2k.errors.WriteError`.

Example:
    >>> import tempfile; d = Path(tempfile.mkdtemp())
    >>> prepare_output_dir(d / "new", overwrite=False)
    []
    >>> _ = (d / "new" / "x.txt").write_text("x")
    >>> prepare_output_dir(d / "new", overwrite=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    human2k.errors.OutputExistsError: ...new: already holds 1 entry (x.txt); choose a new folder or overwrite it
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from human2k.errors import OutputError, OutputExistsError, WriteError
from human2k.paths import resolve_inside

__all__ = ["prepare_output_dir", "prepare_output_file", "check_writable", "write_errors"]


def check_writable(path: str | os.PathLike, *, param: str | None = "out") -> None:
    """Raise WriteError unless a file can be created in folder PATH (created when missing).

    The check writes and removes a probe file, because permission bits do not tell (root
    ignores them; a read-only file system does not).

    Example:
        >>> import tempfile; check_writable(Path(tempfile.mkdtemp()) / "a" / "b")
    """
    path = Path(path)
    with write_errors(path, param=param):
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".mattebench-probe-", dir=path)
        os.close(fd)
        os.unlink(probe)


def prepare_output_dir(
    out: str | os.PathLike,
    *,
    overwrite: bool,
    previous: Callable[[Path], Iterable[str]] | None = None,
    param: str | None = "out",
) -> list[Path]:
    """Make OUT ready for a command that does not resume: new, empty, or ``overwrite``.

    Args:
        out: the output folder (created when missing).
        overwrite: allow a folder that already holds files.
        previous: with ``overwrite``, returns the names (relative to OUT) of the files an
            earlier run of the same command wrote there; they are removed (each name must
            stay inside OUT). Other files are left as they are.
        param: the library parameter of OUT, for the CLI option in messages.

    Returns:
        The files removed.

    Raises:
        OutputExistsError: OUT holds something and ``overwrite`` is off (nothing is changed).
        WriteError: OUT cannot be created or written.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(out, "exists and is not a folder", param=param)
    entries = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if entries and not overwrite:
        shown = ", ".join(entries[:3]) + (" ..." if len(entries) > 3 else "")
        n = len(entries)
        raise OutputExistsError(
            out,
            f"already holds {n} entr{'y' if n == 1 else 'ies'} ({shown}); choose a new folder or "
            "overwrite it",
            param=param,
        )
    removed = []
    if entries and previous is not None:
        for rel in previous(out):
            path = resolve_inside(out, rel, source=(out, None), what="recorded output")
            if path.is_file() or path.is_symlink():
                with write_errors(path, param=param):
                    path.unlink()
                removed.append(path)
    check_writable(out, param=param)
    return removed


def prepare_output_file(
    path: str | os.PathLike, *, overwrite: bool, param: str | None = "out"
) -> None:
    """Refuse an existing output file without ``overwrite``, a folder, or an unwritable place
    (its folder is created when missing).

    Example:
        >>> import tempfile; prepare_output_file(Path(tempfile.mkdtemp()) / "scores.csv", overwrite=False)
    """
    path = Path(path)
    if path.is_dir():
        raise OutputExistsError(path, "is a folder; expected a file name", param=param)
    if path.exists() and not overwrite:
        raise OutputExistsError(
            path, "already exists; choose a new name or overwrite it", param=param
        )
    check_writable(path.parent, param=param)


@contextlib.contextmanager
def write_errors(path: str | os.PathLike, *, param: str | None = None) -> Iterator[None]:
    """Turn an ``OSError`` raised inside the block into one :class:`WriteError` naming PATH.

    Example:
        >>> with write_errors("/proc/x/y"):  # doctest: +ELLIPSIS
        ...     os.mkdir("/proc/x/y")
        Traceback (most recent call last):
        ...
        human2k.errors.WriteError: /proc/x/y: cannot write: ...
    """
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        where = exc.filename if exc.filename else path
        raise WriteError(where, f"cannot write: {exc.strerror or exc}", param=param) from None
