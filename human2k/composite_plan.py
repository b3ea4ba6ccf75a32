"""Resolve a dataset's name lists into composite tasks: :func:`plan_composite`.

Foreground *i* goes with background lines ``[i·N, (i+1)·N)``; every file is resolved (and
missing ones are named) before :mod:`human2k.composite_run` executes the plan.

Example:
    >>> from human2k.synthetic import write_comp1k_tree
    >>> import tempfile; d = tempfile.mkdtemp()
    >>> t = write_comp1k_tree(d, n_train_fg=1, n_test_fg=1, bg_train=1, bg_test=2, size=(40, 30))
    >>> plan = plan_composite("comp1k", root=t.adobe_root, voc_root=t.voc_root, split="test", bg_per_fg=2)
    >>> plan.n_composites, plan.splits[0].tasks[0].key
    (2, 'test/000000/beach-747750_1280.png')
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from human2k.backgrounds import bg_folder, draw_bg_names
from human2k.errors import DatasetError, InputError
from human2k.manifest import sha256_file
from human2k.names import coco_file_name, output_name, read_name_lines
from human2k.paths import find_first, find_named_file, resolve_inside
from human2k.specs import SplitSpec, get_spec

__all__ = [
    "COMPOSITION_VERSION",
    "CompositeTask",
    "SplitPlan",
    "CompositePlan",
    "plan_composite",
]

COMPOSITION_VERSION = "adobe-composition_code-1"


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
        raise InputError(None, f"split {split!r}; expected train, test or all", param="split")
    if fmt not in ("png", "hdf5"):
        raise InputError(None, f"format {fmt!r}; expected png or hdf5", param="fmt")
    if not 0 <= int(compress_level) <= 9:
        raise InputError(
            None,
            f"PNG compression level must be 0..9, got {compress_level}",
            param="compress_level",
        )
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
        sp = _plan_split(
            spec.splits[s],
            root,
            coco_root,
            voc_root,
            limit_fg,
            bg_per_fg,
            max_bg,
            bg_seed,
            dataset,
            plan,
        )
        plan.splits.append(sp)
        lists[f"{s}_fg_list_sha256"] = sha256_file(sp.fg_list)
        if sp.bg_list:
            lists[f"{s}_bg_list_sha256"] = sha256_file(sp.bg_list)
    if plan.missing and strict:
        first = "; ".join(f"{p} ({why})" for p, why in plan.missing[:3])
        raise DatasetError(
            f"{len(plan.missing)} listed file(s) missing: {first}"
            + (" ..." if len(plan.missing) > 3 else "")
        )
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
                sp.split: {
                    "fg_list": sp.fg_list,
                    "bg_list": sp.bg_list,
                    "bg_dir": sp.bg_dir,
                    "trimaps": sp.trimaps,
                }
                for sp in plan.splits
            },
        }
    )
    return plan


def _plan_split(
    spec: SplitSpec,
    root: Path,
    coco_root,
    voc_root,
    limit_fg,
    bg_per_fg,
    max_bg,
    bg_seed,
    dataset,
    plan,
) -> SplitPlan:
    fg_list = find_first(root, spec.fg_list)
    if fg_list is None:
        raise DatasetError(
            f"{root / spec.fg_list[0]}: foreground name list not found ({spec.split} split)"
        )
    fg_lines_all = read_name_lines(fg_list)
    fg_names_all = [name for _, name in fg_lines_all]
    if not fg_names_all:
        raise DatasetError(f"{fg_list}: foreground name list is empty")
    n = bg_per_fg or spec.bg_per_fg
    n_bg = min(n, max_bg) if max_bg else n
    bg_dir, coco_name = bg_folder(
        spec.bg_source, coco_root if spec.bg_source == "coco" else voc_root
    )
    bg_list = find_first(root, spec.bg_list) if spec.bg_list else None
    generated = None
    bg_lines: list[int | None] = []
    if bg_list is not None:
        bg_numbered = read_name_lines(bg_list)
        bg_names = [name for _, name in bg_numbered]
        bg_lines = [n for n, _ in bg_numbered]
        if len(bg_names) < len(fg_names_all) * n:
            raise DatasetError(
                f"{bg_list}: background list has {len(bg_names)} lines but {len(fg_names_all)} foregrounds x "
                f"{n} backgrounds = {len(fg_names_all) * n} are needed (is the number of backgrounds "
                "per foreground right?)",
                param="bg_per_fg",
            )
    elif dataset == "human2k":
        generated = bg_names = draw_bg_names(bg_dir, len(fg_names_all) * n, bg_seed)
    else:
        raise DatasetError(
            f"{root / spec.bg_list[0]}: background name list not found ({spec.split} split)"
        )
    fg_lines = fg_lines_all[:limit_fg] if limit_fg else fg_lines_all
    trimap_params: dict[str, Any] = {}
    if spec.trimaps == "generated":
        from human2k.trimap import TEST_TRIMAPS

        preset, params = TEST_TRIMAPS.get(dataset, (spec.trimap_preset, {}))
        if preset != spec.trimap_preset:
            raise DatasetError(f"{dataset}: spec preset {spec.trimap_preset!r} != {preset!r}")
        trimap_params = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
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
    for i, (line_no, name) in enumerate(fg_lines):
        source = (fg_list, line_no)
        fg = find_named_file(fg_dirs, name, source=source)
        alpha = find_named_file(alpha_dirs, name, any_extension=True, source=source)
        if fg is None:
            plan.missing.append(
                (str(fg_dirs[0] / name), f"foreground named on line {line_no} of {fg_list}")
            )
        if alpha is None:
            plan.missing.append(
                (str(alpha_dirs[0] / name), f"alpha for line {line_no} of {fg_list}")
            )
        bgs, bg_paths, trimaps = [], [], []
        for k in range(n_bg):
            line = i * n + k
            bg_name = bg_names[line]
            bg_source = (bg_list, bg_lines[line]) if bg_list else (bg_dir, None)
            bg_path = resolve_inside(bg_dir, coco_file_name(bg_name, coco_name), source=bg_source)
            if not bg_path.is_file():
                what = (
                    f"background on line {bg_lines[line]} of {bg_list}"
                    if bg_list
                    else "drawn background"
                )
                plan.missing.append((str(bg_path), what))
            bgs.append(bg_name)
            bg_paths.append(str(bg_path))
            if spec.trimaps == "shipped":
                tri = find_named_file(trimap_dirs, output_name(name, k), source=source)
                if tri is None:
                    plan.missing.append(
                        (str(trimap_dirs[0] / output_name(name, k)), "shipped test trimap")
                    )
                trimaps.append(str(tri))
        if fg is not None and alpha is not None:
            sp.tasks.append(
                CompositeTask(
                    spec.split,
                    i,
                    name,
                    str(fg),
                    str(alpha),
                    tuple(bgs),
                    tuple(bg_paths),
                    tuple(trimaps),
                )
            )
    return sp
