"""The files of ``mattebench perf gpu``: ``perf_gpu.json`` (everything measured) and
``perf_gpu.md`` (the tables docs/performance.md takes).

Example:
    >>> _gib(3 * 2**30), _gib(None), _verdict(True), _verdict(None)
    ('3.00', '—', 'met', '—')
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from human2k.images import atomic_write_bytes

__all__ = ["gpu_markdown", "write_gpu_report"]


def _gib(n: int | None) -> str:
    return "—" if n is None else f"{n / 2**30:.2f}"


def _secs(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def _verdict(v: bool | None) -> str:
    return "—" if v is None else ("met" if v else "MISSED")


def gpu_markdown(result: dict[str, Any]) -> str:
    """The Markdown summary of one ``run_gpu_check`` result."""
    cfg, env, targets, verdicts = (
        result[k] for k in ("config", "environment", "targets", "verdicts")
    )
    w, h = cfg["infer_size"]
    prec = {"bfloat16": "bf16 autocast", "float16": "fp16 autocast"}.get(cfg["amp"], "float32")
    n = env["cpu_threads"]
    where = env.get("gpu") or f"CPU ({n} torch thread{'s' if n > 1 else ''})"
    lines = [
        f"### `mattebench perf gpu` — {cfg['name']} configuration on {where}",
        "",
        f"torch {env['torch']}, Python {env['python']}"
        + (f", CUDA {env['cuda']}, cuDNN {env['cudnn']}" if "cuda" in env else "")
        + f"; total {result['total_seconds']:.0f} s. Memory: "
        + (
            "`torch.cuda.max_memory_allocated` (weights included)."
            if "gpu" in env
            else "peak RSS added by the call (rough; CPU runs test the code, not the numbers)."
        ),
        "",
        f"Inference, {prec}, {w}×{h}, random weights, median of {cfg['infer_repeats']} "
        "after one warm-up:",
        "",
        "| model | latency (s) | peak memory (GiB) | note |",
        "| --- | ---: | ---: | --- |",
    ]
    for r in result["inference"]:
        note = r.get("error") or ("" if r.get("finite", True) else "non-finite output")
        lines.append(
            f"| {r['model']} | {_secs(r.get('seconds'))} | {_gib(r.get('peak_bytes'))} | {note} |"
        )
    t = result["training"]
    lines += [
        "",
        f"Training {t['model']}, {t['crop']}², batch {t['batch']}, {prec}, {t['steps']} steps "
        f"after {t['warmup_steps']} warm-up (trainer's `train_step`, data loading excluded):",
        "",
        "| images/s | seconds | peak memory (GiB) | note |",
        "| ---: | ---: | ---: | --- |",
        f"| {t.get('images_per_s', float('nan')):.1f} | {_secs(t.get('seconds'))} | "
        f"{_gib(t.get('peak_bytes'))} | {t.get('error', '')} |",
        "",
        f"TI² attention memory (one forward, {prec}): released naive N×N form vs fused SDPA:",
        "",
        "| model | size | attention | latency (s) | peak memory (GiB) | peak / naive | note |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    naive = {
        tuple(r["size"]): r.get("peak_bytes") for r in result["ti2"] if r["attention"] == "naive"
    }
    for r in result["ti2"]:
        ref, peak = naive.get(tuple(r["size"])), r.get("peak_bytes")
        ratio = f"{peak / ref:.1%}" if ref and peak else "—"
        lines.append(
            f"| {r['model']} | {r['size'][0]}×{r['size'][1]} | {r['attention']} | "
            f"{_secs(r.get('seconds'))} | {_gib(peak)} | {ratio} | {r.get('error', '')} |"
        )
    lines += ["", "Targets (full configuration, one H100/H200):", ""]
    if not verdicts["applies"]:
        lines.append(f"not judged: {verdicts['reason']}.")
    else:
        lines += [
            f"* TIMI-Net {w}×{h} inference < {targets['infer_seconds']} s: "
            f"{_verdict(verdicts['infer_seconds'])}",
            f"* TIMI-Net {w}×{h} inference < {targets['infer_bytes'] / 1e9:.0f} GB: "
            f"{_verdict(verdicts['infer_bytes'])}",
            f"* training ≥ {targets['train_images_per_s']:.0f} img/s: "
            f"{_verdict(verdicts['train_images_per_s'])}",
        ]
    return "\n".join(lines) + "\n"


def write_gpu_report(result: dict[str, Any], out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``perf_gpu.json`` and ``perf_gpu.md`` into OUT_DIR (atomically); return both paths."""
    out = Path(out_dir)
    json_path, md_path = out / "perf_gpu.json", out / "perf_gpu.md"
    atomic_write_bytes(json_path, json.dumps(result, indent=2, sort_keys=True).encode())
    atomic_write_bytes(md_path, gpu_markdown(result).encode())
    return json_path, md_path
