"""Name-list quirks (COCO 2017, D646 CRLF + global names) and bad input: one clear error each."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from human2k.composite import composite_dataset, plan_composite
from human2k.errors import DatasetError, InputError
from human2k.names import COCO_2014_PREFIX, d646_official_name, read_name_list
from human2k.synthetic import write_comp1k_tree, write_d646_tree


@pytest.fixture()
def tree(tmp_path):
    return write_comp1k_tree(
        tmp_path / "src", n_train_fg=3, n_test_fg=2, bg_train=2, bg_test=2, size=(40, 30)
    )


def _comp(tree, out, split="test", **kw):
    return composite_dataset(
        "comp1k",
        root=tree.adobe_root,
        coco_root=tree.coco_root,
        voc_root=tree.voc_root,
        split=split,
        bg_per_fg=2,
        out=out,
        **kw,
    )


def test_coco_2017_names_strip_the_2014_prefix(tree, tmp_path):
    ref = _comp(tree, tmp_path / "a", split="train")
    src = tree.coco_root / "train2014"
    dst = tmp_path / "coco17" / "train2017"
    dst.mkdir(parents=True)
    for p in src.iterdir():
        assert p.name.startswith(COCO_2014_PREFIX)
        shutil.copy(p, dst / p.name[len(COCO_2014_PREFIX) :])
    m = composite_dataset(
        "comp1k",
        root=tree.adobe_root,
        coco_root=tmp_path / "coco17",
        split="train",
        bg_per_fg=2,
        out=tmp_path / "b",
    )
    merged = {k: v["pixels"] for k, v in m["files"].items() if "/merged/" in k}
    assert merged == {k: v["pixels"] for k, v in ref["files"].items() if "/merged/" in k}
    assert len(merged) == 6


def test_fg_order_comes_from_the_list_not_listdir(tree, tmp_path):
    m = _comp(tree, tmp_path / "o", split="train")
    listed = read_name_list(tree.adobe_root / "Training_set/training_fg_names.txt")
    assert m["splits"]["train"]["fg_names"] == listed
    assert listed != sorted(listed)  # Adobe's case-insensitive order differs from sorted()


def test_d646_crlf_lists_names_and_generated_trimaps(tmp_path):
    t = write_d646_tree(
        tmp_path / "src", n_train_fg=2, n_test_fg=2, bg_train=2, bg_test=2, size=(40, 30)
    )
    assert b"\r\n" in t.fg_test_list.read_bytes()
    kw = dict(
        root=t.d646_root, coco_root=t.coco_root, voc_root=t.voc_root, split="all", bg_per_fg=2
    )
    m = composite_dataset("d646", out=tmp_path / "o", **kw)
    merged = sorted(p for p in m["files"] if p.startswith("test/merged/"))
    assert merged == [f"test/merged/test_{i}_{k}.png" for i in range(2) for k in range(2)]
    assert not any("\r" in p for p in m["files"])
    tri = {p: r for p, r in m["files"].items() if "/trimaps/" in p}
    assert len(tri) == 4 and all(r["trimap"]["seed"] > 0 for r in tri.values())
    assert m["parameters"]["trimap_seed"] == 646
    # the same trimaps as human2k.trimap's documented D646 generator
    # (`mattebench trimap --preset d646-test --per-image 2` on the GT alphas)
    from human2k.trimap_sets import d646_test_trimaps

    d646_test_trimaps(tmp_path / "o/test/alpha", tmp_path / "ref_tri", per_image=2)
    for p, _r in tri.items():
        assert np.array_equal(
            np.asarray(Image.open(tmp_path / "o" / p)),
            np.asarray(Image.open(tmp_path / "ref_tri" / Path(p).name)),
        )
    # deterministic: a second build has the same content hash
    assert (
        composite_dataset("d646", out=tmp_path / "o2", **kw)["content_sha256"]
        == m["content_sha256"]
    )
    # HAttMatting's global-index name of our test_1_1.png
    assert d646_official_name("test_1.png", 1, 1, 2) == "test_3.png"


def test_missing_listed_file_is_named(tree, tmp_path):
    victim = tree.adobe_root / "Test_set/Adobe-licensed images/fg" / tree.test_fg_names[1]
    victim.unlink()
    with pytest.raises(
        DatasetError, match=tree.test_fg_names[1].replace(".", r"\.") + r".*line 2 of"
    ):
        _comp(tree, tmp_path / "o")
    plan = plan_composite(
        "comp1k", root=tree.adobe_root, voc_root=tree.voc_root, bg_per_fg=2, strict=False
    )
    assert [p for p, _ in plan.missing] == [str(victim)]


def test_missing_background_is_named(tree, tmp_path):
    name = read_name_list(tree.adobe_root / "Test_set/test_bg_names.txt")[3]
    (tree.voc_root / "JPEGImages" / name).unlink()
    with pytest.raises(DatasetError, match=name + r".*line 4 of"):
        _comp(tree, tmp_path / "o")


def test_short_bg_list(tree, tmp_path):
    with pytest.raises(
        DatasetError, match=r"test_bg_names\.txt: background list has 4 lines but 2 foregrounds x 3"
    ):
        composite_dataset(
            "comp1k", root=tree.adobe_root, voc_root=tree.voc_root, bg_per_fg=3, out=tmp_path / "o"
        )
    with pytest.raises(DatasetError, match="20 are needed|40 are needed"):
        composite_dataset(
            "comp1k", root=tree.adobe_root, voc_root=tree.voc_root, out=tmp_path / "o"
        )


def test_alpha_size_mismatch(tree, tmp_path):
    a = tree.adobe_root / "Test_set/Adobe-licensed images/alpha" / tree.test_fg_names[0]
    Image.new("L", (39, 30)).save(a)
    with pytest.raises(
        InputError,
        match=str(a).replace("(", r"\(").replace(")", r"\)") + r": alpha is 39x30 but foreground",
    ):
        _comp(tree, tmp_path / "o")


def test_alpha_with_differing_channels(tree, tmp_path):
    a = tree.adobe_root / "Test_set/Adobe-licensed images/alpha" / tree.test_fg_names[0]
    rgb = np.zeros((30, 40, 3), np.uint8)
    rgb[..., 1] = 7
    Image.fromarray(rgb).save(a)
    with pytest.raises(InputError, match=r"alpha is RGB with channels that differ"):
        _comp(tree, tmp_path / "o", workers=2)  # the error crosses the process boundary intact


def test_truncated_background_and_partial_work_kept(tree, tmp_path):
    name = read_name_list(tree.adobe_root / "Test_set/test_bg_names.txt")[2]  # first bg of fg 1
    p = tree.voc_root / "JPEGImages" / name
    p.write_bytes(p.read_bytes()[:200])
    with pytest.raises(InputError, match=name + ": cannot decode image"):
        _comp(tree, tmp_path / "o")
    assert (
        tmp_path / "o/test/merged" / f"{tree.test_fg_names[0][:-4]}_1.png"
    ).is_file()  # fg 0 kept


def test_fg_extend_writes_estimated_fg_and_keeps_merged_exact(tree, tmp_path):
    plain = _comp(tree, tmp_path / "a")
    ext = _comp(tree, tmp_path / "b", fg_extend=True, limit_fg=1)
    rel = f"test/fg_extended/{tree.test_fg_names[0][:-4]}.png"
    assert ext["files"][rel]["role"] == "fg_extended"
    for k in range(2):
        m = f"test/merged/{tree.test_fg_names[0][:-4]}_{k}.png"
        assert (
            ext["files"][m]["pixels"] == plain["files"][m]["pixels"]
        )  # merged never uses the estimate
    fx = np.asarray(Image.open(tmp_path / "b" / rel))
    fg = np.asarray(Image.open(tmp_path / "b/test/fg" / f"{tree.test_fg_names[0][:-4]}.png"))
    a = np.asarray(Image.open(tmp_path / "b/test/alpha" / f"{tree.test_fg_names[0][:-4]}.png"))
    assert np.array_equal(fx[a == 255], fg[a == 255])
