"""`mattebench perf hdf5`: size and read speed of an HDF5 pack vs the PNGs of the same split."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click
from rich.table import Table

from benchmark.cli.console import console


def measure(split_dir: Path, h5: Path, repeats: int = 2) -> list[dict]:
    """Read every (merged, alpha, fg) sample from PNGs and from the pack; best of REPEATS."""
    from human2k.images import read_alpha, read_rgb
    from human2k.pack import PackReader

    names = sorted(p.stem for p in (split_dir / "merged").glob("*.png"))

    def png() -> None:
        for n in names:
            read_rgb(split_dir / "merged" / f"{n}.png")
            read_alpha(split_dir / "alpha" / f"{n.rsplit('_', 1)[0]}.png")
            read_rgb(split_dir / "fg" / f"{n.rsplit('_', 1)[0]}.png")

    def pack() -> None:
        with PackReader(h5) as r:
            for i in range(len(r)):
                r.sample(i)

    out = []
    for label, fn, size in (
        (
            "PNG files",
            png,
            sum(
                p.stat().st_size
                for g in ("merged", "alpha", "fg", "trimaps")
                for p in (split_dir / g).glob("*.png")
            ),
        ),
        ("HDF5 pack (LZF, 256x256 chunks)", pack, h5.stat().st_size),
    ):
        best = min(_time(fn) for _ in range(repeats))
        out.append({"format": label, "bytes": size, "s": best, "sps": len(names) / best})
    return out


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


@click.command("hdf5")
@click.option(
    "--split-dir",
    type=click.Path(exists=True, file_okay=False),
    help="A composited OUT/<split> (default: a synthetic one).",
)
@click.option("--size", default="1280x1024", show_default=True, help="Synthetic foreground WxH.")
def perf_hdf5(split_dir: str | None, size: str) -> None:
    """Pack a split and compare its size and read speed (samples/s) with the PNGs."""
    from human2k.composite import composite_dataset
    from human2k.pack import pack_split
    from human2k.synthetic import write_comp1k_tree

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if split_dir is None:
            w, h = (int(v) for v in size.lower().split("x"))
            t = write_comp1k_tree(
                tmp / "src", n_train_fg=1, n_test_fg=3, bg_train=1, bg_test=4, size=(w, h)
            )
            composite_dataset(
                "comp1k",
                root=t.adobe_root,
                voc_root=t.voc_root,
                split="test",
                bg_per_fg=4,
                out=tmp / "out",
                workers=2,
            )
            split_dir = tmp / "out" / "test"
        h5 = tmp / "pack.h5"
        pack_split(split_dir, h5)
        rows = measure(Path(split_dir), h5)
    table = Table(
        title="Training-read speed: one sample = merged + alpha + fg, decoded to uint8 (best of 2)"
    )
    for col in ("format", "size MB", "samples/s", "vs PNG"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["format"],
            f"{r['bytes'] / 1e6:.1f}",
            f"{r['sps']:.1f}",
            f"{r['sps'] / rows[0]['sps']:.2f}x",
        )
    console.print(table)
