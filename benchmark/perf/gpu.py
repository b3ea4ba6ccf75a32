"""One GPU check in one command (``mattebench perf gpu --out DIR``): inference latency and peak
memory of every registered deep model, training throughput, and TI² memory naive vs SDPA.

The full configuration (the default on CUDA) is what docs/performance.md reports: every deep
model (``list_models(kind="deep")``, random weights) runs a bf16 forward at 2560×1440; TIMI-Net
trains at 512², batch 16, bf16, for 50 timed steps after 5 warm-up steps, through the trainer's
own ``train_step`` (Adam, GCA clipping, loss over the unknown pixels; the data pipeline is
excluded: the batch is a fixed pinned CPU batch, moved to the GPU every step as the trainer
does); TIMI-Net's TI² runs naive (the released N×N form) and fused SDPA at 1024² and 2560×1440.
An out-of-memory configuration is recorded as such and the check goes on. The tiny
configuration (the default on CPU) runs the same code on 64² inputs in float32 (CPU bf16
kernels are slow where the CPU has no native bf16) in well under a minute, so CI tests it.

Memory: on CUDA ``torch.cuda.max_memory_allocated`` during the measured call (weights
included); on CPU the peak resident set size added by the call (:class:`Meter`; a rough
figure, there for the code path rather than the number; :mod:`benchmark.perf.meter`). CPU runs use one torch thread.

Example:
    >>> CONFIGS["full"].infer_size, CONFIGS["full"].train_batch, TARGETS["train_images_per_s"]
    ((2560, 1440), 16, 300.0)
"""

from __future__ import annotations

import dataclasses
import platform
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from benchmark.models.registry import create_model, list_models
from benchmark.perf.meter import Meter, is_oom, release_cache
from benchmark.training.distributed import DistContext
from benchmark.training.grad_clip import GradClipper
from benchmark.training.step import train_step
from human2k.errors import InputError

__all__ = ["GpuCheckConfig", "CONFIGS", "TARGETS", "run_gpu_check"]

#: What the full configuration should reach on one H100/H200 (stated in docs/performance.md).
TARGETS = {"infer_seconds": 0.5, "infer_bytes": 10e9, "train_images_per_s": 300.0}


@dataclasses.dataclass(frozen=True)
class GpuCheckConfig:
    """Sizes are (W, H); ``models`` None = every registered deep model."""

    name: str
    infer_size: tuple[int, int]
    infer_repeats: int
    train_model: str
    train_crop: int
    train_batch: int
    train_steps: int
    warmup_steps: int
    ti2_model: str
    ti2_sizes: tuple[tuple[int, int], ...]
    amp: str | None = "bfloat16"  # autocast dtype; None = float32
    models: tuple[str, ...] | None = None

    @property
    def amp_dtype(self) -> torch.dtype | None:
        return getattr(torch, self.amp) if self.amp else None


CONFIGS = {
    "full": GpuCheckConfig(
        "full", (2560, 1440), 5, "timinet", 512, 16, 50, 5, "timinet", ((1024, 1024), (2560, 1440))
    ),
    # float32: bf16 kernels are slow on CPUs without native bf16 (minutes instead of seconds)
    "tiny": GpuCheckConfig(
        "tiny", (64, 64), 1, "timinet", 64, 2, 2, 1, "timinet", ((64, 64),), amp=None
    ),
}


