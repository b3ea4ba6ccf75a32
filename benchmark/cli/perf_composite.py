"""`mattebench perf composite`: our composer (N workers) vs a single-process PIL+NumPy reference."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click
from rich.table import Table

from benchmark.cli.console import console


def measure(tmp: Path, *, n_fg: int, n_bg: int, size: tuple[int, int], workers: int) -> list[dict]:
    """Composite one synthetic Comp-1K test tree with the reference and with our runner."""
    import numpy as np
    from PIL import Image

    from human2k.compose_pixels import composite_reference
    from human2k.composite import plan_composite, run_composite
    from human2k.synthetic import write_comp1k_tree

    tree = write_comp1k_tree(
        tmp / "src", n_train_fg=1, n_test_fg=n_fg, bg_train=1, bg_test=n_bg, size=size, seed=0
    )
    plan = plan_composite(
        "comp1k", root=tree.adobe_root, voc_root=tree.voc_root, split="test", bg_per_fg=n_bg
    )
    n = plan.n_composites
    ref_dir = tmp / "ref"
    ref_dir.mkdir()
    t0 = time.perf_counter()
    for t in plan.splits[0].tasks:
        composite_reference(
            t.fg_path,
            t.alpha_path,
            t.bg_paths,
            [ref_dir / f"{t.fg_name[:-4]}_{k}.png" for k in range(n_bg)],
        )
    ref_s = time.perf_counter() - t0
    rows = [
        {
            "impl": "reference: PIL + NumPy float64, 1 process (Adobe's algorithm)",
            "workers": 1,
            "level": 6,
            "s": ref_s,
        }
    ]
    for w, level in sorted({(1, 6), (workers, 6), (1, 3), (workers, 3)}):
        plan.parameters["png_compress_level"] = level
        t0 = time.perf_counter()
        run_composite(plan, tmp / f"ours{w}_{level}", workers=w)
        rows.append(
            {
                "impl": "mattebench composite (Numba blend; also writes fg/alpha/trimaps, SHA-256)",
                "workers": w,
                "level": level,
                "s": time.perf_counter() - t0,
            }
        )
    same = all(
        np.array_equal(
            np.asarray(Image.open(p)),
            np.asarray(Image.open(tmp / f"ours{workers}_3/test/merged" / p.name)),
        )
        for p in sorted(ref_dir.glob("*.png"))
    )
    for r in rows:
        r.update(n=n, ips=n / r["s"], ratio=ref_s / r["s"], identical=same)
    return rows


@click.command("composite")
@click.option("--n-fg", type=int, default=2, show_default=True, help="Synthetic test foregrounds.")
@click.option(
    "--bg-per-fg",
    type=int,
    default=10,
    show_default=True,
    help="Backgrounds per fg (Comp-1K test: 20).",
)
@click.option(
    "--size",
    default="1024x768",
    show_default=True,
    help="Foreground WxH (Comp-1K test mean is 1655x1380).",
)
@click.option("--workers", type=int, default=2, show_default=True)
def perf_composite(n_fg: int, bg_per_fg: int, size: str, workers: int) -> None:
    """Images/s of `mattebench composite` vs the reference, measured in the same run."""
    w, h = (int(v) for v in size.lower().split("x"))
    with tempfile.TemporaryDirectory() as d:
        rows = measure(Path(d), n_fg=n_fg, n_bg=bg_per_fg, size=(w, h), workers=workers)
    table = Table(
        title=f"Composition speed, {rows[0]['n']} composites of {w}x{h} px, measured in the same run"
    )
    for col in (
        "implementation",
        "workers",
        "PNG level",
        "seconds",
        "composites/s",
        "speed vs reference",
        "pixels identical",
    ):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["impl"],
            str(r["workers"]),
            str(r["level"]),
            f"{r['s']:.2f}",
            f"{r['ips']:.2f}",
            f"{r['ratio']:.2f}x",
            "yes" if r["identical"] else "NO",
        )
    console.print(table)
