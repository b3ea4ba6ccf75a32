"""DIM-exact composition of Composition-1K, Distinctions-646 and Human-2K: a parallel, resumable runner.

:func:`plan_composite` reads a dataset's name lists (via :mod:`human2k.specs`) and resolves every
file: foreground *i* goes with background lines ``[i·N, (i+1)·N)``; missing files are named.
:func:`run_composite` executes the plan, one task per foreground (decode fg and alpha once,
then composite its N backgrounds with :mod:`human2k.compose_pixels`), in worker processes.
Outputs (all PNG, written atomically)::

    OUT/<split>/merged/<fg stem>_<k>.png     the composites (Adobe's names)
    OUT/<split>/alpha/<fg stem>.png          the GT alpha (L)
    OUT/<split>/fg/<fg stem>.png             the foreground as composited (RGB)
    OUT/<split>/bg/<fg stem>_<k>.png         the background window (--save-bg)
    OUT/<split>/fg_extended/<fg stem>.png    estimated fg colours (--fg-extend; not used by merged)
    OUT/test/trimaps/<fg stem>_<k>.png       copied (comp1k) or generated with a recorded seed
    OUT/<split>/bg_names.txt                 only when the background list was drawn (human2k)
    OUT/<split>.h5                           with fmt="hdf5" (human2k.pack; hash under manifest run.packs)
    OUT/manifest.json                        sources, parameters, SHA-256 per file, timings, disk

Each finished foreground is appended to a journal; a killed run started again with the same
arguments skips finished work (re-hashing it) and ends with the same manifest content hash.
Other arguments on a used OUT raise :class:`~human2k.errors.ResumeError` naming the parameter.

Example:
    >>> from human2k.synthetic import write_comp1k_tree
    >>> import tempfile; d = tempfile.mkdtemp()
    >>> t = write_comp1k_tree(d, n_train_fg=1, n_test_fg=1, bg_train=1, bg_test=2, size=(40, 30))
    >>> m = composite_dataset("comp1k", root=t.adobe_root, voc_root=t.voc_root, split="test", bg_per_fg=2, out=d + "/out")
    >>> sorted(p for p in m["files"] if "/merged/" in p)
    ['test/merged/beach-747750_1280_0.png', 'test/merged/beach-747750_1280_1.png']
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from human2k import errors
from human2k.compose_pixels import blend, fit_background
from human2k.errors import DatasetError, InputError, MattebenchError
from human2k.images import atomic_write_bytes, open_image, read_alpha, read_rgb
from human2k.manifest import (
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    Journal,
    pixel_sha256,
    save_manifest,
    sha256_bytes,
    sha256_file,
)
from human2k.specs import (
    SplitSpec,
    coco_file_name,
    fg_stem,
    find_first,
    find_named_file,
    get_spec,
    output_name,
    read_name_list,
)

__all__ = [
    "COMPOSITION_VERSION",
    "CompositeTask",
    "SplitPlan",
    "CompositePlan",
    "plan_composite",
    "run_composite",
    "composite_dataset",
    "composite_task",
    "bg_folder",
    "CheckReport",
    "check_dataset",
]

COMPOSITION_VERSION = "adobe-composition_code-1"
_IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CompositeTask:
    """One foreground and its N backgrounds: the unit of work, of resuming and of determinism."""

    split: str
    index: int
    fg_name: str
    fg_path: str
    alpha_path: str
    bg_names: tuple[str, ...]
    bg_paths: tuple[str, ...]
    trimap_paths: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.split}/{self.index:06d}/{self.fg_name}"


@dataclass
class SplitPlan:
    """Everything resolved for one split."""

    split: str
    bg_per_fg: int
    n_bg: int
    fg_list: str
    bg_list: str | None
    bg_dir: str
    trimaps: str
    trimap_preset: str | None
    trimap_params: dict[str, Any]
    tasks: list[CompositeTask] = field(default_factory=list)
    generated_bg_names: list[str] | None = None

    @property
    def n_composites(self) -> int:
        return len(self.tasks) * self.n_bg


@dataclass
class CompositePlan:
    """A resolved composite run: splits, the resume key (parameters) and the inputs (sources)."""

    dataset: str
    splits: list[SplitPlan]
    parameters: dict[str, Any]
    sources: dict[str, Any]
    missing: list[tuple[str, str]] = field(default_factory=list)

    @property
    def n_composites(self) -> int:
        return sum(s.n_composites for s in self.splits)


def bg_folder(source: str, root: str | os.PathLike | None) -> tuple[Path, str]:
    """The folder holding the background images of SOURCE (``coco``/``voc``) under ROOT.

    Returns ``(folder, coco_folder_name)``; COCO prefers ``train2014`` (the listed names) and
    falls back to ``train2017`` (names without the ``COCO_train2014_`` prefix). VOC accepts the
    folder holding ``JPEGImages``, ``VOC2012/JPEGImages``, ``VOCdevkit/VOC2012/JPEGImages``, or
    the image folder itself.
    """
    flag = "--coco-root" if source == "coco" else "--voc-root"
    if root is None:
        raise DatasetError(f"{flag} is required: the listed backgrounds are {source.upper()} images")
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: {flag} folder not found")
    if source == "coco":
        for name in ("train2014", "train2017"):
            if (root / name).is_dir():
                return root / name, name
        return root, root.name
    for rel in ("JPEGImages", "VOC2012/JPEGImages", "VOCdevkit/VOC2012/JPEGImages"):
        if (root / rel).is_dir():
            return root / rel, "JPEGImages"
    return root, root.name


def _draw_bg_names(bg_dir: Path, n: int, seed: int) -> list[str]:
    """Seeded background list for datasets without one: concatenated permutations of the pool."""
    pool = sorted(p.name for p in bg_dir.iterdir() if p.suffix.lower() in _IMAGE_EXTS and p.is_file())
    if not pool:
        raise DatasetError(f"{bg_dir}: no background images to draw from")
    rng = np.random.default_rng(seed)
    out: list[str] = []
    while len(out) < n:
        out.extend(pool[j] for j in rng.permutation(len(pool)))
    return out[:n]


def plan_composite(
    dataset: str,
    *,
    root: str | os.PathLike,
    coco_root: str | os.PathLike | None = None,
    voc_root: str | os.PathLike | None = None,
    split: str = "test",
    limit_fg: int | None = None,
    bg_per_fg: int | None = None,
    max_bg: int | None = None,
    save_bg: bool = False,
    fmt: str = "png",
    fg_extend: bool = False,
    trimap_seed: int | None = None,
    bg_seed: int = 0,
    compress_level: int = 3,
    strict: bool = True,
) -> CompositePlan:
    """Resolve a dataset's name lists into composite tasks.

    Args:
        dataset: ``comp1k``, ``d646`` or ``human2k``.
        root: the dataset root (Adobe's ``Combined_Dataset``; the D646 folder; a Human-2K build).
        coco_root: folder holding ``train2014`` or ``train2017`` (training backgrounds).
        voc_root: folder holding ``JPEGImages`` (test backgrounds).
        split: ``train``, ``test`` or ``all``.
        limit_fg: only the first K foregrounds of each list (proxy subsets).
        bg_per_fg: N, the stride of the bg list (default: the dataset's, e.g. 100/20; D646 80/20).
        max_bg: composite only the first K of each foreground's N backgrounds (proxy; names and
            trimaps unchanged, a subset of the full set).
        save_bg: also write the background windows.
        fmt: ``png`` or ``hdf5`` (PNG plus one HDF5 pack per split).
        fg_extend: also write estimated foreground colours (``human2k.foreground``).
        trimap_seed: base seed of generated test trimaps (default: 646 for d646, 0 otherwise).
        bg_seed: seed of the drawn background list when the dataset has none (human2k).
        compress_level: PNG zlib level of the outputs, 0-9 (default 3: about 3x faster to encode than
            PIL's default 6, which Adobe's script uses, for ~10 % more disk; pixels are identical).
        strict: raise DatasetError on missing files; else collect them in ``plan.missing``.

    Raises:
        DatasetError: a list or folder is missing, a list is too short, or (strict) a listed
            file is missing; InputError for an unusable parameter.
    """
    spec = get_spec(dataset)
    if not spec.splits:
        raise DatasetError(f"{dataset}: this dataset is not composited (it ships real photographs)")
    splits = {"all": ["train", "test"], "train": ["train"], "test": ["test"]}.get(split)
    if splits is None:
        raise InputError(None, f"--split {split!r}; expected train, test or all")
    if fmt not in ("png", "hdf5"):
        raise InputError(None, f"--format {fmt!r}; expected png or hdf5")
    if not 0 <= int(compress_level) <= 9:
        raise InputError(None, f"--png-level must be 0..9, got {compress_level}")
    for name, v in (("limit_fg", limit_fg), ("bg_per_fg", bg_per_fg), ("max_bg", max_bg)):
        if v is not None and v < 1:
            raise InputError(None, f"--{name.replace('_', '-')} must be >= 1, got {v}")
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset root not found")
    if trimap_seed is None:
        trimap_seed = 646 if dataset == "d646" else 0
    plan = CompositePlan(dataset, [], {}, {"root": str(root.resolve())})
    lists: dict[str, str] = {}
    for s in splits:
        sp = _plan_split(spec.splits[s], root, coco_root, voc_root, limit_fg, bg_per_fg, max_bg, bg_seed, dataset, plan)
        plan.splits.append(sp)
        lists[f"{s}_fg_list_sha256"] = sha256_file(sp.fg_list)
        if sp.bg_list:
            lists[f"{s}_bg_list_sha256"] = sha256_file(sp.bg_list)
    if plan.missing and strict:
        first = "; ".join(f"{p} ({why})" for p, why in plan.missing[:3])
        raise DatasetError(f"{len(plan.missing)} listed file(s) missing: {first}" + (" ..." if len(plan.missing) > 3 else ""))
    plan.parameters = {
        "composition": COMPOSITION_VERSION,
        "split": split,
        "limit_fg": limit_fg,
        "bg_per_fg": {sp.split: sp.bg_per_fg for sp in plan.splits},
        "max_bg": max_bg,
        "save_bg": bool(save_bg),
        "format": fmt,
        "fg_extend": bool(fg_extend),
        "trimap_seed": int(trimap_seed),
        "bg_seed": int(bg_seed),
        "png_compress_level": int(compress_level),
        **lists,
    }
    for sp in plan.splits:
        if sp.trimaps == "generated":
            plan.parameters[f"{sp.split}_trimaps"] = {
                "preset": sp.trimap_preset,
                "params": sp.trimap_params,
                "seed_rule": "human2k.trimap.derive_seed(trimap_seed, '<fg stem>_<k>.png')",
            }
    # a tree written by human2k.synthetic carries synth_record.json at its root: its results
    # must never be mistaken for (or tabled with) the real dataset's
    root_path = Path(root).resolve()
    synthetic = any((d / "synth_record.json").is_file() for d in (root_path, root_path.parent))
    plan.sources.update(
        {
            "synthetic": synthetic,
            "coco_root": None if coco_root is None else str(Path(coco_root).resolve()),
            "voc_root": None if voc_root is None else str(Path(voc_root).resolve()),
            "splits": {
                sp.split: {"fg_list": sp.fg_list, "bg_list": sp.bg_list, "bg_dir": sp.bg_dir, "trimaps": sp.trimaps}
                for sp in plan.splits
            },
        }
    )
    return plan


def _plan_split(
    spec: SplitSpec, root: Path, coco_root, voc_root, limit_fg, bg_per_fg, max_bg, bg_seed, dataset, plan
) -> SplitPlan:
    fg_list = find_first(root, spec.fg_list)
    if fg_list is None:
        raise DatasetError(f"{root / spec.fg_list[0]}: foreground name list not found ({spec.split} split)")
    fg_names_all = read_name_list(fg_list)
    if not fg_names_all:
        raise DatasetError(f"{fg_list}: foreground name list is empty")
    n = bg_per_fg or spec.bg_per_fg
    n_bg = min(n, max_bg) if max_bg else n
    bg_dir, coco_name = bg_folder(spec.bg_source, coco_root if spec.bg_source == "coco" else voc_root)
    bg_list = find_first(root, spec.bg_list) if spec.bg_list else None
    generated = None
    if bg_list is not None:
        bg_names = read_name_list(bg_list)
        if len(bg_names) < len(fg_names_all) * n:
            raise DatasetError(
                f"{bg_list}: background list has {len(bg_names)} lines but {len(fg_names_all)} foregrounds x "
                f"{n} backgrounds = {len(fg_names_all) * n} are needed (is --bg-per-fg right?)"
            )
    elif dataset == "human2k":
        generated = bg_names = _draw_bg_names(bg_dir, len(fg_names_all) * n, bg_seed)
    else:
        raise DatasetError(f"{root / spec.bg_list[0]}: background name list not found ({spec.split} split)")
    fg_names = fg_names_all[:limit_fg] if limit_fg else fg_names_all
    trimap_params: dict[str, Any] = {}
    if spec.trimaps == "generated" and dataset == "d646":
        from human2k.trimap import D646_TEST_PARAMS

        trimap_params = {k: list(v) if isinstance(v, tuple) else v for k, v in D646_TEST_PARAMS.items()}
    sp = SplitPlan(
        split=spec.split,
        bg_per_fg=n,
        n_bg=n_bg,
        fg_list=str(fg_list.resolve()),
        bg_list=None if bg_list is None else str(bg_list.resolve()),
        bg_dir=str(bg_dir.resolve()),
        trimaps=spec.trimaps,
        trimap_preset=spec.trimap_preset,
        trimap_params=trimap_params,
        generated_bg_names=generated,
    )
    fg_dirs = [root / d for d in spec.fg_dirs]
    alpha_dirs = [root / d for d in spec.alpha_dirs]
    trimap_dirs = [root / d for d in spec.trimap_dirs]
    where = f"line {{}} of {fg_list}"
    for i, name in enumerate(fg_names):
        fg = find_named_file(fg_dirs, name)
        alpha = find_named_file(alpha_dirs, name, any_extension=True)
        if fg is None:
            plan.missing.append((str(fg_dirs[0] / name), "foreground named on " + where.format(i + 1)))
        if alpha is None:
            plan.missing.append((str(alpha_dirs[0] / name), "alpha for " + where.format(i + 1)))
        bgs, bg_paths, trimaps = [], [], []
        for k in range(n_bg):
            line = i * n + k
            bg_name = bg_names[line]
            bg_path = bg_dir / coco_file_name(bg_name, coco_name)
            if not bg_path.is_file():
                what = f"background on line {line + 1} of {bg_list}" if bg_list else "drawn background"
                plan.missing.append((str(bg_path), what))
            bgs.append(bg_name)
            bg_paths.append(str(bg_path))
            if spec.trimaps == "shipped":
                tri = find_named_file(trimap_dirs, output_name(name, k))
                if tri is None:
                    plan.missing.append((str(trimap_dirs[0] / output_name(name, k)), "shipped test trimap"))
                trimaps.append(str(tri))
        if fg is not None and alpha is not None:
            sp.tasks.append(CompositeTask(spec.split, i, name, str(fg), str(alpha), tuple(bgs), tuple(bg_paths), tuple(trimaps)))
    return sp


# ------------------------------------------------------------------------------ worker side


def _record(rel: str, data: bytes, pixels: np.ndarray, role: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    return rel, {"sha256": sha256_bytes(data), "bytes": len(data), "pixels": pixel_sha256(pixels), "role": role, **extra}


def _png(array: np.ndarray, level: int) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


def composite_task(task: CompositeTask, out: str | os.PathLike, options: dict[str, Any]) -> dict[str, dict[str, Any]]:
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
            fx = np.clip(np.rint(fx * 255.0 if fx.max(initial=0) <= 1.0 else fx), 0, 255).astype(np.uint8)
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
                raise InputError(src, f"trimap is {tri.shape[1]}x{tri.shape[0]}, foreground is {w}x{h}")
            atomic_write_bytes(split / "trimaps" / name, data)
            rel, rec = _record(f"{task.split}/trimaps/{name}", data, tri, "trimap", source=src)
            files[rel] = rec
        elif trimaps == "generated":
            from human2k.trimap import derive_seed, generate_trimap

            seed = derive_seed(int(options["trimap_seed"]), name)
            tri, drawn = generate_trimap(
                alpha, options["trimap_preset"], seed=seed, return_params=True, **options.get("trimap_params", {})
            )
            put(f"{task.split}/trimaps/{name}", tri, "trimap", trimap={k2: v for k2, v in drawn.items() if k2 != "preset"})
    return files


def _worker(task: CompositeTask, out: str, options: dict[str, Any]) -> tuple[str, dict[str, Any], float, tuple | None]:
    """Pool entry point: errors come back as data (our exceptions have 2-argument constructors)."""
    t0 = time.perf_counter()
    try:
        files = composite_task(task, out, options)
    except MattebenchError as exc:
        path = getattr(exc, "path", None)
        problem = getattr(exc, "problem", str(exc))
        return task.key, {}, 0.0, (type(exc).__name__, path, problem)
    return task.key, files, time.perf_counter() - t0, None


def _raise(err: tuple) -> None:
    cls_name, path, problem = err
    if cls_name == "InputError":
        raise InputError(path, problem)
    raise getattr(errors, cls_name, MattebenchError)(problem)


# ------------------------------------------------------------------------------ the run


def _task_done(out: Path, rec: dict[str, Any] | None) -> bool:
    """A journaled task counts as done only if all its files exist with the recorded hash."""
    if rec is None:
        return False
    for rel, frec in rec["files"].items():
        p = out / rel
        if not p.is_file() or p.stat().st_size != frec["bytes"] or sha256_file(p) != frec["sha256"]:
            return False
    return True


def _remove_stale_temporaries(out: Path) -> None:
    for p in out.glob("*/*/.*.tmp"):
        p.unlink(missing_ok=True)
    for p in out.glob(".*.tmp"):
        p.unlink(missing_ok=True)


def _warm_up() -> None:
    z = np.zeros((1, 1, 3), np.uint8)
    blend(z, z[..., 0], z)


def _mp_context():
    """Worker processes start from a fork server (a fresh interpreter that has imported this
    module), not by forking the caller: a forked child inherits OpenCV/OpenMP thread pools in
    whatever state the caller left them, and generating trimaps with cv2 there can deadlock."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["human2k.composite"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_composite(
    plan: CompositePlan,
    out: str | os.PathLike,
    *,
    workers: int = 1,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Execute PLAN into OUT with WORKERS processes; return the manifest (also saved to OUT).

    Args:
        plan: from :func:`plan_composite`.
        out: output folder (created; resumed if it holds a journal with the same parameters).
        workers: worker processes (1 = in this process).
        progress: ``progress(split, done, total)`` called after each foreground, counting composites.

    Raises:
        ResumeError: OUT holds a run with other parameters (the first differing one is named).
        InputError / DatasetError: a bad input file (named); finished work stays on disk.
    """
    out = Path(out)
    if workers < 1:
        raise InputError(None, f"--workers must be >= 1, got {workers}")
    out.mkdir(parents=True, exist_ok=True)
    journal = Journal.open(out, {"dataset": plan.dataset, "parameters": plan.parameters})
    _remove_stale_temporaries(out)
    started = time.time()
    t0 = time.perf_counter()
    base_files: dict[str, dict[str, Any]] = {}
    split_times: dict[str, float] = {}
    resumed = 0
    for sp in plan.splits:
        ts = time.perf_counter()
        if sp.generated_bg_names is not None:
            data = ("\n".join(sp.generated_bg_names)).encode("utf-8")
            atomic_write_bytes(out / sp.split / "bg_names.txt", data)
            base_files[f"{sp.split}/bg_names.txt"] = {"sha256": sha256_bytes(data), "bytes": len(data), "role": "list"}
        options = {
            "compress_level": plan.parameters["png_compress_level"],
            "save_bg": plan.parameters["save_bg"],
            "fg_extend": plan.parameters["fg_extend"],
            "trimaps": sp.trimaps,
            "trimap_preset": sp.trimap_preset,
            "trimap_params": sp.trimap_params,
            "trimap_seed": plan.parameters["trimap_seed"],
        }
        todo = [t for t in sp.tasks if not _task_done(out, journal.tasks.get(t.key))]
        resumed += len(sp.tasks) - len(todo)
        done = (len(sp.tasks) - len(todo)) * sp.n_bg
        if progress is not None:
            progress(sp.split, done, sp.n_composites)

        def finish(result, sp=sp) -> None:
            nonlocal done
            key, files, seconds, err = result
            if err is not None:
                _raise(err)
            journal.append(key, files, seconds)
            done += sp.n_bg
            if progress is not None:
                progress(sp.split, done, sp.n_composites)

        if workers == 1 or len(todo) <= 1:
            for t in todo:
                finish(_worker(t, str(out), options))
        else:
            _warm_up()  # load the Numba kernel once here; forked workers inherit it
            with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=_mp_context()) as pool:
                pending = {pool.submit(_worker, t, str(out), options) for t in todo}
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                    try:
                        for f in finished:
                            finish(f.result())
                    except BaseException:
                        for f in pending:
                            f.cancel()
                        raise
        split_times[sp.split] = time.perf_counter() - ts
    packs: dict[str, Any] = {}
    if plan.parameters["format"] == "hdf5":
        from human2k.pack import pack_split

        for sp in plan.splits:
            rel = f"{sp.split}.h5"
            pack_split(out / sp.split, out / rel)
            # HDF5 layout bytes are not reproducible across processes: recorded outside the content hash
            packs[rel] = {"sha256": sha256_file(out / rel), "bytes": (out / rel).stat().st_size}
    manifest = _assemble(plan, out, journal, base_files)
    wall = time.perf_counter() - t0
    task_seconds = sum(journal.tasks[t.key]["seconds"] for sp in plan.splits for t in sp.tasks)
    disk: dict[str, int] = {}
    for rec in manifest["files"].values():
        disk[rec["role"]] = disk.get(rec["role"], 0) + rec["bytes"]
    manifest["run"] = {
        "started_unix": round(started, 3),
        "wall_seconds": round(wall, 3),
        "split_seconds": {k: round(v, 3) for k, v in split_times.items()},
        "worker_seconds_total": round(task_seconds, 3),
        "composites": plan.n_composites,
        "composites_per_second_this_run": round(plan.n_composites / wall, 3) if wall > 0 else None,
        "resumed_tasks": resumed,
        "workers": workers,
        "disk_bytes": dict(sorted(disk.items())),
        "disk_bytes_total": sum(disk.values()) + sum(p["bytes"] for p in packs.values()),
        "packs": packs,
        "host": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "pillow": _version("PIL"),
            "numpy": np.__version__,
            "cpus": os.cpu_count(),
        },
    }
    manifest["content_sha256"] = save_manifest(out / MANIFEST_NAME, manifest)
    return manifest


def _version(module: str) -> str:
    import importlib

    return getattr(importlib.import_module(module), "__version__", "unknown")


def _assemble(plan: CompositePlan, out: Path, journal: Journal, base: dict[str, dict[str, Any]]) -> dict[str, Any]:
    files: dict[str, dict[str, Any]] = dict(base)
    splits: dict[str, Any] = {}
    for sp in plan.splits:
        for t in sp.tasks:
            files.update(journal.tasks[t.key]["files"])
        splits[sp.split] = {
            "foregrounds": len(sp.tasks),
            "bg_per_fg": sp.bg_per_fg,
            "composites_per_fg": sp.n_bg,
            "composites": sp.n_composites,
            "bg_list": "official" if sp.bg_list else f"drawn (bg_seed={plan.parameters['bg_seed']})",
            "trimaps": sp.trimaps if sp.trimaps != "generated" else f"generated:{sp.trimap_preset}:seed={plan.parameters['trimap_seed']}",
            "fg_names": [t.fg_name for t in sp.tasks],
        }
    return {
        "format": MANIFEST_FORMAT,
        "dataset": plan.dataset,
        # the name results and leaderboards use: "synthetic-comp1k" for a procedural tree
        "dataset_label": f"synthetic-{plan.dataset}" if plan.sources.get("synthetic") else plan.dataset,
        "parameters": plan.parameters,
        "sources": plan.sources,
        "splits": splits,
        "files": dict(sorted(files.items())),
    }


def composite_dataset(
    dataset: str,
    *,
    out: str | os.PathLike,
    workers: int = 1,
    progress: Progress | None = None,
    **plan_options: Any,
) -> dict[str, Any]:
    """Plan and run a composite in one call (the library form of ``mattebench composite``).

    Args:
        dataset: ``comp1k``, ``d646`` or ``human2k``.
        out: output folder.
        workers: worker processes.
        progress: ``progress(split, done, total)``.
        **plan_options: the keyword arguments of :func:`plan_composite` (``root``, ``coco_root``,
            ``voc_root``, ``split``, ``limit_fg``, ``bg_per_fg``, ``max_bg``, ``save_bg``, ``fmt``,
            ``fg_extend``, ``trimap_seed``, ``bg_seed``, ``compress_level``).

    Returns:
        The manifest dict (also written to ``OUT/manifest.json``).
    """
    plan = plan_composite(dataset, **plan_options)
    return run_composite(plan, out, workers=workers, progress=progress)



@dataclass
class CheckReport:
    """Result of :func:`check_dataset`: the missing items and report lines as ``(kind, text)``,
    kind being ``ok``, ``missing`` or ``info`` (the CLI colours them)."""

    dataset: str
    missing: list[str] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing


def check_dataset(
    dataset: str,
    *,
    root: str | os.PathLike,
    coco_root: str | os.PathLike | None = None,
    voc_root: str | os.PathLike | None = None,
    split: str = "all",
    bg_per_fg: int | None = None,
) -> CheckReport:
    """Say what is missing to composite DATASET and where each part is officially obtained.

    ``bg_per_fg`` checks a proxy or synthetic tree built with another ratio (as ``composite``).

    Example:
        >>> r = check_dataset("comp1k", root="/nonexistent", split="test")
        >>> r.ok, r.missing[0]
        (False, '/nonexistent: dataset root not found')
    """
    spec = get_spec(dataset)
    report = CheckReport(dataset)
    for s in {"all": ["train", "test"]}.get(split, [split]):
        try:
            plan = plan_composite(dataset, root=root, coco_root=coco_root, voc_root=voc_root, split=s,
                                  bg_per_fg=bg_per_fg, strict=False)
        except MattebenchError as exc:
            report.missing.append(str(exc))
            continue
        sp = plan.splits[0]
        report.lines.append(("ok", f"{s}: {len(sp.tasks)} foregrounds x {sp.n_bg} backgrounds resolved from {sp.fg_list}"))
        for path, why in plan.missing:
            report.missing.append(f"{path}: missing ({why})")
    report.missing = list(dict.fromkeys(report.missing))  # both splits report a missing root once
    if report.missing:
        shown = report.missing[:20]
        report.lines += [("missing", f"missing {m}") for m in shown]
        if len(report.missing) > len(shown):
            report.lines.append(("missing", f"... and {len(report.missing) - len(shown)} more"))
        report.lines.append(("info", f"{spec.title} is obtained from: {spec.obtain}"))
        for key, where in spec.backgrounds.items():
            report.lines.append(("info", f"  backgrounds ({key}): {where}"))
        report.lines += [("info", f"  note: {n}") for n in spec.notes]
    else:
        report.lines.append(("ok", f"{dataset}: everything the name lists need is present"))
    return report
