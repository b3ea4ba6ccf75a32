"""Time and peak memory of one call: :class:`Meter` (CUDA allocator peak, or the CPU peak
resident set added by the call), and the out-of-memory test the GPU check records instead of
stopping.

Example:
    >>> is_oom(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    True
"""

from __future__ import annotations

import time

import torch

__all__ = ["Meter", "is_oom", "release_cache"]


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (``VmHWM``; Linux ≥ 4.0); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Meter:
    """Synchronised timing and peak memory of one call on DEVICE (see the module docstring).

    CPU: the kernel's peak RSS mark is reset before the call and read after it (``VmHWM``), minus
    the RSS before; where the mark cannot be reset the figure is the rise of the process peak.

    Example:
        >>> with Meter(torch.device("cpu")) as m:
        ...     x = torch.ones(1000)
        >>> m.seconds > 0 and m.peak_bytes >= 0
        True
    """

    def __init__(self, device: torch.device):
        self.device, self.seconds, self.peak_bytes = device, 0.0, 0

    def __enter__(self) -> Meter:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
        else:
            _reset_peak_rss()
            self._base_kib = _status_kib("VmRSS")
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self.seconds = time.perf_counter() - self._start
        if self.device.type == "cuda":
            self.peak_bytes = torch.cuda.max_memory_allocated(self.device)
        else:
            self.peak_bytes = max(0, _status_kib("VmHWM") - self._base_kib) * 1024


def is_oom(exc: BaseException) -> bool:
    """Whether EXC is a CUDA (or CPU allocator) out-of-memory error."""
    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in str(exc).lower()


def release_cache(device: torch.device) -> None:
    """Give cached CUDA blocks back, so the next configuration starts from a clean allocator."""
    if device.type == "cuda":
        torch.cuda.empty_cache()
