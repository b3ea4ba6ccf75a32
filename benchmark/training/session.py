"""The epochs of one training session (:class:`TrainingSession`): the steps, mid-epoch and
epoch checkpoints, validation, and the stop on a preemption signal; the run's one DataLoader.

``benchmark.training.loop.train`` builds the run and hands it here.

Example:
    >>> TrainingSession.__name__
    'TrainingSession'
"""

from __future__ import annotations

import functools
import resource
import time
from typing import Any

import numpy as np
import torch

from benchmark.training.config import TrainResult
from benchmark.training.data import (
    MattingTrainSet,
    ShardedBatchSampler,
    seed_worker,
    worker_context,
    worker_seed,
)
from benchmark.training.distributed import wait_for_main
from benchmark.training.log import TrainLog, losses_from_log
from benchmark.training.preemption import StopRequest, TrainingPreempted, stop_agreed
from benchmark.training.run_setup import RunSetup
from benchmark.training.state import epoch_torch_seed, save_run_state
from benchmark.training.step import train_step
from benchmark.training.validate import validate
from human2k.errors import InputError

__all__ = ["TrainingSession"]


def _loader(run: RunSetup, sampler: ShardedBatchSampler, epoch: int) -> torch.utils.data.DataLoader:
    """The run's one DataLoader: workers persist across epochs (``sampler.set_epoch`` moves it on)
    and reseed per epoch (``benchmark.training.data``); its own generator keeps the global torch
    RNG untouched, so a resumed run draws exactly what an uninterrupted one does."""
    workers, seed = run.cfg.workers, run.cfg.seed
    return torch.utils.data.DataLoader(
        run.dataset,
        batch_sampler=sampler,
        num_workers=workers,
        worker_init_fn=functools.partial(seed_worker, seed=seed, epoch=epoch) if workers else None,
        multiprocessing_context=worker_context() if workers else None,
        persistent_workers=workers > 0,
        generator=torch.Generator().manual_seed(seed),
        pin_memory=run.device.type == "cuda",
    )


