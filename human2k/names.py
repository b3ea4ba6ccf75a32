"""The official naming rules of the datasets: name lists, composite names, COCO and
HAttMatting names.

* Comp-1K foreground lists are sorted *case-insensitively*; the order comes from the lists,
  never from ``os.listdir``. Background ``k`` of foreground ``i`` is list line ``i·N + k``.
* COCO 2017 drops the ``COCO_train2014_`` prefix of the 2014 names (:func:`coco_file_name`).
* Distinctions-646 lists use CRLF line endings (:func:`read_name_list` strips ``\\r``) and its
  own script names outputs with a *global* index; we name them ``fg[:-4]_k.png`` like Comp-1K
  and :func:`d646_official_name` gives the HAttMatting name of the same composite.

Example:
    >>> output_name("woman-952506_1920 (1).jpg", 7)
    'woman-952506_1920 (1)_7.png'
"""

from __future__ import annotations

import os
from pathlib import Path

from human2k.errors import InputError, UnsafePathError
from human2k.paths import name_problem

__all__ = [
    "adobe_sort",
    "read_name_list",
    "read_name_lines",
    "output_name",
    "fg_stem",
    "coco_file_name",
    "d646_official_name",
    "COCO_2014_PREFIX",
]

COCO_2014_PREFIX = "COCO_train2014_"


def adobe_sort(names: list[str]) -> list[str]:
    """Adobe's list order: case-insensitive (ties broken by the exact name).

    Example:
        >>> adobe_sort(["Aaron_Friedman_Headshot.jpg", "a-single-person-1.jpg"])
        ['a-single-person-1.jpg', 'Aaron_Friedman_Headshot.jpg']
    """
    return sorted(names, key=lambda s: (s.lower(), s))


def read_name_list(path: str | os.PathLike) -> list[str]:
    """Read a name list: one file name per line, LF or CRLF, blank lines ignored.

    D646's lists are CRLF; HAttMatting strips only ``\\n`` so its names keep a ``\\r``. We
    strip both (and nothing else: leading/trailing spaces are part of a name). A name that could
    leave its folder (absolute, ``..``, NUL byte) is refused with its line number
    (:func:`human2k.paths.name_problem`).

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "l.txt")
        >>> _ = open(p, "wb").write(b"a.png\\r\\nb (1).png\\r\\n\\r\\n")
        >>> read_name_list(p)
        ['a.png', 'b (1).png']
    """
    return [name for _, name in read_name_lines(path)]


def read_name_lines(path: str | os.PathLike) -> list[tuple[int, str]]:
    """``(line number, name)`` of every name of a list (rules of :func:`read_name_list`).

    Raises:
        InputError: the list is missing or not UTF-8; UnsafePathError: a name could leave
            its folder (the line is named).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "name list not found")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"name list is not UTF-8 text ({exc})") from None
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        name = line.rstrip("\r")
        if not name.strip():
            continue
        problem = name_problem(name)
        if problem is not None:
            raise UnsafePathError(
                path, f"line {n}: name {name!r} {problem}; a listed name must stay in its folder"
            )
        out.append((n, name))
    return out


def fg_stem(fg_name: str) -> str:
    """The Adobe stem of a foreground name: the name minus its last 4 characters.

    Example:
        >>> fg_stem("16452523375_08591714cf_o.jpg")
        '16452523375_08591714cf_o'
    """
    return fg_name[: len(fg_name) - 4]


def output_name(fg_name: str, k: int) -> str:
    """Adobe's composite name ``fg[:-4] + '_' + k + '.png'`` (k = per-foreground index)."""
    return f"{fg_stem(fg_name)}_{k}.png"


def coco_file_name(name: str, folder_name: str) -> str:
    """The file name of a COCO background in FOLDER_NAME (``train2014`` or ``train2017``).

    Example:
        >>> coco_file_name("COCO_train2014_000000000009.jpg", "train2017")
        '000000000009.jpg'
        >>> coco_file_name("COCO_train2014_000000000009.jpg", "train2014")
        'COCO_train2014_000000000009.jpg'
    """
    if folder_name == "train2017" and name.startswith(COCO_2014_PREFIX):
        return name[len(COCO_2014_PREFIX) :]
    return name


def d646_official_name(fg_name: str, fg_index: int, k: int, bg_per_fg: int) -> str:
    """HAttMatting's name for composite k of foreground FG_INDEX (global index i·N + k).

    mattebench writes ``fg[:-4]_k.png``; this gives the name ``gen_dataset.py`` would use.

    Example:
        >>> d646_official_name("test_3.png", 3, 5, 20)
        'test_65.png'
    """
    return f"{fg_name.split('_')[0]}_{fg_index * bg_per_fg + k}.png"
