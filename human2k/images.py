"""Reading and writing the image files of matting datasets, with one clear error per problem.

PIL is used for decoding because DIM-exact composition needs PIL's pixel values; every reader
returns a NumPy array with a documented dtype and shape. The one exception is the commonest file
of a matting benchmark, the plain 8-bit greyscale PNG (alphas, trimaps, predictions): it is
decoded by pyspng (libspng), about 1.5× faster than Pillow with identical pixels (measured by
``mattebench perf eval``; ``tests/human2k/test_image_decoders.py`` proves the equality). Any other
file — 16-bit, palette, RGB(A), LA, 1/2/4-bit, interlaced, or one pyspng refuses — goes through
Pillow exactly as before.

Example:
    >>> import numpy as np, tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "a.png")
    >>> write_png(p, np.full((2, 3), 7, np.uint8))
    >>> read_alpha(p).shape, int(read_alpha(p)[0, 0])
    ((2, 3), 7)
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from human2k.errors import InputError
from human2k.outputs import write_errors

__all__ = [
    "open_image",
    "is_plain_grey8_png",
    "read_grey8_png",
    "read_alpha",
    "read_matte",
    "read_trimap",
    "read_rgb",
    "write_png",
    "atomic_write_bytes",
    "check_trimap_values",
    "quantize_trimap",
]

TRIMAP_VALUES = (0, 128, 255)


def open_image(path: str | os.PathLike) -> Image.Image:
    """Open and fully decode an image; raise InputError naming the file if it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        with Image.open(path) as im:
            im.load()
            return im.copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(path, f"cannot decode image ({exc})") from None


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def is_plain_grey8_png(head: bytes) -> bool:
    """True when HEAD (a file's first 29+ bytes) is a PNG whose IHDR says 8-bit greyscale
    (colour type 0), not interlaced: the only files :func:`read_grey8_png` decodes itself.

    Example:
        >>> ihdr = bytes([0, 0, 0, 13]) + b"IHDR" + bytes([0, 0, 0, 4, 0, 0, 0, 3, 8, 0, 0, 0, 0])
        >>> is_plain_grey8_png(_PNG_SIGNATURE + ihdr), is_plain_grey8_png(b"GIF89a")
        (True, False)
    """
    return (
        len(head) >= 29
        and head[:8] == _PNG_SIGNATURE
        and head[12:16] == b"IHDR"
        and head[24] == 8  # bit depth
        and head[25] == 0  # colour type: greyscale
        and head[28] == 0  # no interlace
    )


