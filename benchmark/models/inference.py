"""Full-resolution inference for any deep matting model, with a tiled fallback for memory.

A deep model is a :class:`benchmark.models.deep.DeepMattingModel`, an ``nn.Module`` with:

* ``preprocess(image_rgb_uint8, trimap_uint8) -> (img, tri)``: tensors ``1×C×H×W`` (or
  ``C×H×W``) at full resolution, on any device;
* ``forward(img, tri) -> 1×1×H×W`` alpha in [0, 1].

:func:`predict_alpha` reflect-pads both tensors to a multiple of 32, runs the network, crops
back, and forces the trimap's known regions (0 → 0, 255 → 1). The resolution policy is one of

* ``native``: the whole (padded) image in one forward pass;
* ``tiled``: overlapping ``tile``×``tile`` windows over the bounding box of the unknown band
  (expanded by ``overlap``), blended with feathered weights; pixels outside the box are known
  and come from the trimap;
* ``downscaled``: the image is resized to fit ``max_pixels``, the alpha upsampled back
  (changes the numbers; recorded as such);
* ``auto`` (default): ``native`` when the estimated memory fits, else ``tiled``; a CUDA
  out-of-memory error in ``native`` also falls back to ``tiled``;
* ``official``: the model's ``official_predict`` — exactly its released test script (padding,
  size caps, known-region forcing); nothing is added or forced here. Only models that list
  ``official`` in ``policies`` have it.

The estimate is ``pixels × bytes_per_pixel`` (the model's ``inference_bytes_per_pixel``
attribute, :data:`DEFAULT_BYTES_PER_PIXEL` unless the model says; halved under bf16 autocast) against the free
GPU memory or 50 % of the available RAM, unless ``max_pixels`` is given. The policy used is
returned in ``info["policy"]`` and recorded in the run record.

Known-region forcing and 8-bit quantisation are in :mod:`benchmark.models.alpha`; the tiles
of the ``tiled`` policy in :mod:`benchmark.models.tiling`.

Example:
    >>> estimate_bytes(512 * 512, bytes_per_pixel=1024, amp=True) // 2**20  # MiB
    128
"""

from __future__ import annotations

import functools
import math
import os
import time
from typing import Any, Literal

import numpy as np

from benchmark.models.alpha import force_known
from benchmark.models.tiling import run_tiled
from human2k.errors import InputError, ModelError

__all__ = ["predict_alpha", "estimate_bytes", "reflect_pad", "DEFAULT_BYTES_PER_PIXEL", "POLICIES"]

Policy = Literal["auto", "native", "tiled", "downscaled", "official"]
POLICIES = ("auto", "native", "tiled", "downscaled", "official")

#: Peak activation memory per input pixel assumed for an encoder-decoder matting network in
#: float32 when the model does not say (``inference_bytes_per_pixel``); GCA-like networks with a
#: ResNet-34 encoder measure a few KiB per pixel.
DEFAULT_BYTES_PER_PIXEL = 4096
MULTIPLE = 32


def estimate_bytes(pixels: int, *, bytes_per_pixel: float, amp: bool) -> int:
    """Estimated peak memory of one forward pass over PIXELS (padded) pixels."""
    return int(pixels * bytes_per_pixel * (0.5 if amp else 1.0))


def _available_bytes(device) -> int:
    import torch

    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free * 0.9)
    try:
        avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        avail = 8 << 30
    return int(avail * 0.5)


def _pad_amount(n: int) -> int:
    return (-n) % MULTIPLE


def reflect_pad(x, pad_h: int, pad_w: int):
    """Reflect-pad the bottom/right of an N×C×H×W tensor, in steps when pad ≥ size."""
    import torch.nn.functional as F

    while pad_h > 0 or pad_w > 0:
        h, w = x.shape[-2:]
        step_h = min(pad_h, h - 1) if h > 1 else 0
        step_w = min(pad_w, w - 1) if w > 1 else 0
        if step_h == 0 and step_w == 0:  # 1-px images: nothing to reflect
            return F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        x = F.pad(x, (0, step_w, 0, step_h), mode="reflect")
        pad_h, pad_w = pad_h - step_h, pad_w - step_w
    return x


