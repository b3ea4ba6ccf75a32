"""`mattebench perf model`: peak memory and time of one full-resolution TIMI-Net forward,
O(N) TI² attention against the released naive N×N form, measured in the same run.

Each configuration runs in a fresh child process (``python -c``) so peaks do not mix:

* CPU: the child's peak resident set size (``getrusage(RUSAGE_SELF).ru_maxrss``, the figure
  the parent would read as ``RUSAGE_CHILDREN``) for the whole process, and the part added by the
  forward pass (peak minus the RSS just before it: interpreter, torch and the weights excluded);
* CUDA: ``torch.cuda.max_memory_allocated`` during the forward (weights included).

The library part (:func:`bench_model`, :func:`measure_forward`) is separate from the click
command so that it can be called from Python.

Example:
    >>> _parse_size(None, None, "64x32")
    (64, 32)
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Sequence

import click

__all__ = ["perf_model", "bench_model", "measure_forward", "ForwardMeasurement"]


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

    from benchmark.registry import create_model

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
        args = dict(model=model, mode=mode, size=tuple(size), device=device, threads=threads,
                    amp=amp, flops=flops)  # fmt: skip
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        code = "from benchmark.commands.perf_model import _child_main; _child_main()"
        try:
            proc = subprocess.run(
                [sys.executable, "-c", code, json.dumps(args)],
                capture_output=True, text=True, env=env, timeout=timeout,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            results.append(ForwardMeasurement(mode, error=f"timed out after {timeout:g} s"))
            continue
        if proc.returncode != 0:
            reason = "killed (out of memory?)" if proc.returncode < 0 else f"exit code {proc.returncode}"
            tail = proc.stderr.strip().splitlines()[-1:] or [""]
            results.append(ForwardMeasurement(mode, error=f"{reason} {tail[0]}".strip()))
            continue
        results.append(ForwardMeasurement(**json.loads(proc.stdout.strip().splitlines()[-1])))
    return results


def _parse_size(ctx, param, value):
    try:
        w, h = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"expected WxH such as 1024x1024, got {value!r}") from None
    if w % 32 or h % 32:
        raise click.BadParameter(f"width and height must be multiples of 32, got {value}")
    return w, h


def _gib(n: int | None) -> str:
    return "—" if n is None else f"{n / 2**30:.2f}"


@click.command("model")
@click.option("--size", default="1024x1024", callback=_parse_size, show_default=True, help="Input WxH (multiples of 32).")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option("--model", "model_name", default="timinet", show_default=True, help="A registered TIMI-Net variant.")
@click.option("--modes", default="auto,naive", show_default=True, help="TI² attention paths to compare (auto, sdpa, chunked, naive).")
@click.option("--threads", default=2, show_default=True, help="CPU threads per measurement.")
@click.option("--amp/--no-amp", default=False, help="bf16 autocast (CUDA).")
@click.option("--flops/--no-flops", default=False, help="Also count FLOPs (FlopCounterMode; FLOPs = 2·MAC).")
def perf_model(size, device, model_name, modes, threads, amp, flops):
    """Peak memory and time of one full-resolution forward: O(N) TI² vs the naive N×N form."""
    from rich.table import Table

    from benchmark.commands._console import console

    rows = bench_model(model=model_name, size=size, device=device, modes=modes.split(","), threads=threads, amp=amp, flops=flops)
    ref = next((r for r in rows if r.mode == "naive" and r.error is None), None)
    what = "process peak RSS" if device == "cpu" else "max CUDA memory allocated"
    table = Table(title=f"{model_name} forward at {size[0]}×{size[1]} on {device} ({threads} threads{', bf16' if amp else ''}); ratios vs naive N×N TI², same run")
    for col in ("TI² attention", f"{what} (GiB)", "forward part (GiB)", "peak / naive", "time (s)", "time / naive", "GFLOPs (counted)", "note"):
        table.add_column(col, justify="right")
    for r in rows:
        ratio = f"{r.peak_bytes / ref.peak_bytes:.1%}" if ref and r.peak_bytes else "—"
        tratio = f"{r.seconds / ref.seconds:.2f}×" if ref and r.seconds else "—"
        table.add_row(r.mode, _gib(r.peak_bytes), _gib(r.forward_bytes), ratio, "—" if r.seconds is None else f"{r.seconds:.2f}", tratio, "—" if r.gflops is None else f"{r.gflops:.1f}", r.error or "")
    console.print(table)
