"""Composite one foreground with its N backgrounds: :func:`composite_task` (the worker's job).

Decodes the fg and alpha once, blends each background window with
:mod:`human2k.compose_pixels`, writes every PNG atomically and returns the file records the
journal keeps. It is the unit of work of the process pool (:mod:`human2k.processes`).

Example:
    >>> from human2k.composite_plan import plan_composite
    >>> from human2k.synthetic import write_comp1k_tree
    >>> import tempfile; d = tempfile.mkdtemp()
    >>> t = write_comp1k_tree(d, n_train_fg=1, n_test_fg=1, bg_train=1, bg_test=2, size=(40, 30))
    >>> plan = plan_composite("comp1k", root=t.adobe_root, voc_root=t.voc_root, split="test", bg_per_fg=2)
    >>> files = composite_task(plan.splits[0].tasks[0], d + "/out", {})
    >>> sorted(rec["role"] for rec in files.values())
    ['alpha', 'fg', 'merged', 'merged']
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from human2k.compose_pixels import blend, fit_background
from human2k.composite_plan import CompositeTask
from human2k.errors import InputError
from human2k.images import atomic_write_bytes, open_image, read_alpha, read_rgb
from human2k.manifest import pixel_sha256, sha256_bytes
from human2k.names import fg_stem, output_name

__all__ = ["composite_task"]


def _record(
    rel: str, data: bytes, pixels: np.ndarray, role: str, **extra: Any
) -> tuple[str, dict[str, Any]]:
    return rel, {
        "sha256": sha256_bytes(data),
        "bytes": len(data),
        "pixels": pixel_sha256(pixels),
        "role": role,
        **extra,
    }


def _png(array: np.ndarray, level: int) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


def composite_task(
    task: CompositeTask, out: str | os.PathLike, options: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Run one task: write its fg, alpha, N composites (and bg windows / trimaps); return file records.

    OPTIONS holds ``compress_level``, ``save_bg``, ``fg_extend``, ``trimaps`` (``shipped``,
    ``generated`` or ``none``), ``trimap_preset``, ``trimap_params``, ``trimap_seed``.
    """
    out = Path(out)
    level = int(options.get("compress_level", 3))
    fg = read_rgb(task.fg_path)  # RGB as is; RGBA -> its R, G, B; other modes converted (Adobe)
    alpha = read_alpha(task.alpha_path)
    if alpha.shape != fg.shape[:2]:
        raise InputError(
            task.alpha_path,
            f"alpha is {alpha.shape[1]}x{alpha.shape[0]} but foreground {task.fg_path} is {fg.shape[1]}x{fg.shape[0]}",
        )
    h, w = alpha.shape
    stem = fg_stem(task.fg_name)
    split = out / task.split
    files: dict[str, dict[str, Any]] = {}

    def put(rel: str, array: np.ndarray, role: str, **extra: Any) -> None:
        data = _png(array, level)
        atomic_write_bytes(out / rel, data)
        k, rec = _record(rel, data, array, role, **extra)
        files[k] = rec

    put(f"{task.split}/fg/{stem}.png", fg, "fg", source=task.fg_path)
    put(f"{task.split}/alpha/{stem}.png", alpha, "alpha", source=task.alpha_path)
    if options.get("fg_extend"):
        from human2k.foreground import estimate_foreground

        fx = np.asarray(estimate_foreground(fg, alpha, cache_dir=str(out / ".fg-cache")))
        if fx.dtype != np.uint8:
            fx = np.clip(np.rint(fx * 255.0 if fx.max(initial=0) <= 1.0 else fx), 0, 255).astype(
                np.uint8
            )
        put(f"{task.split}/fg_extended/{stem}.png", fx, "fg_extended")
    for k, (bg_name, bg_path) in enumerate(zip(task.bg_names, task.bg_paths, strict=False)):
        window = fit_background(open_image(bg_path), w, h)
        merged = blend(fg, alpha, window)
        name = output_name(task.fg_name, k)
        put(f"{task.split}/merged/{name}", merged, "merged", bg=bg_name)
        if options.get("save_bg"):
            put(f"{task.split}/bg/{name}", window, "bg", bg=bg_name)
        trimaps = options.get("trimaps", "none")
        if trimaps == "shipped":
            src = task.trimap_paths[k]
            data = Path(src).read_bytes()
            from human2k.images import read_trimap

            tri = read_trimap(src)
            if tri.shape != (h, w):
                raise InputError(
                    src, f"trimap is {tri.shape[1]}x{tri.shape[0]}, foreground is {w}x{h}"
                )
            atomic_write_bytes(split / "trimaps" / name, data)
            rel, rec = _record(f"{task.split}/trimaps/{name}", data, tri, "trimap", source=src)
            files[rel] = rec
        elif trimaps == "generated":
            from human2k.trimap import derive_seed, generate_trimap

            seed = derive_seed(int(options["trimap_seed"]), name)
            tri, drawn = generate_trimap(
                alpha,
                options["trimap_preset"],
                seed=seed,
                return_params=True,
                **options.get("trimap_params", {}),
            )
            put(
                f"{task.split}/trimaps/{name}",
                tri,
                "trimap",
                trimap={k2: v for k2, v in drawn.items() if k2 != "preset"},
            )
    return files
