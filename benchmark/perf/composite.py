"""Composition speed: our composer (N workers, Numba blend) vs a single-process PIL + NumPy
reference of Adobe's algorithm, on the same synthetic Comp-1K test tree, in the same run.

Example:
    >>> import tempfile
    >>> rows = measure_composite(Path(tempfile.mkdtemp()), n_fg=1, n_bg=1, size=(48, 32), workers=1)
    >>> rows[0]["impl"].startswith("reference"), all(r["identical"] for r in rows)
    (True, True)
"""

from __future__ import annotations

import time
from pathlib import Path

__all__ = ["measure_composite"]


def measure_composite(
    tmp: Path, *, n_fg: int, n_bg: int, size: tuple[int, int], workers: int
) -> list[dict]:
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
