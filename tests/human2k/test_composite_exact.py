"""Bit-exactness of the composer against a literal port of Adobe's ``Composition_code.py``.

The oracle below follows the shipped script line by line (PIL PixelAccess, Python floats,
``int()`` truncation, ``ratio > 1`` → BICUBIC to ``ceil``, top-left crop); it is slow, so it
runs on small images only.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from human2k.compose_pixels import background_resize_size, blend, blend_numpy, fit_background
from human2k.composite import composite_dataset
from human2k.images import write_png
from human2k.synthetic import synth_background, synth_sample, write_comp1k_tree

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


# ------------------------------------------------------------------ the oracle (Adobe, literal)


def adobe_composite4(fg, bg, a, w, h):
    """Adobe's composite4, verbatim in behaviour (per pixel, PixelAccess, Python floats)."""
    bg = bg.crop((0, 0, w, h))
    fg_list = fg.load()
    bg_list = bg.load()
    a_list = a.load()
    for y in range(h):
        for x in range(w):
            alpha = a_list[x, y] / 255
            if alpha >= 1:
                r = int(fg_list[x, y][0])
                g = int(fg_list[x, y][1])
                b = int(fg_list[x, y][2])
                bg_list[x, y] = (r, g, b, 255)
            elif alpha > 0:
                r = int(alpha * fg_list[x, y][0] + (1 - alpha) * bg_list[x, y][0])
                g = int(alpha * fg_list[x, y][1] + (1 - alpha) * bg_list[x, y][1])
                b = int(alpha * fg_list[x, y][2] + (1 - alpha) * bg_list[x, y][2])
                bg_list[x, y] = (r, g, b, 255)
    return bg


def adobe_one(fg_path, a_path, bg_path) -> np.ndarray:
    """The body of Adobe's main loop for one (fg, bg) pair."""
    im = Image.open(fg_path)
    a = Image.open(a_path)
    if a.mode == "RGB":  # Adobe's loop needs one band; R=G=B alphas are read as their R band
        a = a.getchannel("R")
    w, h = im.size
    if im.mode != "RGB" and im.mode != "RGBA":
        im = im.convert("RGB")
    bg = Image.open(bg_path)
    if bg.mode != "RGB":
        bg = bg.convert("RGB")
    bw, bh = bg.size
    wratio = w / bw
    hratio = h / bh
    ratio = wratio if wratio > hratio else hratio
    if ratio > 1:
        bg = bg.resize((math.ceil(bw * ratio), math.ceil(bh * ratio)), Image.BICUBIC)
    out = adobe_composite4(im, bg, a, w, h)
    return np.asarray(out.convert("RGB"))


# ------------------------------------------------------------------ tests


def test_blend_exhaustive_all_alpha_fg_bg_triples():
    """All 256³ (a, F, B) through the Numba kernel equal NumPy float64; a sample equals Python."""
    a = np.repeat(np.arange(256, dtype=np.uint8), 65536).reshape(256, 65536)
    f = np.tile(np.repeat(np.arange(256, dtype=np.uint8), 256), 256).reshape(256, 65536)
    b = np.tile(np.arange(256, dtype=np.uint8), 65536).reshape(256, 65536)
    fg = np.repeat(f[..., None], 3, axis=2)
    bg = np.repeat(b[..., None], 3, axis=2)
    ours = blend(fg, a, bg)
    assert np.array_equal(ours, blend_numpy(fg, a, bg))
    rng = np.random.default_rng(1)
    for ai, fi, bi in rng.integers(0, 256, (20000, 3)).tolist():
        alpha = ai / 255
        want = fi if alpha >= 1 else int(alpha * fi + (1 - alpha) * bi) if alpha > 0 else bi
        assert ours[ai, fi * 256 + bi, 0] == want
    # edge cases: α=0 is the background, α=255 the foreground, exactly
    assert np.array_equal(ours[0].reshape(256, 256, 3)[..., 0], np.tile(np.arange(256), (256, 1)))
    assert np.array_equal(
        ours[255].reshape(256, 256, 3)[..., 0], np.repeat(np.arange(256)[:, None], 256, 1)
    )


def test_truncation_not_rounding():
    fg = np.full((1, 1, 3), 100, np.uint8)
    bg = np.zeros((1, 1, 3), np.uint8)
    out = blend(fg, np.array([[170]], np.uint8), bg)  # 170/255*100 = 66.67
    assert int(out[0, 0, 0]) == 66  # truncated like int(), not rounded to 67


@pytest.mark.parametrize(
    "fg_size,bg_size,bg_mode",
    [
        ((40, 30), (17, 23), "RGB"),  # smaller both ways: upscale, ceil on both axes
        ((40, 30), (35, 90), "L"),  # one axis smaller: upscale by the larger ratio, grayscale bg
        ((40, 30), (90, 70), "CMYK"),  # larger: no resize, top-left crop, CMYK bg
        ((40, 30), (40, 30), "P"),  # same size, palette bg
        ((37, 29), (13, 11), "RGB"),  # non-integer ratios
    ],
)
def test_fit_and_blend_equal_literal_adobe(tmp_path, fg_size, bg_size, bg_mode):
    rng = np.random.default_rng(sum(fg_size) + sum(bg_size))
    fg, alpha = synth_sample(rng, size=fg_size)
    alpha[0, :] = 0
    alpha[1, :] = 255  # force both edge cases into every image
    bg = synth_background(rng, size=bg_size)
    write_png(tmp_path / "fg.png", fg)
    write_png(tmp_path / "a.png", alpha)
    bg_im = Image.fromarray(bg)
    bg_im = bg_im.convert(bg_mode) if bg_mode != "P" else bg_im.quantize(64)
    bg_path = tmp_path / ("bg.jpg" if bg_mode in ("CMYK", "L") else "bg.png")
    bg_im.save(bg_path, quality=90) if bg_path.suffix == ".jpg" else bg_im.save(bg_path)
    want = adobe_one(tmp_path / "fg.png", tmp_path / "a.png", bg_path)
    with Image.open(bg_path) as im:
        window = fit_background(im, *fg_size)
    got = blend(fg, alpha, window)
    assert got.dtype == np.uint8 and got.shape == want.shape
    assert np.array_equal(got, want), f"{np.count_nonzero(got != want)} values differ"
    resized = background_resize_size(fg_size, bg_size)
    assert (resized is not None) == (max(fg_size[0] / bg_size[0], fg_size[1] / bg_size[1]) > 1)


