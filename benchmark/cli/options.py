"""Options and parameter types shared by the commands, validated once by click.

A bad value is a one-line usage error naming the option (exit code 2), never a traceback:
``--size big``, ``--milestones 20,x``, ``--milestones ""``, ``--workers 0``.

Example:
    >>> import click
    >>> SIZE.convert("320x240", None, None)
    (320, 240)
    >>> POSITIVE_FLOAT.convert("4e-4", None, None)
    0.0004
    >>> MILESTONES.convert("20,30.5", None, None), MILESTONES.convert("comp1k", None, None)
    ([20.0, 30.5], 'comp1k')
    >>> SHARD.convert("2/8", None, None).label
    '2/8'
    >>> try:
    ...     SHARD.convert("8/8", None, None)
    ... except click.BadParameter as exc:
    ...     print(exc.message)
    shard index must be in 0..7 (shards count from 0), got 8
    >>> try:
    ...     MILESTONES.convert("20,x", None, None)
    ... except click.BadParameter as exc:
    ...     print(exc.message)
    expected dataset name (comp1k, d646, human2k) or comma-separated epochs such as 20,30,40; got '20,x'
"""

from __future__ import annotations

import math
import re

import click

__all__ = [
    "SizeType",
    "SIZE",
    "SIZE_32",
    "SIZE_OR_NATIVE",
    "MilestonesType",
    "MILESTONES",
    "DeviceType",
    "DEVICE",
    "FiniteFloat",
    "POSITIVE_FLOAT",
    "NONNEGATIVE_FLOAT",
    "workers_option",
    "seed_option",
    "device_option",
    "size_option",
    "ShardType",
    "SHARD",
    "shard_option",
    "scheduler_option",
]

_SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


class SizeType(click.ParamType):
    """``WxH`` with positive integers → ``(w, h)``; ``multiple`` forces both to be multiples;
    ``native`` (None) is accepted where ``allow_native``."""

    name = "WxH"

    def __init__(self, multiple: int = 1, *, allow_native: bool = False):
        self.multiple, self.allow_native = multiple, allow_native

    def convert(self, value, param, ctx):
        if isinstance(value, tuple) or value is None:
            return value
        if self.allow_native and str(value).strip().lower() == "native":
            return None
        m = _SIZE.match(str(value))
        if not m or int(m[1]) < 1 or int(m[2]) < 1:
            self.fail(
                f"expected WxH with positive integers such as 320x240, got {value!r}", param, ctx
            )
        w, h = int(m[1]), int(m[2])
        if w % self.multiple or h % self.multiple:
            self.fail(
                f"width and height must be multiples of {self.multiple}, got {value}", param, ctx
            )
        return w, h


class MilestonesType(click.ParamType):
    """A dataset name whose paper milestones apply, or comma-separated epochs (ascending, > 0)."""

    name = "NAMES|EPOCHS"
    NAMES = ("comp1k", "d646", "human2k")

    def convert(self, value, param, ctx):
        if isinstance(value, list):
            return value
        text = str(value).strip()
        if text in self.NAMES:
            return text
        try:
            epochs = [float(p) for p in text.split(",")]
        except ValueError:
            epochs = []
        if not epochs or any(e <= 0 for e in epochs) or epochs != sorted(epochs):
            self.fail(
                f"expected dataset name ({', '.join(self.NAMES)}) or comma-separated epochs such "
                f"as 20,30,40; got {value!r}",
                param,
                ctx,
            )
        return epochs


class DeviceType(click.ParamType):
    """``cpu``, ``cuda`` or ``cuda:N``."""

    name = "DEVICE"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if text == "cpu" or re.fullmatch(r"cuda(:\d+)?", text):
            return text
        self.fail(f"expected cpu, cuda or cuda:N, got {value!r}", param, ctx)


class FiniteFloat(click.ParamType):
    """A finite float (NaN and infinity refused) above a lower bound."""

    name = "FLOAT"

    def __init__(self, minimum: float = 0.0, *, inclusive: bool = True):
        self.minimum, self.inclusive = minimum, inclusive

    def convert(self, value, param, ctx):
        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"expected a number, got {value!r}", param, ctx)
        below = x < self.minimum if self.inclusive else x <= self.minimum
        if not math.isfinite(x) or below:
            bound = ">=" if self.inclusive else ">"
            self.fail(
                f"expected a finite number {bound} {self.minimum:g}, got {value!r}", param, ctx
            )
        return x


class ShardType(click.ParamType):
    """``I/N`` with 0 ≤ I < N (shards count from 0, like ``SLURM_ARRAY_TASK_ID`` of
    ``--array=0-7`` and a Kubernetes Indexed Job's ``JOB_COMPLETION_INDEX``), or ``auto``:
    this Slurm array task's shard (``human2k.shards.Shard.from_env``)."""

    name = "I/N|auto"

    def convert(self, value, param, ctx):
        from human2k.errors import InputError
        from human2k.shards import Shard

        if isinstance(value, Shard) or value is None:
            return value
        try:
            return Shard.parse(str(value))
        except InputError as exc:
            self.fail(exc.problem, param, ctx)


SIZE = SizeType()
SIZE_32 = SizeType(multiple=32)
SIZE_OR_NATIVE = SizeType(allow_native=True)
MILESTONES = MilestonesType()
SHARD = ShardType()
DEVICE = DeviceType()
POSITIVE_FLOAT = FiniteFloat(0.0, inclusive=False)
NONNEGATIVE_FLOAT = FiniteFloat(0.0)


def workers_option(default: int = 1, help: str = "Worker processes."):
    """``--workers N`` (N ≥ 1)."""
    return click.option(
        "--workers", type=click.IntRange(min=1), default=default, show_default=True, help=help
    )


def seed_option(default: int | None = 0, help: str = "Seed of every random draw."):
    """``--seed N`` (N ≥ 0)."""
    return click.option(
        "--seed",
        type=click.IntRange(min=0),
        default=default,
        show_default=default is not None,
        help=help,
    )


def device_option(default: str = "cpu", help: str = "cpu, cuda or cuda:N."):
    """``--device`` (cpu / cuda / cuda:N)."""
    return click.option("--device", type=DEVICE, default=default, show_default=True, help=help)


def size_option(default: str, help: str, *, multiple: int = 1):
    """``--size WxH``."""
    kind = SIZE if multiple == 1 else SizeType(multiple)
    return click.option("--size", type=kind, default=default, show_default=True, help=help)


def shard_option(what: str):
    """``--shard I/N|auto``: only this shard's units (WHAT), into the shard's own journal."""
    return click.option(
        "--shard",
        type=SHARD,
        default=None,
        help=f"Do only shard I of N (0 <= I < N) of the {what}: unit k belongs to shard k mod N; "
        "'auto' reads SLURM_ARRAY_TASK_ID/COUNT. Each shard writes its own journal into the "
        "same output; `mattebench merge-shards` completes the run (docs/cluster.md).",
    )


def scheduler_option(what: str):
    """``--scheduler ADDRESS``: run the units (WHAT) on an existing Dask cluster."""
    return click.option(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help=f"Run the {what} on the Dask cluster whose scheduler is ADDRESS (tcp://host:8786; "
        "needs the dask extra). Units are journaled as they finish, so the same command "
        "resumes; no per-unit time budget there (docs/cluster.md).",
    )
