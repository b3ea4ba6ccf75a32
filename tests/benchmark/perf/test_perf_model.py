"""`mattebench perf model`: the measuring function and the command's argument handling."""

from __future__ import annotations

from click.testing import CliRunner

from benchmark.cli.perf_model import perf_model
from benchmark.perf.model import measure_forward


def test_measure_forward_reports_memory_time_and_flops():
    res = measure_forward(
        model="timinet_ti2",
        mode="naive",
        size=(64, 64),
        device="cpu",
        threads=1,
        amp=False,
        flops=True,
    )
    assert res["mode"] == "naive" and "error" not in res
    assert res["peak_bytes"] > 100 * 2**20 and res["forward_bytes"] >= 0 and res["seconds"] > 0
    assert res["gflops"] > 1  # timinet_ti2 at 64²: ≈ 1.6 GFLOPs


def test_size_must_be_multiple_of_32():
    result = CliRunner().invoke(perf_model, ["--size", "100x64"])
    assert result.exit_code != 0 and "multiples of 32" in result.output
    result = CliRunner().invoke(perf_model, ["--size", "big"])
    assert result.exit_code != 0 and "expected WxH" in result.output