def read_grey8_png(path: str | os.PathLike) -> np.ndarray | None:
    """Decode PATH with pyspng when it is a plain 8-bit greyscale PNG, else return None.

    None also when pyspng is missing or refuses the file: the caller then decodes with Pillow,
    which gives the same pixels for every valid file and the error message for a broken one.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(29)  # the IHDR decides; other files are not read here at all
            if not is_plain_grey8_png(head):
                return None
            data = head + fh.read()
    except OSError:
        return None
    try:
        import pyspng

        arr = pyspng.load(data)
    except Exception:  # not installed, or a file libspng rejects: Pillow decides
        return None
    w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if arr.dtype != np.uint8 or arr.shape != (h, w):
        return None
    return arr


def _read_single_band(path, what: str) -> np.ndarray:
    arr = read_grey8_png(path)
    return arr if arr is not None else _single_band(open_image(path), path, what)


def _single_band(im: Image.Image, path, what: str) -> np.ndarray:
    """One uint8 band from L, P (gray palette), LA, RGB(A) with equal channels, I;16 or I/F."""
    if im.mode == "L":
        return np.array(im, dtype=np.uint8)
    if im.mode == "P":
        return np.array(im.convert("L"), dtype=np.uint8)
    if im.mode in ("1",):
        return np.array(im.convert("L"), dtype=np.uint8)
    if im.mode == "LA":
        return np.asarray(im, dtype=np.uint8)[..., 0].copy()
    if im.mode in ("RGB", "RGBA"):
        arr = np.asarray(im, dtype=np.uint8)
        r, g, b = arr[..., 0], arr[..., 1], arr[..., 2]
        if not (np.array_equal(r, g) and np.array_equal(r, b)):
            n = int(np.count_nonzero((r != g) | (r != b)))
            raise InputError(
                path,
                f"{what} is {im.mode} with channels that differ at {n} pixels; "
                f"expected a single-band image or R=G=B",
            )
        return r.copy()
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im).astype(np.int64)
        if arr.max(initial=0) > 255:
            raise InputError(
                path, f"{what} is 16-bit (max {arr.max()}); expected 8-bit values 0..255"
            )
        return arr.astype(np.uint8)
    raise InputError(path, f"{what} has unsupported mode {im.mode!r}; expected L, P or RGB")


def read_matte(path: str | os.PathLike, *, what: str = "alpha") -> tuple[np.ndarray, str]:
    """Read a matte as uint8 H×W and say where it was found: ``("grey" | "alpha channel")``.

    Single-band images (L, grey P, RGB with R=G=B, 8-bit I;16) are the matte. An image with an
    alpha channel (LA, RGBA) holds the matte in that channel, unless the channel is opaque
    everywhere (then the colour bands are the matte, R=G=B). When the colour bands hold a grey
    matte that differs from a non-opaque alpha channel, the file is ambiguous and refused.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "m.png")
        >>> rgba = np.zeros((1, 2, 4), np.uint8); rgba[..., 3] = [0, 200]
        >>> Image.fromarray(rgba).save(p)
        >>> m, where = read_matte(p); m.tolist(), where
        ([[0, 200]], 'alpha channel')
    """
    plain = read_grey8_png(path)  # the fast path: an 8-bit grey PNG has no alpha channel
    if plain is not None:
        return plain, "grey"
    im = open_image(path)
    if im.mode not in ("LA", "RGBA", "PA"):
        return _single_band(im, path, what), "grey"
    alpha = np.array(im.getchannel("A"), dtype=np.uint8)
    colour = im.convert("LA" if im.mode == "PA" else im.mode).convert(
        "L" if im.mode in ("LA", "PA") else "RGB"
    )
    if alpha.min(initial=255) == 255:
        return _single_band(colour, path, what), "grey"
    try:
        grey = _single_band(colour, path, what)
    except InputError:  # colours (an image), not a matte: the alpha channel is the matte
        return alpha, "alpha channel"
    if np.array_equal(grey, alpha) or np.ptp(grey) == 0:
        return alpha, "alpha channel"
    raise InputError(
        path,
        f"{what} is {im.mode} with a grey matte in its colour channels and a different, "
        "non-opaque alpha channel: it is unclear which one is the matte; save the matte as a "
        "single-band (L) PNG",
    )


def read_alpha(path: str | os.PathLike) -> np.ndarray:
    """Read an alpha matte as uint8 H×W the way Adobe's composition script does: L, grey P,
    RGB(A) with identical channels (their first band), LA (its L band).

    Composition keeps this rule to stay bit-exact; scoring reads mattes with
    :func:`read_matte`, which prefers an alpha channel that carries the matte.
    """
    return _read_single_band(path, "alpha")


def _values_outside(trimap: np.ndarray) -> np.ndarray:
    """The sorted distinct values of TRIMAP other than 0, 128, 255 (a histogram for uint8: O(n),
    where ``np.unique`` sorts the image).

    Example:
        >>> _values_outside(np.array([[0, 7, 128, 7, 3]], np.uint8)).tolist()
        [3, 7]
    """
    if trimap.dtype == np.uint8:
        counts = np.bincount(trimap.ravel(), minlength=256)
        counts[list(TRIMAP_VALUES)] = 0
        return np.flatnonzero(counts).astype(np.uint8)
    return np.setdiff1d(np.unique(trimap), TRIMAP_VALUES)


def check_trimap_values(trimap: np.ndarray, path=None) -> None:
    """Raise InputError unless every value is 0, 128 or 255 (the DIM convention)."""
    bad = _values_outside(trimap)
    if bad.size:
        shown = ", ".join(str(int(v)) for v in bad[:8]) + (" ..." if bad.size > 8 else "")
        raise InputError(
            path if path is not None else "trimap",
            f"trimap has values outside {{0, 128, 255}}: {shown} "
            f"(trimap quantisation maps <85 to 0, >=170 to 255, else 128)",
            param="trimap_quantize",
        )


def quantize_trimap(trimap: np.ndarray) -> np.ndarray:
    """Map a soft trimap to {0,128,255}: <85 → 0, ≥170 → 255, everything else → 128.

    Example:
        >>> quantize_trimap(np.array([[0, 84, 85, 169, 170, 255]], np.uint8)).tolist()
        [[0, 0, 128, 128, 255, 255]]
    """
    out = np.full(trimap.shape, 128, np.uint8)
    out[trimap < 85] = 0
    out[trimap >= 170] = 255
    return out


def read_trimap(path: str | os.PathLike, *, quantize: bool = False) -> np.ndarray:
    """Read a trimap as uint8 H×W with values in {0, 128, 255}.

    Args:
        path: the trimap file (L, gray-palette P, or RGB with identical channels).
        quantize: map other values (<85→0, ≥170→255, else 128) with a warning instead of failing.
    """
    trimap = _read_single_band(path, "trimap")
    if quantize:
        bad = _values_outside(trimap)
        if bad.size:
            warnings.warn(
                f"{path}: quantized {bad.size} trimap value(s) outside {{0,128,255}}", stacklevel=2
            )
            trimap = quantize_trimap(trimap)
    else:
        check_trimap_values(trimap, path)
    return trimap


def read_rgb(path: str | os.PathLike) -> np.ndarray:
    """Read an image as uint8 H×W×3 RGB (RGBA drops alpha; L, P and CMYK are converted)."""
    im = open_image(path)
    if im.mode != "RGB":
        im = im.convert("RGB")
    return np.array(im, dtype=np.uint8)


def _read_umask() -> int:
    mask = os.umask(0)  # the only portable way to read it; done once, at import
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_read_umask()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write bytes to PATH through a temporary file and rename, so no partial file is left.

    Raises:
        WriteError: the operating system refused (read-only folder, full disk...), naming PATH.
    """
    path = Path(path)
    with write_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            # mkstemp creates 0600; give the file the mode a plain open() would (0666 & ~umask)
            os.chmod(tmp, _FILE_MODE)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


def write_png(path: str | os.PathLike, array: np.ndarray, *, compress_level: int = 6) -> None:
    """Write a uint8 H×W or H×W×3 array as PNG, atomically (temporary file + rename)."""
    import io

    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise InputError(path, f"refusing to write dtype {array.dtype} as PNG; expected uint8")
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG", compress_level=compress_level)
    atomic_write_bytes(path, buf.getvalue())
