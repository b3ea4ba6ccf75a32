"""End-to-end evaluation throughput (``mattebench perf eval``): ``mattebench eval --workers W``
against the same folder scored the way mmagic's evaluation tool does it, measured in one run.

The folder is N synthetic prediction / GT / trimap PNG triples at SIZE, laid out like
Composition-1K (``pred/{fg}_{k}.png``, ``trimaps/{fg}_{k}.png``, one ``gt/{fg}.png`` per
foreground); making it is not timed, and every file is in the page cache for both contenders.
Each contender's wall time runs from the file list to its CSV on disk (ours also pairs the
files and writes the protocol JSON). The breakdown — decode, metrics (seconds summed over the
images, so over all worker processes) and write — says where the time goes; the decoder table
says which PNG decoder is fastest with pixels identical to Pillow's; the agreement table says
how far mmagic's numbers are from ours on the same files (they are not the DIM MATLAB metrics:
reference/metrics_reference.md §3.1).

Example:
    >>> import tempfile
    >>> report = bench_eval(n=2, size=(64, 48), workers=(1,), workdir=tempfile.mkdtemp())
    >>> report.ours[0].n, report.baseline.name, sorted(report.agreement[0])
    (2, 'mmagic tool', ['max_rel_diff', 'metric', 'mmagic_mean', 'n_differ', 'ours_mean'])
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmark.metrics import METRIC_NAMES, compute_all
from benchmark.perf.decoders import DecoderTiming, compare_decoders
from benchmark.perf.metrics import cases_from_folder, synthetic_case
from benchmark.perf.mmagic_eval import mmagic_eval, mmagic_metrics
from benchmark.scoring.evaluate import evaluate_triplets, pair_files, write_scores
from human2k.images import write_png
from human2k.progress import ProgressFn

__all__ = ["EvalRun", "EvalPerfReport", "make_eval_folder", "bench_eval"]

_REL = 1e-6  # relative difference above which an image's value counts as differing


@dataclasses.dataclass(frozen=True)
class EvalRun:
    """One contender's run over the folder; times in seconds."""

    name: str
    workers: int
    n: int
    wall_s: float
    decode_s: float
    metrics_s: float
    write_s: float

    @property
    def images_per_s(self) -> float:
        return self.n / self.wall_s


@dataclasses.dataclass
class EvalPerfReport:
    """What ``bench_eval`` measured (``speedup`` = baseline wall time / this run's)."""

    n: int
    size: tuple[int, int]
    baseline: EvalRun
    ours: list[EvalRun]
    decoders: list[DecoderTiming]
    agreement: list[dict[str, Any]]
    cv2_threads: int
    folder: str
    source: str = "synthetic"

    def speedup(self, run: EvalRun) -> float:
        return self.baseline.wall_s / run.wall_s

    def to_dict(self) -> dict[str, Any]:
        runs = [self.baseline, *self.ours]
        return {
            "n": self.n,
            "size": list(self.size),
            "source": self.source,
            "cv2_threads": self.cv2_threads,
            "runs": [
                {
                    **dataclasses.asdict(r),
                    "images_per_s": r.images_per_s,
                    "speedup": self.speedup(r),
                }
                for r in runs
            ],
            "decoders": [dataclasses.asdict(d) for d in self.decoders],
            "agreement": self.agreement,
        }


def make_eval_folder(
    root: str | os.PathLike,
    *,
    n: int,
    size: tuple[int, int],
    seed: int = 0,
    n_fg: int = 8,
    images: str | os.PathLike | None = None,
    limit: int = 5,
) -> tuple[Path, Path, Path]:
    """Write N triples under ROOT (``pred/``, ``gt/``, ``trimaps/``); return the three folders.

    ``n_fg`` synthetic cases (``benchmark.perf.metrics.synthetic_case``) are the foregrounds, or,
    with IMAGES, the real cases of ``benchmark.perf.metrics.cases_from_folder`` (the first LIMIT
    GT mattes of that folder with each of their trimaps, resized to SIZE);
    prediction k of a foreground adds its own seeded ±3 noise in the unknown region, so no two
    predictions are the same file. Predictions are 0/255 on the known regions (mmagic refuses
    anything else). Files ``fg*.png`` an earlier call left in those folders are removed first.
    """
    root = Path(root)
    dirs = tuple(root / d for d in ("pred", "gt", "trimaps"))
    for folder in dirs:  # a reused --workdir: an earlier run's triples would be paired too
        for stale in folder.glob("fg*.png"):
            stale.unlink()
    rng = np.random.default_rng(seed)
    if images is None:
        cases = [synthetic_case(size, seed=seed + i) for i in range(min(n_fg, n))]
    else:
        cases = [c for _, c in cases_from_folder(images, size=size, limit=limit, seed=seed)][:n]
    for i, (_, gt, _) in enumerate(cases):
        write_png(dirs[1] / f"fg{i}.png", gt)
    for j in range(n):
        i, k = j % len(cases), j // len(cases)
        pred, _, trimap = cases[i]
        unknown = trimap == 128
        noisy = pred.astype(np.int16)
        noisy[unknown] += rng.integers(-3, 4, int(unknown.sum()), dtype=np.int16)
        write_png(dirs[0] / f"fg{i}_{k}.png", np.clip(noisy, 0, 255).astype(np.uint8))
        write_png(dirs[2] / f"fg{i}_{k}.png", trimap)
    return dirs  # type: ignore[return-value]


