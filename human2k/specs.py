"""Dataset specs: where each benchmark's files live, how its name lists read, and its ratios.

A :class:`DatasetSpec` describes one benchmark as *shipped by its authors* (never the images,
only the recipe): the folders holding foregrounds and alphas, the name lists that fix the
official order, how many backgrounds each foreground gets per split, where test trimaps come
from, and where the data is officially obtained. ``composite`` and ``datasets check`` read
these specs; nothing else hard-codes a path.

Quirks encoded here (see ``composition_reference.md``):

* Comp-1K foreground lists are sorted *case-insensitively*; the order comes from the lists,
  never from ``os.listdir``. Background ``k`` of foreground ``i`` is list line ``i·N + k``.
* How the lists read and how outputs are named (CRLF D646 lists, COCO 2014/2017 names, Adobe's
  ``fg[:-4]_k.png``, HAttMatting's global index) is :mod:`human2k.names`.

Example:
    >>> spec = get_spec("comp1k")
    >>> spec.splits["train"].bg_per_fg, spec.splits["test"].bg_per_fg
    (100, 20)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from human2k.errors import DatasetError

__all__ = [
    "SplitSpec",
    "DatasetSpec",
    "SPECS",
    "get_spec",
]


@dataclass(frozen=True)
class SplitSpec:
    """Layout of one split of a dataset, relative to the dataset root.

    Attributes:
        split: ``train`` or ``test``.
        fg_list: candidate paths of the foreground name list (first existing wins).
        bg_list: candidate paths of the background name list; empty when the composer draws
            the list itself (Human-2K without a list: seeded, recorded in the manifest).
        fg_dirs: folders searched, in order, for each foreground name.
        alpha_dirs: folders searched, in order, for each alpha (same name as the fg, or the
            fg stem with another extension).
        bg_source: which background root the list refers to: ``coco`` or ``voc``.
        bg_per_fg: backgrounds per foreground (N) as released.
        trimaps: ``shipped`` (copied from ``trimap_dirs``), ``generated`` (seeded preset) or
            ``none``.
        trimap_dirs: folders holding shipped trimaps named like the composites.
        trimap_preset: the ``human2k.trimap`` preset used when trimaps are generated.
        official_fg_count: number of foregrounds of the official release (None if variable).
    """

    split: str
    fg_list: tuple[str, ...]
    bg_list: tuple[str, ...]
    fg_dirs: tuple[str, ...]
    alpha_dirs: tuple[str, ...]
    bg_source: str
    bg_per_fg: int
    trimaps: str = "none"
    trimap_dirs: tuple[str, ...] = ()
    trimap_preset: str | None = None
    official_fg_count: int | None = None


@dataclass(frozen=True)
class DatasetSpec:
    """One benchmark: its splits, naming rule, list quirks and where to obtain it.

    Attributes:
        name: short name used on the command line (``comp1k``, ``d646``, ``human2k``...).
        title: the name papers use.
        splits: ``{"train": SplitSpec, "test": SplitSpec}`` (empty for non-composited sets).
        official_naming: ``per-fg`` (``fg[:-4]_k.png``, Adobe) or ``global``
            (``fg.split('_')[0]_<i·N+k>.png``, HAttMatting). mattebench always writes
            ``per-fg`` names; ``global`` is documented via :func:`d646_official_name`.
        list_line_endings: ``LF`` or ``CRLF`` as shipped (both are read correctly).
        fg_order: how the official fg list is sorted (informational).
        selectable_bg_per_fg: other N values the released name lists can build.
        obtain: where the files are officially obtained (printed by ``datasets check``).
        backgrounds: where the background pools are obtained, by ``bg_source`` key.
        notes: further facts printed by ``datasets check``.
    """

    name: str
    title: str
    splits: dict[str, SplitSpec] = field(default_factory=dict)
    official_naming: str = "per-fg"
    list_line_endings: str = "LF"
    fg_order: str = ""
    selectable_bg_per_fg: tuple[int, ...] = ()
    obtain: str = ""
    backgrounds: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


_BACKGROUNDS = {
    "coco": "MS-COCO 2014 train images (train2014/, or train2017/ with the COCO_train2014_ "
    "prefix dropped): https://cocodataset.org/#download",
    "voc": "PASCAL VOC 2012 JPEGImages (VOCdevkit/VOC2012/JPEGImages): "
    "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/",
}

_ADOBE_TRAIN = "Training_set"
_ADOBE_TEST = "Test_set"

COMP1K = DatasetSpec(
    name="comp1k",
    title="Composition-1K (Deep Image Matting, Xu et al. CVPR 2017)",
    splits={
        "train": SplitSpec(
            split="train",
            fg_list=(f"{_ADOBE_TRAIN}/training_fg_names.txt",),
            bg_list=(f"{_ADOBE_TRAIN}/training_bg_names.txt",),
            fg_dirs=(f"{_ADOBE_TRAIN}/Adobe-licensed images/fg", f"{_ADOBE_TRAIN}/Other/fg"),
            alpha_dirs=(
                f"{_ADOBE_TRAIN}/Adobe-licensed images/alpha",
                f"{_ADOBE_TRAIN}/Other/alpha",
            ),
            bg_source="coco",
            bg_per_fg=100,
            official_fg_count=431,
        ),
        "test": SplitSpec(
            split="test",
            fg_list=(f"{_ADOBE_TEST}/test_fg_names.txt",),
            bg_list=(f"{_ADOBE_TEST}/test_bg_names.txt",),
            fg_dirs=(f"{_ADOBE_TEST}/Adobe-licensed images/fg",),
            alpha_dirs=(f"{_ADOBE_TEST}/Adobe-licensed images/alpha",),
            bg_source="voc",
            bg_per_fg=20,
            trimaps="shipped",
            trimap_dirs=(f"{_ADOBE_TEST}/Adobe-licensed images/trimaps",),
            official_fg_count=50,
        ),
    },
    official_naming="per-fg",
    list_line_endings="LF",
    fg_order="case-insensitive alphabetical (not Python's sorted())",
    obtain="Adobe Deep Image Matting dataset (Combined_Dataset/): request it from Adobe by "
    "e-mail and sign their agreement (https://sites.google.com/view/deepimagematting); "
    "redistribution is not allowed.",
    backgrounds=_BACKGROUNDS,
    notes=(
        "431 training foregrounds x 100 COCO backgrounds = 43,100; 50 test x 20 VOC = 1,000.",
        "Test trimaps are shipped (1,000 files named like the composites) and copied as-is.",
    ),
)

D646 = DatasetSpec(
    name="d646",
    title="Distinctions-646 (HAttMatting, Qiao et al. CVPR 2020)",
    splits={
        "train": SplitSpec(
            split="train",
            fg_list=(
                "Train/fg_train.txt",
                "lists/train/fg_train.txt",
                "train/fg_train.txt",
                "fg_train.txt",
            ),
            bg_list=(
                "Train/bg_train.txt",
                "lists/train/bg_train.txt",
                "train/bg_train.txt",
                "bg_train.txt",
            ),
            fg_dirs=("Train/FG", "Train/Fg_images", "Train_ori/Fg_images"),
            alpha_dirs=("Train/GT", "Train/Alpha_matte", "Train_ori/Alpha_matte"),
            bg_source="coco",
            bg_per_fg=80,
            official_fg_count=596,
        ),
        "test": SplitSpec(
            split="test",
            fg_list=(
                "Test/fg_test.txt",
                "lists/test/fg_test.txt",
                "test/fg_test.txt",
                "fg_test.txt",
            ),
            bg_list=(
                "Test/bg_test.txt",
                "lists/test/bg_test.txt",
                "test/bg_test.txt",
                "bg_test.txt",
            ),
            fg_dirs=("Test/FG", "Test/Fg_images", "Test_ori/Fg_images"),
            alpha_dirs=("Test/GT", "Test/Alpha_matte", "Test_ori/Alpha_matte"),
            bg_source="voc",
            bg_per_fg=20,
            trimaps="generated",
            trimap_preset="gca",
            official_fg_count=50,
        ),
    },
    official_naming="global",
    list_line_endings="CRLF",
    fg_order="as listed in fg_train.txt / fg_test.txt (test_0.png ... test_49.png)",
    obtain="Distinctions-646 images: the Google-Drive link in the HAttMatting README "
    "(https://github.com/yuhaoliu7456/CVPR2020-HAttMatting), non-commercial use; the name "
    "lists fg_train.txt, bg_train.txt, fg_test.txt, bg_test.txt are in that repository under "
    "utils/Distinctions-646/{train,test}/ (put them in Train/ and Test/, or lists/train/ and lists/test/).",
    backgrounds=_BACKGROUNDS,
    notes=(
        "Released recipe: 80 backgrounds per training fg (596 x 80 = 47,680), 20 per test fg.",
        "The TIMI-Net paper's 'same rule and ratio as Composition-1K' (1:100) cannot be built "
        "from the released lists: bg_train.txt has 47,680 lines, 1:100 needs 59,600.",
        "The first 43,100 lines of bg_train.txt equal Adobe's training_bg_names.txt; "
        "bg_test.txt equals Adobe's test_bg_names.txt.",
        "No test trimaps were released: mattebench generates them (seeded, recorded).",
    ),
)

HUMAN2K = DatasetSpec(
    name="human2k",
    title="Human-2K (TIMI-Net, Liu et al. 2021), built with `mattebench human2k build`",
    splits={
        s: SplitSpec(
            split=s,
            fg_list=(f"{s}/fg_names.txt",),
            bg_list=(f"{s}/bg_names.txt",),
            fg_dirs=(f"{s}/fg",),
            alpha_dirs=(f"{s}/alpha",),
            bg_source="coco" if s == "train" else "voc",
            bg_per_fg=100 if s == "train" else 20,
            trimaps="none" if s == "train" else "generated",
            trimap_preset=None if s == "train" else "bbox-relative",
            official_fg_count=2000 if s == "train" else 100,
        )
        for s in ("train", "test")
    },
    official_naming="per-fg",
    fg_order="case-insensitive alphabetical (written by `human2k build`)",
    obtain="Human-2K was distributed by e-mail to the TIMI-Net author (kelisiya/TIMI-Net#3); "
    "to build your own, run `mattebench human2k build --images DIR --alphas DIR --out ROOT`.",
    backgrounds=_BACKGROUNDS,
    notes=(
        "2,000 training and 100 test human images; composited like Comp-1K (100 / 20 backgrounds).",
        "Without bg_names.txt the composer draws a seeded background list and writes it to "
        "OUT/<split>/bg_names.txt.",
    ),
)

ALPHAMATTING = DatasetSpec(
    name="alphamatting",
    title="alphamatting.com (Rhemann et al. CVPR 2009), low-resolution training set",
    obtain="http://www.alphamatting.com/datasets.php (input_training_lowres, "
    "trimap_training_lowres, gt_training_lowres); research use only.",
    notes=("Real photographs: not composited. Layout image/, alpha/, trimap1/, trimap2/.",),
)

SYNTHETIC = DatasetSpec(
    name="synthetic",
    title="mattebench procedural set (human2k.synthetic), the embedded demo dataset",
    obtain="Generated on the fly by human2k.synthetic; nothing to download.",
    notes=("Deterministic given the seed; used by `mattebench demo` and the tests.",),
)

SPECS: dict[str, DatasetSpec] = {
    s.name: s for s in (COMP1K, D646, HUMAN2K, ALPHAMATTING, SYNTHETIC)
}


def get_spec(name: str) -> DatasetSpec:
    """Return the spec called NAME.

    Example:
        >>> get_spec("d646").splits["train"].bg_per_fg
        80
    """
    try:
        return SPECS[name]
    except KeyError:
        raise DatasetError(
            f"unknown dataset {name!r}; expected one of {', '.join(SPECS)}"
        ) from None
