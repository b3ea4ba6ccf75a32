"""The limits of the web server: upload size, image pixels, and what a predictions zip may hold.

One frozen dataclass carries them from ``mattebench serve``'s options to every check, and
:func:`check_pixels` refuses an oversized image from its header, before anything is decoded.

Defaults (chosen for a 2-core, 24 GiB machine serving one request at a time):

* ``max_upload_mb = 512``: any single upload (Gradio rejects larger files before they reach
  the app). The Human-2K test split is 2,000 composites; its predictions as 8-bit PNG zip to
  well under that.
* ``max_matte_pixels = 2_500_000`` (e.g. 1920×1300): images and trimaps of the matting tab. A
  classical solver's Laplacian (a sparse system over the pixels) grows with the pixel count.
* ``max_zip_entries = 5000``, ``max_unpacked_mb = 2048``, ``max_ratio = 100``: a zip with
  more entries, more uncompressed bytes in total, or an entry (≥ 1 MiB) that inflates more
  than 100× is refused before extraction (PNG data is already deflated: real ratios are ~1).
* Predictions: each PNG may have at most as many pixels as the largest test image of the
  benchmark (checked from the PNG header, so a decompression bomb is never decoded).

Example:
    >>> limits = ServeLimits(max_upload_mb=1)
    >>> limits.max_upload_bytes
    1048576
    >>> import tempfile, numpy as np, pathlib
    >>> from human2k.images import write_png
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "big.png"
    >>> write_png(p, np.zeros((20, 30), np.uint8))
    >>> check_pixels(p, 600, label="big.png")
    (30, 20)
    >>> check_pixels(p, 599, label="big.png")
    Traceback (most recent call last):
    ...
    human2k.errors.InputError: big.png: image of 30x20 = 600 pixels is over the limit of 599 pixels
"""

from __future__ import annotations

import dataclasses
import os

from PIL import Image

from human2k.errors import InputError

__all__ = ["ServeLimits", "check_pixels", "MB"]

MB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class ServeLimits:
    """Every limit of the server, in one place (see the module docstring for the defaults).

    Attributes:
        max_upload_mb: largest single upload, MiB.
        max_matte_pixels: largest image or trimap of the matting tab, pixels.
        max_zip_entries: most entries (files and folders) in a predictions zip.
        max_unpacked_mb: most uncompressed bytes in a predictions zip, MiB.
        max_ratio: largest uncompressed/compressed ratio of a zip entry of 1 MiB or more.
        concurrency: requests of one kind (matting, evaluation) that run at once.
    """

    max_upload_mb: int = 512
    max_matte_pixels: int = 2_500_000
    max_zip_entries: int = 5000
    max_unpacked_mb: int = 2048
    max_ratio: int = 100
    concurrency: int = 1

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or value < 1:
                raise InputError(
                    None,
                    f"{field.name} must be a positive integer, got {value!r}",
                    param=field.name,
                )

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * MB

    @property
    def max_unpacked_bytes(self) -> int:
        return self.max_unpacked_mb * MB


def check_pixels(path: str | os.PathLike, max_pixels: int, *, label: str) -> tuple[int, int]:
    """(width, height) of an image file, read from its header; refuse it above MAX_PIXELS.

    Nothing is decoded, so a decompression bomb costs nothing. A file PIL cannot identify is
    left to the readers of :mod:`human2k.images`, whose messages the CLI prints too.

    Raises:
        InputError: the image has more than MAX_PIXELS pixels (named by LABEL).
    """
    try:
        with Image.open(path) as im:
            width, height = im.size
    except Image.DecompressionBombError as exc:
        raise InputError(label, f"image is over the limit of {max_pixels} pixels ({exc})") from None
    except (OSError, SyntaxError, ValueError):
        return (0, 0)
    if width * height > max_pixels:
        raise InputError(
            label,
            f"image of {width}x{height} = {width * height} pixels is over the limit of "
            f"{max_pixels} pixels",
        )
    return (width, height)
