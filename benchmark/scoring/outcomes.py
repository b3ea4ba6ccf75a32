"""Run a model over samples and yield one :class:`Outcome` per image, as soon as it is ready.

Anything a model prints while predicting (pymatting's "PERFORMANCE WARNING", say) is
captured into ``Outcome.messages`` and recorded in ``run.json`` instead of reaching the
terminal. Three ways to run a model: classical solvers in worker processes of the pool of
:mod:`human2k.processes` (started from the fork server, each loading and warming up the model
once, under a per-image time budget; they die with this process), trivial models in this
process, deep models in this process
through their inference policy (``benchmark.models.inference``). The caller gets the uint8
trimap and GT of each image with its outcome, for the metrics.

Example:
    >>> Outcome("GT01", "ok", None, 0.5, "").ok
    True
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from benchmark.models.interface import MattingModel
from benchmark.scoring.datasets import Sample
from human2k.errors import InputError, MattebenchError
from human2k.images import read_matte, read_rgb, read_trimap

__all__ = [
    "Outcome",
    "load_sample",
    "classical_outcomes",
    "inprocess_outcomes",
    "deep_outcomes",
    "dask_outcomes",
    "solve_on_worker",
    "warm_up",
    "captured_predict",
]


@dataclasses.dataclass
class Outcome:
    """One image: ``status`` is ``ok``, ``error`` or ``timeout``; ``alpha`` float H×W when ok.

    ``seconds`` is the model's own time on the image; ``trimap``/``gt`` are filled by the
    generators for the metrics.
    """

    name: str
    status: str
    alpha: Any
    seconds: float
    error: str
    trimap: np.ndarray | None = None
    gt: np.ndarray | None = None
    messages: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def load_sample(sample: Sample) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Image (RGB), trimap and GT of SAMPLE, with their sizes checked against the image."""
    image = read_rgb(sample.image)
    trimap = read_trimap(sample.trimap)
    gt = read_matte(sample.alpha)[0]  # a GT with a matte in its alpha channel: that channel
    for path, arr in ((sample.trimap, trimap), (sample.alpha, gt)):
        if arr.shape != image.shape[:2]:
            raise InputError(
                path,
                f"size {arr.shape[1]}x{arr.shape[0]} does not match "
                f"image {image.shape[1]}x{image.shape[0]} ({sample.image.name})",
            )
    return image, trimap, gt


def captured_predict(predict, *args, **kwargs) -> tuple[Any, str]:
    """``(PREDICT(*args), what it printed)``: stdout and stderr of the call, kept as text."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        value = predict(*args, **kwargs)
    return value, buf.getvalue()


_SOLVER: MattingModel | None = None  # the model of this worker process (set once)


def _load_solver(model: MattingModel, numba_threads: int | None) -> None:
    """Pool initializer: keep MODEL, cap Numba's threads, load its kernels (not timed)."""
    global _SOLVER
    if numba_threads:
        import numba

        numba.set_num_threads(min(numba_threads, numba.config.NUMBA_NUM_THREADS))
    captured_predict(model.warmup)
    _SOLVER = model


def _solve(image: np.ndarray, trimap: np.ndarray) -> tuple[np.ndarray, str]:
    """Run in a worker: predict with the worker's model (what it prints is captured)."""
    assert _SOLVER is not None, "worker started without _load_solver"
    return captured_predict(_SOLVER.predict, image, trimap)


def classical_outcomes(
    model: MattingModel,
    samples: Iterable[Sample],
    *,
    workers: int,
    time_budget_s: float | None,
    start_method: str | None = None,
) -> Iterator[Outcome]:
    """Solve each image in a worker process (WORKERS at a time) under TIME_BUDGET_S."""
    from human2k.processes import run_units

    threads = 1 if workers > 1 else None
    loaded: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def items():
        for s in samples:
            image, trimap, gt = load_sample(s)
            loaded[s.name] = (trimap, gt)
            yield s.name, (image, trimap)

    outcomes = run_units(
        _solve,
        items(),
        workers=workers,
        budget_s=time_budget_s,
        initializer=_load_solver,
        initargs=(model, threads),
        start_method=start_method,
        preload=[type(model).__module__, __name__],
    )
    with contextlib.closing(outcomes):
        for out in outcomes:
            trimap, gt = loaded.pop(out.key)
            alpha, messages = out.value if out.status == "ok" else (None, "")
            yield Outcome(out.key, out.status, alpha, out.seconds, out.error, trimap, gt, messages)


