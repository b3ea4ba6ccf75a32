"""The library's one progress protocol: ``progress(task, done, total, detail="")``.

Long-running functions (composite, trimap generation, packing, verify, score, eval, train)
take an optional ``progress`` callable and call it after every finished unit with the
cumulative count: ``task`` names the job ("composite test", "score knn", "train timinet"),
``total`` is None while unknown, ``detail`` is free text (the image just scored, the loss).
The CLI renders these calls with rich; the library never imports rich.

Example:
    >>> seen = []
    >>> report = lambda task, done, total, detail="": seen.append((task, done, total, detail))
    >>> for i in range(2):
    ...     report("demo", i + 1, 2)
    >>> seen
    [('demo', 1, 2, ''), ('demo', 2, 2, '')]
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["ProgressFn", "no_progress"]


class ProgressFn(Protocol):
    """A progress callback (see the module docstring)."""

    def __call__(self, task: str, done: int, total: int | None, detail: str = "") -> None: ...


def no_progress(task: str, done: int, total: int | None, detail: str = "") -> None:
    """The progress callback that reports nothing."""
