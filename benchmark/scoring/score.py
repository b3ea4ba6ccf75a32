"""Score a registered model over a dataset folder: per-image table + run record, resumable.

``score_model`` writes ``OUT/<dataset>/<model>/<run-id>/``:

* ``per_image.csv`` — columns ``image,sad,mse,grad,conn,seconds`` (SAD/1000, MSE raw,
  Grad/1000, Conn/1000 over the trimap's unknown pixels; ``seconds`` = the model's own time on
  that image). One row is appended (and fsync'ed) per finished image; a finished run rewrites
  it once, sorted in dataset order. An image that timed out or failed has NaN metrics; the
  reason is in ``run.json`` (``extra.failures``).
* ``run.json`` — a :class:`benchmark.scoring.protocol.RunRecord` with the whole protocol; rewritten
  (atomically) at the start, after every failure and at the end.
* ``preds/<image>.png`` — with ``save_preds``: the uint8 predictions that were scored.

Predictions are forced to 0/1 on the trimap's known regions and **rounded** to uint8 before
the metrics (``benchmark.models.inference.quantize_alpha``), as DIM did.

The run-id is a hash of (model, model config, checkpoint SHA-256, dataset name + split +
manifest hash, trimap set, region, and for deep models the resolution policy and AMP), so
running the same command again resumes: images already in the CSV are skipped, except failed
ones (retried) and timed-out ones when the time budget was raised. Classical
solvers run in child processes (``workers`` at a time) under a per-image ``time_budget_s``;
deep models run in this process (``benchmark.models.inference.predict_alpha``).

Example:
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from human2k.images import write_png
    >>> d = Path(tempfile.mkdtemp())
    >>> tri = np.zeros((8, 8), np.uint8); tri[2:6] = 128; tri[6:] = 255
    >>> write_png(d / "set/merged/a_0.png", np.zeros((8, 8, 3), np.uint8))
    >>> write_png(d / "set/alpha/a.png", np.where(tri == 255, 255, 0).astype(np.uint8))
    >>> write_png(d / "set/trimaps/a_0.png", tri)
    >>> rec = score_model("trimap_only", d / "set", d / "results")
    >>> rec.n_images, round(rec.means["sad"], 6), rec.protocol.quantization  # 32 px × 128/255
    (1, 0.016063, 'round')
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import math
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.metrics.scales import METRIC_NAMES, METRIC_VERSION
from benchmark.models.inference import force_known, quantize_alpha
from benchmark.models.registry import create_model, model_info
from benchmark.scoring.datasets import Dataset, Sample, discover_dataset
from benchmark.scoring.protocol import (
    PER_IMAGE_COLUMNS,
    PER_IMAGE_CSV,
    RUN_JSON,
    Protocol,
    RunRecord,
    read_run,
)
from human2k.errors import InputError, MattebenchError, ModelError, ResumeError
from human2k.images import atomic_write_bytes, read_alpha, read_rgb, read_trimap, write_png
from human2k.manifest import sha256_file

__all__ = ["score_model", "run_id_of", "sha256_file", "read_per_image", "DEFAULT_TIME_BUDGET_S"]

DEFAULT_TIME_BUDGET_S = 300.0
SECONDS_NOTE = (
    "per-image model time: classical = solver time inside the worker process after a "
    "warm-up call (Numba kernels already loaded), deep = predict_alpha incl. transfers; "
    "excludes image I/O and metrics"
)
ProgressFn = Callable[[int, int, str], None]


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def run_id_of(key: dict[str, Any]) -> str:
    """Deterministic run folder name: ``<trimap set>-<region>-<12 hex of the key's hash>``.

    Example:
        >>> run_id_of({"model": "knn", "trimap_set": "trimap1", "region": "unknown"})
        'trimap1-unknown-ec3aa995ec42'
    """
    digest = hashlib.sha256(_canonical(key).encode()).hexdigest()[:12]
    return f"{key.get('trimap_set', 'trimaps')}-{key.get('region', 'unknown')}-{digest}"


def _format(value: float) -> str:
    return (
        "nan"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else repr(float(value))
    )


def _csv_line(row: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(row)
    return buf.getvalue()


def read_per_image(path: str | os.PathLike) -> dict[str, dict[str, float]]:
    """Rows of a ``per_image.csv`` keyed by image name (a torn last line is ignored).

    Raises:
        ResumeError: the header is not ``image,sad,mse,grad,conn,seconds``.
    """
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines = lines[:-1]  # interrupted mid-write
    rows = list(csv.reader(lines))
    if not rows or tuple(rows[0]) != PER_IMAGE_COLUMNS:
        raise ResumeError(
            f"{path}: header is {rows[0] if rows else 'missing'}, expected "
            f"{','.join(PER_IMAGE_COLUMNS)}; use another --out or delete the file"
        )
    out = {}
    for row in rows[1:]:
        if len(row) != len(PER_IMAGE_COLUMNS):
            raise ResumeError(f"{path}: malformed row {row!r}")
        out[row[0]] = {c: float(v) for c, v in zip(PER_IMAGE_COLUMNS[1:], row[1:], strict=True)}
    return out


class _CsvAppender:
    """per_image.csv opened for appending; each row is flushed and fsync'ed."""

    def __init__(self, path: Path, *, fresh: bool):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh or not path.exists():
            atomic_write_bytes(path, _csv_line(list(PER_IMAGE_COLUMNS)).encode())
        else:  # drop a torn last line so appends start on a fresh line
            data = path.read_bytes()
            if data and not data.endswith(b"\n"):
                atomic_write_bytes(path, data[: data.rfind(b"\n") + 1])

    def append(self, row: list[Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(_csv_line(row))
            fh.flush()
            os.fsync(fh.fileno())

    def keep_only(self, rows: dict[str, dict[str, float]]) -> None:
        """Rewrite the file with ROWS only (atomic)."""
        text = _csv_line(list(PER_IMAGE_COLUMNS)) + "".join(
            _csv_line([n] + [_format(r[c]) for c in PER_IMAGE_COLUMNS[1:]]) for n, r in rows.items()
        )
        atomic_write_bytes(self.path, text.encode())

    def rewrite_sorted(self, order: list[str]) -> None:
        rows = read_per_image(self.path)
        rank = {n: i for i, n in enumerate(order)}
        self.keep_only(
            {n: rows[n] for n in sorted(rows, key=lambda n: (rank.get(n, len(rank)), n))}
        )


def _checksums(root: Path) -> str:
    """SHA-256 of a SHA256SUMS file shipped with the data (alphamatting), else ''."""
    path = root / "SHA256SUMS"
    return sha256_file(path) if path.is_file() else ""


def _retry(failure: dict[str, Any], budget_s: float | None) -> bool:
    """Retry an error always; a timeout only when the budget grew (or was lifted)."""
    if failure.get("status") != "timeout":
        return True
    old = failure.get("budget_s")
    return not budget_s or (old is not None and budget_s > old)


def _load(sample: Sample) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    image = read_rgb(sample.image)
    trimap = read_trimap(sample.trimap)
    gt = read_alpha(sample.alpha)
    if trimap.shape != image.shape[:2]:
        raise InputError(
            sample.trimap,
            f"size {trimap.shape[1]}x{trimap.shape[0]} does not match "
            f"image {image.shape[1]}x{image.shape[0]} ({sample.image.name})",
        )
    if gt.shape != image.shape[:2]:
        raise InputError(
            sample.alpha,
            f"size {gt.shape[1]}x{gt.shape[0]} does not match "
            f"image {image.shape[1]}x{image.shape[0]} ({sample.image.name})",
        )
    return image, trimap, gt


def _predict_in_worker(model, image, trimap, numba_threads: int | None):
    """Run in a child process: optionally cap Numba's threads, then predict."""
    if numba_threads:
        import numba

        numba.set_num_threads(min(numba_threads, numba.config.NUMBA_NUM_THREADS))
    return model.predict(image, trimap)


def _model_config(model: Any, model_kwargs: dict[str, Any]) -> dict[str, Any]:
    config = getattr(model, "config", None)
    if callable(config):
        config = config()
    if not isinstance(config, dict):
        config = dict(model_kwargs)
    return json.loads(_canonical(config))


def _versions(deep: bool) -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version(), "numpy": np.__version__}
    for dist in ("mattebench", "pymatting", "numba", "torch"):
        if dist == "torch" and not deep:
            continue
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def _device_label(device: str, deep: bool) -> str:
    if not deep:
        return "cpu"
    import torch

    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ModelError(f"--device {device!r}: {exc}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ModelError(
            f"--device {device}: CUDA is not available on this machine (torch {torch.__version__})"
        )
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    return str(dev)


def _resolution(policies: Counter) -> str:
    for worst in ("downscaled", "tiled"):
        if policies.get(worst):
            return worst
    return "native"


def _means(rows: dict[str, dict[str, float]]) -> tuple[dict[str, float], dict[str, int], float]:
    means, counts = {}, {}
    for key in METRIC_NAMES:
        vals = np.array([r[key] for r in rows.values()], np.float64)
        finite = vals[~np.isnan(vals)]
        means[key] = float(finite.mean()) if finite.size else math.nan
        counts[key] = int(finite.size)
    secs = np.array([r["seconds"] for r in rows.values() if not math.isnan(r["sad"])], np.float64)
    return means, counts, float(secs.mean()) if secs.size else math.nan


def _classical_outcomes(
    model,
    todo: list[Sample],
    loaded: dict,
    *,
    workers: int,
    time_budget_s: float | None,
    start_method: str,
) -> Iterator[tuple[str, str, Any, float, str]]:
    from benchmark.scoring.timeout import run_budgeted

    threads = 1 if workers > 1 else None

    def items():
        for s in todo:
            image, trimap, gt = _load(s)
            loaded[s.name] = (trimap, gt)
            yield s.name, (model, image, trimap, threads)

    for out in run_budgeted(
        _predict_in_worker,
        items(),
        budget_s=time_budget_s,
        workers=workers,
        start_method=start_method,
    ):
        yield out.key, out.status, out.value, out.seconds, out.error


def _inprocess_outcomes(
    model, todo: list[Sample], loaded: dict
) -> Iterator[tuple[str, str, Any, float, str]]:
    """Classical models that declare ``isolate = False`` (trivial ones): no child, no budget."""
    for s in todo:
        image, trimap, gt = _load(s)
        loaded[s.name] = (trimap, gt)
        t0 = time.perf_counter()
        try:
            alpha = model.predict(image, trimap)
        except MattebenchError as exc:
            yield s.name, "error", None, math.nan, f"{type(exc).__name__}: {exc}"
            continue
        yield s.name, "ok", alpha, time.perf_counter() - t0, ""


def _deep_outcomes(
    model,
    todo: list[Sample],
    loaded: dict,
    *,
    device: str,
    amp: bool,
    policy: str,
    policies: Counter,
) -> Iterator[tuple[str, str, Any, float, str]]:
    import torch

    from benchmark.models.inference import predict_alpha

    for s in todo:
        image, trimap, gt = _load(s)
        loaded[s.name] = (trimap, gt)
        try:
            alpha, info = predict_alpha(model, image, trimap, device=device, amp=amp, policy=policy)
        except (MattebenchError, RuntimeError, torch.cuda.OutOfMemoryError) as exc:
            yield s.name, "error", None, math.nan, f"{type(exc).__name__}: {exc}"
            continue
        policies[info["policy"]] += 1
        yield s.name, "ok", alpha, info["seconds"], ""


def _warmup(model, deep: bool, device: str, amp: bool) -> float:
    t0 = time.perf_counter()
    if deep:
        from benchmark.models.inference import predict_alpha

        image = np.zeros((64, 64, 3), np.uint8)
        trimap = np.full((64, 64), 128, np.uint8)
        predict_alpha(model, image, trimap, device=device, amp=amp, policy="native")
    elif hasattr(model, "warmup"):
        model.warmup()
    return time.perf_counter() - t0


def score_model(
    model_name: str,
    dataset_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    checkpoint: str | os.PathLike | None = None,
    device: str = "cpu",
    workers: int = 1,
    trimap_set: str | None = None,
    save_preds: bool = False,
    region: str = "unknown",
    limit: int | None = None,
    resume: bool = True,
    progress: ProgressFn | None = None,
    model_kwargs: dict[str, Any] | None = None,
    time_budget_s: float | None = DEFAULT_TIME_BUDGET_S,
    policy: str = "auto",
    amp: bool = False,
) -> RunRecord:
    """Score MODEL_NAME on DATASET_DIR and write the run folder under OUT_DIR.

    Args:
        model_name: a registered model (``mattebench models`` lists them).
        dataset_dir: composite layout (``merged/ alpha/ trimaps/``) or alphamatting layout.
        out_dir: results root; the run goes to ``<out>/<dataset>/<model>/<run-id>/``.
        checkpoint: weights file for deep models (its SHA-256 is recorded).
        device: ``cpu`` / ``cuda`` / ``cuda:1`` (deep models; classical run on the CPU).
        workers: classical models: images solved in parallel processes.
        trimap_set: trimap folder when the dataset has several (``trimap1``, ``trimap2``).
        save_preds: also write the scored uint8 predictions to ``preds/``.
        region: ``unknown`` (DIM) or ``whole``.
        limit: score only the first N images (natural name order); a later run resumes.
        resume: skip images already in the run's CSV (False starts the run over).
        progress: called as ``progress(done, total, image_name)`` after every image (and once
            at the start with an empty name).
        model_kwargs: options passed to ``create_model``.
        time_budget_s: per-image limit for classical models (None: no limit).
        policy: deep models' resolution policy (``auto``/``native``/``tiled``/``downscaled``).
        amp: bf16 autocast for deep models on CUDA.

    Returns:
        The :class:`RunRecord` also written to ``run.json``; ``extra["run_dir"]`` is the folder.

    Raises:
        DatasetError / InputError: unusable dataset folder or file (rows written so far stay).
        ModelError: unknown model or bad options. ResumeError: the run folder holds another run.
    """
    from benchmark.metrics import MattingMetrics

    if workers < 1:
        raise ModelError(f"--workers must be >= 1, got {workers}")
    if limit is not None and limit < 1:
        raise ModelError(f"--limit must be >= 1, got {limit}")
    ds: Dataset = discover_dataset(dataset_dir, trimap_set=trimap_set)
    samples = list(ds.samples[:limit] if limit else ds.samples)
    info = model_info(model_name)
    deep = info.kind == "deep"
    model_kwargs = dict(model_kwargs or {})
    model = create_model(
        model_name, checkpoint=None if checkpoint is None else os.fspath(checkpoint), **model_kwargs
    )
    checkpoint_sha = sha256_file(checkpoint) if checkpoint is not None else ""
    config = _model_config(model, model_kwargs)
    key = {
        "model": model_name,
        "config": config,
        "checkpoint_sha256": checkpoint_sha,
        "dataset": ds.name,
        "split": ds.split,
        "manifest_sha256": ds.manifest_sha256,
        "trimap_set": ds.trimap_set,
        "region": region,
        "inference": {"policy": policy, "amp": bool(amp)} if deep else {},
    }
    run_id = run_id_of(key)
    run_dir = Path(out_dir) / ds.name / model_name / run_id
    csv_path, json_path = run_dir / PER_IMAGE_CSV, run_dir / RUN_JSON

    prior: RunRecord | None = None
    if resume and json_path.exists():
        prior = read_run(run_dir)
        if _canonical(prior.extra.get("run_key")) != _canonical(key):
            raise ResumeError(
                f"{json_path}: belongs to a different run (model/config/dataset differ); "
                f"use another --out or delete {run_dir}"
            )
    done = read_per_image(csv_path) if resume and csv_path.exists() else {}
    appender = _CsvAppender(csv_path, fresh=not resume)
    failures: dict[str, dict[str, Any]] = dict(prior.extra.get("failures", {})) if prior else {}
    failures = {k: v for k, v in failures.items() if k in done}
    retry = [k for k, v in failures.items() if _retry(v, time_budget_s)]
    if retry:  # errors, and timeouts under a smaller budget, are tried again
        for k in retry:
            done.pop(k)
            failures.pop(k)
        appender.keep_only(done)
    policies: Counter = Counter(prior.extra.get("policies", {}) if prior else {})
    wall_before = prior.wall_time_s if prior else 0.0
    todo = [s for s in samples if s.name not in done]

    dev_label = _device_label(device, deep)
    record = RunRecord(
        protocol=Protocol(
            dataset=ds.name,
            split=ds.split,
            manifest_sha256=ds.manifest_sha256,
            trimap_source=ds.trimap_source,
            region=region,
            quantization="round",
            metric_version=METRIC_VERSION,
            resolution="native",
        ),
        model=model_name,
        model_config=config,
        checkpoint_sha256=checkpoint_sha,
        provenance=info.provenance,
        training_data=td if isinstance(td := getattr(model, "training_data", ""), str) else "",
        seed=seed if isinstance(seed := getattr(model, "seed", None), int) else None,
        device=dev_label,
    )
    start = time.perf_counter()
    extra: dict[str, Any] = {
        "run_id": run_id,
        "run_dir": str(run_dir),
        "run_key": key,
        "dataset_dir": str(Path(dataset_dir).resolve()),
        "layout": ds.layout,
        "n_expected": len(ds.samples),
        "checksums_sha256": _checksums(ds.root),
        "limit": limit,
        "failures": failures,
        "time_budget_s": None if deep else time_budget_s,
        "workers": 1 if deep else workers,
        "seconds_note": SECONDS_NOTE,
        "versions": _versions(deep),
        "command": " ".join(sys.argv),
        "sessions": (prior.extra.get("sessions", 0) if prior else 0) + 1,
        "policy_requested": policy if deep else "native",
        "amp": bool(amp) if deep else False,
    }

    def write_record(complete: bool) -> None:
        rows = read_per_image(csv_path)
        means, counts, mean_s = _means(rows)
        record.protocol = dataclasses.replace(
            record.protocol, resolution=_resolution(policies) if deep else "native"
        )
        record.wall_time_s = wall_before + (time.perf_counter() - start)
        record.n_images = len(rows)
        record.n_failed = sum(1 for r in rows.values() if math.isnan(r["sad"]))
        record.means = means
        record.extra = {
            **extra,
            "policies": dict(policies),
            "n_per_mean": counts,
            "mean_seconds": mean_s,
            "complete": complete and len(rows) >= len(ds.samples),
        }
        atomic_write_bytes(json_path, record.to_json().encode())

    write_record(False)
    n_done, total = len(samples) - len(todo), len(samples)
    if progress:
        progress(n_done, total, "")
    if todo:
        isolate = not deep and getattr(model, "isolate", True)
        if isolate:  # before the warm-up: it may pick Numba's threading layer (fork safety)
            from benchmark.scoring.timeout import default_start_method

            extra["start_method"] = default_start_method()
        else:
            extra["start_method"] = "in-process"
            extra["time_budget_s"] = None
        extra["warmup_s"] = _warmup(model, deep, device, amp)
        metrics = MattingMetrics(region=region)
        loaded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if deep:
            outcomes = _deep_outcomes(
                model, todo, loaded, device=device, amp=amp, policy=policy, policies=policies
            )
        elif isolate:
            outcomes = _classical_outcomes(
                model,
                todo,
                loaded,
                workers=workers,
                time_budget_s=time_budget_s,
                start_method=extra["start_method"],
            )
        else:
            outcomes = _inprocess_outcomes(model, todo, loaded)
        for name, status, alpha, seconds, error in outcomes:
            trimap, gt = loaded.pop(name)
            if status == "ok":
                try:
                    pred = quantize_alpha(force_known(alpha, trimap))
                except InputError as exc:
                    status, error = "error", str(exc)
            if status == "ok":
                rec = metrics.update(pred, gt, trimap, name=name)
                row = [name] + [_format(rec[k]) for k in METRIC_NAMES] + [_format(seconds)]
                if save_preds:
                    write_png(run_dir / "preds" / f"{name}.png", pred)
            else:
                row = [name] + ["nan"] * len(METRIC_NAMES) + [_format(seconds)]
                failures[name] = {
                    "status": status,
                    "reason": error,
                    "budget_s": None if deep else time_budget_s,
                }
            appender.append(row)
            if status != "ok":
                write_record(False)
            n_done += 1
            if progress:
                progress(n_done, total, name)
    order = [s.name for s in ds.samples]
    complete = len(read_per_image(csv_path)) >= len(ds.samples)
    if complete:
        appender.rewrite_sorted(order)
    write_record(complete)
    return record
