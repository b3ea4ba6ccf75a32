"""`mattebench perf`: speed and memory benchmarks, always as ratios against a reference
implementation measured in the same run."""

from __future__ import annotations

import click

from benchmark.cli.main import LazyGroup


@click.group(
    cls=LazyGroup,
    lazy_subcommands={
        "metrics": "benchmark.cli.perf_metrics:perf_metrics",
        "composite": "benchmark.cli.perf_composite:perf_composite",
        "model": "benchmark.cli.perf_model:perf_model",
        "hdf5": "benchmark.cli.perf_hdf5:perf_hdf5",
        "eval": "benchmark.cli.perf_eval:perf_eval",
        "gpu": "benchmark.cli.perf_gpu:perf_gpu",
    },
)
def perf():
    """Benchmarks that print ratios against a reference measured in the same run."""