class TrainingSession:
    """The epochs of one session: steps, checkpoints, validation, preemption."""

    def __init__(self, run: RunSetup, stop: StopRequest, progress, on_step):
        self.run, self.stop, self.on_step = run, stop, on_step
        cfg = run.cfg
        self.log = TrainLog(run.log_path, run.dist.main)
        self.steps_per_epoch = len(run.dataset) // cfg.global_batch
        if self.steps_per_epoch < 1:
            raise InputError(
                None,
                f"an epoch has {len(run.dataset)} samples, fewer than the global batch {cfg.global_batch}",
            )
        self.report = progress if progress is not None and run.dist.main else None
        self.task, self.total_steps = f"train {cfg.model_name}", cfg.epochs * self.steps_per_epoch
        self.step, self.samples_seen = run.step, run.samples_seen
        self.session_images, self.session_time = 0, 0.0
        self.val_records: list[dict[str, Any]] = []

    def run_epochs(self, val_data, val_every, val_trimap_set, device) -> TrainResult:
        run, cfg, dist_ = self.run, self.run.cfg, self.run.dist
        run.write_start_record(self.log)
        if self.report is not None:
            self.report(self.task, self.step, self.total_steps)
        first = run.epoch0 + 1
        dataset: MattingTrainSet = run.dataset
        sampler = ShardedBatchSampler(
            len(dataset),
            batch_size=cfg.batch_size,
            world_size=dist_.world,
            rank=dist_.rank,
            seed=cfg.seed,
            epoch=first,
            start_step=run.epoch_step,
            accumulate=cfg.accumulate,
        )
        loader = _loader(run, sampler, first)
        for epoch in range(first, cfg.epochs + 1):
            start = run.epoch_step if epoch == first else 0
            sampler.set_epoch(epoch, start)
            losses, stopping = self._epoch(loader, sampler, epoch, start)
            stopping = stopping or stop_agreed(self.stop, dist_, run.device)
            counters = self._counters(epoch, sampler.steps)
            if dist_.main:
                save_run_state(run, counters, losses)
                self.log.write(
                    {
                        "event": "epoch",
                        **counters,
                        "loss_mean": float(np.mean(losses)),
                        "checkpoint": str(run.state_path),
                    }
                )
                due = epoch % val_every == 0 or epoch == cfg.epochs
                if val_data is not None and due and not stopping:
                    scores = validate(
                        cfg, run.model_path, str(val_data), run.out_dir, device, val_trimap_set
                    )
                    val = {"event": "val", **counters, **scores}
                    self.log.write(val)
                    self.val_records.append(val)
            wait_for_main(dist_)
            if stopping:
                self._preempt(epoch, sampler.steps, losses, saved=True)
        del loader  # its persistent workers end with it
        self.log.write(
            {
                "event": "end",
                "epoch": cfg.epochs,
                "step": self.step,
                "samples_seen": self.samples_seen,
                "images_per_s": self._speed(),
                **peak_memory(run.device),
            }
        )
        return self._result()

    def _epoch(self, loader, sampler, epoch: int, start: int) -> tuple[list[float], bool]:
        """Steps START.. of EPOCH; the epoch's losses and whether the ranks agreed to stop."""
        run, cfg, dist_ = self.run, self.run.cfg, self.run.dist
        if start == 0:
            torch.manual_seed(epoch_torch_seed(cfg.seed, epoch))
            self.log.write(
                {
                    "event": "epoch_start",
                    "epoch": epoch,
                    "step": self.step,
                    "steps": sampler.steps,
                    "torch_seed": epoch_torch_seed(cfg.seed, epoch),
                    "worker_seeds": [worker_seed(cfg.seed, epoch, w) for w in range(cfg.workers)],
                }
            )
        run.net.train()
        losses = list(run.epoch_losses) if start else []
        batches = iter(loader)
        t_prev = time.perf_counter()
        for k in range(start, sampler.steps):
            try:
                micro = [next(batches) for _ in range(cfg.accumulate)]
            except Exception:
                if self.stop.requested:  # Ctrl-C reached the loader's workers too
                    self._preempt(epoch, k, losses, saved=False)
                raise
            t_data = time.perf_counter() - t_prev
            lr_now = run.schedule(self.samples_seen)
            for group in run.optimizer.param_groups:
                group["lr"] = lr_now * group.get("lr_scale", 1.0)  # a model's group scales
            out = train_step(
                model=run.model,
                net=run.net,
                batches=micro,
                device=run.device,
                optimizer=run.optimizer,
                scaler=run.scaler,
                clipper=run.clipper if cfg.clip_grad else None,
                amp_dtype=run.amp_dtype,
                loss_weights=cfg.loss_weights,
                dist_=dist_,
            )
            self.step += 1
            self.samples_seen += cfg.global_batch
            t_now = time.perf_counter()
            dt, t_prev = t_now - t_prev, t_now
            self.session_images += cfg.global_batch
            self.session_time += dt
            losses.append(out.loss)
            record = {
                "event": "step",
                "epoch": epoch,
                "step": self.step,
                "global_batch": cfg.global_batch,
                "samples_seen": self.samples_seen,
                "lr": lr_now,
                "loss": out.loss,
                "loss_alpha": out.terms.get("alpha_l1", 0.0),
                "loss_comp": out.terms.get("composition_l1", 0.0),
                "loss_terms": out.terms,
                "unknown_px": out.unknown_px,
                "grad_norm": out.grad_norm,
                "images_per_s": cfg.global_batch / dt,
                "data_s": t_data,
                "seed": cfg.seed,
                "indices": sampler.global_batch(k),
            }
            self.log.write(record)
            if self.report is not None:
                self.report(
                    self.task,
                    self.step,
                    self.total_steps,
                    f"epoch {epoch}/{cfg.epochs} · global batch "
                    f"{cfg.global_batch} · {record['images_per_s']:.1f} img/s · loss {out.loss:.4f}",
                )
            stopping = stop_agreed(self.stop, dist_, run.device)
            every = cfg.checkpoint_every
            mid_epoch = k + 1 < sampler.steps  # the last step is saved by the epoch's checkpoint
            if mid_epoch and (stopping or (every and self.step % every == 0)):
                self._checkpoint(epoch, k + 1, losses)
            if self.on_step is not None:
                self.on_step(record)
            if stopping and mid_epoch:
                self._preempt(epoch, k + 1, losses, saved=True)
            if stopping:
                return losses, True
            t_prev = time.perf_counter()
        return losses, False

    def _counters(self, epoch: int, epoch_step: int) -> dict[str, int]:
        return {
            "epoch": epoch,
            "step": self.step,
            "samples_seen": self.samples_seen,
            "epoch_step": epoch_step,
        }

    def _checkpoint(self, epoch: int, epoch_step: int, losses: list[float]) -> None:
        """A mid-epoch checkpoint (main rank writes, the others wait)."""
        counters = self._counters(epoch, epoch_step)
        if self.run.dist.main:
            start = time.perf_counter()
            save_run_state(self.run, counters, losses)
            self.log.write(
                {
                    "event": "checkpoint",
                    **counters,
                    "checkpoint": str(self.run.state_path),
                    "seconds": time.perf_counter() - start,
                }
            )
        wait_for_main(self.run.dist)

    def _preempt(self, epoch: int, epoch_step: int, losses: list[float], *, saved: bool) -> None:
        if not saved:
            self._checkpoint(epoch, epoch_step, losses)
        name = self.stop.signal_name or "a signal on another rank"
        self.log.write(
            {
                "event": "preempted",
                "signal": name,
                **self._counters(epoch, epoch_step),
                "checkpoint": str(self.run.state_path),
                "time": time.time(),
            }
        )
        raise TrainingPreempted(name, self._result())

    def _speed(self) -> float | None:
        return self.session_images / self.session_time if self.session_time else None

    def _result(self) -> TrainResult:
        run = self.run
        return TrainResult(
            checkpoint=run.model_path,
            state=run.state_path,
            log=run.log_path,
            losses=losses_from_log(run.log_path) if run.dist.main else [],
            epochs=run.cfg.epochs,
            steps=self.step,
            samples_seen=self.samples_seen,
            images_per_s=self._speed() or 0.0,
            val=self.val_records,
            encoder_init=run.encoder_init.summary()
            if run.encoder_init
            else f"resumed; the run started from {run.cfg.encoder_init}",
        )


def peak_memory(device: torch.device) -> dict[str, int]:
    """Peak resident memory of this process and, on CUDA, peak allocated GPU memory (bytes)."""
    out = {"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    if device.type == "cuda":
        out["peak_cuda_bytes"] = int(torch.cuda.max_memory_allocated(device))
    return out
