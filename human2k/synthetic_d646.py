"""A synthetic Distinctions-646 tree (+ COCO/VOC backgrounds) drawn by ``synth_sample``.

Laid out **exactly like the real dataset** and HAttMatting's lists (composition_reference.md):

``write_d646_tree(root)`` — Distinctions-646 as released + HAttMatting's lists::

    root/Distinctions-646/Train/{FG,GT}/NAME.png        Test/{FG,GT}/test_0.png …
    root/Distinctions-646/lists/train/{fg_train,bg_train}.txt
    root/Distinctions-646/lists/test/{fg_test,bg_test}.txt   (CRLF line endings, trailing CRLF)
    root/coco/train2014/…, root/VOC2012/JPEGImages/…     (no test trimaps: D646 ships none)

  The train bg list is ascending for its first ``n_train·bg_train − tail`` lines and unsorted
  in the last ``tail`` lines (as HAttMatting's ``bg_train.txt``).

Example:
    >>> import tempfile
    >>> t = write_d646_tree(tempfile.mkdtemp(), n_train_fg=1, n_test_fg=1, size=(40, 30))
    >>> sorted(p.name for p in t.d646_root.iterdir())
    ['Test', 'Train', 'lists']
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from human2k.images import atomic_write_bytes
from human2k.names import adobe_sort
from human2k.synthetic_files import (
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

__all__ = ["D646Tree", "write_d646_tree"]

# Realistic names, chosen to exercise the name-list quirks; more are generated when needed.
_D646_TRAIN_NAMES = [
    "13(2).png",
    "a_0.png",
    "a_1.png",
    "a_10.png",
    "GT01.png",
    "h_0.png",
    "male(124).png",
    "t_9.png",
]


@dataclass(frozen=True)
class D646Tree:
    """Where ``write_d646_tree`` put things, and the parameters it used."""

    root: Path
    d646_root: Path  # .../Distinctions-646 (Train/, Test/, lists/)
    coco_root: Path
    voc_root: Path
    fg_train_list: Path
    bg_train_list: Path
    fg_test_list: Path
    bg_test_list: Path
    n_train_fg: int
    n_test_fg: int
    bg_train: int
    bg_test: int
    seed: int
    size: tuple[int, int]


def write_d646_tree(
    root: str | os.PathLike,
    *,
    n_train_fg: int = 4,
    n_test_fg: int = 2,
    bg_train: int = 2,
    bg_test: int = 2,
    seed: int = 0,
    size: tuple[int, int] = (320, 240),
) -> D646Tree:
    """Write a synthetic Distinctions-646 tree with HAttMatting-style CRLF lists (layout above).

    Args:
        root: output folder.
        n_train_fg, n_test_fg: foregrounds per split (D646: 596 and 50).
        bg_train, bg_test: backgrounds per foreground (D646 as released: 80 and 20).
        seed, size: as in ``write_comp1k_tree``.

    Example:
        >>> import tempfile
        >>> t = write_d646_tree(tempfile.mkdtemp(), size=(40, 30))
        >>> t.fg_test_list.read_bytes()
        b'test_0.png\\r\\ntest_1.png\\r\\n'
    """
    check_counts(n_train_fg=n_train_fg, n_test_fg=n_test_fg, bg_train=bg_train, bg_test=bg_test)
    root = Path(root)
    rng = np.random.default_rng(int(seed))
    d646 = root / "Distinctions-646"
    coco, voc = root / "coco", root / "VOC2012"
    train_names = adobe_sort(draw_names(_D646_TRAIN_NAMES, n_train_fg, "train_{}.png"))
    test_names = [f"test_{i}.png" for i in range(n_test_fg)]
    sizes: dict[str, list[tuple[int, int]]] = {"Train": [], "Test": []}
    for split, names in (("Train", train_names), ("Test", test_names)):
        for i, name in enumerate(names):
            wh = fg_size(rng, size, i)
            sizes[split].append(wh)
            fg, alpha = synth_sample(rng, wh)
            save_image(d646 / split / "FG" / name, Image.fromarray(fg), "PNG")
            save_image(d646 / split / "GT" / name, Image.fromarray(alpha, "L"), "PNG")
    n_bg_train = n_train_fg * bg_train
    coco_list = coco_names(rng, n_bg_train)
    tail = n_bg_train // 10  # HAttMatting's extra names, appended unsorted
    if tail > 1:
        coco_list[-tail:] = [coco_list[-tail:][j] for j in rng.permutation(tail)]
    voc_list = voc_names(rng, n_test_fg * bg_test)
    write_backgrounds(
        rng, coco / "train2014", coco_list, sizes["Train"], bg_train, {0: "L", 1: "CMYK"}
    )
    write_backgrounds(rng, voc / "JPEGImages", voc_list, sizes["Test"], bg_test, {0: "L"})
    lists = d646 / "lists"
    paths = (
        lists / "train" / "fg_train.txt",
        lists / "train" / "bg_train.txt",
        lists / "test" / "fg_test.txt",
        lists / "test" / "bg_test.txt",
    )
    for path, names in zip(paths, (train_names, coco_list, test_names, voc_list), strict=True):
        write_name_list(path, names, crlf=True)
    tree = D646Tree(
        root,
        d646,
        coco,
        voc,
        *paths,
        n_train_fg,
        n_test_fg,
        bg_train,
        bg_test,
        int(seed),
        (int(size[0]), int(size[1])),
    )
    record = {"generator": "human2k.synthetic.write_d646_tree", "tree": asdict(tree)}
    atomic_write_bytes(
        root / "synth_record.json", json.dumps(jsonable(record, root), indent=1).encode("utf-8")
    )
    return tree
