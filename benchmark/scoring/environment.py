"""What a run record says about the machine: package versions, the device, data checksums.

Example:
    >>> sorted(versions(deep=False))[:2]
    ['mattebench', 'numba']
    >>> device_label("cpu", deep=False)
    'cpu'
"""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

import numpy as np

from human2k.errors import ModelError
from human2k.manifest import sha256_file

__all__ = ["versions", "device_label", "checksums_sha256"]


def versions(deep: bool) -> dict[str, str]:
    """Versions of Python, NumPy, mattebench, pymatting, Numba (and torch for deep models)."""
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for dist in ("mattebench", "pymatting", "numba", "torch"):
        if dist == "torch" and not deep:
            continue
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def device_label(device: str, deep: bool) -> str:
    """``cpu``, or ``cuda:0 (NVIDIA H100 …)`` for a deep model on a GPU.

    Raises:
        ModelError: DEVICE is not a torch device, or CUDA is asked for and absent.
    """
    if not deep:
        return "cpu"
    import torch

    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ModelError(f"device {device!r}: {exc}", param="device") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ModelError(
            f"device {device}: CUDA is not available on this machine (torch {torch.__version__})",
            param="device",
        )
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    return str(dev)


def checksums_sha256(root: Path) -> str:
    """SHA-256 of a SHA256SUMS file shipped with the data (alphamatting), else ''."""
    path = root / "SHA256SUMS"
    return sha256_file(path) if path.is_file() else ""
