"""`mattebench demo`: the whole pipeline on embedded synthetic data."""

from __future__ import annotations

import click

from benchmark.cli.options import seed_option, workers_option


@click.command("demo")
@click.option(
    "--out",
    default="demo-output",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Output folder (reruns resume).",
)
@seed_option(help="Seed of data, trimaps and training.")
@click.option(
    "--no-train",
    is_flag=True,
    help="Skip training; deep models are scored untrained (labelled so).",
)
@workers_option(default=2, help="Processes for composition and classical scoring.")
def demo(out, seed, no_train, workers):
    """Synthesise → composite → train TIMI-Net briefly → score it and the baselines →
    leaderboards (CSV/LaTeX/Markdown) → HTML report. A few minutes on 2 CPU cores."""
    import os

    os.environ.setdefault("OMP_NUM_THREADS", str(workers))
    from rich.table import Table

    from benchmark.cli.console import RichProgress, console, make_progress
    from benchmark.demo import DemoConfig, run_demo

    with make_progress() as bar:

        def on_step(name, description):
            console.print(f"[bold cyan]▶ {name}[/]: {description}")

        progress = RichProgress(bar)

        result = run_demo(
            out,
            DemoConfig(seed=seed, train=not no_train, workers=workers),
            on_step=on_step,
            progress=progress,
        )

    from benchmark.cli.leaderboard import rich_table

    for table in result.tables:
        console.print(rich_table(table))
    summary = Table(title="mattebench demo: where everything is", show_header=False)
    summary.add_row("composited dataset", str(result.dataset))
    summary.add_row("score runs (per_image.csv, run.json, preds/)", str(result.results))
    for model, path in result.checkpoints.items():
        summary.add_row(f"checkpoint {model}", str(path))
    for path in result.leaderboards:
        summary.add_row("leaderboard", str(path))
    summary.add_row("HTML report", str(result.report))
    summary.add_row("total time", f"{sum(result.timings.values()):.0f} s")
    console.print(summary)