def _batched(t):
    import torch

    if not isinstance(t, torch.Tensor):
        raise ModelError(f"preprocess must return tensors, got {type(t).__name__}")
    if t.ndim == 3:
        t = t[None]
    if t.ndim != 4 or t.shape[0] != 1:
        raise ModelError(f"preprocess must return 1×C×H×W tensors, got shape {tuple(t.shape)}")
    return t


def _forward(model, img, tri, device, amp: bool) -> np.ndarray:
    """Pad to /32, run, crop; returns H×W float32 on the CPU."""
    import torch

    h, w = img.shape[-2:]
    ph, pw = _pad_amount(h), _pad_amount(w)
    img = reflect_pad(img.to(device, non_blocking=True), ph, pw)
    tri = reflect_pad(tri.to(device, non_blocking=True), ph, pw)
    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp and device.type == "cuda"):
        out = model(img, tri)
    if isinstance(out, (tuple, list)):
        out = out[0]
    if out.ndim != 4 or out.shape[:2] != (1, 1) or tuple(out.shape[-2:]) != (h + ph, w + pw):
        raise ModelError(
            f"forward returned shape {tuple(out.shape)}; expected (1, 1, {h + ph}, {w + pw})"
        )
    return out[0, 0, :h, :w].float().cpu().numpy()


