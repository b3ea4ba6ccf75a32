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

:func:`quantize_alpha` turns alpha into uint8 by **rounding** (``floor(255·α + 0.5)``, DIM's
practice and MATLAB's ``round`` for non-negative values). Truncation (``astype(uint8)``)
biases every value down by half a level on average and raises SAD/MSE measurably.

Example:
    >>> import numpy as np
    >>> quantize_alpha(np.array([0.0, 0.5, 1.0, 0.0019, 0.002], np.float32)).tolist()
    [0, 128, 255, 0, 1]
    >>> force_known(np.full((1, 3), 0.5, np.float32), np.array([[0, 128, 255]], np.uint8)).tolist()
    [[0.0, 0.5, 1.0]]
"""

from __future__ import annotations

import math
import os
import time
from typing import Any, Literal

import numpy as np

from human2k.errors import InputError, ModelError

__all__ = [
    "predict_alpha",
    "quantize_alpha",
    "force_known",
    "unknown_bbox",
    "tile_windows",
    "estimate_bytes",
    "DEFAULT_BYTES_PER_PIXEL",
    "POLICIES",
]

Policy = Literal["auto", "native", "tiled", "downscaled", "official"]
POLICIES = ("auto", "native", "tiled", "downscaled", "official")

#: Peak activation memory per input pixel assumed for an encoder-decoder matting network in
#: float32 when the model does not say (``inference_bytes_per_pixel``); GCA-like networks with a
#: ResNet-34 encoder measure a few KiB per pixel.
DEFAULT_BYTES_PER_PIXEL = 4096
MULTIPLE = 32


def quantize_alpha(alpha: np.ndarray) -> np.ndarray:
    """Alpha in [0, 1] -> uint8 by rounding half up (values are clipped to [0, 1] first).

    Raises:
        InputError: ALPHA contains NaN or infinity.
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    if not np.isfinite(alpha).all():
        raise InputError(
            "prediction", f"alpha has {int((~np.isfinite(alpha)).sum())} non-finite values"
        )
    return np.floor(np.clip(alpha, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def force_known(alpha: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """Copy of ALPHA (float32) with trimap 0 → 0 and trimap 255 → 1 (DIM practice)."""
    alpha = np.array(alpha, dtype=np.float32, copy=True)
    if alpha.shape != trimap.shape:
        raise InputError("prediction", f"size {alpha.shape} does not match trimap {trimap.shape}")
    alpha[trimap == 0] = 0.0
    alpha[trimap == 255] = 1.0
    return alpha


def unknown_bbox(trimap: np.ndarray, margin: int = 0) -> tuple[int, int, int, int] | None:
    """``(y0, y1, x0, x1)`` (half-open) of the pixels that are not 0/255, grown by MARGIN.

    Example:
        >>> t = np.zeros((10, 10), np.uint8); t[4, 5] = 128
        >>> unknown_bbox(t), unknown_bbox(t, 2), unknown_bbox(np.zeros((3, 3), np.uint8))
        ((4, 5, 5, 6), (2, 7, 3, 8), None)
    """
    mask = (trimap != 0) & (trimap != 255)
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if rows.size == 0:
        return None
    h, w = trimap.shape
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    return max(0, r0 - margin), min(h, r1 + margin), max(0, c0 - margin), min(w, c1 + margin)


def _starts(lo: int, hi: int, size: int, stride: int) -> list[int]:
    if hi - lo <= size:
        return [lo]
    starts = list(range(lo, hi - size, stride)) + [hi - size]
    return sorted(set(starts))


def tile_windows(box: tuple[int, int, int, int], shape: tuple[int, int], tile: int, overlap: int):
    """Windows ``(y0, y1, x0, x1)`` of at most TILE px covering BOX, overlapping by OVERLAP.

    Windows are grown to TILE px inside the image where the box is smaller, so the network
    always sees as much context as a tile allows.

    Example:
        >>> tile_windows((0, 100, 0, 40), (100, 40), 64, 16)
        [(0, 64, 0, 40), (36, 100, 0, 40)]
    """
    if overlap >= tile:
        raise ValueError(f"overlap ({overlap}) must be smaller than tile ({tile})")
    h, w = shape
    y0, y1, x0, x1 = box

    def grow(lo: int, hi: int, limit: int) -> tuple[int, int]:  # to ≥ one tile, centred, inside
        length = max(hi - lo, min(tile, limit))
        lo = max(0, min(lo - (length - (hi - lo)) // 2, limit - length))
        return lo, lo + length

    y0, y1 = grow(y0, y1, h)
    x0, x1 = grow(x0, x1, w)
    stride = tile - overlap
    ys = _starts(y0, y1, tile, stride)
    xs = _starts(x0, x1, tile, stride)
    return [(y, min(y + tile, y1), x, min(x + tile, x1)) for y in ys for x in xs]


def _feather(h: int, w: int, overlap: int, edges: tuple[bool, bool, bool, bool]) -> np.ndarray:
    """Blend weights of a tile: linear ramps over OVERLAP px on interior edges, 1 elsewhere."""

    def ramp(n, lo_inner, hi_inner):
        r = np.ones(n, np.float32)
        k = min(overlap, n // 2)
        if k > 0:
            up = (np.arange(k, dtype=np.float32) + 1) / (k + 1)
            if lo_inner:
                r[:k] = np.minimum(r[:k], up)
            if hi_inner:
                r[n - k :] = np.minimum(r[n - k :], up[::-1])
        return r

    top, bottom, left, right = edges
    return np.outer(ramp(h, top, bottom), ramp(w, left, right))


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


def _reflect_pad(x, pad_h: int, pad_w: int):
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
    img = _reflect_pad(img.to(device, non_blocking=True), ph, pw)
    tri = _reflect_pad(tri.to(device, non_blocking=True), ph, pw)
    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp and device.type == "cuda"):
        out = model(img, tri)
    if isinstance(out, (tuple, list)):
        out = out[0]
    if out.ndim != 4 or out.shape[:2] != (1, 1) or tuple(out.shape[-2:]) != (h + ph, w + pw):
        raise ModelError(
            f"forward returned shape {tuple(out.shape)}; expected (1, 1, {h + ph}, {w + pw})"
        )
    return out[0, 0, :h, :w].float().cpu().numpy()


def _run_tiled(model, img, tri, trimap, device, amp, tile, overlap) -> tuple[np.ndarray, int]:
    h, w = trimap.shape
    alpha = (trimap == 255).astype(np.float32)
    box = unknown_bbox(trimap, margin=overlap)
    if box is None:
        return alpha, 0
    windows = tile_windows(box, (h, w), tile, overlap)
    acc = np.zeros((h, w), np.float32)
    weight = np.zeros((h, w), np.float32)
    top, bottom = min(wd[0] for wd in windows), max(wd[1] for wd in windows)
    left, right = min(wd[2] for wd in windows), max(wd[3] for wd in windows)
    for y0, y1, x0, x1 in windows:
        out = _forward(model, img[..., y0:y1, x0:x1], tri[..., y0:y1, x0:x1], device, amp)
        edges = (y0 > top, y1 < bottom, x0 > left, x1 < right)
        wgt = _feather(y1 - y0, x1 - x0, overlap, edges)
        acc[y0:y1, x0:x1] += out * wgt
        weight[y0:y1, x0:x1] += wgt
    covered = weight > 0
    alpha[covered] = acc[covered] / weight[covered]
    return alpha, len(windows)


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
        info.update(seconds=time.perf_counter() - t0, policy="official", padded_size=None)
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
            alpha, info["tiles"] = _run_tiled(model, img, tri, trimap, device, amp, tile, overlap)
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
