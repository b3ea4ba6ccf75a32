"""The end-to-end demo on embedded synthetic data: the whole pipeline in a few minutes on CPU.

synthesise a Composition-1K-layout tree → composite it exactly as Adobe's script → (test
trimaps come with the tree, per composite) → train ``timinet_basic`` and ``timinet`` briefly →
score them and the classical baselines → leaderboards (CSV / LaTeX / Markdown) → HTML report.

The library does the work and reports through two callbacks; ``mattebench demo`` renders them.
Every step writes under one output folder, and rerunning resumes (composition and scoring are
resumable; training restarts from its last checkpoint).

Example (the full demo takes minutes, so only the plan is shown here):
    >>> [s.name for s in DEMO_STEPS][:3]
    ['synthesise', 'composite', 'train timinet_basic']
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from human2k.progress import ProgressFn, no_progress

__all__ = ["DemoConfig", "DemoResult", "run_demo", "DEMO_STEPS", "CLASSICAL_MODELS", "DEEP_MODELS"]

CLASSICAL_MODELS = ("trimap_only", "closed_form", "knn", "lkm", "random_walk")
DEEP_MODELS = ("timinet_basic", "timinet")


@dataclasses.dataclass(frozen=True)
class DemoStep:
    name: str
    description: str


DEMO_STEPS = (
    DemoStep("synthesise", "procedural fg/alpha/bg in the Composition-1K + COCO + VOC layout"),
    DemoStep("composite", "DIM-exact composition of the train and test splits"),
    *(
        DemoStep(
            f"train {m}",
            f"brief CPU training of {m} (online composition, GCA recipe, encoder from scratch)",
        )
        for m in DEEP_MODELS
    ),
    *(
        DemoStep(f"score {m}", f"score {m} on the synthetic test set")
        for m in (*CLASSICAL_MODELS, *DEEP_MODELS)
    ),
    DemoStep("leaderboards", "CSV, LaTeX and Markdown tables"),
    DemoStep("report", "self-contained HTML report"),
)


@dataclasses.dataclass(frozen=True)
class DemoConfig:
    """Sizes of the demo. The defaults run in a few minutes on 2 CPU cores.

    Attributes:
        seed: seed of the synthetic data, trimaps and training.
        n_train_fg, n_test_fg: synthetic foregrounds per split.
        bg_per_fg: backgrounds per foreground (both splits; the real datasets use 100 / 20).
        size: synthetic image size (W, H).
        train_epochs, train_samples, crop, batch_size: the brief training runs (train_samples
            caps the samples per epoch, which are n_train_fg × bg_per_fg at most).
        train: False skips training (deep models are then scored untrained: clearly labelled).
        workers: processes for composition and classical scoring.
        classical_models, deep_models: what is scored (and, for deep models, trained).
    """

    seed: int = 0
    n_train_fg: int = 16
    n_test_fg: int = 3
    bg_per_fg: int = 2
    size: tuple[int, int] = (320, 240)
    train_epochs: int = 8
    train_samples: int = 32
    crop: int = 128
    batch_size: int = 4
    train: bool = True
    workers: int = 2
    classical_models: tuple[str, ...] = CLASSICAL_MODELS
    deep_models: tuple[str, ...] = DEEP_MODELS


@dataclasses.dataclass
class DemoResult:
    """Where everything went, and how long each step took (seconds)."""

    out: Path
    dataset: Path
    results: Path
    leaderboards: list[Path]
    report: Path
    checkpoints: dict[str, Path]
    timings: dict[str, float]
    tables: list = dataclasses.field(default_factory=list)  # the leaderboards, built once


StepFn = Callable[[str, str], None]


def _noop_step(name: str, description: str) -> None:
    pass


def run_demo(
    out: str | Path,
    config: DemoConfig = DemoConfig(),
    *,
    on_step: StepFn = _noop_step,
    progress: ProgressFn = no_progress,
) -> DemoResult:
    """Run the whole pipeline under OUT.

    Args:
        out: output folder (created; reruns resume).
        config: sizes of the run.
        on_step: called as ``on_step(name, description)`` when a step starts.
        progress: ``progress(task, done, total, detail)`` during long steps (``human2k.progress``).
    """
    from benchmark.report.html import write_report
    from benchmark.scoring.score import score_model
    from benchmark.tables.leaderboard import build_leaderboards, write_leaderboards
    from human2k.composite import composite_dataset
    from human2k.synthetic import write_comp1k_tree

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    steps = {s.name: s for s in DEMO_STEPS}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        step = steps.get(name) or DemoStep(name, name)
        on_step(name, step.description)
        start = time.perf_counter()
        value = fn()
        timings[name] = time.perf_counter() - start
        return value

    tree = timed(
        "synthesise",
        lambda: write_comp1k_tree(
            out / "raw",
            n_train_fg=config.n_train_fg,
            n_test_fg=config.n_test_fg,
            bg_train=config.bg_per_fg,
            bg_test=config.bg_per_fg,
            seed=config.seed,
            size=config.size,
        ),
    )
    dataset = out / "comp1k"
    timed(
        "composite",
        lambda: composite_dataset(
            "comp1k",
            out=dataset,
            root=tree.adobe_root,
            coco_root=tree.coco_root,
            voc_root=tree.voc_root,
            split="all",
            bg_per_fg=config.bg_per_fg,
            save_bg=True,  # training composes online over the dataset's own backgrounds
            workers=config.workers,
            progress=progress,
        ),
    )

    checkpoints: dict[str, Path] = {}
    if config.train:
        from benchmark.training.loop import train

        for model in config.deep_models:
            result = timed(
                f"train {model}",
                lambda model=model: train(
                    model,
                    dataset,
                    out / "runs" / model,
                    recipe="gca",
                    epochs=config.train_epochs,
                    batch_size=config.batch_size,
                    crop=config.crop,
                    seed=config.seed,
                    bg_per_fg=config.bg_per_fg,
                    limit_samples=config.train_samples,
                    encoder_init="scratch",  # no ImageNet file in a demo: not the published recipe
                    resume=(out / "runs" / model / "last.pt").exists(),
                    progress=progress,
                ),
            )
            checkpoints[model] = result.checkpoint

    results = out / "results"
    test_set = dataset / "test"
    for model in (*config.classical_models, *config.deep_models):
        timed(
            f"score {model}",
            lambda model=model: score_model(
                model,
                test_set,
                results,
                checkpoint=checkpoints.get(model),
                workers=config.workers if model in config.classical_models else 1,
                save_preds=True,
                progress=progress,
            ),
        )

    tables = timed("leaderboards", lambda: build_leaderboards(results))
    leaderboards = write_leaderboards(
        tables, out / "leaderboards", formats=("csv", "latex", "md"), overwrite=True
    )
    report = timed(
        "report",
        lambda: write_report(results, out / "report.html", dataset_dir=test_set, overwrite=True),
    )
    return DemoResult(out, dataset, results, leaderboards, report, checkpoints, timings, tables)
