"""`mattebench perf metrics`: the benchmark library and command on small cases (no timings
are asserted: the numbers depend on the machine)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from benchmark.metrics.reference import ref_mse, ref_sad
from benchmark.perf.metrics import (
    bench_metrics,
    cases_from_folder,
    memory_bandwidth,
    numpy_mse,
    numpy_sad,
    synthetic_case,
)


@pytest.fixture()
def matte_folder(tmp_path):
    """Two 40×30 GT mattes, trimap1 for both, trimap2 for the first only."""
    rng = np.random.default_rng(0)
    for d in ("alpha", "trimap1", "trimap2"):
        (tmp_path / d).mkdir()
    for k in range(2):
        gt = np.clip(rng.normal(128, 120, (30, 40)), 0, 255).astype(np.uint8)
        Image.fromarray(gt).save(tmp_path / "alpha" / f"GT0{k}.png")
        trimap = np.where(gt > 200, 255, np.where(gt < 50, 0, 128)).astype(np.uint8)
        Image.fromarray(trimap).save(tmp_path / "trimap1" / f"GT0{k}.png")
        if k == 0:
            Image.fromarray(np.full_like(trimap, 128)).save(tmp_path / "trimap2" / f"GT0{k}.png")
    return tmp_path


def test_cases_from_folder_resizes_with_every_trimap(matte_folder):
    cases = cases_from_folder(matte_folder, size=(64, 48))
    assert [name for name, _ in cases] == ["GT00/trimap1", "GT00/trimap2", "GT01/trimap1"]
    for _, (pred, gt, trimap) in cases:
        assert pred.shape == gt.shape == trimap.shape == (48, 64)
        assert pred.dtype == gt.dtype == trimap.dtype == np.uint8
        assert set(np.unique(trimap)) <= {0, 128, 255}
        assert (pred[trimap == 0] == 0).all() and (pred[trimap == 255] == 255).all()
    again = cases_from_folder(matte_folder, size=(64, 48))
    assert all(np.array_equal(a[1][0], b[1][0]) for a, b in zip(cases, again, strict=True))
    native = cases_from_folder(matte_folder, size=None, limit=1)
    assert [c[1][1].shape for c in native] == [(30, 40), (30, 40)]


def test_cases_from_folder_needs_alpha_and_trimaps(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected alpha/ and trimaps/"):
        cases_from_folder(tmp_path)


def test_numpy_baselines_equal_the_reference():
    pred, gt, trimap = synthetic_case((80, 60))
    assert numpy_sad(pred, gt, trimap) == pytest.approx(ref_sad(pred, gt, trimap), rel=1e-12)
    assert numpy_mse(pred, gt, trimap) == pytest.approx(ref_mse(pred, gt, trimap), rel=1e-12)
    assert math.isnan(numpy_mse(pred, gt, np.zeros_like(trimap)))


def test_memory_bandwidth_is_a_rate():
    assert memory_bandwidth(megabytes=8, repeats=1) > 1e8  # bytes per second


def test_report_has_every_column_and_case(matte_folder):
    report = bench_metrics(images=matte_folder, size=(64, 48), repeats=1)
    assert [r["metric"] for r in report.rows] == ["sad", "mse", "grad", "conn", "all four"]
    assert report.n_cases == 3 and report.n_pixels == 3 * 64 * 48
    for row in report.rows:
        assert row["ours_s"] > 0 and row["reference_s"] > 0 and row["floor_s"] > 0
        assert row["max_rel_diff"] <= 1e-6
        assert math.isnan(row["numpy_s"]) == (row["metric"] not in ("sad", "mse"))
    assert [r["case"] for r in report.case_rows] == ["GT00/trimap1", "GT00/trimap2", "GT01/trimap1"]
    assert report.case_rows[1]["unknown"] == 1.0


def test_command_prints_both_tables(matte_folder):
    from benchmark.cli.perf_metrics import perf_metrics

    result = CliRunner().invoke(
        perf_metrics,
        ["--images", str(matte_folder), "--size", "64x48", "--repeats", "1", "--limit", "1"],
    )
    assert result.exit_code == 0, result.output
    assert "NumPy (ms)" in result.output and "floor (ms)" in result.output
    assert "GT00/trimap2" in result.output and "GB/s" in result.output
    args = ["--images", str(matte_folder), "--size", "native", "--repeats", "1", "--limit", "1"]
    result = CliRunner().invoke(perf_metrics, args)
    assert result.exit_code == 0, result.output
    assert " 40x30 " in result.output and "resized" not in result.output
    assert CliRunner().invoke(perf_metrics, ["--size", "big"]).exit_code == 2
