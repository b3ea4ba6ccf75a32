"""`mattebench perf gpu --out DIR`: the one-command GPU check (inference, training, TI² memory)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("gpu")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for perf_gpu.json and perf_gpu.md.",
)
@click.option(
    "--config",
    type=click.Choice(["auto", "full", "tiny"]),
    default="auto",
    show_default=True,
    help="full: 2560×1440 inference, 512² batch-16 training (GPU); tiny: 64² (CPU, CI). "
    "auto: full on CUDA, tiny on CPU.",
)
@click.option(
    "--device",
    default="auto",
    show_default=True,
    help="auto (CUDA when available), cuda, cuda:N or cpu.",
)
def perf_gpu(out, config, device):
    """Inference latency and peak memory of every registered deep model at 2560×1440 (bf16),
    TIMI-Net training throughput at 512², batch 16 (bf16, 50 steps after warm-up), and TI²
    memory naive vs SDPA; writes a JSON and a Markdown summary. Under 8 minutes on one
    H100/H200.

    \b
    Example:
      mattebench perf gpu --out perf/h200
    """
    from benchmark.cli.console import console
    from benchmark.perf.gpu import run_gpu_check
    from benchmark.perf.gpu_report import gpu_markdown, write_gpu_report

    if device != "auto" and not (device == "cpu" or device.startswith("cuda")):
        raise click.BadParameter(f"expected auto, cpu, cuda or cuda:N, got {device!r}")
    with console.status("perf gpu") as status:
        result = run_gpu_check(
            config=None if config == "auto" else config,
            device=device,
            progress=lambda what: status.update(f"perf gpu: {what}"),
        )
    json_path, md_path = write_gpu_report(result, out)
    click.echo(gpu_markdown(result))
    console.print(f"wrote {json_path} and {md_path}")
