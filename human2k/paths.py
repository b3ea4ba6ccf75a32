"""Names and paths: natural sort order, which files of a folder are images and how names match
across folders, and the rules that turn names into paths.

One matcher for every command that pairs files by name (score, eval, report, training data,
trimaps, the Human-2K builder): image files are those with an :data:`IMAGE_SUFFIXES` suffix
(case-insensitive, hidden files skipped), keyed by stem; a stem ``{fg}_{k}`` falls back to
``{fg}`` (the Composition-1K convention: one GT alpha per foreground).

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
    >>> comp1k_foreground("cat_12"), comp1k_foreground("cat")
    ('cat', None)
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

from human2k.errors import InputError, OverlapError, UnsafePathError

__all__ = [
    "IMAGE_SUFFIXES",
    "natural_key",
    "is_image_file",
    "image_files",
    "comp1k_foreground",
    "lookup_stem",
    "find_first",
    "find_named_file",
    "name_problem",
    "resolve_inside",
    "safe_component",
    "check_not_overlapping",
]

#: Suffixes of the image files every command reads (PNG first: preferred on equal stems).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")

_DIGITS = re.compile(r"(\d+)")
Source = tuple[str | os.PathLike, int | None] | None


def natural_key(name: str) -> list[int | str]:
    """Sort key that orders digit runs by value and letters case-insensitively.

    Example:
        >>> natural_key("Cat_12.png")
        ['cat_', 12, '.png']
    """
    return [int(t) if t.isdigit() else t.lower() for t in _DIGITS.split(name)]


def is_image_file(path: Path) -> bool:
    """A visible regular file with an image suffix."""
    return (
        path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".") and path.is_file()
    )


def image_files(folder: str | os.PathLike, *, unique_stems: bool = False) -> dict[str, Path]:
    """``stem -> path`` for the images of FOLDER, natural-sorted by stem.

    Two files with one stem (``a.png`` and ``a.jpg``): the earlier suffix of
    :data:`IMAGE_SUFFIXES` wins, or, with ``unique_stems``, an InputError names both.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> for n in ("b10.png", "b2.jpg", "b2.png", ".hidden.png", "notes.txt"):
        ...     _ = (d / n).write_bytes(b"")
        >>> {k: v.name for k, v in image_files(d).items()}
        {'b2': 'b2.png', 'b10': 'b10.png'}
    """
    folder = Path(folder)
    out: dict[str, Path] = {}
    rank = {s: i for i, s in enumerate(IMAGE_SUFFIXES)}
    for p in sorted(folder.iterdir(), key=lambda p: (p.stem, rank.get(p.suffix.lower(), 99))):
        if not is_image_file(p):
            continue
        if p.stem in out and unique_stems:
            raise InputError(p, f"two files with stem {p.stem!r} ({out[p.stem].name} and {p.name})")
        out.setdefault(p.stem, p)
    return {k: out[k] for k in sorted(out, key=natural_key)}


def comp1k_foreground(stem: str) -> str | None:
    """``cat_12`` -> ``cat`` (the Comp-1K ``{fg}_{k}`` convention), else None."""
    head, sep, tail = stem.rpartition("_")
    return head if sep and tail.isdigit() and head else None


def lookup_stem(files: dict[str, Path], stem: str) -> Path | None:
    """The file of STEM, else of its Comp-1K foreground (``cat_3`` -> ``cat``), else None."""
    if stem in files:
        return files[stem]
    fg = comp1k_foreground(stem)
    return files.get(fg) if fg is not None else None


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


def find_first(root: str | os.PathLike, candidates: tuple[str, ...]) -> Path | None:
    """The first of CANDIDATES (relative to ROOT) that exists, else None."""
    for rel in candidates:
        p = Path(root) / rel
        if p.exists():
            return p
    return None


_ALT_EXTS = (".png", ".jpg", ".jpeg", ".PNG", ".JPG", ".tif", ".bmp", ".webp")


def find_named_file(
    dirs: list[Path],
    name: str,
    *,
    any_extension: bool = False,
    source: tuple[str | os.PathLike, int | None] | None = None,
) -> Path | None:
    """Find NAME in the first of DIRS that holds it (Adobe: ``Adobe-licensed images`` then ``Other``).

    With ANY_EXTENSION, a file with NAME's stem and another image extension also matches
    (alphas stored as PNG next to JPEG foregrounds). The file must stay inside its folder,
    links included (:func:`human2k.paths.resolve_inside`; SOURCE = the list file and line).
    """
    candidates = [name]
    if any_extension:
        stem = os.path.splitext(name)[0]
        candidates += [stem + ext for ext in _ALT_EXTS]
    for cand in candidates:
        for d in dirs:
            p = resolve_inside(d, cand, source=source)
            if p.is_file():
                return p
    return None
