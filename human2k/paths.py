"""Names and paths: natural sort order (and, with it, the rules for turning names into paths).

Example:
    >>> sorted(["GT10.png", "gt2.png", "GT01.png"], key=natural_key)
    ['GT01.png', 'gt2.png', 'GT10.png']
"""

from __future__ import annotations

import re

__all__ = ["natural_key"]

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> list[int | str]:
    """Sort key that orders digit runs by value and letters case-insensitively.

    Example:
        >>> natural_key("Cat_12.png")
        ['cat_', 12, '.png']
    """
    return [int(t) if t.isdigit() else t.lower() for t in _DIGITS.split(name)]