def _run_downscaled(model, img, tri, device, amp, max_pixels: int) -> tuple[np.ndarray, float]:
    import torch
    import torch.nn.functional as F

    h, w = img.shape[-2:]
    scale = min(1.0, math.sqrt(max_pixels / float(h * w)))
    sh, sw = (
        max(MULTIPLE, int(h * scale) // MULTIPLE * MULTIPLE),
        max(MULTIPLE, int(w * scale) // MULTIPLE * MULTIPLE),
    )
    small_img = F.interpolate(img.float(), size=(sh, sw), mode="bilinear", align_corners=False).to(
        img.dtype
    )
    small_tri = F.interpolate(tri.float(), size=(sh, sw), mode="nearest").to(tri.dtype)
    small = _forward(model, small_img, small_tri, device, amp)
    up = F.interpolate(
        torch.from_numpy(small)[None, None], size=(h, w), mode="bilinear", align_corners=False
    )
    return up[0, 0].numpy(), sh / h


def predict_alpha(
    model,
    image: np.ndarray,
    trimap: np.ndarray,
    *,
    device=None,
    amp: bool = False,
    policy: Policy = "auto",
    max_pixels: int | None = None,
    tile: int = 512,
    overlap: int = 64,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Alpha (float32 H×W in [0, 1], known regions forced) of a deep model at full resolution.

    Args:
        model: a ``DeepMattingModel`` (see the module docstring).
        image: uint8 H×W×3 RGB.
        trimap: uint8 H×W with values {0, 128, 255}.
        device: torch device (default: the model's). The model is moved there.
        amp: bf16 autocast on CUDA (ignored on CPU; ``info["amp"]`` says what ran).
        policy: ``auto`` | ``native`` | ``tiled`` | ``downscaled`` | ``official`` (one of the
            model's ``policies``).
        max_pixels: most padded pixels one forward pass may take; default from free memory.
        tile: tile side (rounded up to a multiple of 32) for ``tiled``; under ``auto`` it is
            shrunk to fit the memory budget (and ``overlap`` to at most a quarter of it).
        overlap: overlap between tiles and margin around the unknown box, in px.

    Returns:
        ``(alpha, info)``; info has ``policy`` (used), ``requested_policy``, ``device``,
        ``amp``, ``tiles``, ``tile``, ``padded_size``, ``estimated_bytes``, ``budget_bytes``,
        ``seconds`` and, after an OOM fallback, ``fallback``.
    """
    import torch

    if policy not in POLICIES:
        raise ModelError(f"unknown resolution policy {policy!r}; choose from {', '.join(POLICIES)}")
    if policy not in model.policies:
        raise ModelError(
            f"{model.name or type(model).__name__} does not support policy {policy!r}; "
            f"it supports {', '.join(model.policies)}"
        )
    image, trimap = np.asarray(image), np.asarray(trimap)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise InputError("image", f"expected uint8 H×W×3, got {image.dtype} {image.shape}")
    if trimap.shape != image.shape[:2] or trimap.dtype != np.uint8:
        raise InputError(
            "trimap", f"expected uint8 {image.shape[:2]}, got {trimap.dtype} {trimap.shape}"
        )
    if device is None:
        param = next(model.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
    device = torch.device(device)
    amp = bool(amp and device.type == "cuda")
    tile = max(MULTIPLE, int(math.ceil(tile / MULTIPLE) * MULTIPLE))
    model = model.to(device).eval()

    h, w = trimap.shape
    padded = (h + _pad_amount(h), w + _pad_amount(w))
    bpp = float(model.inference_bytes_per_pixel)
    need = estimate_bytes(padded[0] * padded[1], bytes_per_pixel=bpp, amp=amp)
    if max_pixels is not None:
        budget = estimate_bytes(int(max_pixels), bytes_per_pixel=bpp, amp=amp)
    else:
        budget = _available_bytes(device)
    used = policy if policy != "auto" else ("native" if need <= budget else "tiled")
    if policy == "auto":  # tiles that fit the same budget
        fit = int(math.sqrt(budget / (bpp * (0.5 if amp else 1.0)))) // MULTIPLE * MULTIPLE
        tile = max(MULTIPLE, min(tile, fit))
        overlap = min(overlap, tile // 4)
    info: dict[str, Any] = {
        "requested_policy": policy,
        "device": str(device),
        "amp": amp,
        "tiles": 1,
        "tile": tile,
        "padded_size": padded,
        "estimated_bytes": need,
        "budget_bytes": budget,
    }

    t0 = time.perf_counter()
    if used == "official":  # the model's own test script: its padding, caps and forcing
        with torch.inference_mode():
            alpha = np.asarray(model.official_predict(image, trimap), dtype=np.float32)
        if alpha.shape != (h, w):
            raise ModelError(f"official_predict returned shape {alpha.shape}; expected {(h, w)}")
        info.update(
            seconds=time.perf_counter() - t0, policy="official", padded_size=None, amp=False
        )
        if not np.isfinite(alpha).all():
            raise ModelError(
                f"model output has {int((~np.isfinite(alpha)).sum())} non-finite values"
            )
        return np.clip(alpha, 0.0, 1.0), info
    with torch.inference_mode():
        img, tri = model.preprocess(image, trimap)
        img, tri = _batched(img), _batched(tri)
        if tuple(img.shape[-2:]) != (h, w) or tuple(tri.shape[-2:]) != (h, w):
            raise ModelError(
                f"preprocess changed the size to {tuple(img.shape[-2:])}; expected {(h, w)}"
            )
        if used == "native":
            try:
                alpha = _forward(model, img, tri, device, amp)
            except torch.cuda.OutOfMemoryError:
                if policy != "auto":
                    raise
                torch.cuda.empty_cache()
                used, info["fallback"] = "tiled", "cuda out of memory in native"
        if used == "tiled":
            run = functools.partial(_forward, model, device=device, amp=amp)
            alpha, info["tiles"] = run_tiled(run, img, tri, trimap, tile, overlap)
        elif used == "downscaled":
            pixels = (
                int(max_pixels)
                if max_pixels is not None
                else int(budget / (bpp * (0.5 if amp else 1.0)))
            )
            alpha, info["scale"] = _run_downscaled(
                model, img, tri, device, amp, max(pixels, MULTIPLE * MULTIPLE)
            )
        if device.type == "cuda":
            torch.cuda.synchronize(device)
    info["seconds"] = time.perf_counter() - t0
    info["policy"] = used
    if not np.isfinite(alpha).all():
        raise ModelError(f"model output has {int((~np.isfinite(alpha)).sum())} non-finite values")
    return force_known(np.clip(alpha, 0.0, 1.0), trimap), info
