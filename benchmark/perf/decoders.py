"""Which PNG decoder is fastest for the 8-bit grey files of a matting benchmark, and does it give
Pillow's pixels? (Part of ``mattebench perf eval``; the answer is what ``human2k.images`` uses.)

Each decoder turns the file's bytes into a uint8 array (the bytes are read once, outside the
timing, so only decoding is compared). Pillow is the reference: a decoder counts as *identical*
when every pixel of every file equals Pillow's.

Example:
    >>> import io, numpy as np
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.fromarray(np.full((4, 5), 9, np.uint8)).save(buf, "PNG")
    >>> rows = compare_decoders([buf.getvalue()], repeats=1)
    >>> [(r.decoder, r.identical) for r in rows][:2]
    [('Pillow', True), ('OpenCV IMREAD_UNCHANGED', True)]
"""

from __future__ import annotations

import dataclasses
import io
import time
from collections.abc import Callable, Sequence

import cv2
import numpy as np
from PIL import Image

__all__ = ["DecoderTiming", "decoders", "compare_decoders"]


@dataclasses.dataclass(frozen=True)
class DecoderTiming:
    """One decoder: best time per file (ms, mean over the files), and whether it equals Pillow."""

    decoder: str
    ms_per_file: float | None
    identical: bool | None
    note: str = ""


def _pillow(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return np.asarray(im)


def _cv2(flag: int) -> Callable[[bytes], np.ndarray]:
    return lambda data: cv2.imdecode(np.frombuffer(data, np.uint8), flag)


def decoders() -> dict[str, Callable[[bytes], np.ndarray] | str]:
    """Name → decode function, or → the reason it is unavailable (pyspng not installed)."""
    out: dict[str, Callable[[bytes], np.ndarray] | str] = {
        "Pillow": _pillow,
        "OpenCV IMREAD_UNCHANGED": _cv2(cv2.IMREAD_UNCHANGED),
        "OpenCV IMREAD_GRAYSCALE": _cv2(cv2.IMREAD_GRAYSCALE),
    }
    try:
        import pyspng

        out["pyspng (libspng)"] = pyspng.load
    except ImportError:
        out["pyspng (libspng)"] = "not installed"
    return out


def compare_decoders(files: Sequence[bytes], *, repeats: int = 5) -> list[DecoderTiming]:
    """Time every decoder on FILES (PNG bytes): best of REPEATS per file, rounds interleaved so
    a burst of load on a shared machine hits every decoder alike."""
    available = decoders()
    funcs = {k: v for k, v in available.items() if callable(v)}
    best = {k: [float("inf")] * len(files) for k in funcs}
    reference = [_pillow(data) for data in files]
    identical = dict.fromkeys(funcs, True)
    for _ in range(max(1, repeats)):
        for name, fn in funcs.items():
            for i, data in enumerate(files):
                start = time.perf_counter()
                arr = fn(data)
                best[name][i] = min(best[name][i], time.perf_counter() - start)
                if identical[name] and not (
                    arr is not None
                    and arr.shape == reference[i].shape
                    and np.array_equal(arr, reference[i])
                ):
                    identical[name] = False
    rows = []
    for name, fn in available.items():
        if callable(fn):
            rows.append(DecoderTiming(name, 1e3 * float(np.mean(best[name])), identical[name]))
        else:
            rows.append(DecoderTiming(name, None, None, fn))
    return rows
