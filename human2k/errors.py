"""Error types shared by every mattebench package.

The library raises these; the CLI turns each into one line on stderr and exit code 1.
Every message names the file (when there is one) and the problem.

Example:
    >>> str(InputError("gt/a.png", "shape 10x12 does not match pred 10x11"))
    'gt/a.png: shape 10x12 does not match pred 10x11'
"""

from __future__ import annotations

import os

__all__ = ["MattebenchError", "InputError", "DatasetError", "ModelError", "ResumeError"]


class MattebenchError(Exception):
    """Base class of every error mattebench raises on purpose."""


class InputError(MattebenchError, ValueError):
    """A file or array is unusable: wrong size, mode, dtype, values, or unreadable.

    Args:
        path: the offending file (or a short label such as ``"pred"`` for arrays).
        problem: what is wrong with it, with the expected next to the actual value.
    """

    def __init__(self, path: str | os.PathLike | None, problem: str):
        self.path = None if path is None else os.fspath(path)
        self.problem = problem
        super().__init__(problem if self.path is None else f"{self.path}: {problem}")


class DatasetError(MattebenchError):
    """A dataset tree is incomplete or inconsistent (missing files, short name lists...)."""


class ModelError(MattebenchError):
    """Unknown model, bad configuration, or a checkpoint that does not fit."""


class ResumeError(MattebenchError):
    """An output folder holds work from a different parameter set and cannot be resumed."""