_WARM: set[str] = set()  # the models this (Dask worker) process has warmed up


def solve_on_worker(model: MattingModel, image: np.ndarray, trimap: np.ndarray):
    """A Dask unit: ``(alpha, what the model printed, seconds)``; warms MODEL up (untimed) the
    first time this process sees it. The model travels with the unit: no worker state is
    shared between runs on one cluster."""
    import json

    token = f"{type(model).__module__}.{type(model).__qualname__}:" + json.dumps(
        model.config, sort_keys=True, default=str
    )
    if token not in _WARM:
        captured_predict(model.warmup)
        _WARM.add(token)
    t0 = time.perf_counter()
    alpha, messages = captured_predict(model.predict, image, trimap)
    return alpha, messages, time.perf_counter() - t0


def dask_outcomes(
    model: MattingModel, samples: Iterable[Sample], *, scheduler: str
) -> Iterator[Outcome]:
    """Classical and trivial models on the Dask cluster at SCHEDULER (no time budget:
    :mod:`human2k.dask_units`); images are read here, as for the local pool."""
    from human2k.dask_units import run_units_dask

    loaded: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def items():
        for s in samples:
            image, trimap, gt = load_sample(s)
            loaded[s.name] = (trimap, gt)
            yield s.name, (model, image, trimap)

    outcomes = run_units_dask(solve_on_worker, items(), scheduler=scheduler)
    with contextlib.closing(outcomes):
        for out in outcomes:
            trimap, gt = loaded.pop(out.key)
            alpha, messages, seconds = out.value if out.status == "ok" else (None, "", out.seconds)
            yield Outcome(out.key, out.status, alpha, seconds, out.error, trimap, gt, messages)


def inprocess_outcomes(model: MattingModel, samples: Iterable[Sample]) -> Iterator[Outcome]:
    """Models that declare ``isolate = False`` (trivial ones): no child, no budget."""
    for s in samples:
        image, trimap, gt = load_sample(s)
        t0 = time.perf_counter()
        try:
            alpha, messages = captured_predict(model.predict, image, trimap)
        except MattebenchError as exc:
            yield Outcome(
                s.name, "error", None, math.nan, f"{type(exc).__name__}: {exc}", trimap, gt
            )
            continue
        yield Outcome(s.name, "ok", alpha, time.perf_counter() - t0, "", trimap, gt, messages)


def deep_outcomes(
    model, samples: Iterable[Sample], *, device: str, amp: bool, policy: str, policies: Counter
) -> Iterator[Outcome]:
    """Deep models under POLICY; counts the policy each image actually ran under."""
    import torch

    from benchmark.models.inference import predict_alpha

    for s in samples:
        image, trimap, gt = load_sample(s)
        try:
            (alpha, info), messages = captured_predict(
                predict_alpha, model, image, trimap, device=device, amp=amp, policy=policy
            )
        except (MattebenchError, RuntimeError, torch.cuda.OutOfMemoryError) as exc:
            yield Outcome(
                s.name, "error", None, math.nan, f"{type(exc).__name__}: {exc}", trimap, gt
            )
            continue
        policies[info["policy"]] += 1
        yield Outcome(s.name, "ok", alpha, info["seconds"], "", trimap, gt, messages)


def warm_up(model: MattingModel, *, deep: bool, device: str, amp: bool, policy: str) -> float:
    """Load/compile what the first image would (Numba kernels, CUDA context); seconds taken."""
    t0 = time.perf_counter()
    if deep:
        from benchmark.models.inference import predict_alpha

        image = np.zeros((64, 64, 3), np.uint8)
        trimap = np.full((64, 64), 128, np.uint8)
        warm = "native" if policy != "official" else "official"
        captured_predict(predict_alpha, model, image, trimap, device=device, amp=amp, policy=warm)
    else:
        captured_predict(model.warmup)
    return time.perf_counter() - t0
