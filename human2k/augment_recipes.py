"""The training augmentation recipes, built from :mod:`human2k.augment`'s blocks.

The ``gca`` pipeline reproduces GCA-Matting's training transforms (timinet_arch.md §12,
``dataloader/data_generator.py``, including its affine matrix), the ``paper`` pipeline is
TIMI-Net §4.1's description in its order (crops of 512/640/960, *then* scaling, flips, rotation
in ±60°, resized to 512) and the ``dim`` pipeline that of Deep Image Matting and IndexNet
Matting (crops of 1, 1.5 or 2 × crop around an unknown pixel, resized, flipped). All take
float32 arrays — ``fg`` H×W×3 in [0, 255] (RGB), ``alpha`` H×W in [0, 1] — and a uint8
background of any size, and return one training sample of ``crop``×``crop`` pixels. Every random
draw comes from the ``numpy.random.Generator`` passed in, so the caller decides the seed
(``human2k.training_samples`` derives it from (seed, epoch, index)).

Sizes that GCA hard-codes for 512 crops scale with ``crop``: the 640×640 resize becomes
1.25·crop, the "rotate only when the larger side is ≥ 1024" rule becomes ≥ 2·crop.

Example:
    >>> rng = np.random.default_rng(0)
    >>> fg = np.full((80, 96, 3), 200, np.float32); a = np.zeros((80, 96), np.float32)
    >>> a[20:60, 30:70] = 1; a[20:60, 28:30] = 0.5
    >>> s = augment_gca(fg, a, np.zeros((50, 50, 3), np.uint8), rng, crop=64)
    >>> s["image"].shape, s["image"].dtype, s["trimap"].dtype, sorted(set(np.unique(s["trimap"])) - {0, 128, 255})
    ((64, 64, 3), dtype('uint8'), dtype('uint8'), [])
"""

from __future__ import annotations

import cv2
import numpy as np

from human2k.augment import (
    Sample,
    affine_params,
    apply_affine,
    composite,
    crop_on_unknown,
    erosion_trimap,
    hsv_jitter,
    random_affine,
    two_fg_composite,
)

__all__ = ["augment_gca", "augment_paper", "augment_dim", "PAPER_WINDOWS", "DIM_WINDOWS"]


def augment_gca(
    fg: np.ndarray,
    alpha: np.ndarray,
    bg: np.ndarray,
    rng: np.random.Generator,
    *,
    crop: int = 512,
    second: tuple[np.ndarray, np.ndarray] | None = None,
) -> Sample:
    """GCA-Matting's training pipeline (timinet_arch.md §12, steps 1–7) for one sample.

    Args:
        fg, alpha: float32 H×W×3 in [0, 255] and H×W in [0, 1].
        bg: uint8 background of any size (resized bicubic to the fg's size, as GCA does).
        rng: the sample's generator.
        crop: output size (GCA: 512).
        second: a second fg/alpha to composite behind the first (the caller draws it with
            probability 0.5, GCA's rate), or None.

    Returns:
        dict with ``image`` (uint8 crop×crop×3), ``trimap`` (uint8 {0,128,255}), ``alpha``
        (float32), ``fg``/``bg`` (uint8) and ``params`` (the drawn affine parameters).
    """
    if second is not None:
        fg, alpha = two_fg_composite(fg, alpha, *second)
    if rng.random() < 0.25:
        side = int(round(1.25 * crop))
        fg = cv2.resize(fg, (side, side), interpolation=cv2.INTER_NEAREST)
        alpha = cv2.resize(alpha, (side, side), interpolation=cv2.INTER_NEAREST)
    fg, alpha, params = random_affine(
        fg,
        alpha,
        rng,
        degrees=30,
        scale=(0.8, 1.25),
        shear=10,
        flip=(0.5, 0.5),
        anisotropic=True,
        rotate_min_side=2 * crop,
    )
    trimap = erosion_trimap(alpha, rng)
    out = crop_on_unknown({"fg": fg, "alpha": alpha, "trimap": trimap, "bg": bg}, rng, crop)
    jittered = hsv_jitter(out["fg"], out["alpha"], rng)
    sample = composite(jittered, out["alpha"], out["bg"])
    sample["trimap"] = np.ascontiguousarray(out["trimap"])
    sample["params"] = params
    return sample


#: Window sizes of the paper's crops relative to the output (512, 640, 960 for 512).
PAPER_WINDOWS = (1.0, 1.25, 1.875)


