"""The matting tab's library: models on offer, trimaps from drawings or masks, alpha, cut-outs.

* the model menu and the models built on first use: :mod:`benchmark.serve.model_menu`.
* :func:`read_inputs`: image and trimap files read with the CLI's readers (same one-line
  messages), the pixel limit checked from the headers first.
* :func:`trimap_from_layers` (the three brush layers of the editor) and
  :func:`trimap_from_mask` (a coarse mask with an unknown band of a given width, the
  ``erode`` preset of :mod:`human2k.trimap`).
* :func:`matte`: ``predict`` → known regions forced → quantised to uint8 by the default of
  ``mattebench score`` (truncation, as the official test scripts); :func:`cutout` adds the foreground colours (pymatting's multilevel estimator through
  :func:`human2k.foreground.estimate_foreground`) composited on a colour or a background.

Example:
    >>> import numpy as np
    >>> fg = np.zeros((2, 3, 4), np.uint8); fg[..., 3] = 255          # an opaque foreground layer
    >>> fg[:, 2, 3] = 0
    >>> trimap_from_layers([fg], (2, 3), ["foreground"]).tolist()
    [[255, 255, 128], [255, 255, 128]]
    >>> parse_colour("#00ff80"), parse_colour("rgba(10, 20, 30, 1)")
    ((0, 255, 128), (10, 20, 30))
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from benchmark.models.alpha import force_known, quantize_alpha
from benchmark.serve.limits import check_pixels
from human2k.errors import InputError, MattebenchError
from human2k.foreground import estimate_foreground
from human2k.images import open_image, read_matte, read_rgb, read_trimap
from human2k.trimap import generate_trimap

__all__ = [
    "read_image",
    "read_inputs",
    "read_mask",
    "save_png",
    "trimap_from_layers",
    "trimap_from_mask",
    "matte",
    "cutout",
    "parse_colour",
    "LAYERS",
]

#: The editor's brush layers, in the order they are painted over each other (last wins).
LAYERS = ("background", "foreground", "unknown")
_LAYER_VALUE = {"background": 0, "foreground": 255, "unknown": 128}


def _relabel(exc: MattebenchError, path: str | os.PathLike, label: str) -> InputError:
    """EXC with the server path of an upload replaced by LABEL (the user's word for it)."""
    text = str(exc).replace(str(path), label)
    return InputError(None, text, param=getattr(exc, "param", None))


def read_image(path: str | os.PathLike, *, max_pixels: int, label: str = "image") -> np.ndarray:
    """An uploaded image as uint8 RGB (the CLI's reader), its pixels checked from the header."""
    check_pixels(path, max_pixels, label=label)
    try:
        return read_rgb(path)
    except MattebenchError as exc:
        raise _relabel(exc, path, label) from None


def read_inputs(
    image_path: str | os.PathLike,
    trimap_path: str | os.PathLike,
    *,
    max_pixels: int,
    quantize_trimap: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Image (uint8 RGB) and trimap (uint8 {0,128,255}) from files, as the CLI reads them.

    Raises:
        InputError: a missing input, too many pixels, an unreadable file, trimap values outside
            {0, 128, 255} (unless QUANTIZE_TRIMAP), or sizes that differ.
    """
    if not image_path:
        raise InputError("image", "upload an image")
    if not trimap_path:
        raise InputError("trimap", "give a trimap: upload one, draw one, or build one from a mask")
    image = read_image(image_path, max_pixels=max_pixels)
    check_pixels(trimap_path, max_pixels, label="trimap")
    try:
        trimap = read_trimap(trimap_path, quantize=quantize_trimap)
    except MattebenchError as exc:
        raise _relabel(exc, trimap_path, "trimap") from None
    if trimap.shape != image.shape[:2]:
        raise InputError(
            "trimap",
            f"size {trimap.shape[1]}x{trimap.shape[0]} does not match the image "
            f"{image.shape[1]}x{image.shape[0]} (W×H)",
        )
    return image, trimap


def trimap_from_layers(
    layers: Sequence[np.ndarray | None],
    shape: tuple[int, int],
    names: Sequence[str] = LAYERS,
    *,
    unpainted: str = "unknown",
) -> np.ndarray:
    """A trimap from brush layers: painted pixels (layer alpha > 0) of the ``background``,
    ``foreground`` and ``unknown`` layers get 0, 255 and 128, painted in the order of
    :data:`LAYERS` (so ``unknown`` wins); unpainted pixels are UNPAINTED (``unknown`` or
    ``background``).

    Raises:
        InputError: a layer of another size, an unknown layer name, or nothing painted.
    """
    if unpainted not in ("unknown", "background"):
        raise InputError(None, f"unpainted must be 'unknown' or 'background', got {unpainted!r}")
    trimap = np.full(shape, _LAYER_VALUE[unpainted], np.uint8)
    painted = {}
    for name, layer in zip(names, layers, strict=False):
        if name not in _LAYER_VALUE:
            raise InputError(None, f"unknown layer {name!r}; expected {', '.join(LAYERS)}")
        if layer is None:
            continue
        layer = np.asarray(layer)
        if layer.shape[:2] != tuple(shape):
            raise InputError(
                name, f"layer of {layer.shape[1]}x{layer.shape[0]} does not match the image"
            )
        if layer.ndim == 3 and layer.shape[2] == 4:
            painted[name] = layer[..., 3] > 0
        else:
            painted[name] = layer.any(-1) if layer.ndim == 3 else layer > 0
    if not any(m.any() for m in painted.values()):
        raise InputError("drawing", "nothing is painted; paint foreground and background")
    for name in LAYERS:
        if name in painted:
            trimap[painted[name]] = _LAYER_VALUE[name]
    return trimap


def trimap_from_mask(mask: np.ndarray, width: int) -> np.ndarray:
    """A trimap from a coarse binary mask (≥ 128 is foreground): an unknown band about WIDTH
    pixels wide along its edge (both sides eroded by an ellipse of diameter WIDTH).

    Example:
        >>> m = np.zeros((9, 9), np.uint8); m[:, 5:] = 255
        >>> trimap_from_mask(m, 3)[0].tolist()
        [0, 0, 0, 0, 128, 128, 255, 255, 255]
    """
    width = int(width)
    if not 1 <= width <= 501:
        raise InputError("width", f"the band width must be 1..501 pixels, got {width}")
    binary = np.where(np.asarray(mask) >= 128, 255, 0).astype(np.uint8)
    return generate_trimap(binary, "erode", seed=0, kernel=width)


def read_mask(path: str | os.PathLike, *, max_pixels: int) -> np.ndarray:
    """A coarse mask file as uint8 H×W: a single band as is; RGBA by its alpha if it varies,
    other colour images by their luma."""
    check_pixels(path, max_pixels, label="mask")
    try:  # grey, or an alpha channel that carries the mask (white on transparent included)
        return read_matte(path, what="mask")[0]
    except MattebenchError:
        pass
    try:
        im = open_image(path)
    except MattebenchError as exc:
        raise _relabel(exc, path, "mask") from None
    if im.mode in ("RGBA", "LA") and im.getextrema()[-1][0] < 255:
        return np.array(im.getchannel("A"), np.uint8)
    return np.array(im.convert("L"), np.uint8)


def matte(model, image: np.ndarray, trimap: np.ndarray) -> tuple[np.ndarray, float]:
    """(uint8 alpha, seconds): ``predict``, known regions forced, quantised as ``score``'s default."""
    start = time.perf_counter()
    alpha = model.predict(image, trimap)
    alpha = quantize_alpha(force_known(alpha, trimap))
    return alpha, time.perf_counter() - start


def parse_colour(text: str) -> tuple[int, int, int]:
    """``#rrggbb``, ``#rgb`` or ``rgb(a)(r, g, b[, a])`` → (r, g, b)."""
    text = (text or "").strip()
    m = re.fullmatch(r"#([0-9a-fA-F]{6})", text) or re.fullmatch(r"#([0-9a-fA-F]{3})", text)
    if m:
        digits = m.group(1) if len(m.group(1)) == 6 else "".join(c * 2 for c in m.group(1))
        return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    m = re.fullmatch(
        r"rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*[\d.]+\s*)?\)", text
    )
    if m:
        return tuple(min(255, int(round(float(v)))) for v in m.groups())  # type: ignore[return-value]
    raise InputError("colour", f"not a colour: {text!r} (expected #rrggbb)")


def _fit_background(path: str | os.PathLike, size: tuple[int, int], max_pixels: int) -> np.ndarray:
    """The background file scaled to cover SIZE (W, H) and centre-cropped (bicubic)."""
    rgb = read_image(path, max_pixels=max_pixels, label="background")
    w, h = size
    scale = max(w / rgb.shape[1], h / rgb.shape[0])
    new = (max(w, round(rgb.shape[1] * scale)), max(h, round(rgb.shape[0] * scale)))
    im = Image.fromarray(rgb).resize(new, Image.BICUBIC)
    left, top = (new[0] - w) // 2, (new[1] - h) // 2
    return np.array(im.crop((left, top, left + w, top + h)), np.uint8)


def cutout(
    image: np.ndarray,
    alpha: np.ndarray,
    *,
    colour: str = "#00b140",
    background: str | os.PathLike | None = None,
    max_pixels: int = 2_500_000,
) -> tuple[np.ndarray, np.ndarray]:
    """(composite RGB, RGBA cut-out): the estimated foreground over a colour or a background
    file, and the foreground with ALPHA as its alpha channel (both uint8, rounded)."""
    fg = estimate_foreground(image, alpha)
    h, w = alpha.shape
    if background:
        bg = _fit_background(background, (w, h), max_pixels).astype(np.float64)
    else:
        bg = np.broadcast_to(np.array(parse_colour(colour), np.float64), (h, w, 3))
    a = alpha.astype(np.float64)[..., None] / 255.0
    comp = np.floor(fg.astype(np.float64) * a + bg * (1.0 - a) + 0.5).astype(np.uint8)
    rgba = np.dstack([fg, alpha])
    return comp, rgba


def save_png(array: np.ndarray, folder: str | os.PathLike, name: str) -> str:
    """Write ARRAY as FOLDER/NAME (created) and return the path as a string."""
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(array)).save(path, format="PNG", compress_level=3)
    return str(path)
