"""The one rich console and progress-bar factory every command shares."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

# When output is not a terminal (logs, CI, tests) rich would wrap tables at 80 columns and
# break headers such as "SAD (/1e3, unknown)"; use a wide virtual terminal instead.
console = Console(width=None if sys.stdout.isatty() else 160)


def make_progress(**kwargs) -> Progress:
    """A progress bar with count, elapsed time and ETA, drawn on stderr.

    Example:
        >>> with make_progress(disable=True) as p:
        ...     t = p.add_task("x", total=2); p.advance(t, 2)
    """
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        **kwargs,
    )


class RichProgress:
    """Render the library's ``progress(task, done, total, detail)`` calls on a rich Progress.

    One bar per task name, created on its first call.

    Example:
        >>> with make_progress(disable=True) as p:
        ...     report = RichProgress(p)
        ...     report("score knn", 1, 3, "GT01")
        ...     p.tasks[0].completed, p.tasks[0].total, p.tasks[0].description
        (1, 3, 'score knn · GT01')
    """

    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: dict[str, object] = {}

    def __call__(self, task: str, done: int, total: int | None, detail: str = "") -> None:
        if task not in self.tasks:
            self.tasks[task] = self.progress.add_task(task, total=total)
        description = f"{task} · {detail}" if detail else task
        self.progress.update(self.tasks[task], completed=done, total=total, description=description)