def augment_paper(
    fg: np.ndarray,
    alpha: np.ndarray,
    bg: np.ndarray,
    rng: np.random.Generator,
    *,
    crop: int = 512,
) -> Sample:
    """TIMI-Net §4.1's augmentation for one sample, in the paper's order: crop, then transform.

    "we randomly cropped the input images and trimaps to a resolution of 512×512, 640×640 and
    960×960, and then random scaling, flipping, and rotation between [−60, 60] degrees are
    applied to them":

    1. a trimap by random erosion of the whole alpha (GCA's; the paper names none);
    2. a window of 512, 640 or 960 px (× crop/512) centred on an unknown pixel
       (:func:`crop_on_unknown`, GCA's rule; the background resized to the fg first);
    3. on that window, fg, alpha and trimap together: isotropic scaling 0.8–1.25 (GCA's range;
       the paper gives none), horizontal flip (p = 0.5), rotation in ±60° (always), with
       GCA's matrix (:func:`gca_affine_matrix`), nearest, zero fill (= background);
    4. the window resized to crop×crop (area for fg/alpha/bg, nearest for the trimap; known
       pixels whose resampled alpha is no longer exactly 0 or 1 become unknown) — batches need
       one size, as in DIM's 320/480/640 → 320 practice the paper follows.

    No HSV jitter and no two-fg composition: the paper mentions neither.

    Returns:
        The same keys as ``augment_gca`` plus ``params["window"]``.
    """
    trimap = erosion_trimap(alpha, rng)
    window = int(round(PAPER_WINDOWS[int(rng.integers(len(PAPER_WINDOWS)))] * crop))
    out = crop_on_unknown({"fg": fg, "alpha": alpha, "trimap": trimap, "bg": bg}, rng, window)
    params = affine_params(
        rng,
        out["alpha"].shape,
        degrees=60,
        scale=(0.8, 1.25),
        shear=0,
        flip=(0.5, 0.0),
        anisotropic=False,
    )
    out = dict(out, **{k: apply_affine(out[k], params) for k in ("fg", "alpha", "trimap")})
    if window != crop:
        area = {"interpolation": cv2.INTER_AREA}
        out = {
            "fg": cv2.resize(out["fg"], (crop, crop), **area),
            "alpha": cv2.resize(out["alpha"], (crop, crop), **area),
            "bg": cv2.resize(out["bg"], (crop, crop), **area),
            "trimap": cv2.resize(out["trimap"], (crop, crop), interpolation=cv2.INTER_NEAREST),
        }
    # resampling softens alpha at the edge of the known regions: those pixels become unknown
    t, a = np.ascontiguousarray(out["trimap"]), out["alpha"]
    t[((t == 255) & (a < 1 - 1e-5)) | ((t == 0) & (a > 1e-5))] = 128
    sample = composite(out["fg"], out["alpha"], out["bg"])
    sample["trimap"] = t
    sample["params"] = dict(params, window=window)
    return sample


#: Window sizes of DIM's (320/480/640 → 320) and IndexNet's (320 × {1, 1.5, 2}) crops.
DIM_WINDOWS = (1.0, 1.5, 2.0)


def augment_dim(
    fg: np.ndarray,
    alpha: np.ndarray,
    bg: np.ndarray,
    rng: np.random.Generator,
    *,
    crop: int = 320,
) -> Sample:
    """Deep Image Matting's and IndexNet's augmentation for one sample.

    A window of 1, 1.5 or 2 × crop centred on a pixel of the alpha's transition band
    (``crop_on_unknown``; mmagic ``CropAroundUnknown``, IndexNet's ``RandomCrop``), a horizontal
    flip (p = 0.5), resized to crop×crop (bicubic, alpha clipped to [0, 1]), then a trimap from
    the resized alpha by random erosion of its fg and bg masks (kernels 1–29 px; DIM's
    ``GenerateTrimap`` draws erosion/dilation kernels of 1–30 px, IndexNet dilates the band by
    1–19 px). No rotation, scaling, colour jitter or two-foreground composition.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> fg = np.full((80, 96, 3), 200, np.float32); a = np.zeros((80, 96), np.float32)
        >>> a[20:60, 30:70] = 1; a[20:60, 28:30] = 0.5
        >>> s = augment_dim(fg, a, np.zeros((50, 50, 3), np.uint8), rng, crop=32)
        >>> s["image"].shape, sorted(set(np.unique(s["trimap"])) - {0, 128, 255}), s["params"]["window"] in (32, 48, 64)
        ((32, 32, 3), [], True)
    """
    band = np.where(alpha >= 0.5, 255, 0).astype(np.uint8)
    band[(alpha > 1e-5) & (alpha < 1 - 1e-5)] = 128
    window = int(round(DIM_WINDOWS[int(rng.integers(len(DIM_WINDOWS)))] * crop))
    out = crop_on_unknown({"fg": fg, "alpha": alpha, "trimap": band, "bg": bg}, rng, window)
    flip = bool(rng.random() < 0.5)
    keys = ("fg", "alpha", "bg")
    out = {k: out[k][:, ::-1] if flip else out[k] for k in keys}
    if window != crop:
        out = {
            k: cv2.resize(np.ascontiguousarray(out[k]), (crop, crop), interpolation=cv2.INTER_CUBIC)
            for k in keys
        }
    out["alpha"] = np.clip(out["alpha"], 0, 1)
    trimap = erosion_trimap(out["alpha"], rng)
    sample = composite(
        np.ascontiguousarray(out["fg"]), out["alpha"], np.ascontiguousarray(out["bg"])
    )
    sample["trimap"] = np.ascontiguousarray(trimap)
    sample["params"] = {"window": window, "flip": flip}
    return sample
