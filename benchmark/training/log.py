"""The training run's ``train.jsonl``: append-only writer, resume truncation, loss read-back.

Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "train.jsonl"
    >>> log = TrainLog(path, enabled=True)
    >>> for e, loss in ((1, 0.5), (2, 0.25)):
    ...     log.write({"event": "step", "epoch": e, "loss": np.float32(loss)})
    >>> truncate_log(path, 1); losses_from_log(path)
    [0.5]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from human2k.images import atomic_write_bytes

__all__ = ["TrainLog", "truncate_log", "losses_from_log", "read_log_records"]


class TrainLog:
    """Append-only JSONL writer (main rank only); each line is appended and flushed on its own."""

    def __init__(self, path: Path, enabled: bool):
        self.path, self.enabled = path, enabled

    def write(self, record: dict[str, Any]) -> None:
        if self.enabled:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, default=_json_default) + "\n")


def _json_default(o: Any):
    if isinstance(o, (np.integer, np.floating)):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, tuple):
        return list(o)
    return str(o)


def truncate_log(path: Path, epoch: int, step: int | None = None) -> None:
    """Drop what a killed run logged after its last checkpoint: records of epochs after EPOCH
    and, when STEP is given (a mid-epoch checkpoint), ``step`` records after STEP."""
    if not path.exists():
        return
    keep = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by the kill
            continue
        if rec.get("event") in ("step", "epoch_start", "epoch", "val") and rec["epoch"] > epoch:
            continue
        if rec.get("event") == "step" and step is not None and rec["step"] > step:
            continue
        keep.append(line)
    atomic_write_bytes(path, "".join(k + "\n" for k in keep).encode("utf-8"))


def read_log_records(log_path: Path) -> list[dict[str, Any]]:
    """The records of a ``train.jsonl``, in order (a line cut short by a kill is skipped)."""
    records = []
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def losses_from_log(path: Path) -> list[float]:
    """The loss of every ``step`` record, in order."""
    return [float(r["loss"]) for r in read_log_records(path) if r.get("event") == "step"]
