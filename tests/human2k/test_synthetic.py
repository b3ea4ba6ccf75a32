"""The synthetic dataset: sample properties, exact on-disk layouts, determinism."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from human2k.images import read_alpha, read_rgb, read_trimap
from human2k.synthetic import (
    synth_background,
    synth_sample,
    write_comp1k_tree,
    write_d646_tree,
    write_human2k_raw,
)
from human2k.trimap import derive_seed, generate_trimap


def _digest_tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def comp1k(tmp_path_factory):
    return write_comp1k_tree(tmp_path_factory.mktemp("c1k"), seed=0)


@pytest.mark.parametrize("seed", [0, 1, 2, 7])
def test_sample_has_soft_hair_and_semitransparent_regions(seed):
    fg, alpha = synth_sample(np.random.default_rng(seed), size=(320, 240))
    assert fg.shape == (240, 320, 3) and fg.dtype == np.uint8
    assert alpha.shape == (240, 320) and alpha.dtype == np.uint8
    assert alpha.min() == 0 and alpha.max() == 255
    soft = (alpha > 0) & (alpha < 255)
    assert soft.mean() > 0.04, "too few 0<α<255 pixels"
    assert len(np.unique(alpha)) > 200, "alpha should cover (almost) the full 0..255 range"
    # a semi-transparent plateau: many pixels in 0.2..0.7 (veil), not just thin edges
    assert ((alpha >= 51) & (alpha <= 179)).sum() > 500
    # thin structures: soft pixels with no opaque neighbour within 1 px (hair strands)
    from scipy.ndimage import binary_dilation

    near_opaque = binary_dilation(alpha == 255, iterations=2)
    assert (soft & ~near_opaque).sum() > 300
    # fg is textured and extends where alpha is 0
    assert fg[alpha == 0].std(axis=0).min() > 5
    assert fg.reshape(-1, 3).std(axis=0).min() > 5


def test_sample_is_deterministic_and_seed_dependent():
    a = synth_sample(np.random.default_rng(5), size=(64, 48))
    b = synth_sample(np.random.default_rng(5), size=(64, 48))
    c = synth_sample(np.random.default_rng(6), size=(64, 48))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_tiny_sizes_work():
    fg, alpha = synth_sample(np.random.default_rng(0), size=(1, 1))
    assert fg.shape == (1, 1, 3) and alpha.shape == (1, 1)
    assert synth_background(np.random.default_rng(0), size=(3, 2)).shape == (2, 3, 3)


def test_backgrounds_are_textured_and_varied():
    bgs = [synth_background(np.random.default_rng(s), size=(96, 64)) for s in range(4)]
    for bg in bgs:
        assert bg.dtype == np.uint8 and bg.shape == (64, 96, 3)
        assert bg.reshape(-1, 3).std(axis=0).max() > 8
    means = np.array([bg.reshape(-1, 3).mean(axis=0) for bg in bgs])
    assert np.ptp(means, axis=0).max() > 20


def test_comp1k_name_lists_match_adobe_conventions(comp1k):
    train = comp1k.adobe_root / "Training_set"
    test = comp1k.adobe_root / "Test_set"
    raw = (train / "training_fg_names.txt").read_bytes()
    assert b"\r" not in raw and not raw.endswith(b"\n")
    fg_names = raw.decode().split("\n")
    assert fg_names == sorted(fg_names, key=str.lower)
    assert fg_names != sorted(fg_names), "the list should exercise case-insensitive order"
    assert any(" " in n for n in fg_names) and all(n.endswith(".jpg") for n in fg_names)
    bg_names = (train / "training_bg_names.txt").read_text().split("\n")
    assert len(bg_names) == comp1k.n_train_fg * comp1k.bg_train == len(set(bg_names))
    assert bg_names == sorted(bg_names) and all(
        n.startswith("COCO_train2014_0000") for n in bg_names
    )
    test_fg = (test / "test_fg_names.txt").read_text().split("\n")
    test_bg = (test / "test_bg_names.txt").read_text().split("\n")
    assert test_fg == sorted(test_fg) and all(n.endswith(".png") for n in test_fg)
    assert len(test_bg) == comp1k.n_test_fg * comp1k.bg_test and test_bg == sorted(test_bg)
    for n in test_bg:
        year, num = n[:-4].split("_")
        assert year in ("2007", "2008") and len(num) == 6


def test_comp1k_files_exist_where_the_lists_say(comp1k):
    train = comp1k.adobe_root / "Training_set"
    names = (train / "training_fg_names.txt").read_text().split("\n")
    in_other = 0
    for n in names:
        hits = [d for d in ("Adobe-licensed images", "Other") if (train / d / "fg" / n).is_file()]
        assert len(hits) == 1, n
        in_other += hits[0] == "Other"
        assert (train / hits[0] / "alpha" / n).is_file()
        with Image.open(train / hits[0] / "fg" / n) as im:
            assert im.format == "JPEG" and im.mode == "RGB"
        with Image.open(train / hits[0] / "alpha" / n) as im:
            assert im.format == "JPEG" and im.mode == "L"
    assert 1 <= in_other < len(names)
    for n in (train / "training_bg_names.txt").read_text().split("\n"):
        assert (comp1k.coco_root / "train2014" / n).is_file()
    test = comp1k.adobe_root / "Test_set"
    for n in (test / "test_bg_names.txt").read_text().split("\n"):
        assert (comp1k.voc_root / "JPEGImages" / n).is_file()


def test_comp1k_modes_and_sizes_exercise_composition_corner_cases(comp1k):
    test_dir = comp1k.adobe_root / "Test_set" / "Adobe-licensed images"
    names = comp1k.test_fg_names
    fg_modes = [Image.open(test_dir / "fg" / n).mode for n in names]
    alpha_modes = [Image.open(test_dir / "alpha" / n).mode for n in names]
    assert fg_modes[0] == "RGBA" and alpha_modes[-1] == "RGB" and alpha_modes[0] == "L"
    rgba = np.asarray(Image.open(test_dir / "fg" / names[0]))
    assert not np.array_equal(rgba[..., 3], read_alpha(test_dir / "alpha" / names[0])), (
        "the RGBA fg's own alpha channel must differ from the GT so misuse is detectable"
    )
    bg_modes = {Image.open(p).mode for p in (comp1k.coco_root / "train2014").iterdir()}
    assert {"L", "CMYK", "RGB"} <= bg_modes
    # pair each bg with its fg (line i*N + k) and check both upscale and larger cases occur
    train = comp1k.adobe_root / "Training_set"
    fgs = (train / "training_fg_names.txt").read_text().split("\n")
    bgs = (train / "training_bg_names.txt").read_text().split("\n")
    ratios = []
    for j, b in enumerate(bgs):
        fgname = fgs[j // comp1k.bg_train]
        folder = "Other" if fgname in comp1k.other_fg_names else "Adobe-licensed images"
        fw, fh = Image.open(train / folder / "fg" / fgname).size
        bw, bh = Image.open(comp1k.coco_root / "train2014" / b).size
        ratios.append(max(fw / bw, fh / bh))
    assert max(ratios) > 1 and min(ratios) < 1


def test_comp1k_test_trimaps_are_per_composite_and_recorded(comp1k):
    test_dir = comp1k.adobe_root / "Test_set" / "Adobe-licensed images"
    record = json.loads((comp1k.root / "synth_record.json").read_text())["test_trimaps"]
    for name in comp1k.test_fg_names:
        gt = read_alpha(test_dir / "alpha" / name)
        tris = []
        for k in range(comp1k.bg_test):
            tname = f"{name[:-4]}_{k}.png"
            tri = read_trimap(test_dir / "trimaps" / tname)
            assert tri.shape == gt.shape
            assert np.all(tri[(gt > 0) & (gt < 255)] == 128)
            params = record[tname]
            assert params["seed"] == derive_seed(comp1k.seed, "comp1k-test-trimap", tname)
            size_range = tuple(params["size_range"])
            again = generate_trimap(gt, "dim", seed=params["seed"], size_range=size_range)
            assert np.array_equal(again, tri), "recorded parameters must reproduce the trimap"
            tris.append(tri)
        assert not np.array_equal(tris[0], tris[1]), "trimaps should differ between composites"


def test_comp1k_tree_is_byte_identical_for_a_seed(tmp_path, comp1k):
    again = write_comp1k_tree(tmp_path / "a", seed=0)
    other = write_comp1k_tree(tmp_path / "b", seed=1)
    d0, d1, d2 = _digest_tree(comp1k.root), _digest_tree(again.root), _digest_tree(other.root)
    assert d0 == d1 and "synth_record.json" in d0
    name = "Combined_Dataset/Training_set/training_fg_names.txt"
    assert d2[name] == d0[name]  # same names, different pixels
    fg = "Combined_Dataset/Test_set/Adobe-licensed images/fg/beach-747750_1280.png"
    assert d2[fg] != d0[fg]


def test_comp1k_bad_counts_raise(tmp_path):
    from human2k.errors import InputError

    with pytest.raises(InputError, match="n_test_fg must be >= 1"):
        write_comp1k_tree(tmp_path, n_test_fg=0)


def test_d646_layout_and_crlf_lists(tmp_path):
    t = write_d646_tree(tmp_path, n_train_fg=5, n_test_fg=3, bg_train=4, bg_test=2, size=(64, 48))
    for path, n in (
        (t.fg_train_list, 5),
        (t.bg_train_list, 20),
        (t.fg_test_list, 3),
        (t.bg_test_list, 6),
    ):
        raw = path.read_bytes()
        assert raw.endswith(b"\r\n") and raw.count(b"\r\n") == n and raw.count(b"\n") == n
    test_names = t.fg_test_list.read_text().split()
    assert test_names == ["test_0.png", "test_1.png", "test_2.png"]
    for split, lst in (("Train", t.fg_train_list), ("Test", t.fg_test_list)):
        for name in lst.read_bytes().decode().split("\r\n")[:-1]:
            assert (t.d646_root / split / "FG" / name).is_file()
            assert (
                read_alpha(t.d646_root / split / "GT" / name).shape
                == read_rgb(t.d646_root / split / "FG" / name).shape[:2]
            )
    bgs = t.bg_train_list.read_bytes().decode().split("\r\n")[:-1]
    assert len(set(bgs)) == 20 and bgs[:18] == sorted(bgs[:18])
    assert all((t.coco_root / "train2014" / b).is_file() for b in bgs)


def test_human2k_raw_pairs_and_prefix_stability(tmp_path):
    r5 = write_human2k_raw(tmp_path / "a", 3, seed=4, size=(64, 48))
    r2 = write_human2k_raw(tmp_path / "b", 2, seed=4, size=(64, 48))
    for stem in ("human_0000", "human_0001"):
        assert (r5.images / f"{stem}.jpg").read_bytes() == (r2.images / f"{stem}.jpg").read_bytes()
    for img in sorted(r5.images.iterdir()):
        alpha = read_alpha(r5.alphas / f"{img.stem}.png")
        assert read_rgb(img).shape[:2] == alpha.shape
        assert ((alpha > 0) & (alpha < 255)).any()
    rows = r5.provenance.read_text().splitlines()
    assert rows[0] == "name,source,license,seed,human" and len(rows) == 4


@pytest.mark.parametrize("layout", ["comp1k", "d646", "human2k-raw"])
def test_synth_cli_writes_each_layout(tmp_path, layout):
    from click.testing import CliRunner

    from benchmark.cli import cli

    out = tmp_path / layout
    res = CliRunner().invoke(
        cli,
        [
            "synth",
            "--out",
            str(out),
            "--n",
            "5",
            "--seed",
            "2",
            "--size",
            "48x40",
            "--layout",
            layout,
        ],
    )
    assert res.exit_code == 0, res.output
    marker = {
        "comp1k": "Combined_Dataset/Test_set/test_fg_names.txt",
        "d646": "Distinctions-646/lists/test/fg_test.txt",
        "human2k-raw": "provenance.csv",
    }[layout]
    assert (out / marker).is_file()
    if layout == "comp1k":  # N=5 -> 4 train + 1 test
        assert (
            len(
                (out / "Combined_Dataset/Training_set/training_fg_names.txt")
                .read_text()
                .split("\n")
            )
            == 4
        )
        assert (
            len((out / "Combined_Dataset/Test_set/test_fg_names.txt").read_text().split("\n")) == 1
        )
    bad = CliRunner().invoke(cli, ["synth", "--out", str(out), "--size", "48by40"])
    assert bad.exit_code == 2 and "WxH" in bad.output


def test_synth_cli_refuses_a_non_empty_folder(tmp_path):
    from click.testing import CliRunner

    from benchmark.cli import cli

    (tmp_path / "old.txt").write_text("x")
    res = CliRunner().invoke(cli, ["synth", "--out", str(tmp_path), "--n", "2"])
    assert res.exit_code == 1 and "folder is not empty" in res.output
