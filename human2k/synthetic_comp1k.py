"""A synthetic Adobe Composition-1K tree (+ COCO/VOC backgrounds) drawn by ``synth_sample``.

The tree is laid out **exactly like the real dataset**, so the composer, the checker and the
builder are exercised on the same quirks users meet (composition_reference.md §2–§5):

``write_comp1k_tree(root)`` — Adobe Deep Image Matting + COCO + VOC::

    root/Combined_Dataset/Training_set/training_fg_names.txt   fg names, case-insensitive order
    root/Combined_Dataset/Training_set/training_bg_names.txt   COCO names, ascending, n_fg·bg_train
    root/Combined_Dataset/Training_set/Adobe-licensed images/{fg,alpha}/NAME.jpg
    root/Combined_Dataset/Training_set/Other/{fg,alpha}/NAME.jpg     (the CC-licensed ones)
    root/Combined_Dataset/Test_set/test_fg_names.txt           .png names, sorted
    root/Combined_Dataset/Test_set/test_bg_names.txt           VOC names, ascending, n_fg·bg_test
    root/Combined_Dataset/Test_set/Adobe-licensed images/{fg,alpha}/NAME.png
    root/Combined_Dataset/Test_set/Adobe-licensed images/trimaps/STEM_k.png   k = 0..bg_test-1
    root/coco/train2014/COCO_train2014_000000xxxxxx.jpg
    root/VOC2012/JPEGImages/200x_xxxxxx.jpg
    root/synth_record.json          parameters, seeds and per-test-trimap parameters

* Name lists: LF line endings, no trailing newline (as Adobe's). The training fg list is in
  Adobe's case-insensitive order, which differs from Python's ``sorted()`` (``a-single-…``
  before ``Aaron_…``), and includes a name with a space and parentheses
  (``woman-952506_1920 (1).jpg``).
* Training fg **and alpha** files are real JPEGs named ``.jpg`` (quality 95; alphas are
  grayscale JPEGs, so they carry small JPEG ringing like the real ones). The first training
  fg (list order) and, when there are ≥ 3, the third are in ``Other/``; the rest in
  ``Adobe-licensed images/``.
* Test fg and alpha files are PNG. The **first test fg is RGBA** (its own alpha channel is a
  binarised matte that composition must ignore). Every alpha is mode ``L`` except the **last
  test alpha, which is RGB with three equal channels** (when ``n_test_fg ≥ 2``; turn off with
  ``rgb_alpha=False``) — ``human2k.images.read_alpha`` accepts it, Adobe's literal loop would not.
* Test trimaps: preset ``dim`` (random dilation 10–30 px, scaled to the image size) of the
  GT, seed ``derive_seed(seed, "comp1k-test-trimap", name)``, different per k as Adobe's are;
  recorded in ``synth_record.json``.
* Backgrounds: background line ``i·N + k`` goes with foreground ``i``; their sizes cycle
  through smaller-than-fg (composition must upscale), larger, one-axis-smaller and same-size.
  The first training bg is a **grayscale** JPEG and the second a **CMYK** JPEG; the first
  test bg is grayscale too.

Everything is byte-identical for a given seed and library versions (fixed JPEG quality,
no timestamps in PNG), and the default tree takes well under a second.

Example:
    >>> import tempfile
    >>> t = write_comp1k_tree(tempfile.mkdtemp(), n_train_fg=1, n_test_fg=1, size=(40, 30))
    >>> sorted(p.name for p in (t.adobe_root / "Test_set").iterdir())
    ['Adobe-licensed images', 'test_bg_names.txt', 'test_fg_names.txt']
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from human2k.images import atomic_write_bytes
from human2k.names import adobe_sort
from human2k.synthetic_files import (
    JPEG_QUALITY,
    check_counts,
    coco_names,
    draw_names,
    fg_size,
    jsonable,
    save_image,
    voc_names,
    write_backgrounds,
    write_name_list,
)
from human2k.synthetic_sample import synth_sample
from human2k.trimap import derive_seed, generate_trimap

__all__ = ["SynthTree", "write_comp1k_tree"]

# Realistic names, chosen to exercise the name-list quirks; more are generated when needed.
_TRAIN_FG_NAMES = [
    "9434599749_e7ccfc7812_b.jpg",
    "a-single-person-1.jpg",
    "Aaron_Friedman_Headshot.jpg",
    "woman-952506_1920 (1).jpg",
    "boy-1518482_1920.jpg",
    "Girl_in_the_garden.jpg",
    "long-hair-3524329_1920.jpg",
    "woman-952506_1920.jpg",
]
_TEST_FG_NAMES = [
    "beach-747750_1280.png",
    "boy-1518482_1920.png",
    "light-bulb-376930_1920.png",
    "spring-289527_1920.png",
    "woman-952506_1920.png",
]


@dataclass(frozen=True)
class SynthTree:
    """Where ``write_comp1k_tree`` put things, and the parameters it used."""

    root: Path
    adobe_root: Path  # .../Combined_Dataset
    coco_root: Path  # .../coco (images in train2014/)
    voc_root: Path  # .../VOC2012 (images in JPEGImages/)
    n_train_fg: int
    n_test_fg: int
    bg_train: int
    bg_test: int
    seed: int
    size: tuple[int, int]
    train_fg_names: list[str] = field(default_factory=list)
    test_fg_names: list[str] = field(default_factory=list)
    other_fg_names: list[str] = field(default_factory=list)


def write_comp1k_tree(
    root: str | os.PathLike,
    *,
    n_train_fg: int = 4,
    n_test_fg: int = 2,
    bg_train: int = 2,
    bg_test: int = 2,
    seed: int = 0,
    size: tuple[int, int] = (320, 240),
    rgb_alpha: bool = True,
) -> SynthTree:
    """Write a synthetic Adobe Composition-1K tree with COCO/VOC backgrounds (layout above).

    Args:
        root: output folder (created; existing files with the same names are replaced).
        n_train_fg, n_test_fg: number of foregrounds per split.
        bg_train, bg_test: backgrounds per foreground (Adobe: 100 and 20).
        seed: everything is drawn from ``np.random.default_rng(seed)``.
        size: ``(W, H)`` of the first fg; the others vary by ±15 %.
        rgb_alpha: write the last test alpha as RGB with equal channels.

    Returns:
        A ``SynthTree`` with the roots and parameters.

    Example:
        >>> import tempfile
        >>> t = write_comp1k_tree(tempfile.mkdtemp(), size=(40, 30))
        >>> (t.adobe_root / "Training_set" / "training_fg_names.txt").read_text().splitlines()[:3]
        ['9434599749_e7ccfc7812_b.jpg', 'a-single-person-1.jpg', 'Aaron_Friedman_Headshot.jpg']
    """
    check_counts(n_train_fg=n_train_fg, n_test_fg=n_test_fg, bg_train=bg_train, bg_test=bg_test)
    root = Path(root)
    rng = np.random.default_rng(int(seed))
    adobe = root / "Combined_Dataset"
    train, test = adobe / "Training_set", adobe / "Test_set"
    coco, voc = root / "coco", root / "VOC2012"

    train_names = adobe_sort(draw_names(_TRAIN_FG_NAMES, n_train_fg, "person_{:04d}.jpg"))
    test_names = sorted(draw_names(_TEST_FG_NAMES, n_test_fg, "test-object-{:04d}.png"))
    other = {train_names[i] for i in (0, 2) if i < len(train_names) and len(train_names) > 1}
    record: dict[str, Any] = {
        "generator": "human2k.synthetic.write_comp1k_tree",
        "seed": int(seed),
        "size": list(size),
        "jpeg_quality": JPEG_QUALITY,
        "train": {},
        "test": {},
    }

    train_sizes = []
    for i, name in enumerate(train_names):
        wh = fg_size(rng, size, i)
        train_sizes.append(wh)
        fg, alpha = synth_sample(rng, wh)
        folder = train / ("Other" if name in other else "Adobe-licensed images")
        save_image(folder / "fg" / name, Image.fromarray(fg), "JPEG")
        save_image(folder / "alpha" / name, Image.fromarray(alpha, "L"), "JPEG")
        record["train"][name] = {"size": list(wh), "folder": folder.name}

    test_sizes = []
    trimap_records = {}
    test_dir = test / "Adobe-licensed images"
    for i, name in enumerate(test_names):
        wh = fg_size(rng, size, i)
        test_sizes.append(wh)
        fg, alpha = synth_sample(rng, wh)
        fg_im = Image.fromarray(fg)
        if i == 0:  # RGBA fg whose own alpha channel (binarised) must be ignored
            fg_im = Image.fromarray(
                np.dstack([fg, np.where(alpha > 0, 255, 0).astype(np.uint8)]), "RGBA"
            )
        alpha_im = Image.fromarray(alpha, "L")
        if rgb_alpha and n_test_fg >= 2 and i == n_test_fg - 1:
            alpha_im = alpha_im.convert("RGB")
        save_image(test_dir / "fg" / name, fg_im, "PNG")
        save_image(test_dir / "alpha" / name, alpha_im, "PNG")
        record["test"][name] = {
            "size": list(wh),
            "fg_mode": fg_im.mode,
            "alpha_mode": alpha_im.mode,
        }
        k_max = max(4, int(round(30 * max(wh) / 320)))  # 10–30 px at the default 320×240
        size_range = (max(3, k_max // 3), k_max)
        for k in range(bg_test):
            tname = f"{name[:-4]}_{k}.png"
            tseed = derive_seed(seed, "comp1k-test-trimap", tname)
            tri, params = generate_trimap(
                alpha, "dim", seed=tseed, size_range=size_range, return_params=True
            )
            save_image(test_dir / "trimaps" / tname, Image.fromarray(tri, "L"), "PNG")
            trimap_records[tname] = params

    coco_list = coco_names(rng, n_train_fg * bg_train)
    voc_list = voc_names(rng, n_test_fg * bg_test)
    record["train_bgs"] = write_backgrounds(
        rng, coco / "train2014", coco_list, train_sizes, bg_train, {0: "L", 1: "CMYK"}
    )
    record["test_bgs"] = write_backgrounds(
        rng, voc / "JPEGImages", voc_list, test_sizes, bg_test, {0: "L"}
    )
    record["test_trimaps"] = trimap_records

    write_name_list(train / "training_fg_names.txt", train_names)
    write_name_list(train / "training_bg_names.txt", coco_list)
    write_name_list(test / "test_fg_names.txt", test_names)
    write_name_list(test / "test_bg_names.txt", voc_list)
    tree = SynthTree(
        root,
        adobe,
        coco,
        voc,
        n_train_fg,
        n_test_fg,
        bg_train,
        bg_test,
        int(seed),
        (int(size[0]), int(size[1])),
        train_names,
        test_names,
        sorted(other, key=train_names.index),
    )
    record["tree"] = asdict(tree)
    atomic_write_bytes(
        root / "synth_record.json", json.dumps(jsonable(record, root), indent=1).encode("utf-8")
    )
    return tree
