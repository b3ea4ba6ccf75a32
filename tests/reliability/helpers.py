"""Shared checks of the reliability suite: tree hashes, one-line CLI errors, process trees."""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from benchmark.cli import cli

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from benchmark.cli import cli; cli()"]


def snapshot(root: Path, *, exclude: tuple[Path, ...] = ()) -> dict[str, str]:
    """{relative path: sha256} of every file under ROOT outside EXCLUDE (links not followed)."""
    skip = [Path(os.path.abspath(p)) for p in exclude]
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d not in skip]
        for name in filenames:
            p = here / name
            if p in skip:
                continue
            data = os.readlink(p).encode() if p.is_symlink() else p.read_bytes()
            out[str(p.relative_to(root))] = hashlib.sha256(data).hexdigest()
    return out


def invoke(*args: object, **kwargs):
    """Run the CLI in this process (click's runner)."""
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def error_line(result, *fragments: str, code: int = 1) -> str:
    """Assert RESULT failed with exactly one error line holding FRAGMENTS; return the line."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    line = " ".join(result.output[result.output.index("Error: ") :].split())
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


# ----------------------------------------------------------------------------- processes


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def _state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()[0]


def descendants(pid: int) -> set[int]:
    """Every living process below PID (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _ppid(int(entry))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    found, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """The PIDS that still run (zombies count as gone)."""
    return {p for p in pids if _state(p) not in (None, "Z", "X")}


def wait_gone(pids: set[int], seconds: float = 5.0) -> set[int]:
    """Poll until every PID is gone or SECONDS passed; return those still alive."""
    deadline = time.monotonic() + seconds
    left = alive(pids)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = alive(left)
    return left