def test_runner_matches_literal_adobe_on_synthetic_comp1k(tmp_path):
    """Every composite of a synthetic Comp-1K tree (train + test) equals the literal loop.

    The tree has an RGBA test fg, an RGB (R=G=B) test alpha, JPEG fg/alpha for training, a
    grayscale and a CMYK JPEG background, and backgrounds smaller than, larger than and equal
    to the foreground (so BICUBIC upscaling is exercised).
    """
    tree = write_comp1k_tree(
        tmp_path / "src", n_train_fg=4, n_test_fg=2, bg_train=2, bg_test=3, size=(44, 34)
    )
    out = tmp_path / "out"
    # the synthetic tree holds fg x 2 (train) and fg x 3 (test) backgrounds: set N accordingly
    for split, n in (("train", 2), ("test", 3)):
        manifest = composite_dataset(
            "comp1k",
            root=tree.adobe_root,
            coco_root=tree.coco_root,
            voc_root=tree.voc_root,
            split=split,
            bg_per_fg=n,
            out=out / split,
        )
        sp = manifest["splits"][split]
        names = sp["fg_names"]
        bg_lines = manifest["sources"]["splits"][split]["bg_list"]
        bg_list = Path(bg_lines).read_text().split("\n")
        upscaled = compared = 0
        for i, fg_name in enumerate(names):
            rec = manifest["files"][f"{split}/fg/{fg_name[:-4]}.png"]
            fg_path = Path(rec["source"])
            a_path = Path(manifest["files"][f"{split}/alpha/{fg_name[:-4]}.png"]["source"])
            for k in range(n):
                rel = f"{split}/merged/{fg_name[:-4]}_{k}.png"
                assert manifest["files"][rel]["bg"] == bg_list[i * n + k]  # line i·N + k
                bg_path = Path(manifest["sources"]["splits"][split]["bg_dir"]) / bg_list[i * n + k]
                want = adobe_one(fg_path, a_path, bg_path)
                got = np.asarray(Image.open(out / split / rel))
                assert np.array_equal(got, want), (
                    f"{rel}: {np.count_nonzero(got != want)} values differ"
                )
                compared += 1
                with Image.open(fg_path) as f, Image.open(bg_path) as b:
                    upscaled += background_resize_size(f.size, b.size) is not None
        assert upscaled >= 1  # the tree really exercises the BICUBIC path
        assert (
            compared == sp["composites"] == len(names) * n == (4 * 2 if split == "train" else 2 * 3)
        )
    with Image.open(
        tree.adobe_root / "Test_set/Adobe-licensed images/fg" / tree.test_fg_names[0]
    ) as im:
        assert im.mode == "RGBA"  # the RGBA case was covered


def _busiest_window(alpha: np.ndarray, w: int, h: int) -> tuple[int, int, int, int]:
    """The w×h window (on a 10 px grid) with the most 0<α<255 pixels."""
    mixed = ((alpha > 0) & (alpha < 255)).astype(np.int64)
    best, box = -1, (0, 0, w, h)
    for y in range(0, alpha.shape[0] - h, 10):
        for x in range(0, alpha.shape[1] - w, 10):
            n = int(mixed[y : y + h, x : x + w].sum())
            if n > best:
                best, box = n, (x, y, x + w, y + h)
    return box


def test_real_pairs_equal_literal_adobe(tmp_path):
    """Real photographs (alphamatting.com GT + shared backgrounds), cropped small for the oracle."""
    if not (SHARED / "alphamatting" / "alpha").is_dir() or not (SHARED / "backgrounds").is_dir():
        pytest.skip("../shared/data not present (real-data check)")
    cases = [
        ("GT01.png", "skimage_camera.png"),
        ("GT04.png", "skimage_coffee.png"),
        ("GT13.png", "scipy_face_raccoon.png"),
    ]
    for gt, bgname in cases:
        img = Image.open(SHARED / "alphamatting" / "image" / gt).convert("RGB")
        alp = Image.open(SHARED / "alphamatting" / "alpha" / gt).convert("L")
        box = _busiest_window(np.asarray(alp), 60, 50)  # 60x50 window across the object boundary
        img.crop(box).save(tmp_path / "fg.png")
        alp.crop(box).save(tmp_path / "a.png")
        with Image.open(SHARED / "backgrounds" / bgname) as b:
            b.resize((b.width // 12, b.height // 12), Image.NEAREST).save(
                tmp_path / "bg_small.png"
            )  # forces upscale
            b.save(tmp_path / "bg_big.png")
        for bg in ("bg_small.png", "bg_big.png"):
            want = adobe_one(tmp_path / "fg.png", tmp_path / "a.png", tmp_path / bg)
            with Image.open(tmp_path / bg) as im:
                got = blend(
                    np.asarray(img.crop(box)), np.asarray(alp.crop(box)), fit_background(im, 60, 50)
                )
            assert np.array_equal(got, want), f"{gt} on {bg}"
        a = np.asarray(alp.crop(box))
        assert ((a > 0) & (a < 255)).sum() > 300
