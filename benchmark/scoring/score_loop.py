"""Score the images of an open run: predict, force known regions, quantise, measure, journal.

Known regions are forced (trimap 0 → 0, 255 → 1) except under policy ``official``, whose
released script forces them itself; the alpha is then quantised as the run's protocol says
(``truncate`` or ``round``, :func:`benchmark.models.inference.quantize_alpha`).

Example:
    >>> import numpy as np
    >>> _row("a", {"sad": 1.0, "mse": 0.5, "grad": 2.0, "conn": 1.0}, 0.25)
    ['a', 1.0, 0.5, 2.0, 1.0, 0.25]
"""

from __future__ import annotations

import math

from benchmark.metrics.scales import METRIC_NAMES
from benchmark.models.alpha import force_known, quantize_alpha
from benchmark.scoring.outcomes import (
    Outcome,
    classical_outcomes,
    dask_outcomes,
    deep_outcomes,
    inprocess_outcomes,
    warm_up,
)
from benchmark.scoring.protocol import RunRecord
from benchmark.scoring.score_run import ScoreRun
from human2k.errors import InputError
from human2k.images import write_png
from human2k.progress import ProgressFn

__all__ = ["score_images"]


def _row(name: str, metrics: dict[str, float] | None, seconds: float) -> list:
    values = [metrics[k] for k in METRIC_NAMES] if metrics else [math.nan] * len(METRIC_NAMES)
    return [name, *values, seconds]


def _outcomes(run: ScoreRun):
    o, model = run.options, run.model
    if o.scheduler is not None and not run.deep:
        return dask_outcomes(model, run.todo, scheduler=o.scheduler)
    if run.deep:
        return deep_outcomes(
            model, run.todo, device=o.device, amp=o.amp, policy=run.policy, policies=run.policies
        )
    if model.isolate:
        return classical_outcomes(
            model,
            run.todo,
            workers=o.workers,
            time_budget_s=o.time_budget_s,
            start_method=run.extra["start_method"],
        )
    return inprocess_outcomes(model, run.todo)


def score_images(run: ScoreRun, progress: ProgressFn | None = None) -> RunRecord:
    """Score every image of RUN not scored yet; returns the final run record."""
    from benchmark.metrics import MattingMetrics

    task = f"score {run.model.name}"
    n_done = run.n_total - len(run.todo)
    if progress:
        progress(task, n_done, run.n_total)
    if run.todo:
        if run.options.scheduler is not None and not run.deep:
            run.extra["start_method"] = "dask"
        elif not run.deep and run.model.isolate:
            from human2k.processes import pool_context

            run.extra["start_method"] = pool_context().get_start_method()
        else:
            run.extra["start_method"] = "in-process"
            if not run.deep:
                run.extra["time_budget_s"] = None
        o = run.options
        run.extra["warmup_s"] = warm_up(
            run.model, deep=run.deep, device=o.device, amp=o.amp, policy=run.policy
        )
        metrics = MattingMetrics(region=o.region)
        outcomes = _outcomes(run)
        try:
            for out in outcomes:
                _score_one(run, metrics, out)
                n_done += 1
                if progress:
                    progress(task, n_done, run.n_total, out.name)
        except (
            BaseException
        ):  # an error, Ctrl-C or SIGTERM: stop the workers, keep a resumable record
            outcomes.close()
            run.write_record(False)
            raise
    return run.finish()


def _score_one(run: ScoreRun, metrics, out: Outcome) -> None:
    status, error = out.status, out.error
    if out.messages.strip():  # what the model printed goes to run.json, not the terminal
        run.extra.setdefault("model_messages", {})[out.name] = out.messages[-2000:]
    if out.ok:
        try:
            alpha = out.alpha if run.policy == "official" else force_known(out.alpha, out.trimap)
            pred = quantize_alpha(alpha, run.quantization)
        except InputError as exc:
            status, error = "error", str(exc)
    if status == "ok":
        values = metrics.update(pred, out.gt, out.trimap, name=out.name)
        run.journal.append(_row(out.name, values, out.seconds))
        if run.options.save_preds:
            write_png(run.run_dir / "preds" / f"{out.name}.png", pred)
        return
    run.journal.append(_row(out.name, None, out.seconds))
    run.failures[out.name] = {
        "status": status,
        "reason": error,
        "budget_s": None if run.deep else run.options.time_budget_s,
    }
    run.write_record(False)