def _inputs(size: tuple[int, int], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A uint8 RGB image and a DIM-like trimap (an ellipse, a 10 % unknown band) of SIZE."""
    w, h = size
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    yy, xx = np.mgrid[:h, :w]
    r = np.hypot((yy - h / 2) / (h / 3), (xx - w / 2) / (w / 3))
    trimap = np.where(r < 0.9, 255, 0).astype(np.uint8)
    trimap[(r >= 0.9) & (r < 1.1)] = 128
    return image, trimap


def _forward(net, image, trimap, device, repeats: int, amp: torch.dtype | None) -> dict[str, Any]:
    img, tri = (t.to(device) for t in net.preprocess(image, trimap))
    autocast = torch.autocast(device.type, dtype=amp, enabled=amp is not None)
    with torch.no_grad(), autocast:
        net(img, tri)  # warm-up: kernels, cuDNN choice, allocator
        times, peak = [], 0
        for _ in range(repeats):
            with Meter(device) as m:
                alpha = net(img, tri)
            times.append(m.seconds)
            peak = max(peak, m.peak_bytes)
    finite = bool(torch.isfinite(alpha.float()).all())
    return {"seconds": float(np.median(times)), "peak_bytes": int(peak), "finite": finite}


def _guard(device: torch.device, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return fn()
    except Exception as exc:  # one failed configuration must not stop the check
        if not is_oom(exc):
            return {"error": f"{type(exc).__name__}: {exc}"[:300]}
        return {"error": "out of memory"}
    finally:
        release_cache(device)


def _inference(cfg: GpuCheckConfig, device: torch.device, models: Sequence[str], report) -> list:
    image, trimap = _inputs(cfg.infer_size)
    rows = []
    for name in models:
        report(f"inference {name}")

        def run(name=name):
            torch.manual_seed(0)
            net = create_model(name).eval().to(device)
            out = _forward(net, image, trimap, device, cfg.infer_repeats, cfg.amp_dtype)
            del net
            return out

        rows.append({"model": name, **_guard(device, run)})
    return rows


def _ti2(cfg: GpuCheckConfig, device: torch.device, report) -> list:
    rows = []
    for size in cfg.ti2_sizes:
        image, trimap = _inputs(size)
        for mode in ("sdpa", "naive"):
            report(f"TI² {mode} {size[0]}×{size[1]}")

            def run(mode=mode, image=image, trimap=trimap):
                torch.manual_seed(0)
                net = create_model(cfg.ti2_model).eval().to(device)
                net.set_attention(mode)
                out = _forward(net, image, trimap, device, 1, cfg.amp_dtype)
                del net
                return out

            rows.append(
                {
                    "model": cfg.ti2_model,
                    "attention": mode,
                    "size": list(size),
                    **_guard(device, run),
                }
            )
    return rows


def _training_batch(cfg: GpuCheckConfig, device: torch.device) -> dict[str, torch.Tensor]:
    b, s = cfg.train_batch, cfg.train_crop
    g = torch.Generator().manual_seed(0)
    image, trimap = _inputs((s, s))
    batch = {
        "image": torch.from_numpy(image).permute(2, 0, 1).expand(b, 3, s, s).contiguous(),
        "trimap": torch.from_numpy(trimap)[None, None].expand(b, 1, s, s).contiguous(),
        "alpha": torch.rand(b, 1, s, s, generator=g),
        "fg": torch.randint(0, 256, (b, 3, s, s), generator=g, dtype=torch.uint8),
        "bg": torch.randint(0, 256, (b, 3, s, s), generator=g, dtype=torch.uint8),
    }
    if device.type == "cuda":
        batch = {k: v.pin_memory() for k, v in batch.items()}
    return batch


def _training(cfg: GpuCheckConfig, device: torch.device, report) -> dict[str, Any]:
    report(f"training {cfg.train_model}")

    def run():
        torch.manual_seed(0)
        model = create_model(cfg.train_model).to(device).train()
        spec = model.training_spec
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
        kw = dict(
            model=model,
            net=model,
            batches=[_training_batch(cfg, device)],
            device=device,
            optimizer=optimizer,
            scaler=torch.amp.GradScaler(device.type, enabled=False),
            clipper=GradClipper(),
            amp_dtype=cfg.amp_dtype,
            loss_weights=dict(spec.loss_weights),
            dist_=DistContext(1, 0, 0, False),
        )
        for _ in range(cfg.warmup_steps):
            train_step(**kw)
        losses = []
        with Meter(device) as m:
            for _ in range(cfg.train_steps):
                losses.append(train_step(**kw).loss)
        images = cfg.train_batch * cfg.train_steps
        return {
            "images_per_s": images / m.seconds,
            "seconds": m.seconds,
            "peak_bytes": m.peak_bytes,
            "finite": bool(np.isfinite(losses).all()),
        }

    return {
        "model": cfg.train_model,
        "crop": cfg.train_crop,
        "batch": cfg.train_batch,
        "steps": cfg.train_steps,
        "warmup_steps": cfg.warmup_steps,
        **_guard(device, run),
    }


def _environment(device: torch.device) -> dict[str, Any]:
    env = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": str(device),
        "cpu_threads": torch.get_num_threads(),
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        env.update(
            gpu=props.name,
            gpu_memory_bytes=props.total_memory,
            cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version(),
        )
    return env


def _verdicts(cfg: GpuCheckConfig, device, inference, training) -> dict[str, Any]:
    if cfg.name != "full" or device.type != "cuda":
        return {"applies": False, "reason": "targets apply to the full configuration on a GPU"}
    timi = next((r for r in inference if r["model"] == "timinet"), {})
    ok = lambda v, limit, below: None if v is None else (v < limit if below else v >= limit)  # noqa: E731
    return {
        "applies": True,
        "infer_seconds": ok(timi.get("seconds"), TARGETS["infer_seconds"], True),
        "infer_bytes": ok(timi.get("peak_bytes"), TARGETS["infer_bytes"], True),
        "train_images_per_s": ok(
            training.get("images_per_s"), TARGETS["train_images_per_s"], False
        ),
    }


def run_gpu_check(
    *,
    config: str | None = None,
    device: str = "auto",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the check; return the JSON-ready result (``benchmark.perf.gpu_report`` writes it).

    Args:
        config: ``full`` | ``tiny`` (default: full on CUDA, tiny on CPU).
        device: ``auto`` (CUDA when available) | ``cuda`` | ``cuda:N`` | ``cpu``.
        progress: called with the name of each measurement as it starts.
    """
    dev = torch.device(
        "cuda"
        if device == "auto" and torch.cuda.is_available()
        else "cpu"
        if device == "auto"
        else device
    )
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError(
            None, f"device {device} requested but torch sees no CUDA device", param="device"
        )
    if dev.type == "cuda" and dev.index is None:
        dev = torch.device("cuda", torch.cuda.current_device())
    cfg = CONFIGS[config or ("full" if dev.type == "cuda" else "tiny")]
    report = progress or (lambda what: None)
    threads, cudnn_benchmark = torch.get_num_threads(), torch.backends.cudnn.benchmark
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True  # autotuned convolutions, as a long job would use
    if dev.type == "cpu":  # one thread: shared CPUs oversubscribed by OpenMP crawl (5× slower)
        torch.set_num_threads(1)
    try:
        start = time.perf_counter()
        models = list(cfg.models or list_models(kind="deep"))
        inference = _inference(cfg, dev, models, report)
        training = _training(cfg, dev, report)
        ti2 = _ti2(cfg, dev, report)
        env = _environment(dev)
    finally:
        torch.set_num_threads(threads)
        torch.backends.cudnn.benchmark = cudnn_benchmark
    return {
        "format": "mattebench.perf-gpu/1",
        "config": dataclasses.asdict(cfg),
        "environment": env,
        "targets": TARGETS,
        "inference": inference,
        "training": training,
        "ti2": ti2,
        "verdicts": _verdicts(cfg, dev, inference, training),
        "total_seconds": time.perf_counter() - start,
    }
