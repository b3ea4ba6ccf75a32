"""Names and paths: natural sort order, and the rules that turn names into paths.

Every name that becomes a path — a line of a name list, a key of a manifest or checksum file,
a label from a manifest, an image name in a results CSV — goes through :func:`resolve_inside`
(or :func:`safe_component` for a single folder or file name): it must stay inside its root,
symlinks included. Absolute names, ``..`` components, NUL bytes and links pointing out are
refused with one line naming the file and line the name came from.

Inputs are read-only to every command: :func:`check_not_overlapping` refuses an output path
that is, contains or lies inside one of the command's inputs, before any work is done.

Example:
    >>> sorted(["GT10.png", "gt2.png", "GT01.png"], key=natural_key)
    ['GT01.png', 'gt2.png', 'GT10.png']
    >>> import tempfile; root = tempfile.mkdtemp()
    >>> resolve_inside(root, "fg/a.png") == Path(root) / "fg/a.png"
    True
    >>> resolve_inside(root, "../../etc/passwd", source=("names.txt", 3))
    Traceback (most recent call last):
    ...
    human2k.errors.UnsafePathError: names.txt: line 3: name '../../etc/passwd' has a '..' component; a listed name must stay inside ...
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath

from human2k.errors import OverlapError, UnsafePathError

__all__ = [
    "natural_key",
    "name_problem",
    "resolve_inside",
    "safe_component",
    "check_not_overlapping",
]

_DIGITS = re.compile(r"(\d+)")
Source = tuple[str | os.PathLike, int | None] | None


def natural_key(name: str) -> list[int | str]:
    """Sort key that orders digit runs by value and letters case-insensitively.

    Example:
        >>> natural_key("Cat_12.png")
        ['cat_', 12, '.png']
    """
    return [int(t) if t.isdigit() else t.lower() for t in _DIGITS.split(name)]


def name_problem(name: str) -> str | None:
    """Why NAME cannot be a relative path below a root (None when it can).

    Refused: empty names, NUL bytes, absolute names (``/x``, ``C:\\x``, ``\\\\server``) and any
    ``..`` component, with ``/`` or ``\\`` as separator.

    Example:
        >>> name_problem("a/b.png") is None, name_problem("a/../b.png"), name_problem("/etc/x")
        (True, "has a '..' component", 'is absolute')
    """
    if not isinstance(name, str) or not name.strip():
        return "is empty"
    if "\x00" in name:
        return "contains a NUL byte"
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).anchor:
        return "is absolute"
    if ".." in re.split(r"[\\/]", name):
        return "has a '..' component"
    return None


def _where(name: str, source: Source) -> tuple[str, str]:
    if source is None:
        return name, ""
    file, line = source
    return os.fspath(file), (f"line {line}: " if line is not None else "")


def resolve_inside(
    root: str | os.PathLike, name: str, *, source: Source = None, what: str = "name"
) -> Path:
    """``ROOT / NAME``, after checking that it stays inside ROOT (symlinks resolved).

    Args:
        root: the folder NAME is relative to (it need not exist yet).
        name: a relative name, possibly with sub-folders (``test/merged/a_0.png``).
        source: ``(file, line)`` the name was read from (line may be None), for the message.
        what: what the name is, for the message (``name``, ``image name``...).

    Returns:
        The unresolved path ``ROOT / NAME`` (as the caller would have built it).

    Raises:
        UnsafePathError: naming SOURCE (and its line) or the name itself.
    """
    where, line = _where(name, source)
    problem = name_problem(name)
    if problem is not None:
        raise UnsafePathError(
            where,
            f"{line}{what} {name!r} {problem}; a listed {what} must stay inside {root}",
        )
    path = Path(root) / name
    real_root = Path(root).resolve()
    real = path.resolve()
    if real != real_root and real_root not in real.parents:
        raise UnsafePathError(
            where, f"{line}{what} {name!r} leads outside {root} (to {real} through a link)"
        )
    return path


def safe_component(name: str, *, source: Source = None, what: str = "name") -> str:
    """NAME if it can be one folder or file name (no separator, not ``.``/``..``), else raise.

    Example:
        >>> safe_component("comp1k")
        'comp1k'
        >>> safe_component("../x", source=("manifest.json", None), what="dataset label")
        Traceback (most recent call last):
        ...
        human2k.errors.UnsafePathError: manifest.json: dataset label '../x' ... must be a single folder name
    """
    where, line = _where(str(name), source)
    problem = name_problem(name)
    if problem is None and (re.search(r"[\\/]", name) or name.strip() in (".", "..")):
        problem = "is a path"
    if problem is not None:
        raise UnsafePathError(
            where, f"{line}{what} {name!r} {problem}; it must be a single folder name"
        )
    return name


def _relation(out: Path, inp: Path) -> str | None:
    if out == inp:
        return "is"
    if inp in out.parents:
        return "lies inside"
    if out in inp.parents:
        return "contains"
    return None


def check_not_overlapping(
    output: str | os.PathLike,
    inputs: Mapping[str, str | os.PathLike | None],
    *,
    param: str | None = "out",
) -> None:
    """Refuse OUTPUT when it is, contains or lies inside one of INPUTS (symlinks resolved).

    Args:
        output: an output folder or file of a command.
        inputs: ``{description: path}`` of the command's inputs (None entries are skipped);
            the description is used in the message (``"the GT alpha folder"``).
        param: the library parameter of OUTPUT, for the CLI to name its option.

    Raises:
        OverlapError: before anything is written; nothing is changed.

    Example:
        >>> import tempfile; d = Path(tempfile.mkdtemp())
        >>> check_not_overlapping(d / "out", {"the alpha folder": d / "alpha"})
        >>> check_not_overlapping(d / "alpha", {"the alpha folder": d / "alpha"})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        human2k.errors.OverlapError: ...alpha: is the alpha folder ...; inputs are never written to
    """
    out = Path(output).resolve()
    for description, path in inputs.items():
        if path is None:
            continue
        inp = Path(path).resolve()
        relation = _relation(out, inp)
        if relation is not None:
            raise OverlapError(
                output,
                f"{relation} {description} ({path}); inputs are never written to",
                param=param,
            )
