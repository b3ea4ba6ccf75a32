"""HDF5 packs vs PNG files: size and training-read speed of the same split, same run.

Example:
    >>> rows = measure_hdf5(size=(64, 48))
    >>> [r["format"].split()[0] for r in rows]
    ['PNG', 'HDF5']
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

__all__ = ["measure_hdf5", "measure_reads"]


def measure_reads(split_dir: Path, h5: Path, repeats: int = 2) -> list[dict]:
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


def measure_hdf5(
    split_dir: str | Path | None = None, *, size: tuple[int, int] = (1280, 1024)
) -> list[dict]:
    """Pack SPLIT_DIR (default: a synthetic composited split of SIZE) and time both reads."""
    from human2k.composite import composite_dataset
    from human2k.pack import pack_split
    from human2k.synthetic import write_comp1k_tree

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if split_dir is None:
            t = write_comp1k_tree(
                tmp / "src", n_train_fg=1, n_test_fg=3, bg_train=1, bg_test=4, size=size
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
        return measure_reads(Path(split_dir), h5)
