"""Score runs as the tables see them: loaded from a results folder, deduplicated, labelled.

Input is the results layout of ``mattebench score`` (``RESULTS/<dataset>/<model>/<run-id>/``
with ``per_image.csv`` and ``run.json``, see :mod:`benchmark.scoring.protocol`). Runs of the
same model, config, training data and provenance that differ only in seed become one row.

Example:
    >>> from benchmark.scoring.protocol import Protocol
    >>> rec = lambda cfg: Run(Path("."), RunRecord(Protocol("d", "test"), "m", model_config=cfg), None)
    >>> row_labels([rec({"a": 1, "b": 2}), rec({"a": 1, "b": 3}), rec({})])
    ['m[a=1,b=2]', 'm[a=1,b=3]', 'm[a=-,b=-]']
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.metrics.scales import METRIC_NAMES
from benchmark.scoring.protocol import PER_IMAGE_CSV, RUN_JSON, RunRecord
from human2k.errors import InputError, UnsafePathError
from human2k.paths import name_problem

__all__ = ["SEED_KEYS", "Run", "collect_runs", "dedupe_repeats", "row_labels"]

#: Config keys that only choose a seed: runs differing in these alone are averaged.
SEED_KEYS = frozenset({"seed", "train_seed", "training_seed", "data_seed"})


@dataclasses.dataclass(eq=False)
class Run:
    """One score run folder, loaded.

    Attributes:
        path: the run folder.
        record: its ``run.json``.
        per_image: ``per_image.csv`` indexed by image (stored scales, NaN = failed image).
    """

    path: Path
    record: RunRecord
    per_image: pd.DataFrame

    def means(self) -> dict[str, float]:
        """Per-metric mean over the images that were scored (stored scale)."""
        return {m: _nanmean(self.per_image[m].to_numpy(float)) for m in METRIC_NAMES}

    @property
    def n_images(self) -> int:
        return int(len(self.per_image))

    @property
    def n_failed(self) -> int:
        return int(self.per_image[list(METRIC_NAMES)].isna().any(axis=1).sum())

    @property
    def n_expected(self) -> int | None:
        """Images in the scored dataset (from run.json), when recorded."""
        n = self.record.extra.get("n_expected")
        return n if isinstance(n, int) else None

    @property
    def partial(self) -> bool:
        """True for a run that did not score its whole dataset (killed, or ``--limit``): its
        mean is over a subset and is not comparable with complete runs."""
        if self.record.extra.get("complete") is False:
            return True
        return self.n_expected is not None and self.n_images < self.n_expected

    def partial_note(self) -> str:
        """One line saying why the run is left out of the tables."""
        total = self.n_expected if self.n_expected is not None else "?"
        return (
            f"{self.record.model}: run {self.path.name} is partial ({self.n_images} of {total} "
            "images) and left out; finish it by running the same score command again"
        )

    def model_key(self) -> tuple[str, str, str, str]:
        """(model, config without seed keys, training data, provenance): what makes a row."""
        cfg = {k: v for k, v in self.record.model_config.items() if k not in SEED_KEYS}
        return (
            self.record.model,
            json.dumps(cfg, sort_keys=True, default=str),
            self.record.training_data,
            self.record.provenance,
        )

    def seed_label(self) -> str:
        rec = self.record
        for key in ("seed", "train_seed", "training_seed"):
            if key in rec.model_config:
                return f"{rec.model_config[key]}"
        return "-" if rec.seed is None else str(rec.seed)


def _nanmean(values: np.ndarray) -> float:
    ok = values[~np.isnan(values)]
    return float(ok.mean()) if ok.size else math.nan


def _check_names(path: Path, names) -> None:
    """Image names become file names (predictions, report pictures): refuse path-like ones."""
    for row, name in enumerate(names, 2):
        if name_problem(str(name)) is not None or re.search(r"[\\/]", str(name)):
            raise UnsafePathError(
                path, f"line {row}: image name {name!r} is a path, not a file name"
            )


def _read_per_image(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, "missing; every run folder needs per_image.csv next to run.json")
    try:
        df = pd.read_csv(path, dtype={"image": str}, keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a readable CSV ({exc})") from None
    missing = [c for c in ("image", *METRIC_NAMES) if c not in df.columns]
    if missing:
        raise InputError(
            path,
            f"missing column(s) {', '.join(missing)}; expected image,sad,mse,grad,conn,seconds",
        )
    for col in METRIC_NAMES:
        try:
            df[col] = pd.to_numeric(df[col], errors="raise").astype(float)
        except (ValueError, TypeError):
            raise InputError(path, f"column {col!r} holds non-numeric values") from None
    _check_names(path, df["image"])
    dupes = df["image"][df["image"].duplicated()].unique()
    if len(dupes):
        raise InputError(path, f"image(s) listed twice: {', '.join(map(str, dupes[:5]))}")
    return df.set_index("image")


def _read_record(path: Path) -> RunRecord:
    try:
        return RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not valid JSON ({exc})") from None
    except (KeyError, TypeError) as exc:
        raise InputError(path, f"not a mattebench run record ({exc!r})") from None


def collect_runs(results_dir: str | os.PathLike) -> list[Run]:
    """Load every run folder (one holding ``run.json``) under RESULTS_DIR.

    Args:
        results_dir: the ``--out`` folder of ``mattebench score``.

    Returns:
        Runs sorted by folder path.

    Raises:
        InputError: the folder does not exist, or a run.json / per_image.csv is unreadable.
    """
    root = Path(results_dir)
    if not root.is_dir():
        raise InputError(root, "results folder not found")
    runs = []
    for run_json in sorted(root.rglob(RUN_JSON)):
        record = _read_record(run_json)
        runs.append(Run(run_json.parent, record, _read_per_image(run_json.parent / PER_IMAGE_CSV)))
    return runs


def dedupe_repeats(runs: Iterable[Run]) -> list[Run]:
    """Keep one run per (model key, seed, checkpoint): the one whose run.json is newest."""
    best: dict[tuple, Run] = {}
    for run in runs:
        key = (
            run.record.protocol.key(),
            run.model_key(),
            run.seed_label(),
            run.record.checkpoint_sha256,
        )
        old = best.get(key)
        if old is None or _mtime(run) >= _mtime(old):
            best[key] = run
    return sorted(best.values(), key=lambda r: str(r.path))


def _mtime(run: Run) -> tuple[float, str]:
    return ((run.path / RUN_JSON).stat().st_mtime, str(run.path))


def _config(run: Run) -> dict:
    return {k: v for k, v in run.record.model_config.items() if k not in SEED_KEYS}


def row_labels(runs: Sequence[Run]) -> list[str]:
    """Row label per run: the model name, plus only the config keys that tell apart rows of the
    same model (``timinet[width=64]``); the full config goes to the CSV."""
    labels = []
    for run in runs:
        same = [_config(r) for r in runs if r.record.model == run.record.model]
        keys = sorted(
            {
                k
                for c in same
                for k in c
                if len({json.dumps(x.get(k, "-"), sort_keys=True, default=str) for x in same}) > 1
            }
        )
        cfg = _config(run)
        labels.append(
            run.record.model
            + ("[" + ",".join(f"{k}={cfg.get(k, '-')}" for k in keys) + "]" if keys else "")
        )
    return labels
