"""Peak memory and time of one full-resolution TIMI-Net forward: O(N) TI² attention against
the released naive N×N form, measured in the same run (the library of ``mattebench perf model``).

Each configuration runs in a fresh child process (``python -c``) so peaks do not mix:

* CPU: the child's peak resident set size (``getrusage(RUSAGE_SELF).ru_maxrss``, the figure
  the parent would read as ``RUSAGE_CHILDREN``) for the whole process, and the part added by the
  forward pass (peak minus the RSS just before it: interpreter, torch and the weights excluded);
* CUDA: ``torch.cuda.max_memory_allocated`` during the forward (weights included).

Example:
    >>> ForwardMeasurement("naive").error is None
    True
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Sequence

__all__ = ["bench_model", "measure_forward", "ForwardMeasurement"]


@dataclasses.dataclass
class ForwardMeasurement:
    """One configuration's result; ``error`` is set (and numbers are None) when it failed."""

    mode: str
    peak_bytes: int | None = None
    forward_bytes: int | None = None
    seconds: float | None = None
    gflops: float | None = None
    error: str | None = None


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure_forward(
    *,
    model: str,
    mode: str,
    size: tuple[int, int],
    device: str,
    threads: int,
    amp: bool,
    flops: bool,
    seed: int = 0,
) -> dict:
    """Build MODEL, run one no-grad eval forward at SIZE (W, H) with TI² attention MODE.

    Meant to run in a fresh process (see :func:`bench_model`). Returns a JSON-able dict.
    """
    import resource
    import time

    import torch

    from benchmark.models.registry import create_model

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    net = create_model(model, attention=mode).eval().to(device)
    w, h = size
    g = torch.Generator().manual_seed(seed)
    img = torch.randn(1, 3, h, w, generator=g).to(device)
    cls = torch.randint(0, 3, (1, h, w), generator=g)
    tri = torch.nn.functional.one_hot(cls, 3).permute(0, 3, 1, 2).float().to(device)
    del cls
    out: dict = {"mode": mode}
    autocast = torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=amp)
    with torch.no_grad(), autocast:  # warm-up at 64×64: library initialisation, kernel choice
        net(img[..., :64, :64].contiguous(), tri[..., :64, :64].contiguous())
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    before = _rss_bytes()
    start = time.perf_counter()
    with torch.no_grad(), autocast:
        alpha = net(img, tri)
    if device == "cuda":
        torch.cuda.synchronize()
    out["seconds"] = time.perf_counter() - start
    if not bool(torch.isfinite(alpha).all()):
        out["error"] = "non-finite output"
    if device == "cuda":
        out["peak_bytes"] = out["forward_bytes"] = torch.cuda.max_memory_allocated()
    else:
        out["peak_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        # ru_maxrss (KiB) and the RSS read before differ in granularity; when the forward does
        # not raise the process peak (tiny inputs) the difference is noise around 0
        out["forward_bytes"] = max(0, out["peak_bytes"] - before)
    if flops:  # after the measured forward, so it does not disturb the memory figures
        from torch.utils.flop_counter import FlopCounterMode

        with torch.no_grad(), autocast, FlopCounterMode(display=False) as counter:
            net(img, tri)
        out["gflops"] = counter.get_total_flops() / 1e9
    return out


def _child_main() -> None:  # pragma: no cover - runs in the child process
    print(json.dumps(measure_forward(**json.loads(sys.argv[1]))))


def bench_model(
    *,
    model: str = "timinet",
    size: tuple[int, int] = (1024, 1024),
    device: str = "cpu",
    modes: Sequence[str] = ("auto", "naive"),
    threads: int = 2,
    amp: bool = False,
    flops: bool = False,
    timeout: float | None = None,
) -> list[ForwardMeasurement]:
    """Measure each TI² attention MODE in its own fresh process; failures are recorded, not raised."""
    results = []
    for mode in modes:
        args = dict(
            model=model,
            mode=mode,
            size=tuple(size),
            device=device,
            threads=threads,
            amp=amp,
            flops=flops,
        )
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        code = "from benchmark.perf.model import _child_main; _child_main()"
        try:
            proc = subprocess.run(
                [sys.executable, "-c", code, json.dumps(args)],
                capture_output=True,
                text=True,
                env=env,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            results.append(ForwardMeasurement(mode, error=f"timed out after {timeout:g} s"))
            continue
        if proc.returncode != 0:
            reason = (
                "killed (out of memory?)" if proc.returncode < 0 else f"exit code {proc.returncode}"
            )
            tail = proc.stderr.strip().splitlines()[-1:] or [""]
            results.append(ForwardMeasurement(mode, error=f"{reason} {tail[0]}".strip()))
            continue
        results.append(ForwardMeasurement(**json.loads(proc.stdout.strip().splitlines()[-1])))
    return results