def _warm_up() -> None:
    """Compile / load every kernel once, in this process (forked workers inherit it)."""
    pred, gt, trimap = synthetic_case((64, 48))
    compute_all(pred, gt, trimap)
    mmagic_metrics(pred, gt, trimap)


def _ours(pred_dir, gt_dir, trimap_dir, workers: int, csv_path: Path, progress):
    start = time.perf_counter()
    triplets = pair_files(pred_dir, gt_dir, trimap_dir)
    result = evaluate_triplets(triplets, workers=workers, progress=progress)
    t_write = time.perf_counter()
    write_scores(result, csv_path, overwrite=True)  # a scratch file of the benchmark
    end = time.perf_counter()
    ph = result.phase_seconds
    run = EvalRun(
        f"mattebench eval --workers {workers}",
        workers,
        len(triplets),
        end - start,
        ph["decode"],
        ph["metrics"],
        end - t_write,
    )
    return run, result.records


def _agreement(ours: list[dict], theirs: list[dict]) -> list[dict[str, Any]]:
    by_name = {r["image"]: r for r in theirs}
    rows = []
    for key in METRIC_NAMES:
        a = np.array([r[key] for r in ours], np.float64)
        b = np.array([by_name[r["image"]][key] for r in ours], np.float64)
        rel = np.abs(a - b) / np.maximum(np.abs(a), 1e-12)
        rows.append(
            {
                "metric": key,
                "ours_mean": float(np.nanmean(a)),
                "mmagic_mean": float(np.mean(b)),
                "max_rel_diff": float(np.nanmax(rel)),
                "n_differ": int(np.sum(rel > _REL)),
            }
        )
    return rows


def bench_eval(
    *,
    n: int = 200,
    size: tuple[int, int] = (1920, 1080),
    workers: Sequence[int] = (1, 2),
    workdir: str | os.PathLike | None = None,
    seed: int = 0,
    decoder_repeats: int = 5,
    progress: ProgressFn | None = None,
    images: str | os.PathLike | None = None,
    limit: int = 5,
) -> EvalPerfReport:
    """Make the folder (in WORKDIR, or a temporary folder removed afterwards), then time the
    mmagic-style baseline and ``mattebench eval`` with each worker count, on the same files.
    IMAGES: real mattes instead of synthetic ones (see :func:`make_eval_folder`)."""
    if n < 1 or not workers or min(workers) < 1:
        raise ValueError("n and every worker count must be >= 1")
    tmp = None if workdir is not None else tempfile.mkdtemp(prefix="mattebench-perf-eval-")
    root = Path(workdir if workdir is not None else tmp)
    try:
        pred_dir, gt_dir, trimap_dir = make_eval_folder(
            root / "data", n=n, size=size, seed=seed, images=images, limit=limit
        )
        triplets = pair_files(pred_dir, gt_dir, trimap_dir)
        sample = [p.read_bytes() for t in triplets[:3] for p in (t.pred, t.gt, t.trimap)]
        decoders = compare_decoders(sample, repeats=decoder_repeats)
        _warm_up()
        start = time.perf_counter()
        theirs, phases = mmagic_eval(
            [(Path(t.name).stem, t.pred, t.gt, t.trimap) for t in triplets],
            root / "mmagic.csv",
            progress,
        )
        baseline = EvalRun(
            "mmagic tool",
            1,
            len(triplets),
            time.perf_counter() - start,
            phases["decode_s"],
            phases["metrics_s"],
            phases["write_s"],
        )
        runs = [
            _ours(pred_dir, gt_dir, trimap_dir, w, root / f"ours_w{w}.csv", progress)
            for w in workers
        ]
        agreement = _agreement(runs[0][1], theirs)
        ours = [run for run, _ in runs]
        return EvalPerfReport(
            n,
            tuple(size),
            baseline,
            ours,
            decoders,
            agreement,
            cv2.getNumThreads(),
            str(root),
            "synthetic" if images is None else f"{images} (first {limit} mattes, every trimap)",
        )
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
