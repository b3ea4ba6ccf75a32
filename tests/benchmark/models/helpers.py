"""Shared test helpers for the learned baselines: key lists, deterministic weights, test images."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import torch

BN_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


def parse_key_list(path: Path) -> dict[str, tuple[int, ...]]:
    """``key [d0,d1,…]`` per line (``#`` comments) → {key: shape}."""
    keys: dict[str, tuple[int, ...]] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, shape = line.partition(" ")
        assert key not in keys, f"duplicate key {key} in {path}"
        keys[key] = tuple(int(x) for x in re.findall(r"\d+", shape))
    return keys


def shapes(module: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def count_from_key_list(keys: dict[str, tuple[int, ...]]) -> int:
    """Parameters implied by a key list: every key except BatchNorm running statistics."""
    return sum(math.prod(s) for k, s in keys.items() if not k.endswith(BN_BUFFERS))


def seeded_weights(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Overwrite every float tensor of ``module`` from one seeded generator, in key order.

    Independent of the library's initialisers (only ``torch.randn``/``torch.rand`` with a
    generator), so recorded outputs change only when the forward computation does. Weights are
    N(0, 1/fan_in); 1-d parameters near 1 (``weight``) or 0 (others); BN variances in [0.5, 1.5).
    """
    gen = torch.Generator().manual_seed(seed)
    new = {}
    for key, value in module.state_dict().items():
        if not value.is_floating_point():
            new[key] = value
        elif key.endswith("running_var"):
            new[key] = torch.rand(value.shape, generator=gen) + 0.5
        elif value.ndim <= 1:
            base = 1.0 if key.endswith("weight") else 0.0
            new[key] = base + 0.1 * torch.randn(value.shape, generator=gen)
        else:
            fan_in = math.prod(value.shape[1:])
            new[key] = torch.randn(value.shape, generator=gen) / math.sqrt(fan_in)
    module.load_state_dict(new)
    return module.eval()


def image_and_trimap(h: int, w: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random RGB uint8 and a 0/128/255 trimap with all three classes (a vertical unknown band)."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    trimap = np.zeros((h, w), np.uint8)
    trimap[:, w // 3 :] = 128
    trimap[:, 2 * w // 3 :] = 255
    trimap[rng.random((h, w)) < 0.05] = 128
    return image, trimap
