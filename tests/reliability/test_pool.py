"""The one process pool: errors come back as records of the same class, a failing initializer
is raised in the caller, workers come from the fork server and carry the lifetime guard."""

from __future__ import annotations

import os
import sys

import pytest

from human2k.errors import InputError, WorkerError
from human2k.processes import Failure, run_units


def _bad_file(name):
    raise InputError(name, "truncated PNG", param="pred_dir")


def _bug(x):
    return 1 / x


def _parent_and_method():
    import multiprocessing

    return os.getppid(), multiprocessing.get_start_method(allow_none=True)


def _fails_to_start():
    raise InputError("model.pt", "not a checkpoint")


def test_errors_come_back_as_records_of_the_same_class():
    (out,) = run_units(_bad_file, [("a", ("x/a.png",))], workers=2)
    assert out.status == "error" and out.failure == Failure(
        "InputError",
        "x/a.png: truncated PNG",
        "x/a.png",
        "truncated PNG",
        "pred_dir",
        out.failure.where,
    )
    with pytest.raises(InputError, match="^x/a.png: truncated PNG$") as info:
        out.raise_if_failed()
    assert info.value.param == "pred_dir"
    (out,) = run_units(_bug, [("b", (0,))])
    with pytest.raises(WorkerError, match=r"^b: ZeroDivisionError: division by zero \(at .*\)"):
        out.raise_if_failed()


def test_a_failing_initializer_is_raised_here():
    with pytest.raises(InputError, match="model.pt: not a checkpoint"):
        list(run_units(abs, [("a", (1,))], initializer=_fails_to_start))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork server")
def test_workers_start_from_the_fork_server():
    (out,) = run_units(_parent_and_method, [("a", ())])
    parent, _ = out.value
    assert parent != os.getpid()  # the fork server, not this process
    cmdline = open(f"/proc/{parent}/cmdline", "rb").read()
    assert b"forkserver" in cmdline and b"human2k.worker_lifetime" in cmdline
