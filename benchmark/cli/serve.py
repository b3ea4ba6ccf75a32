"""`mattebench serve`: the matting, leaderboard and hidden-GT evaluation website (Gradio)."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import click
from rich.markup import escape

from benchmark.cli.console import console


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--results",
    type=click.Path(file_okay=False, path_type=Path),
    help="`mattebench score` results folder for the Leaderboards tab.",
)
@click.option(
    "--benchmark",
    "benchmarks",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Hidden-GT test split (merged/ alpha/ trimaps/, or image/ alpha/ trimap1/ ...); repeatable.",
)
@click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Checkpoints offered in the Matting tab (FILE stem or model_name names the model).",
)
@click.option(
    "--data-dir",
    default="serve-data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The server's own folder: submissions.sqlite, uploads cache, outputs.",
)
@click.option("--max-upload-mb", default=512, show_default=True, help="Largest upload, MiB.")
@click.option(
    "--max-pixels",
    "max_matte_pixels",
    default=2_500_000,
    show_default=True,
    help="Largest image of the Matting tab, pixels.",
)
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    help="Matting / evaluation requests run at once (the rest wait in the queue).",
)
def serve(
    host,
    port,
    results,
    benchmarks,
    models_dir,
    data_dir,
    max_upload_mb,
    max_matte_pixels,
    concurrency,
):
    """Serve the website: matting, leaderboards, and evaluation against hidden GT.

    \b
    Example:
      mattebench serve --results results --benchmark data/human2k/test --models-dir ckpts
    """
    if importlib.util.find_spec("gradio") is None:
        raise click.ClickException("the web server needs Gradio: pip install 'mattebench[serve]'")
    from benchmark.serve.handlers import ServeConfig
    from benchmark.serve.limits import ServeLimits
    from benchmark.serve.server import serve as run_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    limits = ServeLimits(
        max_upload_mb=max_upload_mb, max_matte_pixels=max_matte_pixels, concurrency=concurrency
    )
    config = ServeConfig(
        data_dir=data_dir,
        results=results,
        benchmarks=benchmarks,
        models_dir=models_dir,
        limits=limits,
    )

    def ready(ctx):
        for name, bench in ctx.benchmarks.items():
            console.print(f"benchmark {escape(name)}: {len(bench.names)} images (GT kept private)")
        for line in ctx.skipped_checkpoints:
            console.print(f"[yellow]skipped checkpoint {escape(line)}")
        console.print(f"models: {escape(', '.join(ctx.model_labels()))}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            console.print(f"[yellow]listening on {escape(host)}: reachable from other machines")
        console.print(f"serving on http://{escape(host)}:{port}/  (Ctrl+C stops)", highlight=False)

    run_server(config, host=host, port=port, on_ready=ready)
