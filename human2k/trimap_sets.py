"""Trimaps of a folder of alpha mattes, written with the parameters each one drew.

``write_trimaps`` writes one trimap per alpha (any preset of :mod:`human2k.trimap`, a seed per
file name) and records every drawn parameter in ``trimaps.json`` (:data:`TRIMAP_RECORD`);
``d646_test_trimaps`` writes the documented, seeded Distinctions-646 test set.

Example:
    >>> TRIMAP_RECORD
    'trimaps.json'
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from human2k.errors import InputError
from human2k.images import atomic_write_bytes, read_alpha, write_png
from human2k.outputs import prepare_output_dir
from human2k.paths import IMAGE_SUFFIXES, check_not_overlapping, image_files
from human2k.trimap import D646_TEST_PARAMS, D646_TEST_PRESET, derive_seed, generate_trimap

__all__ = ["TRIMAP_RECORD", "write_trimaps", "d646_test_trimaps"]

TRIMAP_RECORD = "trimaps.json"


def _list_alphas(alpha_dir: Path) -> list[Path]:
    if not alpha_dir.is_dir():
        raise InputError(alpha_dir, "alpha folder not found")
    files = sorted(image_files(alpha_dir).values())
    if not files:
        raise InputError(alpha_dir, f"no alpha images ({', '.join(IMAGE_SUFFIXES)}) in folder")
    return files


def write_trimaps(
    alpha_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    preset: str = "dim",
    seed: int = 0,
    per_image: int | None = None,
    progress=None,
    overwrite: bool = False,
    **params: Any,
) -> list[dict[str, Any]]:
    """Write one trimap per alpha (or K per alpha) and a ``trimaps.json`` record.

    File ``a.png`` gives ``OUT/a.png``, or ``OUT/a_0.png … a_{K-1}.png`` with ``per_image=K``
    (the Composition-1K test naming). Each file gets its own seed
    ``derive_seed(seed, output_name)``, so adding or removing inputs never changes the others.
    Writes are atomic; ``trimaps.json`` maps each output name to its preset, seed and drawn
    parameters, plus the global preset/seed/params.

    Args:
        alpha_dir: folder of alpha mattes.
        out_dir: output folder (created).
        preset, seed, **params: as in ``generate_trimap``.
        per_image: number of variants per alpha (``None`` = one file named like the alpha).
        progress: ``progress("trimaps", done, total)`` (``human2k.progress``).
        overwrite: write into an OUT that already holds files; the trimaps an earlier run
            recorded in its ``trimaps.json`` are removed first (else OUT must be new or empty).

    Returns:
        The per-file records, in output order.

    Raises:
        OverlapError: OUT is, contains or lies inside the alpha folder (nothing is written).
        OutputExistsError: OUT holds files and ``overwrite`` is off.

    Example:
        >>> import tempfile, numpy as np
        >>> d = Path(tempfile.mkdtemp()); a = np.zeros((8, 8), np.uint8); a[2:6, 2:6] = 255
        >>> write_png(d / "al" / "x.png", a)
        >>> [r["file"] for r in write_trimaps(d / "al", d / "tri", preset="erode", per_image=2)]
        ['x_0.png', 'x_1.png']
    """
    alpha_dir, out_dir = Path(alpha_dir), Path(out_dir)
    files = _list_alphas(alpha_dir)
    check_not_overlapping(out_dir, {"the alpha folder": alpha_dir})
    if per_image is not None and per_image < 1:
        raise InputError(None, f"per_image must be >= 1, got {per_image}")
    records: list[dict[str, Any]] = []
    total = len(files) * (per_image or 1)
    for path in files:
        alpha = read_alpha(path)
        outs = (
            [f"{path.stem}.png"]
            if per_image is None
            else [f"{path.stem}_{k}.png" for k in range(per_image)]
        )
        for out_name in outs:
            file_seed = derive_seed(seed, out_name)
            trimap, drawn = generate_trimap(
                alpha, preset, seed=file_seed, return_params=True, **params
            )
            if not records:  # the parameters work: claim OUT before the first write
                prepare_output_dir(out_dir, overwrite=overwrite, previous=_recorded_trimaps)
            write_png(out_dir / out_name, trimap)
            records.append({"file": out_name, "alpha": path.name, **drawn})
            if progress is not None:
                progress("trimaps", len(records), total)
    record = {
        "preset": preset,
        "seed": int(seed),
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
        "per_image": per_image,
        "seed_rule": "derive_seed(seed, output_name) = SHA-256('seed:name')[:8] >> 1",
        "files": records,
    }
    atomic_write_bytes(out_dir / TRIMAP_RECORD, json.dumps(record, indent=1).encode("utf-8"))
    return records


def _recorded_trimaps(out_dir: Path) -> list[str]:
    """The files an earlier :func:`write_trimaps` recorded in OUT_DIR (for ``overwrite``)."""
    try:
        record = json.loads((out_dir / TRIMAP_RECORD).read_text("utf-8"))
        return [str(r["file"]) for r in record["files"]] + [TRIMAP_RECORD]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def d646_test_trimaps(
    alpha_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    seed: int = 646,
    per_image: int | None = None,
    progress=None,
    overwrite: bool = False,
) -> list[dict[str, Any]]:
    """The documented, deterministic Distinctions-646 test trimaps (D646 ships none).

    With ``per_image=N`` it writes ``<stem>_<k>.png`` for k < N: exactly the trimaps
    ``mattebench composite d646`` writes beside its composites (same preset, parameters and
    per-file seed rule), so a set made from the GT alone matches a composited test set.

    Preset ``gca`` (separate erosion of the α==255 and α==0 masks) with kernel sizes drawn in
    1–29 px, GCA's ``GenTrimap`` range, seeded per file name from SEED (default 646). The
    parameters of every file are recorded in ``OUT/trimaps.json``; quote the seed with any D646
    number.

    Example:
        >>> import tempfile, numpy as np
        >>> d = Path(tempfile.mkdtemp()); a = np.zeros((8, 8), np.uint8); a[2:6, 2:6] = 200
        >>> write_png(d / "GT" / "test_0.png", a)
        >>> d646_test_trimaps(d / "GT", d / "trimaps")[0]["kernel_range"]
        [1, 29]
    """
    return write_trimaps(
        alpha_dir,
        out_dir,
        preset=D646_TEST_PRESET,
        seed=seed,
        per_image=per_image,
        progress=progress,
        overwrite=overwrite,
        **D646_TEST_PARAMS,
    )
