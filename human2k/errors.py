"""Error types shared by every mattebench package.

The library raises these; the CLI turns each into one line on stderr and exit code 1.
Every message names the file (when there is one) and the problem. An error about an argument
names the library parameter in ``param`` (``"batch_size"``); the CLI adds the matching
command-line option to the line, so library messages never mention CLI flags.

Example:
    >>> str(InputError("gt/a.png", "shape 10x12 does not match pred 10x11"))
    'gt/a.png: shape 10x12 does not match pred 10x11'
    >>> import pickle
    >>> e = pickle.loads(pickle.dumps(InputError("a.png", "truncated PNG", param="pred_dir")))
    >>> str(e), e.path, e.param
    ('a.png: truncated PNG', 'a.png', 'pred_dir')
"""

from __future__ import annotations

import os

__all__ = [
    "MattebenchError",
    "InputError",
    "UnsafePathError",
    "DatasetError",
    "ModelError",
    "ResumeError",
    "OutputError",
    "OverlapError",
    "OutputExistsError",
    "WriteError",
    "WorkerError",
]


class MattebenchError(Exception):
    """Base class of every error mattebench raises on purpose.

    Args:
        *args: the message.
        param: the library parameter the error is about, when there is one.
    """

    def __init__(self, *args: object, param: str | None = None):
        super().__init__(*args)
        self.param = param

    def __reduce__(self):  # picklable across processes, keyword-only fields included
        return (_rebuild, (type(self), self.args, self.__dict__))


class InputError(MattebenchError, ValueError):
    """A file or array is unusable: wrong size, mode, dtype, values, or unreadable.

    Args:
        path: the offending file (or a short label such as ``"pred"`` for arrays).
        problem: what is wrong with it, with the expected next to the actual value.
    """

    def __init__(self, path: str | os.PathLike | None, problem: str, *, param: str | None = None):
        self.path = None if path is None else os.fspath(path)
        self.problem = problem
        super().__init__(problem if self.path is None else f"{self.path}: {problem}", param=param)


class UnsafePathError(InputError):
    """A name from a list, manifest, checksum file or the command line would become a path
    outside its root (absolute, ``..``, NUL byte, or a link pointing out). ``path`` is the file
    that holds the name (or the name itself)."""


def _rebuild(cls: type, args: tuple, state: dict) -> MattebenchError:
    exc = Exception.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class DatasetError(MattebenchError):
    """A dataset tree is incomplete or inconsistent (missing files, short name lists...)."""


class ModelError(MattebenchError):
    """Unknown model, bad configuration, or a checkpoint that does not fit."""


class ResumeError(MattebenchError):
    """An output folder holds work from a different parameter set and cannot be resumed."""


class OutputError(MattebenchError):
    """An output path cannot be used (see the subclasses). Nothing was written.

    Args:
        path: the output path.
        problem: why it cannot be used.
    """

    def __init__(self, path: str | os.PathLike | None, problem: str, *, param: str | None = None):
        self.path = None if path is None else os.fspath(path)
        self.problem = problem
        super().__init__(problem if self.path is None else f"{self.path}: {problem}", param=param)


class OverlapError(OutputError):
    """An output path is, contains or lies inside an input of the same command."""


class OutputExistsError(OutputError):
    """An output already exists and the command neither resumes it nor was told to overwrite."""


class WriteError(OutputError):
    """The operating system refused a write (read-only folder, full disk, permissions)."""


class WorkerError(MattebenchError):
    """A worker process failed on a unit with an error that is not a mattebench error."""
