"""`mattebench perf model`: O(N) TI² vs the naive N×N attention, memory and time, same run."""

from __future__ import annotations

import click

from benchmark.cli.options import SIZE_32, device_option
from benchmark.perf.model import bench_model


def _gib(n: int | None) -> str:
    return "—" if n is None else f"{n / 2**30:.2f}"


@click.command("model")
@click.option(
    "--size",
    default="1024x1024",
    type=SIZE_32,
    show_default=True,
    help="Input WxH (multiples of 32).",
)
@device_option()
@click.option(
    "--model",
    "model_name",
    default="timinet",
    show_default=True,
    help="A registered TIMI-Net variant.",
)
@click.option(
    "--modes",
    default="auto,naive",
    show_default=True,
    help="TI² attention paths to compare (auto, sdpa, chunked, naive).",
)
@click.option("--threads", default=2, show_default=True, help="CPU threads per measurement.")
@click.option("--amp/--no-amp", default=False, help="bf16 autocast (CUDA).")
@click.option(
    "--flops/--no-flops", default=False, help="Also count FLOPs (FlopCounterMode; FLOPs = 2·MAC)."
)
def perf_model(size, device, model_name, modes, threads, amp, flops):
    """Peak memory and time of one full-resolution forward: O(N) TI² vs the naive N×N form."""
    from rich.table import Table

    from benchmark.cli.console import console

    rows = bench_model(
        model=model_name,
        size=size,
        device=device,
        modes=modes.split(","),
        threads=threads,
        amp=amp,
        flops=flops,
    )
    ref = next((r for r in rows if r.mode == "naive" and r.error is None), None)
    what = "process peak RSS" if device == "cpu" else "max CUDA memory allocated"
    table = Table(
        title=f"{model_name} forward at {size[0]}×{size[1]} on {device} ({threads} threads{', bf16' if amp else ''}); ratios vs naive N×N TI², same run"
    )
    for col in (
        "TI² attention",
        f"{what} (GiB)",
        "forward part (GiB)",
        "peak / naive",
        "time (s)",
        "time / naive",
        "GFLOPs (counted)",
        "note",
    ):
        table.add_column(col, justify="right")
    for r in rows:
        ratio = f"{r.peak_bytes / ref.peak_bytes:.1%}" if ref and r.peak_bytes else "—"
        tratio = f"{r.seconds / ref.seconds:.2f}×" if ref and r.seconds else "—"
        table.add_row(
            r.mode,
            _gib(r.peak_bytes),
            _gib(r.forward_bytes),
            ratio,
            "—" if r.seconds is None else f"{r.seconds:.2f}",
            tratio,
            "—" if r.gflops is None else f"{r.gflops:.1f}",
            r.error or "",
        )
    console.print(table)
